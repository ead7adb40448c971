-- mv_dashboard_support_oppose (one row) against the IE summary's support and oppose figures.
WITH summary AS (
    SELECT
        coalesce(sum(support_amount), 0) AS support_amount,
        coalesce(sum(oppose_amount), 0) AS oppose_amount,
        coalesce(sum(support_count), 0) AS support_count,
        coalesce(sum(oppose_count), 0) AS oppose_count
    FROM mv_committee_ie_summary
),

pivot AS (
    SELECT
        count(*) AS row_count,
        min(total_for_benefit) AS total_for_benefit,
        min(total_not_for_benefit) AS total_not_for_benefit,
        min(count_for_benefit) AS count_for_benefit,
        min(count_not_for_benefit) AS count_not_for_benefit
    FROM mv_dashboard_support_oppose
)

SELECT f.figure, f.actual, f.expected
FROM pivot AS p
CROSS JOIN summary AS s
CROSS JOIN LATERAL (
    VALUES
    ('rows', p.row_count, 1),
    ('total_for_benefit', p.total_for_benefit, s.support_amount),
    ('total_not_for_benefit', p.total_not_for_benefit, s.oppose_amount),
    ('count_for_benefit', p.count_for_benefit, s.support_count),
    ('count_not_for_benefit', p.count_not_for_benefit, s.oppose_count)
) AS f (figure, actual, expected)
