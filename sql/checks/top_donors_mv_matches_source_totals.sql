-- top_donors_mv against the contributions it sums: the same total and number. One row per
-- figure (figure, actual in the view, expected from the base tables).
WITH view_side AS (
    SELECT
        coalesce(sum(total_contributed), 0) AS total_contributed,
        coalesce(sum(contribution_count), 0) AS contribution_count
    FROM top_donors_mv
),

source_side AS (
    SELECT
        coalesce(sum(t.amount), 0) AS total_contributed,
        count(*) AS contribution_count
    FROM "Transactions" AS t
    INNER JOIN "TransactionTypes" AS tt ON t.transaction_type_id = tt.transaction_type_id
    WHERE
        NOT t.deleted
        AND t.subject_committee_id IS NULL
        AND tt.income_expense_neutral = 1
        AND t.entity_id > 0
)

SELECT f.figure, f.actual, f.expected
FROM view_side AS v
CROSS JOIN source_side AS s
CROSS JOIN LATERAL (
    VALUES
    ('total_contributed', v.total_contributed, s.total_contributed),
    ('contribution_count', v.contribution_count, s.contribution_count)
) AS f (figure, actual, expected)
