-- Budgets shared by every worker replica: one row per model x provider account (budget_key),
-- changed only by single atomic statements (see the worker's BudgetStore).
CREATE TABLE budget_state (
    budget_key        text PRIMARY KEY,
    -- GCRA: the theoretical arrival time of the next request, epoch milliseconds with their
    -- fraction (whole milliseconds would round a 40.4 ms spacing up to 41: 1.5% of the rate lost)
    tat_ms            double precision NOT NULL DEFAULT 0,
    -- the provider asked everyone to wait until then (its retry delay on a 429)
    blocked_until_ms  bigint NOT NULL DEFAULT 0,
    -- AIMD: the share of the configured rate in use; halved on a 429, raised by steps on success
    rate_factor       double precision NOT NULL DEFAULT 1.0,
    success_streak    int NOT NULL DEFAULT 0,
    -- the recent share of calls answered 429 (moving average): only a dense run of 429s lowers
    -- the rate, a stray one (an overloaded provider at peak) does not
    limited_share     double precision NOT NULL DEFAULT 0,
    last_decrease_ms  bigint NOT NULL DEFAULT 0,
    -- the daily quota: the day (in the budget's reset zone) being counted, and its count
    day               text NOT NULL DEFAULT '',
    day_count         int NOT NULL DEFAULT 0,
    -- the provider said the daily quota is used up, whatever our count says
    day_exhausted     boolean NOT NULL DEFAULT false,
    updated_at        timestamptz NOT NULL DEFAULT now()
);

-- What a batch may spend and by when. committed_usd (reserved for calls in flight + settled cost)
-- is kept only while a cap is set: an uncapped batch never touches its row per call.
ALTER TABLE batches
    ADD COLUMN deadline              timestamptz,
    ADD COLUMN cost_cap_usd          numeric(14,6),
    ADD COLUMN committed_usd         numeric(14,6) NOT NULL DEFAULT 0,
    ADD COLUMN allow_safety_reroute  boolean NOT NULL DEFAULT false,
    ADD COLUMN eta                   timestamptz,
    ADD COLUMN at_risk               text;

-- A tenant's monthly cost cap, and what each month has committed against it (calls in flight at
-- their reservation, settled calls at their cost). Kept only while the tenant has a cap.
ALTER TABLE tenants ADD COLUMN monthly_cap_usd numeric(14,6);

CREATE TABLE tenant_spend (
    tenant_id      uuid NOT NULL REFERENCES tenants,
    month          text NOT NULL,
    committed_usd  numeric(14,6) NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, month)
);

-- Re-drive: attempts made before the current run, so a re-driven item gets its full retries again
-- while its attempt numbers (the ledger's key) keep counting up.
ALTER TABLE items ADD COLUMN attempts_before_run int NOT NULL DEFAULT 0;
