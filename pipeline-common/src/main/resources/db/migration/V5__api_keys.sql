-- API keys: shown once at creation, stored as SHA-256 of the whole key (keys are 190 random bits,
-- so a slow hash adds nothing), found by their public prefix.
CREATE TABLE api_keys (
    key_id       uuid PRIMARY KEY,
    tenant_id    uuid NOT NULL REFERENCES tenants,
    prefix       text NOT NULL UNIQUE,
    secret_hash  bytea NOT NULL,
    name         text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    revoked_at   timestamptz
);
CREATE INDEX api_keys_by_tenant ON api_keys (tenant_id, created_at);

-- Idempotent submissions: a retried POST with the same Idempotency-Key and body gets the same
-- batch; the same key with another body is refused. Written in the batch's transaction.
CREATE TABLE idempotency_keys (
    tenant_id     uuid NOT NULL REFERENCES tenants,
    key           text NOT NULL,
    request_hash  bytea NOT NULL,
    batch_id      uuid NOT NULL REFERENCES batches ON DELETE CASCADE,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, key)
);

-- the usage report reads the ledger by tenant and time
CREATE INDEX attempts_by_tenant_time ON attempts (tenant_id, started_at);
