-- Staleness asks "which entries of these relations are not visible in snapshot S"; entries
-- older than S's xmin are visible by definition, so the index range starts there.
CREATE INDEX IF NOT EXISTS change_log_relation_xid_idx ON sunshine.change_log (relation, xid);
