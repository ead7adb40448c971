CREATE MATERIALIZED VIEW baseline.top_donors_mv AS
SELECT
    t.entity_id,
    sunshine.display_name(n.last_name, n.first_name) AS entity_name,
    n.city,
    n.state,
    et.name AS entity_type,
    sum(t.amount) AS total_contributed,
    count(*) AS contribution_count
FROM "Transactions" AS t
INNER JOIN "TransactionTypes" AS tt ON t.transaction_type_id = tt.transaction_type_id
LEFT JOIN "Names" AS n ON t.entity_id = n.name_id
LEFT JOIN "EntityTypes" AS et ON n.entity_type_id = et.entity_type_id
WHERE NOT t.deleted AND t.subject_committee_id IS NULL AND tt.income_expense_neutral = 1
    AND t.entity_id > 0
GROUP BY t.entity_id, n.last_name, n.first_name, n.city, n.state, et.name;
CREATE UNIQUE INDEX ON baseline.top_donors_mv (entity_id);
