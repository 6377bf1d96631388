-- Budgets learn the rate a provider really grants (the configured rate is the ceiling); see the
-- worker's QuotaLearner and docs/decisions.md (2026-12-05). The AIMD columns are replaced.
ALTER TABLE budget_state
    DROP COLUMN rate_factor,
    DROP COLUMN success_streak,
    DROP COLUMN limited_share,
    DROP COLUMN last_decrease_ms,
    -- the spacing of booked slots, as calls per minute, set by the learner (0 = the configured rate)
    ADD COLUMN pace_rpm          double precision NOT NULL DEFAULT 0,
    -- the rate the budget plans for (0 = the configured one): just below the last measured limit
    ADD COLUMN learnt_rpm        double precision NOT NULL DEFAULT 0,
    -- the learner's state: its phase, the last measured limit (0 = none below the configured
    -- rate), the window count it aims for now (above the limit while it probes), when it measured,
    -- how long until it probes again, the random 429 share
    ADD COLUMN phase             text,
    ADD COLUMN phase_since_ms    bigint NOT NULL DEFAULT 0,
    ADD COLUMN limit_rpm         double precision NOT NULL DEFAULT 0,
    ADD COLUMN target_rpm        double precision NOT NULL DEFAULT 0,
    ADD COLUMN cut_at_ms         bigint NOT NULL DEFAULT 0,
    -- when the last measurement is made again from settled counts (the 429s of calls made before
    -- it have come back), and the start of the span it counted
    ADD COLUMN settle_at_ms      bigint NOT NULL DEFAULT 0,
    ADD COLUMN measured_from_ms  bigint NOT NULL DEFAULT 0,
    ADD COLUMN probe_every_ms    bigint NOT NULL DEFAULT 0,
    ADD COLUMN top_since_ms      bigint NOT NULL DEFAULT 0,
    ADD COLUMN random_calls      double precision NOT NULL DEFAULT 0,
    ADD COLUMN random_limited    double precision NOT NULL DEFAULT 0,
    ADD COLUMN random_upto_sec   bigint NOT NULL DEFAULT 0,
    -- one replica at a time evaluates the learner: the last evaluation, and the hour it was in
    ADD COLUMN learnt_at_ms      bigint NOT NULL DEFAULT 0,
    ADD COLUMN learnt_hour       int NOT NULL DEFAULT -1,
    -- the last minute folded into learnt_rates (once, by whichever replica evaluated then)
    ADD COLUMN history_minute    bigint NOT NULL DEFAULT 0,
    -- the latest 429's retry delay (negative = none given) and when it came
    ADD COLUMN retry_delay_ms    bigint NOT NULL DEFAULT -1,
    ADD COLUMN retry_at_ms       bigint NOT NULL DEFAULT 0,
    -- the limit the provider's x-ratelimit-limit-requests header stated, and when
    ADD COLUMN told_limit_rpm    double precision NOT NULL DEFAULT 0,
    ADD COLUMN told_at_ms        bigint NOT NULL DEFAULT 0;

-- Every budget's calls second by second, for all replicas: slots booked and 429s answered, both by
-- the second the call went. The learner reads the last two minutes; older rows are deleted.
CREATE TABLE budget_seconds (
    budget_key  text   NOT NULL,
    sec         bigint NOT NULL,
    sent        int    NOT NULL DEFAULT 0,
    limited     int    NOT NULL DEFAULT 0,
    PRIMARY KEY (budget_key, sec)
);

-- The rate learnt per hour of the day (UTC), per model and provider account, across days: the
-- plan of tomorrow's batches (ETA, peak deferral) and the start of each hour use it.
CREATE TABLE learnt_rates (
    endpoint    text NOT NULL,
    model       text NOT NULL,
    hour        int  NOT NULL CHECK (hour BETWEEN 0 AND 23),
    rpm         double precision NOT NULL,
    minutes     int  NOT NULL DEFAULT 0,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (endpoint, model, hour)
);
