-- The support/oppose totals as one row, pivoted from the benefit breakdown.
SELECT
    sum(total_amount) FILTER (WHERE is_for_benefit) AS total_for_benefit,
    sum(total_amount) FILTER (WHERE NOT is_for_benefit) AS total_not_for_benefit,
    sum(transaction_count) FILTER (WHERE is_for_benefit)::bigint AS count_for_benefit,
    sum(transaction_count) FILTER (WHERE NOT is_for_benefit)::bigint AS count_not_for_benefit
FROM ie_benefit_breakdown
