-- Issue 18: an edit stopped by a cost cap ends CAP_REACHED (the item keeps its image); raising the
-- cap runs the latest such edit of each item again, if the item still shows the version it was
-- asked of.
CREATE INDEX item_edits_cap_reached ON item_edits (tenant_id, batch_id) WHERE state = 'CAP_REACHED';
