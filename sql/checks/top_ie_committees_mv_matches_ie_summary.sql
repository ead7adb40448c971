-- top_ie_committees_mv against the IE summary it rolls up: spending, count, committees.
WITH view_side AS (
    SELECT
        coalesce(sum(total_spending), 0) AS total_spending,
        coalesce(sum(transaction_count), 0) AS transaction_count,
        count(*) AS committees
    FROM top_ie_committees_mv
),

summary_side AS (
    SELECT
        coalesce(sum(total_amount), 0) AS total_spending,
        coalesce(sum(expenditure_count), 0) AS transaction_count,
        count(DISTINCT committee_id) AS committees
    FROM mv_committee_ie_summary
)

SELECT f.figure, f.actual, f.expected
FROM view_side AS v
CROSS JOIN summary_side AS s
CROSS JOIN LATERAL (
    VALUES
    ('total_spending', v.total_spending, s.total_spending),
    ('transaction_count', v.transaction_count, s.transaction_count),
    ('committees', v.committees, s.committees)
) AS f (figure, actual, expected)
