-- Statement trigger on "Transactions": apply the statement's contributions to donor_totals as
-- deltas (+ new rows, - old rows). A statement touching more than 15% of the table (or any
-- change while a rebuild is pending) only flags the rollup for a full rebuild instead.
-- Replaces 0001's version: SECURITY DEFINER, so a writer of "Transactions" needs no grant on
-- schema sunshine, with its temporary table referenced as pg_temp.donor_delta and checked to
-- be its own; its search_path (10_trigger_function_privileges.sql) puts the site's schema
-- before pg_temp, so a writer's temporary "TransactionTypes" is never the one it reads.
CREATE OR REPLACE FUNCTION sunshine.maintain_donor_totals() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    changed bigint;
BEGIN
    IF (SELECT needs_rebuild FROM sunshine.rollup_state WHERE rollup = 'donor_totals') THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'DELETE' THEN
        SELECT count(*) INTO changed FROM old_rows;
    ELSE
        SELECT count(*) INTO changed FROM new_rows;
    END IF;
    IF sunshine.flag_rollup_if_large('donor_totals', TG_RELID, changed) THEN
        RETURN NULL;
    END IF;

    CREATE TEMP TABLE IF NOT EXISTS donor_delta (
        entity_id integer, amount numeric, sign integer
    ) ON COMMIT DELETE ROWS;
    PERFORM sunshine.assert_own_temp_table('donor_delta');
    TRUNCATE pg_temp.donor_delta;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO pg_temp.donor_delta
        SELECT r.entity_id, r.amount, 1
        FROM new_rows AS r
        INNER JOIN "TransactionTypes" AS tt ON r.transaction_type_id = tt.transaction_type_id
        WHERE NOT r.deleted AND r.subject_committee_id IS NULL AND r.entity_id > 0
            AND tt.income_expense_neutral = 1;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO pg_temp.donor_delta
        SELECT r.entity_id, r.amount, -1
        FROM old_rows AS r
        INNER JOIN "TransactionTypes" AS tt ON r.transaction_type_id = tt.transaction_type_id
        WHERE NOT r.deleted AND r.subject_committee_id IS NULL AND r.entity_id > 0
            AND tt.income_expense_neutral = 1;
    END IF;

    -- A new donor's row carries its display columns; an existing one keeps them (the Names
    -- and EntityTypes triggers keep those current).
    INSERT INTO sunshine.donor_totals AS d (
        entity_id, total_contributed, contribution_count, entity_name, city, state, entity_type
    )
    SELECT
        g.entity_id,
        g.total_contributed,
        g.contribution_count,
        sunshine.display_name(n.last_name, n.first_name),
        n.city,
        n.state,
        et.name
    FROM (
        SELECT entity_id, sum(sign * amount) AS total_contributed, sum(sign) AS contribution_count
        FROM pg_temp.donor_delta
        GROUP BY entity_id
        HAVING sum(sign) <> 0 OR sum(sign * amount) <> 0
    ) AS g
    LEFT JOIN "Names" AS n ON g.entity_id = n.name_id
    LEFT JOIN "EntityTypes" AS et ON n.entity_type_id = et.entity_type_id
    ORDER BY g.entity_id
    ON CONFLICT (entity_id) DO UPDATE
    SET total_contributed = d.total_contributed + excluded.total_contributed,
        contribution_count = d.contribution_count + excluded.contribution_count;
    DELETE FROM sunshine.donor_totals AS d
    WHERE d.contribution_count = 0
        AND d.entity_id IN (SELECT entity_id FROM pg_temp.donor_delta);
    RETURN NULL;
END
$$;
