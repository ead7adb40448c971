-- The ten largest IE spenders; ties go to the smaller committee_id.
SELECT
    committee_id,
    committee AS committee_name,
    total_spending AS total_spent,
    transaction_count AS expenditure_count
FROM top_ie_committees_mv
ORDER BY total_spending DESC, committee_id ASC
LIMIT 10
