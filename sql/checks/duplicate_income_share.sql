-- Live income transactions that repeat another one in every column but transaction_id
-- (about 7.6% in the real export): income rows, and rows beyond the first of each group.
WITH income AS (
    SELECT
        t.committee_id,
        t.transaction_type_id,
        t.transaction_date,
        t.amount,
        t.entity_id,
        t.subject_committee_id,
        t.is_for_benefit,
        t.category_id,
        t.memo,
        t.account_type,
        t.modifies_transaction_id
    FROM "Transactions" AS t
    INNER JOIN "TransactionTypes" AS tt ON t.transaction_type_id = tt.transaction_type_id
    WHERE NOT t.deleted AND tt.income_expense_neutral = 1
),

groups AS (
    SELECT count(*) AS n
    FROM income
    GROUP BY
        committee_id, transaction_type_id, transaction_date, amount, entity_id,
        subject_committee_id, is_for_benefit, category_id, memo, account_type,
        modifies_transaction_id
)

SELECT
    coalesce(sum(n), 0)::bigint AS income_rows,
    coalesce(sum(n - 1), 0)::bigint AS duplicate_rows
FROM groups
