-- One schema, one owner: this module. Every table carries tenant_id.

CREATE TABLE tenants (
    tenant_id   uuid PRIMARY KEY,
    name        text NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- The tenant that owns everything until tenants and API keys are configured.
INSERT INTO tenants (tenant_id, name) VALUES ('00000000-0000-0000-0000-000000000001', 'default');

CREATE TABLE batches (
    batch_id       uuid PRIMARY KEY,
    tenant_id      uuid NOT NULL REFERENCES tenants,
    name           text NOT NULL,
    tier           text NOT NULL,
    lane           text NOT NULL,
    priority       int  NOT NULL DEFAULT 0,
    -- variants, alt text locales, prompt template, style guide: everything the items share
    spec           jsonb NOT NULL,
    product_count  int  NOT NULL,
    item_count     int  NOT NULL,
    state          text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    finished_at    timestamptz,
    version        int  NOT NULL DEFAULT 0
);
CREATE INDEX batches_by_tenant ON batches (tenant_id, created_at DESC);
CREATE INDEX batches_open ON batches (created_at) WHERE finished_at IS NULL;

-- One row per submitted product; items (product x variant) point at it.
CREATE TABLE products (
    batch_id    uuid NOT NULL REFERENCES batches ON DELETE CASCADE,
    product_no  int  NOT NULL,
    tenant_id   uuid NOT NULL,
    sku         text NOT NULL,
    -- title, description, attributes, reference image
    data        jsonb NOT NULL,
    PRIMARY KEY (batch_id, product_no),
    UNIQUE (batch_id, sku)
);

CREATE TABLE items (
    item_id             uuid PRIMARY KEY,
    tenant_id           uuid NOT NULL,
    batch_id            uuid NOT NULL,
    product_no          int  NOT NULL,
    -- position in the batch (product_no * variant count + variant index): cursor for listings
    item_no             int  NOT NULL,
    sku                 text NOT NULL,
    variant             text NOT NULL,
    state               text NOT NULL,
    -- every state change bumps it; a change guarded by an old version fails instead of overwriting
    version             int  NOT NULL DEFAULT 0,
    lane                text NOT NULL,
    priority            int  NOT NULL DEFAULT 0,
    not_before          timestamptz NOT NULL,
    dispatched_at       timestamptz,
    lease_owner         text,
    lease_until         timestamptz,
    attempts            int  NOT NULL DEFAULT 0,
    last_error_type     text,
    last_error_message  text,
    -- why the item waits or what the pipeline decided last, in words
    note                text,
    -- the model the next attempt should ask, when routing moved the item to another model
    next_model          text,
    model_served        text,
    cost_usd            numeric(14,6) NOT NULL DEFAULT 0,
    image_key           text,
    sidecar_key         text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    finished_at         timestamptz,
    UNIQUE (batch_id, item_no),
    FOREIGN KEY (batch_id, product_no) REFERENCES products ON DELETE CASCADE
);
-- the dispatcher's queue: due items by priority
CREATE INDEX items_due ON items (lane, priority DESC, not_before) WHERE state = 'QUEUED';
CREATE INDEX items_dispatched ON items (dispatched_at) WHERE state = 'DISPATCHED';
CREATE INDEX items_leased ON items (lease_until) WHERE state = 'RUNNING';
CREATE INDEX items_by_owner ON items (lease_owner) WHERE state = 'RUNNING';
CREATE INDEX items_by_batch_state ON items (batch_id, state, item_no);

-- The ledger: one row per real provider call. A call is recorded IN_FLIGHT before it is made (with
-- the cost reserved) and settled after it, so money is counted even when a worker dies mid-call.
CREATE TABLE attempts (
    item_id          uuid NOT NULL REFERENCES items ON DELETE CASCADE,
    attempt_no       int  NOT NULL,
    tenant_id        uuid NOT NULL,
    batch_id         uuid NOT NULL,
    worker_id        text NOT NULL,
    endpoint         text NOT NULL,
    model_requested  text NOT NULL,
    model_served     text,
    outcome          text NOT NULL,
    -- what the pipeline did about the outcome, and why
    decision         text,
    http_status      int,
    error_message    text,
    started_at       timestamptz NOT NULL,
    finished_at      timestamptz,
    latency_ms       int,
    tokens_in        int,
    tokens_out       int,
    tokens_thinking  int,
    reserved_usd     numeric(14,6) NOT NULL DEFAULT 0,
    cost_usd         numeric(14,6) NOT NULL DEFAULT 0,
    image_width      int,
    image_height     int,
    response_id      text,
    PRIMARY KEY (item_id, attempt_no)
);
CREATE INDEX attempts_by_batch ON attempts (batch_id);
CREATE INDEX attempts_in_flight ON attempts (item_id) WHERE outcome = 'IN_FLIGHT';
