-- Statement trigger on "EntityTypes": re-read the type name of every donor whose name record
-- has a type the statement inserted, renamed or deleted (a scan of "Names"; the table is a
-- short lookup list that rarely changes). Replaces 0001's version: SECURITY DEFINER, its
-- temporary table referenced as pg_temp.donor_type_keys and checked to be its own, so a
-- writer's temporary tables redirect nothing (search_path fixed in
-- 10_trigger_function_privileges.sql).
CREATE OR REPLACE FUNCTION sunshine.maintain_donor_entity_types() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
    IF (SELECT needs_rebuild FROM sunshine.rollup_state WHERE rollup = 'donor_totals') THEN
        RETURN NULL;
    END IF;
    CREATE TEMP TABLE IF NOT EXISTS donor_type_keys (entity_type_id integer)
    ON COMMIT DELETE ROWS;
    PERFORM sunshine.assert_own_temp_table('donor_type_keys');
    TRUNCATE pg_temp.donor_type_keys;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO pg_temp.donor_type_keys SELECT entity_type_id FROM new_rows;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO pg_temp.donor_type_keys SELECT entity_type_id FROM old_rows;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_temp.donor_type_keys) THEN
        RETURN NULL;
    END IF;

    UPDATE sunshine.donor_totals AS d
    SET entity_type = et.name
    FROM "Names" AS n
    LEFT JOIN "EntityTypes" AS et ON n.entity_type_id = et.entity_type_id
    WHERE d.entity_id = n.name_id
        AND n.entity_type_id IN (SELECT entity_type_id FROM pg_temp.donor_type_keys)
        AND d.entity_type IS DISTINCT FROM et.name;
    RETURN NULL;
END
$$;
