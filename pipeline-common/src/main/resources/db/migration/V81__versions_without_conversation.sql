-- Issue 18: items made before V80 kept no conversation, only their image. An edit of one adopts
-- that image as a version (a turn row with conversation_kept = false: its image and nothing to
-- replay), and starts a fresh conversation from it: the user turn carries the image inline with the
-- instruction, and there are no thought signatures to echo.
ALTER TABLE item_turns ADD COLUMN conversation_kept boolean NOT NULL DEFAULT true;
