-- Every entity with at least one contribution: a live, non-IE transaction of an income type.
-- Refunds are negative and net out; sentinel names (name_id <= 0) are never donors.
WITH contributions AS (
    SELECT
        t.entity_id,
        sum(t.amount) AS total_contributed,
        count(*) AS contribution_count
    FROM "Transactions" AS t
    INNER JOIN "TransactionTypes" AS tt ON t.transaction_type_id = tt.transaction_type_id
    WHERE
        NOT t.deleted
        AND t.subject_committee_id IS NULL
        AND tt.income_expense_neutral = 1
        AND t.entity_id > 0
    GROUP BY t.entity_id
)

SELECT
    c.entity_id,
    sunshine.display_name(n.last_name, n.first_name) AS entity_name,
    n.city,
    n.state,
    et.name AS entity_type,
    c.total_contributed,
    c.contribution_count
FROM contributions AS c
LEFT JOIN "Names" AS n ON c.entity_id = n.name_id
LEFT JOIN "EntityTypes" AS et ON n.entity_type_id = et.entity_type_id
