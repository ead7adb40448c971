-- Always two rows (support, oppose), zero-filled; percentage of support + oppose, one decimal.
WITH totals AS (
    SELECT
        coalesce(sum(support_amount), 0) AS support_amount,
        coalesce(sum(oppose_amount), 0) AS oppose_amount,
        coalesce(sum(support_count), 0)::bigint AS support_count,
        coalesce(sum(oppose_count), 0)::bigint AS oppose_count
    FROM mv_committee_ie_summary
)

SELECT
    side.is_for_benefit,
    side.transaction_count,
    side.total_amount,
    round(
        100 * side.total_amount / nullif(totals.support_amount + totals.oppose_amount, 0), 1
    ) AS percentage
FROM totals
CROSS JOIN LATERAL (
    VALUES
    (true, totals.support_count, totals.support_amount),
    (false, totals.oppose_count, totals.oppose_amount)
) AS side (is_for_benefit, transaction_count, total_amount)
