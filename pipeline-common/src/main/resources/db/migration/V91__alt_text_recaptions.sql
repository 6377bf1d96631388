-- Issue 19: re-running captioning for a batch or a filter, without touching images.
-- A request (POST /v1/batches/{b}/alt-text/recaptions) is one row here; each item it selected
-- goes back to the queue (SUCCEEDED -> QUEUED, like an edit) carrying the request and the locales
-- to caption again, and a worker that claims it runs the caption step alone on its stored image.
CREATE TABLE alt_text_recaptions (
    recaption_id     uuid PRIMARY KEY,
    tenant_id        uuid NOT NULL,
    batch_id         uuid NOT NULL REFERENCES batches ON DELETE CASCADE,
    -- the body as asked (filter and locales), and its hash for the Idempotency-Key check
    request          jsonb NOT NULL,
    request_hash     text NOT NULL,
    idempotency_key  text,
    items            int NOT NULL,
    created_at       timestamptz NOT NULL
);
CREATE INDEX alt_text_recaptions_by_batch ON alt_text_recaptions (batch_id, created_at);
CREATE UNIQUE INDEX alt_text_recaptions_idempotency
    ON alt_text_recaptions (tenant_id, idempotency_key) WHERE idempotency_key IS NOT NULL;

-- While an item waits for or runs a recaption: which request, and which locales it captions again
-- (never a merchant's): cleared when the recaption ends.
ALTER TABLE items ADD COLUMN recaption_id uuid,
                  ADD COLUMN recaption_locales text[];

-- Every call made for a recaption says so in the ledger (purpose stays 'caption').
ALTER TABLE attempts ADD COLUMN recaption_id uuid;

-- items.attempts numbers every ledger row (image and caption calls); a merchant reads "attempts"
-- as tries to make the image, so caption calls are counted apart and the api shows both.
ALTER TABLE items ADD COLUMN caption_calls int NOT NULL DEFAULT 0;
UPDATE items SET caption_calls = c.n
  FROM (SELECT item_id, count(*) AS n FROM attempts WHERE purpose = 'caption' GROUP BY item_id) c
 WHERE items.item_id = c.item_id;
