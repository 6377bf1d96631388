-- Nightly runs from a merchant's own catalog feed (issue 14).

-- db-scheduler 16.7.1's table (its Boot starter does not engage on Boot 4, so the schema is ours):
-- the api's Scheduler fires each schedule and works each run from here, one replica per execution.
CREATE TABLE scheduled_tasks (
    task_name             text NOT NULL,
    task_instance         text NOT NULL,
    task_data             bytea,
    execution_time        timestamptz NOT NULL,
    picked                boolean NOT NULL,
    picked_by             text,
    last_success          timestamptz,
    last_failure          timestamptz,
    consecutive_failures  int,
    last_heartbeat        timestamptz,
    version               bigint NOT NULL,
    priority              smallint,
    PRIMARY KEY (task_name, task_instance)
);
CREATE INDEX execution_time_idx ON scheduled_tasks (execution_time);
CREATE INDEX last_heartbeat_idx ON scheduled_tasks (last_heartbeat);
CREATE INDEX priority_execution_time_idx ON scheduled_tasks (priority DESC, execution_time ASC);

-- A tenant's schedule: when (cron or a daily time in a zone), where the feed is, how to read it,
-- the batch options of its runs and the local time they should be done by.
CREATE TABLE schedules (
    schedule_id      uuid PRIMARY KEY,
    tenant_id        uuid NOT NULL REFERENCES tenants,
    name             text NOT NULL,
    -- the whole definition as accepted (credentials excluded), shown back by the api
    spec             jsonb NOT NULL,
    -- AES-GCM sealed credentials ("v1:" + base64), never returned by the api
    sealed_secret    text,
    paused_at        timestamptz,
    next_due_at      timestamptz,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    version          int NOT NULL DEFAULT 0
);
CREATE INDEX schedules_by_tenant ON schedules (tenant_id, created_at);

-- One row per firing (or "run now"): its state, its batch, what it found and what it cost.
CREATE TABLE schedule_runs (
    run_id           uuid PRIMARY KEY,
    schedule_id      uuid NOT NULL REFERENCES schedules ON DELETE CASCADE,
    tenant_id        uuid NOT NULL,
    trigger          text NOT NULL,
    due_at           timestamptz NOT NULL,
    deadline         timestamptz,
    state            text NOT NULL,
    reason           text,
    batch_id         uuid REFERENCES batches ON DELETE SET NULL,
    lane             text,
    fetch_attempts   int NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz,
    -- what the feed held, by product
    feed_products    bigint,
    new_products     bigint,
    changed_products bigint,
    unchanged_products bigint,
    removed_products bigint,
    bad_rows         bigint NOT NULL DEFAULT 0,
    -- the manifest's lines (product x variant) by outcome, known at the end
    generated        bigint,
    reused           bigint,
    removed          bigint,
    failed           bigint,
    items_queued     bigint,
    cost_usd         numeric(14,6),
    eta              timestamptz,
    at_risk          text,
    -- a held run's feed was confirmed by the merchant: its removals go through
    confirmed_at     timestamptz,
    started_at       timestamptz,
    diffed_at        timestamptz,
    finished_at      timestamptz,
    manifest_key     text,
    created_at       timestamptz NOT NULL,
    version          int NOT NULL DEFAULT 0
);
-- exactly one run per schedule and due time, whatever fires it (runs now are told apart by trigger)
CREATE UNIQUE INDEX schedule_runs_once ON schedule_runs (schedule_id, due_at, trigger);
CREATE INDEX schedule_runs_by_schedule ON schedule_runs (schedule_id, created_at DESC);
CREATE INDEX schedule_runs_open ON schedule_runs (schedule_id)
    WHERE state IN ('QUEUED', 'FETCHING', 'HELD', 'GENERATING');
CREATE INDEX schedule_runs_generating ON schedule_runs (batch_id) WHERE state = 'GENERATING';

-- What a schedule's catalog looks like after its last run: per product and variant the hash of
-- everything that decides the output, and the images made from it. done_hash is the hash the
-- images were made from (null until one succeeded); pending_* is what the open run is making.
CREATE TABLE schedule_catalog (
    schedule_id   uuid NOT NULL REFERENCES schedules ON DELETE CASCADE,
    sku           text NOT NULL,
    variant       text NOT NULL,
    -- 64 bits of SHA-256(sku, variant): the diff keeps these in memory, not the strings
    key_hash      bigint NOT NULL,
    done_hash     bigint,
    -- the item that made the images (alt text and caption are on it)
    done_item     uuid,
    image_key     text,
    sidecar_key   text,
    done_run      uuid,
    done_at       timestamptz,
    pending_run   uuid,
    pending_hash  bigint,
    PRIMARY KEY (schedule_id, sku, variant)
);
CREATE INDEX schedule_catalog_by_key ON schedule_catalog (schedule_id, key_hash);
CREATE INDEX schedule_catalog_pending ON schedule_catalog (pending_run) WHERE pending_run IS NOT NULL;

-- Lines that left the catalog in a run (for its manifest), with the images they had.
CREATE TABLE schedule_run_removed (
    run_id       uuid NOT NULL REFERENCES schedule_runs ON DELETE CASCADE,
    sku          text NOT NULL,
    variant      text NOT NULL,
    image_key    text,
    sidecar_key  text,
    PRIMARY KEY (run_id, sku, variant)
);

-- Bad feed rows of a run, by line (the first pipeline.schedules.max-reported-rows of them).
CREATE TABLE schedule_run_errors (
    run_id   uuid NOT NULL REFERENCES schedule_runs ON DELETE CASCADE,
    ordinal  int  NOT NULL,
    line     bigint,
    field    text,
    message  text NOT NULL,
    PRIMARY KEY (run_id, ordinal)
);
