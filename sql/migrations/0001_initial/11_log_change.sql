-- Statement-level trigger body: one change_log row per statement that touched rows.
-- TG_ARGV[0] names the key column; sunshine.writer (a setting) names who wrote.
CREATE OR REPLACE FUNCTION sunshine.log_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
    top text;
BEGIN
    IF TG_OP = 'DELETE' THEN
        EXECUTE format('SELECT count(*), max(%I)::text FROM old_rows', TG_ARGV[0]) INTO n, top;
    ELSE
        EXECUTE format('SELECT count(*), max(%I)::text FROM new_rows', TG_ARGV[0]) INTO n, top;
    END IF;
    IF n > 0 THEN
        INSERT INTO sunshine.change_log (relation, operation, row_count, max_key, writer)
        VALUES (TG_TABLE_NAME, TG_OP, n, top,
                coalesce(nullif(current_setting('sunshine.writer', true), ''), session_user));
    END IF;
    RETURN NULL;
END
$$;
