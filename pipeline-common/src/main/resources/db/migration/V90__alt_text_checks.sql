-- Issue 19: alt text written from the final image and checked per locale.
-- A call is for an image or for a caption (a vision model describing the stored image): the ledger
-- keeps them apart so that captioning's cost is visible.
ALTER TABLE attempts ADD COLUMN purpose text NOT NULL DEFAULT 'image';

-- Per locale: where the text came from (image-model, caption-model, merchant) and which checks ran
-- and passed; alt_text keeps locale -> text as before.
ALTER TABLE items ADD COLUMN alt_text_checks jsonb;
