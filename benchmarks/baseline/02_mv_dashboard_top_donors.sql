CREATE MATERIALIZED VIEW baseline.mv_dashboard_top_donors AS
SELECT
    t.entity_id,
    sunshine.display_name(n.last_name, n.first_name) AS entity_name,
    et.name AS entity_type,
    sum(t.amount) AS total_contributed,
    count(*) AS contribution_count
FROM "Transactions" AS t
INNER JOIN "TransactionTypes" AS tt ON t.transaction_type_id = tt.transaction_type_id
LEFT JOIN "Names" AS n ON t.entity_id = n.name_id
LEFT JOIN "EntityTypes" AS et ON n.entity_type_id = et.entity_type_id
WHERE NOT t.deleted AND t.subject_committee_id IS NULL AND tt.income_expense_neutral = 1
    AND t.entity_id > 0
GROUP BY t.entity_id, n.last_name, n.first_name, et.name
ORDER BY total_contributed DESC, t.entity_id
LIMIT 10;
CREATE UNIQUE INDEX ON baseline.mv_dashboard_top_donors (entity_id);
