-- top_donors_mv against the contributions it sums, with no GROUP BY (one pass over
-- Transactions): the same total and number, and the same totals weighted by donor id, which
-- catch a contribution counted for the wrong donor (plain sums would not move). One row per
-- figure (figure, actual in the view, expected from the base tables).
-- The contribution rule (live, not an IE, an income type, a real name) is spelled out here
-- again on purpose: the reconciliation is an independent recomputation from the base tables,
-- so a fault in the rule as the rollup applies it (the trigger function of migration
-- 0003_least_privilege/08_maintain_donor_totals.sql and the rebuild of
-- 0001_initial/29_refresh_donor_totals.sql, applied migrations that cannot be edited) is
-- caught instead of repeated.
WITH view_side AS (
    SELECT
        coalesce(sum(total_contributed), 0) AS total_contributed,
        coalesce(sum(contribution_count), 0) AS contribution_count,
        coalesce(sum(entity_id::numeric * total_contributed), 0) AS total_by_donor_id,
        coalesce(sum(entity_id::numeric * contribution_count), 0) AS count_by_donor_id
    FROM top_donors_mv
),

source_side AS (
    SELECT
        coalesce(sum(t.amount), 0) AS total_contributed,
        count(*) AS contribution_count,
        coalesce(sum(t.entity_id::numeric * t.amount), 0) AS total_by_donor_id,
        coalesce(sum(t.entity_id::numeric), 0) AS count_by_donor_id
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
    ('contribution_count', v.contribution_count, s.contribution_count),
    ('total_by_donor_id', v.total_by_donor_id, s.total_by_donor_id),
    ('count_by_donor_id', v.count_by_donor_id, s.count_by_donor_id)
) AS f (figure, actual, expected)
