-- What the results manifest lists without reading every sidecar back from object storage.
ALTER TABLE items ADD COLUMN alt_text jsonb, ADD COLUMN caption text;

-- Set once the batch's manifest.jsonl is in object storage (written after finished_at).
ALTER TABLE batches ADD COLUMN manifest_key text;
