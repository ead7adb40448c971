-- mv_committee_ie_summary against the live IE in Transactions: totals, support, oppose,
-- counts and (filer, target) pairs. One row per figure (figure, actual, expected).
WITH view_side AS (
    SELECT
        coalesce(sum(total_amount), 0) AS total_amount,
        coalesce(sum(support_amount), 0) AS support_amount,
        coalesce(sum(oppose_amount), 0) AS oppose_amount,
        coalesce(sum(expenditure_count), 0) AS expenditure_count,
        coalesce(sum(support_count), 0) AS support_count,
        coalesce(sum(oppose_count), 0) AS oppose_count,
        count(*) AS pairs
    FROM mv_committee_ie_summary
),

source_side AS (
    SELECT
        coalesce(sum(abs(amount)), 0) AS total_amount,
        coalesce(sum(abs(amount)) FILTER (WHERE is_for_benefit), 0) AS support_amount,
        coalesce(sum(abs(amount)) FILTER (WHERE NOT is_for_benefit), 0) AS oppose_amount,
        count(*) AS expenditure_count,
        count(*) FILTER (WHERE is_for_benefit) AS support_count,
        count(*) FILTER (WHERE NOT is_for_benefit) AS oppose_count,
        count(DISTINCT (committee_id, subject_committee_id)) AS pairs
    FROM "Transactions"
    WHERE subject_committee_id IS NOT NULL AND NOT deleted
)

SELECT f.figure, f.actual, f.expected
FROM view_side AS v
CROSS JOIN source_side AS s
CROSS JOIN LATERAL (
    VALUES
    ('total_amount', v.total_amount, s.total_amount),
    ('support_amount', v.support_amount, s.support_amount),
    ('oppose_amount', v.oppose_amount, s.oppose_amount),
    ('expenditure_count', v.expenditure_count, s.expenditure_count),
    ('support_count', v.support_count, s.support_count),
    ('oppose_count', v.oppose_count, s.oppose_count),
    ('pairs', v.pairs, s.pairs)
) AS f (figure, actual, expected)
