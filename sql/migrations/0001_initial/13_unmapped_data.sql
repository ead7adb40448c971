-- Nothing is lost: columns the importer does not map, and whole files of export tables the
-- dashboard does not use, are kept here as JSON, one row per source record.
CREATE TABLE IF NOT EXISTS sunshine.unmapped_data (
    batch_id bigint NOT NULL,
    file_name text NOT NULL,
    row_number bigint NOT NULL,
    data jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS unmapped_data_batch_idx ON sunshine.unmapped_data (batch_id, file_name);
