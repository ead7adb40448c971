-- Committees with at least one live IE and what they spent, rolled up from the IE summary.
SELECT
    committee_id,
    min(committee_name) AS committee,
    sum(total_amount) AS total_spending,
    sum(expenditure_count)::bigint AS transaction_count
FROM mv_committee_ie_summary
GROUP BY committee_id
