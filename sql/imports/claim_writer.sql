-- The batch's row names the current transaction: sunshine.log_change records the writer
-- tag (sunshine.writer) of this transaction alone.
UPDATE sunshine.import_batch SET writer_xid = pg_current_xact_id()
WHERE batch_id = %(batch_id)s
