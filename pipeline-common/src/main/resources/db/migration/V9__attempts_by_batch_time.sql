-- The deadline watcher asks when a batch's first call started (its pace so far): with the start
-- time in the index that is one index entry, not every attempt of the batch.
DROP INDEX attempts_by_batch;
CREATE INDEX attempts_by_batch ON attempts (batch_id, started_at);
