-- Bring donor_totals up to date before top_donors_mv refreshes: rebuild it in full when
-- flagged, else nothing (the triggers kept it current). Returns true when it rebuilt.
CREATE OR REPLACE FUNCTION sunshine.refresh_donor_totals() RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM sunshine.rollup_state
    WHERE rollup = 'donor_totals' AND needs_rebuild
    FOR UPDATE;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    TRUNCATE sunshine.donor_totals;
    INSERT INTO sunshine.donor_totals (entity_id, total_contributed, contribution_count)
    SELECT t.entity_id, sum(t.amount), count(*)
    FROM "Transactions" AS t
    INNER JOIN "TransactionTypes" AS tt ON t.transaction_type_id = tt.transaction_type_id
    WHERE NOT t.deleted AND t.subject_committee_id IS NULL AND t.entity_id > 0
        AND tt.income_expense_neutral = 1
    GROUP BY t.entity_id;
    UPDATE sunshine.rollup_state SET needs_rebuild = false, rebuilt_at = clock_timestamp()
    WHERE rollup = 'donor_totals';
    ANALYZE sunshine.donor_totals;
    ANALYZE "Transactions";
    RETURN true;
END
$$;
