-- Issue 18: a succeeded item keeps its conversation with the model, so that a merchant can correct
-- the image in words days later; each correction (an edit) runs as the item's next attempt.

-- An edit queues a succeeded item again (ItemState: SUCCEEDED -> QUEUED); an edit that ends
-- without a new image puts it back to SUCCEEDED with its previous image (RUNNING -> SUCCEEDED).
INSERT INTO item_state_moves (from_state, to_state) VALUES ('SUCCEEDED', 'QUEUED');

-- One row per image an item has had (its versions): the turn of the conversation that made it.
-- The user turn is kept as text (the prompt, or the edit's instruction; the product photo of the
-- first turn is fetched again from its source); the model turn as its non-thought parts exactly as
-- received, thoughtSignature included, with the final image replaced by {"imageKey": ...}.
CREATE TABLE item_turns (
    item_id          uuid NOT NULL REFERENCES items ON DELETE CASCADE,
    -- the ledger attempt that made this version; its objects carry the same number (.a<n>)
    attempt_no       int  NOT NULL,
    tenant_id        uuid NOT NULL,
    -- the version this turn continued (null: the first generation)
    parent_attempt   int,
    -- 0 for the generation, 1, 2, ... for the edits on top of it
    turn             int  NOT NULL,
    -- the catalog model asked: a conversation never moves to another model
    model            text NOT NULL,
    model_served     text,
    request_text     text NOT NULL,
    reference_images int  NOT NULL DEFAULT 0,
    model_parts      jsonb NOT NULL,
    image_key        text NOT NULL,
    sidecar_key      text NOT NULL,
    alt_text         jsonb,
    caption          text,
    created_at       timestamptz NOT NULL,
    PRIMARY KEY (item_id, attempt_no)
);

-- The version the item shows now (item_turns.attempt_no); an edit continues from it.
ALTER TABLE items ADD COLUMN turn_attempt int,
                  -- the edit the item is running for, while it runs one
                  ADD COLUMN edit_id uuid;

-- One row per requested edit: what was asked, of which version, on which model, and how it ended.
CREATE TABLE item_edits (
    edit_id          uuid PRIMARY KEY,
    item_id          uuid NOT NULL REFERENCES items ON DELETE CASCADE,
    tenant_id        uuid NOT NULL,
    batch_id         uuid NOT NULL,
    turn             int  NOT NULL,
    instruction      text NOT NULL,
    model            text NOT NULL,
    base_attempt     int  NOT NULL,
    -- PENDING, SUCCEEDED, BLOCKED, FAILED
    state            text NOT NULL,
    -- the attempt that made the new version
    attempt_no       int,
    error_type       text,
    error_message    text,
    created_at       timestamptz NOT NULL,
    finished_at      timestamptz
);
CREATE INDEX item_edits_by_item ON item_edits (item_id, created_at);
-- an item runs one edit at a time
CREATE UNIQUE INDEX item_edits_one_pending ON item_edits (item_id) WHERE state = 'PENDING';

-- Every call made for an edit says so in the ledger.
ALTER TABLE attempts ADD COLUMN edit_id uuid;
