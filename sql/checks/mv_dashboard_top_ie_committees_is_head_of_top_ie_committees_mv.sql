-- mv_dashboard_top_ie_committees against the first ten rows of top_ie_committees_mv
-- (spending descending, then the smaller id): same size, no row in one and not the other.
WITH head AS (
    SELECT committee_id, committee, total_spending, transaction_count
    FROM top_ie_committees_mv
    ORDER BY total_spending DESC, committee_id ASC
    LIMIT 10
),

top AS (
    SELECT committee_id, committee_name, total_spent, expenditure_count
    FROM mv_dashboard_top_ie_committees
),

differing AS (
    (SELECT * FROM top EXCEPT ALL SELECT * FROM head)
    UNION ALL
    (SELECT * FROM head EXCEPT ALL SELECT * FROM top)
)

SELECT f.figure, f.actual, f.expected
FROM (
    VALUES
    ('rows', (SELECT count(*) FROM top), (SELECT count(*) FROM head)),
    ('rows_differing_from_head', (SELECT count(*) FROM differing), 0)
) AS f (figure, actual, expected)
