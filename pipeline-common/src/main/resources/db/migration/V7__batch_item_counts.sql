-- Items per batch and state, with their cost, and calls per batch and model (below), kept by the item changes themselves (statement
-- triggers over the changed rows, in the same transaction): a batch summary reads a few rows
-- instead of counting all of its items. Spread over 8 shards per batch and state (by item) so
-- that workers finishing items of one batch do not queue on one counter row.
CREATE TABLE batch_item_counts (
    batch_id  uuid     NOT NULL,
    state     text     NOT NULL,
    shard     smallint NOT NULL,
    n         bigint   NOT NULL,
    cost_usd  numeric  NOT NULL,
    PRIMARY KEY (batch_id, state, shard)
);

CREATE FUNCTION batch_item_counts_shard(item uuid) RETURNS smallint
    LANGUAGE sql IMMUTABLE AS $$ SELECT (abs(hashtext(item::text)) % 8)::smallint $$;

-- rows are upserted in key order, so two statements never lock counter rows in opposite orders
CREATE FUNCTION batch_item_counts_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO batch_item_counts AS c (batch_id, state, shard, n, cost_usd)
    SELECT batch_id, state, batch_item_counts_shard(item_id), count(*), coalesce(sum(cost_usd), 0)
      FROM new_items GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (batch_id, state, shard)
    DO UPDATE SET n = c.n + EXCLUDED.n, cost_usd = c.cost_usd + EXCLUDED.cost_usd;
    RETURN NULL;
END $$;

CREATE FUNCTION batch_item_counts_on_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO batch_item_counts AS c (batch_id, state, shard, n, cost_usd)
    SELECT batch_id, state, shard, sum(n), sum(cost)
      FROM (SELECT batch_id, state, batch_item_counts_shard(item_id) AS shard, -1 AS n,
                   -coalesce(cost_usd, 0) AS cost FROM old_items
            UNION ALL
            SELECT batch_id, state, batch_item_counts_shard(item_id), 1,
                   coalesce(cost_usd, 0) FROM new_items) changes
     GROUP BY 1, 2, 3
    HAVING sum(n) <> 0 OR sum(cost) <> 0
     ORDER BY 1, 2, 3
    ON CONFLICT (batch_id, state, shard)
    DO UPDATE SET n = c.n + EXCLUDED.n, cost_usd = c.cost_usd + EXCLUDED.cost_usd;
    RETURN NULL;
END $$;

CREATE TRIGGER items_counted_on_insert AFTER INSERT ON items
    REFERENCING NEW TABLE AS new_items
    FOR EACH STATEMENT EXECUTE FUNCTION batch_item_counts_on_insert();

CREATE TRIGGER items_counted_on_update AFTER UPDATE ON items
    REFERENCING OLD TABLE AS old_items NEW TABLE AS new_items
    FOR EACH STATEMENT EXECUTE FUNCTION batch_item_counts_on_update();

INSERT INTO batch_item_counts (batch_id, state, shard, n, cost_usd)
SELECT batch_id, state, batch_item_counts_shard(item_id), count(*), coalesce(sum(cost_usd), 0)
  FROM items GROUP BY 1, 2, 3;

-- Calls, images and cost per batch and model (the summary's cost by model), kept the same way
-- from the ledger's attempts.
CREATE TABLE batch_model_usage (
    batch_id  uuid     NOT NULL,
    model     text     NOT NULL,
    shard     smallint NOT NULL,
    calls     bigint   NOT NULL,
    images    bigint   NOT NULL,
    cost_usd  numeric  NOT NULL,
    PRIMARY KEY (batch_id, model, shard)
);

CREATE FUNCTION batch_model_usage_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO batch_model_usage AS u (batch_id, model, shard, calls, images, cost_usd)
    SELECT batch_id, model_requested, batch_item_counts_shard(item_id), count(*),
           count(*) FILTER (WHERE outcome = 'SUCCEEDED'), coalesce(sum(cost_usd), 0)
      FROM new_attempts GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (batch_id, model, shard)
    DO UPDATE SET calls = u.calls + EXCLUDED.calls, images = u.images + EXCLUDED.images,
                  cost_usd = u.cost_usd + EXCLUDED.cost_usd;
    RETURN NULL;
END $$;

CREATE FUNCTION batch_model_usage_on_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO batch_model_usage AS u (batch_id, model, shard, calls, images, cost_usd)
    SELECT batch_id, model, shard, sum(calls), sum(images), sum(cost)
      FROM (SELECT batch_id, model_requested AS model, batch_item_counts_shard(item_id) AS shard,
                   -1 AS calls, -(outcome = 'SUCCEEDED')::int AS images, -cost_usd AS cost
              FROM old_attempts
            UNION ALL
            SELECT batch_id, model_requested, batch_item_counts_shard(item_id), 1,
                   (outcome = 'SUCCEEDED')::int, cost_usd
              FROM new_attempts) changes
     GROUP BY 1, 2, 3
    HAVING sum(calls) <> 0 OR sum(images) <> 0 OR sum(cost) <> 0
     ORDER BY 1, 2, 3
    ON CONFLICT (batch_id, model, shard)
    DO UPDATE SET calls = u.calls + EXCLUDED.calls, images = u.images + EXCLUDED.images,
                  cost_usd = u.cost_usd + EXCLUDED.cost_usd;
    RETURN NULL;
END $$;

CREATE TRIGGER attempts_counted_on_insert AFTER INSERT ON attempts
    REFERENCING NEW TABLE AS new_attempts
    FOR EACH STATEMENT EXECUTE FUNCTION batch_model_usage_on_insert();

CREATE TRIGGER attempts_counted_on_update AFTER UPDATE ON attempts
    REFERENCING OLD TABLE AS old_attempts NEW TABLE AS new_attempts
    FOR EACH STATEMENT EXECUTE FUNCTION batch_model_usage_on_update();

INSERT INTO batch_model_usage (batch_id, model, shard, calls, images, cost_usd)
SELECT batch_id, model_requested, batch_item_counts_shard(item_id), count(*),
       count(*) FILTER (WHERE outcome = 'SUCCEEDED'), coalesce(sum(cost_usd), 0)
  FROM attempts GROUP BY 1, 2, 3;
