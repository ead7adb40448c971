-- True when the base tables hold a contribution a donor view must show: a live, non-IE
-- transaction of an income type from a real name (not a sentinel). Asked of the base tables,
-- not of the sunshine.donor_totals rollup, on purpose: a check of the view must not trust
-- what the view is built from (the same independent copy of the rule as in
-- top_donors_mv_matches_source_totals.sql).
SELECT EXISTS (
    SELECT FROM "Transactions" AS t
    INNER JOIN "TransactionTypes" AS tt ON t.transaction_type_id = tt.transaction_type_id
    WHERE
        NOT t.deleted
        AND t.subject_committee_id IS NULL
        AND tt.income_expense_neutral = 1
        AND t.entity_id > 0
)
