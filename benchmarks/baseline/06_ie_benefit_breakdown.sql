CREATE MATERIALIZED VIEW baseline.ie_benefit_breakdown AS
WITH sides AS (
    SELECT
        b.is_for_benefit,
        count(t.transaction_id) AS transaction_count,
        coalesce(sum(abs(t.amount)), 0) AS total_amount
    FROM (VALUES (true), (false)) AS b (is_for_benefit)
    LEFT JOIN "Transactions" AS t
        ON t.is_for_benefit = b.is_for_benefit AND t.subject_committee_id IS NOT NULL
        AND NOT t.deleted
    GROUP BY b.is_for_benefit
)
SELECT
    is_for_benefit,
    transaction_count,
    total_amount,
    round(100 * total_amount / nullif(sum(total_amount) OVER (), 0), 1) AS percentage
FROM sides;
CREATE UNIQUE INDEX ON baseline.ie_benefit_breakdown (is_for_benefit);
