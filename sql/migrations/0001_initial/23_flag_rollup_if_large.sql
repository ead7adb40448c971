-- For a statement trigger that keeps a rollup: true (and the rollup flagged for a full
-- rebuild) when the statement changed more than 15% of the table's rows, where applying the
-- delta row by row would cost more than rebuilding.
CREATE OR REPLACE FUNCTION sunshine.flag_rollup_if_large(
    rollup_name text, relation oid, changed bigint
) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    IF changed > 0.15 * sunshine.table_rows(relation) THEN
        UPDATE sunshine.rollup_state SET needs_rebuild = true WHERE rollup = rollup_name;
        RETURN true;
    END IF;
    RETURN false;
END
$$;
