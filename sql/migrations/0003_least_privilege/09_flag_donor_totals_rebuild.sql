-- A transaction type switching income/expense changes every contribution of that type; a
-- TRUNCATE leaves nothing to apply a delta to. Replaces 0001's version: SECURITY DEFINER
-- (search_path fixed in 10_trigger_function_privileges.sql), and records why.
CREATE OR REPLACE FUNCTION sunshine.flag_donor_totals_rebuild() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
    UPDATE sunshine.rollup_state
    SET needs_rebuild = true, flagged_at = clock_timestamp(),
        rebuild_reason = format('%s on %s', TG_OP, TG_TABLE_NAME)
    WHERE rollup = 'donor_totals';
    RETURN NULL;
END
$$;
