-- The change set of each landed batch: which keys it inserted (i), updated (u) or flipped
-- to deleted (d), per table. A table that was empty before the batch gets one row instead,
-- op '*' with key = the number of rows inserted: every key in the table came from this batch
-- (ten million per-key rows would double the cost of a first load).
CREATE TABLE IF NOT EXISTS sunshine.import_change (
    batch_id bigint NOT NULL,
    table_name text NOT NULL,
    key bigint NOT NULL,
    op "char" NOT NULL
);
CREATE INDEX IF NOT EXISTS import_change_batch_idx ON sunshine.import_change (batch_id, table_name);
