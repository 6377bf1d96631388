-- Issue 16: the providers' Batch APIs as a lane at half price. A provider job (Gemini
-- batchGenerateContent, OpenAI /v1/batches) holds many items; it is tracked here so that any worker
-- picks it up again after a crash, and so that its items fall back to real time at the latest safe
-- moment if it has not come back.

CREATE TABLE provider_jobs (
    job_id           uuid PRIMARY KEY,
    endpoint         text NOT NULL,
    model            text NOT NULL,
    -- the provider's id (batches/..., batch_...); null until the submit call answered
    provider_job_id  text UNIQUE,
    -- SUBMITTING (our row, no provider id yet), SUBMITTED (out at the provider), ENDED (results
    -- taken), ABANDONED (the submit never answered; its items went back to the queue)
    state            text NOT NULL,
    -- the provider's last word: PENDING, RUNNING, SUCCEEDED, EXPIRED, CANCELLED, FAILED...
    provider_state   text,
    items            int  NOT NULL,
    submitted_at     timestamptz NOT NULL,
    -- past this instant the unfinished items cannot wait any more: cancel, run them in real time
    latest_safe_at   timestamptz NOT NULL,
    fell_back_at     timestamptz,
    ended_at         timestamptz,
    next_poll_at     timestamptz NOT NULL,
    -- which worker polls it (a lease like an item's: a dead worker's jobs are taken over)
    lease_owner      text,
    lease_until      timestamptz,
    -- lines whose result we used, and lines that came back after their item was done elsewhere
    -- (paid, discarded)
    results_used     int  NOT NULL DEFAULT 0,
    late_discarded   int  NOT NULL DEFAULT 0,
    note             text,
    version          int  NOT NULL DEFAULT 0,
    CHECK (state IN ('SUBMITTING', 'SUBMITTED', 'ENDED', 'ABANDONED'))
);
CREATE INDEX provider_jobs_open ON provider_jobs (next_poll_at) WHERE state IN ('SUBMITTING', 'SUBMITTED');
-- the turnaround estimate per model reads the latest ended jobs
CREATE INDEX provider_jobs_ended ON provider_jobs (model, ended_at DESC) WHERE state = 'ENDED';

-- Every item a job was given, for good: a result that comes back after the item fell back to real
-- time still finds its item (and is counted as paid and discarded).
CREATE TABLE provider_job_items (
    job_id    uuid NOT NULL REFERENCES provider_jobs ON DELETE CASCADE,
    item_id   uuid NOT NULL REFERENCES items ON DELETE CASCADE,
    -- the line's key / custom_id (the item id as text)
    line_key  text NOT NULL,
    -- what became of the line: null while out; USED, RERUN (failed line or unrun), LATE (discarded)
    outcome   text,
    PRIMARY KEY (job_id, item_id),
    UNIQUE (job_id, line_key)
);
CREATE INDEX provider_job_items_by_item ON provider_job_items (item_id);

-- The job an item is in while IN_PROVIDER_BATCH.
ALTER TABLE items ADD COLUMN provider_job uuid;

-- The ledger: an attempt served by a provider job names it, and says it was priced at batch rates.
ALTER TABLE attempts
    ADD COLUMN provider_job_id text,
    ADD COLUMN batch_price boolean NOT NULL DEFAULT false;

-- The lifecycle (ItemState; ItemLifecycleTest keeps both equal).
INSERT INTO item_state_moves (from_state, to_state) VALUES
    ('RUNNING', 'IN_PROVIDER_BATCH'),
    ('IN_PROVIDER_BATCH', 'RUNNING'), ('IN_PROVIDER_BATCH', 'QUEUED'),
    ('IN_PROVIDER_BATCH', 'CANCELLED');
