-- Statement-level trigger body: one change_log row per statement that touched rows.
-- TG_ARGV[0] names the key column. The writer is session_user, or the tag the session claims
-- in the setting sunshine.writer ("<writer> batch <id>") when the import_batch row of that
-- batch names this transaction (writer_xid, which only the pipeline's role can set): any
-- other writer's claim is ignored, so nobody passes for the importer.
-- SECURITY DEFINER (owner: the pipeline's role, see 10_trigger_function_privileges.sql): the
-- site's writers need no grant on schema sunshine; search_path fixed there too.
CREATE OR REPLACE FUNCTION sunshine.log_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    n bigint;
    top text;
    claimed text := nullif(current_setting('sunshine.writer', true), '');
BEGIN
    IF TG_OP = 'DELETE' THEN
        EXECUTE format('SELECT count(*), max(%I)::text FROM old_rows', TG_ARGV[0]) INTO n, top;
    ELSE
        EXECUTE format('SELECT count(*), max(%I)::text FROM new_rows', TG_ARGV[0]) INTO n, top;
    END IF;
    IF n > 0 THEN
        IF claimed IS NOT NULL AND NOT EXISTS (
            SELECT FROM sunshine.import_batch AS b
            WHERE b.writer_xid = pg_current_xact_id()
                AND right(claimed, length(' batch ' || b.batch_id)) = ' batch ' || b.batch_id
        ) THEN
            claimed := NULL;
        END IF;
        INSERT INTO sunshine.change_log (relation, operation, row_count, max_key, writer)
        VALUES (TG_TABLE_NAME, TG_OP, n, top, coalesce(claimed, session_user));
    END IF;
    RETURN NULL;
END
$$;
