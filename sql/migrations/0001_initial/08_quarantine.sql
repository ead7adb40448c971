-- Rows an import refused, with where and why; they never block the good rows.
CREATE TABLE IF NOT EXISTS sunshine.quarantine (
    batch_id bigint NOT NULL,
    file_name text NOT NULL,
    row_number bigint NOT NULL,  -- record number in the file; the header is record 1
    column_name text,
    raw_value text,
    reason text NOT NULL,
    raw_row jsonb
);
CREATE INDEX IF NOT EXISTS quarantine_batch_idx ON sunshine.quarantine (batch_id);
