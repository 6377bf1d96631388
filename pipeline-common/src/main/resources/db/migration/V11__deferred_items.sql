-- A large upload answers once its products are stored; its items (one per product and variant,
-- due at items_not_before) are made right after by the api's ExpandBatches loop, which finds the
-- batch by items_pending even after a crash. Until then the summary counts them as QUEUED.
ALTER TABLE batches
    ADD COLUMN items_pending     boolean NOT NULL DEFAULT false,
    ADD COLUMN items_not_before  timestamptz;
CREATE INDEX batches_items_pending ON batches (created_at) WHERE items_pending;
