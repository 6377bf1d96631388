-- A daily quota the provider said is used up is re-probed now and then (a quota raised during the
-- day, or a wrong reading, must not cost the rest of the day): one call per interval across the
-- fleet, claimed in the row; a success clears day_exhausted for every worker, another daily 429
-- doubles the interval. Times are epoch milliseconds from the workers' clocks, as elsewhere.
ALTER TABLE budget_state
    -- when the provider last said the quota is used up: only a call sent after it proves it back
    ADD COLUMN exhausted_at_ms  bigint NOT NULL DEFAULT 0,
    -- the next re-probe may go then; claiming it moves this on by reprobe_every_ms
    ADD COLUMN reprobe_at_ms    bigint NOT NULL DEFAULT 0,
    ADD COLUMN reprobe_every_ms bigint NOT NULL DEFAULT 0;
