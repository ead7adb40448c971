-- Change watermarks, written in the same transaction as the change (statement triggers on
-- the base tables, and the refresh of a view whose rows changed), so a rolled-back write
-- leaves no trace. A consumer remembers a pg_snapshot and asks for entries not visible in it.
CREATE TABLE IF NOT EXISTS sunshine.change_log (
    change_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    relation text NOT NULL,
    operation text NOT NULL,
    row_count bigint NOT NULL,
    max_key text,
    xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    writer text,
    changed_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX IF NOT EXISTS change_log_relation_idx ON sunshine.change_log (relation, change_id);
