-- ie_benefit_breakdown against the IE summary: both rows present, support and oppose
-- amounts, counts and shares. A missing row shows as NULL, which never matches.
WITH summary AS (
    SELECT
        coalesce(sum(support_amount), 0) AS support_amount,
        coalesce(sum(oppose_amount), 0) AS oppose_amount,
        coalesce(sum(support_count), 0) AS support_count,
        coalesce(sum(oppose_count), 0) AS oppose_count
    FROM mv_committee_ie_summary
),

breakdown AS (
    SELECT
        (SELECT count(*) FROM ie_benefit_breakdown) AS row_count,
        (SELECT total_amount FROM ie_benefit_breakdown WHERE is_for_benefit) AS support_amount,
        (SELECT total_amount FROM ie_benefit_breakdown WHERE NOT is_for_benefit)
        AS oppose_amount,
        (SELECT transaction_count FROM ie_benefit_breakdown WHERE is_for_benefit)
        AS support_count,
        (SELECT transaction_count FROM ie_benefit_breakdown WHERE NOT is_for_benefit)
        AS oppose_count,
        (SELECT coalesce(percentage, -1) FROM ie_benefit_breakdown WHERE is_for_benefit)
        AS support_percentage
)

SELECT f.figure, f.actual, f.expected
FROM breakdown AS b
CROSS JOIN summary AS s
CROSS JOIN LATERAL (
    VALUES
    ('rows', b.row_count, 2),
    ('support_amount', b.support_amount, s.support_amount),
    ('oppose_amount', b.oppose_amount, s.oppose_amount),
    ('support_count', b.support_count, s.support_count),
    ('oppose_count', b.oppose_count, s.oppose_count),
    (
        'support_percentage',
        b.support_percentage,
        coalesce(
            round(100 * s.support_amount / nullif(s.support_amount + s.oppose_amount, 0), 1),
            -1
        )
    )
) AS f (figure, actual, expected)
