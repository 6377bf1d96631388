-- Webhooks: a batch may name a callback URL, a tenant may set a default one; every tenant has a
-- signing secret (Standard Webhooks: "whsec_" + base64 of the key), made when first needed.
ALTER TABLE batches ADD COLUMN callback_url text;
ALTER TABLE tenants
    ADD COLUMN webhook_url     text,
    ADD COLUMN webhook_secret  text;

-- The outbox: an event is written in the transaction of what it reports, then delivered (at least
-- once; receivers deduplicate on event_id, the webhook-id header) with retries for about a day.
CREATE TABLE webhook_events (
    event_id         text PRIMARY KEY,
    tenant_id        uuid NOT NULL REFERENCES tenants,
    batch_id         uuid REFERENCES batches ON DELETE CASCADE,
    type             text NOT NULL,
    -- one event per occurrence: e.g. a batch's completion at a given finish time
    dedupe_key       text NOT NULL UNIQUE,
    url              text NOT NULL,
    -- the exact body sent (and signed) on every attempt
    body             text NOT NULL,
    state            text NOT NULL DEFAULT 'PENDING',
    attempts         int  NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL,
    created_at       timestamptz NOT NULL,
    delivered_at     timestamptz,
    last_error       text
);
CREATE INDEX webhook_events_due ON webhook_events (next_attempt_at) WHERE state = 'PENDING';
CREATE INDEX webhook_events_by_batch ON webhook_events (batch_id, created_at);
CREATE INDEX webhook_events_by_tenant ON webhook_events (tenant_id, created_at DESC);

-- The delivery log: one row per attempt.
CREATE TABLE webhook_attempts (
    event_id      text NOT NULL REFERENCES webhook_events ON DELETE CASCADE,
    attempt_no    int  NOT NULL,
    attempted_at  timestamptz NOT NULL,
    status_code   int,
    error         text,
    duration_ms   int  NOT NULL,
    PRIMARY KEY (event_id, attempt_no)
);
