-- Set by POST /v1/batches/{id}/cancel: waiting items are cancelled at once, and an item whose
-- call is in flight ends CANCELLED instead of going back to the queue if that call fails.
ALTER TABLE batches ADD COLUMN cancelled_at timestamptz;
