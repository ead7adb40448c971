-- The change set of each landed batch: which keys it inserted (i), updated (u) or flipped
-- to deleted (d), per table.
CREATE TABLE IF NOT EXISTS sunshine.import_change (
    batch_id bigint NOT NULL,
    table_name text NOT NULL,
    key bigint NOT NULL,
    op "char" NOT NULL
);
CREATE INDEX IF NOT EXISTS import_change_batch_idx ON sunshine.import_change (batch_id, table_name);
