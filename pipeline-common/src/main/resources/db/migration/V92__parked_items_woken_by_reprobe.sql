-- Issue 13: items parked until a daily quota's reset (QUEUED, next_model = the used-up model, due
-- at the reset) are woken when the fleet's re-probe finds the quota back, and one of them is woken
-- to be the re-probe call itself when nothing else asks for the model.

-- When a worker last woke a parked item to be the re-probe (one per re-probe, fleet-wide; another
-- after a minute if that item never made the call).
ALTER TABLE budget_state ADD COLUMN parked_woken_at_ms bigint NOT NULL DEFAULT 0;

-- Parked items found by their model; items_due is by lane and cannot find them without a scan.
CREATE INDEX items_parked ON items (next_model, not_before) WHERE state = 'QUEUED';
