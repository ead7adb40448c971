-- For a statement trigger that keeps a rollup: true (and the rollup flagged for a full
-- rebuild, with the reason) when the statement changed more than 15% of the table's rows,
-- where applying the delta row by row would cost more than rebuilding. Replaces 0001's
-- version: schema-qualified, and records why (rollup_state.rebuild_reason).
CREATE OR REPLACE FUNCTION sunshine.flag_rollup_if_large(
    rollup_name text, relation oid, changed bigint
) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    IF changed > 0.15 * sunshine.table_rows(relation) THEN
        UPDATE sunshine.rollup_state
        SET needs_rebuild = true, flagged_at = clock_timestamp(),
            rebuild_reason = format('a statement changed %s rows of %s', changed,
                                    relation::regclass)
        WHERE rollup = rollup_name;
        RETURN true;
    END IF;
    RETURN false;
END
$$;
