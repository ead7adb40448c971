-- The transaction that writes a batch's rows: import_batch() sets it, inside that transaction,
-- to pg_current_xact_id(). sunshine.log_change() records the writer tag a session claims
-- (the setting sunshine.writer) only when this column backs it, so a writer without the
-- pipeline's privileges (no grant on schema sunshine) cannot pass for the importer.
ALTER TABLE sunshine.import_batch ADD COLUMN IF NOT EXISTS writer_xid xid8;
CREATE INDEX IF NOT EXISTS import_batch_writer_xid_idx ON sunshine.import_batch (writer_xid)
WHERE writer_xid IS NOT NULL;
