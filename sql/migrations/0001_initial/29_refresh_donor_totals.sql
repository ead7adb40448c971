-- Bring donor_totals up to date before top_donors_mv refreshes: rebuild it in full when
-- flagged, else nothing (the triggers kept it current). Returns true when it rebuilt.
-- The rebuild writes the rows in display-name order (C collation: the order only has to keep
-- equal names together), which the view inherits; see 21_donor_totals.sql.
CREATE OR REPLACE FUNCTION sunshine.refresh_donor_totals() RETURNS boolean
LANGUAGE plpgsql
SET work_mem = '64MB'
AS $$
BEGIN
    PERFORM 1 FROM sunshine.rollup_state
    WHERE rollup = 'donor_totals' AND needs_rebuild
    FOR UPDATE;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    TRUNCATE sunshine.donor_totals;
    INSERT INTO sunshine.donor_totals (
        entity_id, total_contributed, contribution_count, entity_name, city, state, entity_type
    )
    SELECT
        g.entity_id,
        g.total_contributed,
        g.contribution_count,
        sunshine.display_name(n.last_name, n.first_name) AS entity_name,
        n.city,
        n.state,
        et.name
    FROM (
        SELECT t.entity_id, sum(t.amount) AS total_contributed, count(*) AS contribution_count
        FROM "Transactions" AS t
        INNER JOIN "TransactionTypes" AS tt ON t.transaction_type_id = tt.transaction_type_id
        WHERE NOT t.deleted AND t.subject_committee_id IS NULL AND t.entity_id > 0
            AND tt.income_expense_neutral = 1
        GROUP BY t.entity_id
    ) AS g
    LEFT JOIN "Names" AS n ON g.entity_id = n.name_id
    LEFT JOIN "EntityTypes" AS et ON n.entity_type_id = et.entity_type_id
    ORDER BY sunshine.display_name(n.last_name, n.first_name) COLLATE "C", g.entity_id;
    UPDATE sunshine.rollup_state SET needs_rebuild = false, rebuilt_at = clock_timestamp()
    WHERE rollup = 'donor_totals';
    ANALYZE sunshine.donor_totals;
    ANALYZE "Transactions";
    RETURN true;
END
$$;
