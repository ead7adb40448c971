-- mv_dashboard_recent_expenditures against the 50 latest live IE in Transactions (date, then
-- id, descending; no date last): same rows, same amounts, dates and sides.
WITH latest AS (
    SELECT
        transaction_id AS id,
        amount,
        transaction_date AS expenditure_date,
        is_for_benefit
    FROM "Transactions"
    WHERE subject_committee_id IS NOT NULL AND NOT deleted
    ORDER BY transaction_date DESC NULLS LAST, transaction_id DESC
    LIMIT 50
),

recent AS (
    SELECT id, amount, expenditure_date, is_for_benefit
    FROM mv_dashboard_recent_expenditures
),

differing AS (
    (SELECT * FROM recent EXCEPT ALL SELECT * FROM latest)
    UNION ALL
    (SELECT * FROM latest EXCEPT ALL SELECT * FROM recent)
)

SELECT f.figure, f.actual, f.expected
FROM (
    VALUES
    ('rows', (SELECT count(*) FROM recent), (SELECT count(*) FROM latest)),
    ('rows_differing_from_latest', (SELECT count(*) FROM differing), 0)
) AS f (figure, actual, expected)
