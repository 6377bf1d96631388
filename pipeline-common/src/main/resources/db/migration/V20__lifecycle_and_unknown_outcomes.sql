-- Issue 13: the item's lifecycle enforced where every writer meets it, unknown outcomes kept apart,
-- and every routing detour written on the attempt it affects.

-- A call whose outcome is unknown (timeout, connection lost after sending, a worker lost during
-- the call) is charged at its estimate and flagged: cost_usd includes it, possibly_billed says so.
ALTER TABLE attempts
    ADD COLUMN possibly_billed boolean NOT NULL DEFAULT false,
    -- why this attempt runs on its model when that is not the tier's first choice (an open
    -- circuit, a used-up daily quota, the previous attempt's timeout or failures), in words
    ADD COLUMN routed text;

-- Why next_model was chosen; copied onto the next attempt's "routed" when it begins.
ALTER TABLE items ADD COLUMN route_reason text;

-- The summary's calls by model keep the possibly billed part of their cost apart.
ALTER TABLE batch_model_usage ADD COLUMN possibly_billed_usd numeric NOT NULL DEFAULT 0;

CREATE OR REPLACE FUNCTION batch_model_usage_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO batch_model_usage AS u (batch_id, model, shard, calls, images, cost_usd,
                                        possibly_billed_usd)
    SELECT batch_id, model_requested, batch_item_counts_shard(item_id), count(*),
           count(*) FILTER (WHERE outcome = 'SUCCEEDED'), coalesce(sum(cost_usd), 0),
           coalesce(sum(cost_usd) FILTER (WHERE possibly_billed), 0)
      FROM new_attempts GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (batch_id, model, shard)
    DO UPDATE SET calls = u.calls + EXCLUDED.calls, images = u.images + EXCLUDED.images,
                  cost_usd = u.cost_usd + EXCLUDED.cost_usd,
                  possibly_billed_usd = u.possibly_billed_usd + EXCLUDED.possibly_billed_usd;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION batch_model_usage_on_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO batch_model_usage AS u (batch_id, model, shard, calls, images, cost_usd,
                                        possibly_billed_usd)
    SELECT batch_id, model, shard, sum(calls), sum(images), sum(cost), sum(possibly)
      FROM (SELECT batch_id, model_requested AS model, batch_item_counts_shard(item_id) AS shard,
                   -1 AS calls, -(outcome = 'SUCCEEDED')::int AS images, -cost_usd AS cost,
                   CASE WHEN possibly_billed THEN -cost_usd ELSE 0 END AS possibly
              FROM old_attempts
            UNION ALL
            SELECT batch_id, model_requested, batch_item_counts_shard(item_id), 1,
                   (outcome = 'SUCCEEDED')::int, cost_usd,
                   CASE WHEN possibly_billed THEN cost_usd ELSE 0 END
              FROM new_attempts) changes
     GROUP BY 1, 2, 3
    HAVING sum(calls) <> 0 OR sum(images) <> 0 OR sum(cost) <> 0 OR sum(possibly) <> 0
     ORDER BY 1, 2, 3
    ON CONFLICT (batch_id, model, shard)
    DO UPDATE SET calls = u.calls + EXCLUDED.calls, images = u.images + EXCLUDED.images,
                  cost_usd = u.cost_usd + EXCLUDED.cost_usd,
                  possibly_billed_usd = u.possibly_billed_usd + EXCLUDED.possibly_billed_usd;
    RETURN NULL;
END $$;

-- Calls abandoned by a lost worker were always charged at their reservation: possibly billed.
UPDATE attempts SET possibly_billed = true WHERE outcome = 'ABANDONED';

-- The transition table of items (ItemState in the code; ItemLifecycleTest keeps the two equal).
-- Every UPDATE that changes an item's state, from any writer, is checked against it and must bump
-- the version: a move the table does not allow fails loudly instead of happening.
CREATE TABLE item_state_moves (
    from_state  text NOT NULL,
    to_state    text NOT NULL,
    PRIMARY KEY (from_state, to_state)
);
INSERT INTO item_state_moves (from_state, to_state) VALUES
    ('QUEUED', 'DISPATCHED'), ('QUEUED', 'RUNNING'), ('QUEUED', 'CANCELLED'),
    ('DISPATCHED', 'RUNNING'), ('DISPATCHED', 'QUEUED'), ('DISPATCHED', 'CANCELLED'),
    ('DISPATCHED', 'FAILED'),
    ('RUNNING', 'SUCCEEDED'), ('RUNNING', 'FAILED'), ('RUNNING', 'BLOCKED'), ('RUNNING', 'QUEUED'),
    ('RUNNING', 'CANCELLED'), ('RUNNING', 'CAP_REACHED'),
    ('FAILED', 'QUEUED'), ('BLOCKED', 'QUEUED'), ('CANCELLED', 'QUEUED'),
    ('CAP_REACHED', 'QUEUED'), ('CAP_REACHED', 'CANCELLED');

CREATE FUNCTION items_move_checked() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM item_state_moves
                    WHERE from_state = OLD.state AND to_state = NEW.state) THEN
        RAISE EXCEPTION 'item % may not move from % to %', OLD.item_id, OLD.state, NEW.state
            USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.version <= OLD.version THEN
        RAISE EXCEPTION 'item % moved from % to % without a new version', OLD.item_id, OLD.state,
            NEW.state USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER items_move_checked BEFORE UPDATE OF state ON items
    FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state)
    EXECUTE FUNCTION items_move_checked();

-- The same for batches (BatchState in the code).
CREATE TABLE batch_state_moves (
    from_state  text NOT NULL,
    to_state    text NOT NULL,
    PRIMARY KEY (from_state, to_state)
);
INSERT INTO batch_state_moves (from_state, to_state) VALUES
    ('ACCEPTED', 'COMPLETED'), ('ACCEPTED', 'RUNNING'), ('RUNNING', 'COMPLETED'),
    ('COMPLETED', 'RUNNING');

CREATE FUNCTION batches_move_checked() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM batch_state_moves
                    WHERE from_state = OLD.state AND to_state = NEW.state) THEN
        RAISE EXCEPTION 'batch % may not move from % to %', OLD.batch_id, OLD.state, NEW.state
            USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.version <= OLD.version THEN
        RAISE EXCEPTION 'batch % moved from % to % without a new version', OLD.batch_id,
            OLD.state, NEW.state USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER batches_move_checked BEFORE UPDATE OF state ON batches
    FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state)
    EXECUTE FUNCTION batches_move_checked();
