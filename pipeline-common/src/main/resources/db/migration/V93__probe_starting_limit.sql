-- The limit a probe started from: near it a probe approaches slowly (a creeping limit is met with a
-- few 429s), once it has climbed 20% past it the quota came back and the window fills at the
-- configured rate. See the worker's QuotaLearner and docs/decisions.md (2026-12-07).
-- 0 = not probing, or a probe saved before this column (it keeps the old pace).
ALTER TABLE budget_state ADD COLUMN probe_from_rpm double precision NOT NULL DEFAULT 0;
