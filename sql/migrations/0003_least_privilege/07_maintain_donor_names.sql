-- Statement trigger on "Names": re-read the display columns (name, city, state, type) of the
-- donors whose name records the statement inserted, changed or deleted. Only donor rows whose
-- columns actually differ are written. A statement touching more than 15% of the table only
-- flags the rollup for a full rebuild instead. Replaces 0001's version: SECURITY DEFINER,
-- its temporary table referenced as pg_temp.donor_name_keys and checked to be its own
-- (search_path fixed in 10_trigger_function_privileges.sql).
CREATE OR REPLACE FUNCTION sunshine.maintain_donor_names() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    changed bigint;
BEGIN
    IF (SELECT needs_rebuild FROM sunshine.rollup_state WHERE rollup = 'donor_totals') THEN
        RETURN NULL;
    END IF;
    CREATE TEMP TABLE IF NOT EXISTS donor_name_keys (name_id integer) ON COMMIT DELETE ROWS;
    PERFORM sunshine.assert_own_temp_table('donor_name_keys');
    TRUNCATE pg_temp.donor_name_keys;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO pg_temp.donor_name_keys SELECT name_id FROM new_rows;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO pg_temp.donor_name_keys SELECT name_id FROM old_rows;
    END IF;
    SELECT count(*) INTO changed FROM pg_temp.donor_name_keys;
    IF sunshine.flag_rollup_if_large('donor_totals', TG_RELID, changed) THEN
        RETURN NULL;
    END IF;

    UPDATE sunshine.donor_totals AS d
    SET entity_name = s.entity_name, city = s.city, state = s.state, entity_type = s.entity_type
    FROM (
        SELECT DISTINCT
            k.name_id,
            sunshine.display_name(n.last_name, n.first_name) AS entity_name,
            n.city,
            n.state,
            et.name AS entity_type
        FROM pg_temp.donor_name_keys AS k
        LEFT JOIN "Names" AS n ON k.name_id = n.name_id
        LEFT JOIN "EntityTypes" AS et ON n.entity_type_id = et.entity_type_id
    ) AS s
    WHERE d.entity_id = s.name_id
        AND (d.entity_name, d.city, d.state, d.entity_type)
        IS DISTINCT FROM (s.entity_name, s.city, s.state, s.entity_type);
    RETURN NULL;
END
$$;
