-- Live independent expenditures per (filing committee, targeted committee), as positive
-- amounts. An IE with is_for_benefit NULL counts in the totals but in neither side.
WITH ie AS (
    SELECT
        committee_id,
        subject_committee_id,
        coalesce(sum(abs(amount)) FILTER (WHERE is_for_benefit), 0) AS support_amount,
        coalesce(sum(abs(amount)) FILTER (WHERE NOT is_for_benefit), 0) AS oppose_amount,
        coalesce(sum(abs(amount)), 0) AS total_amount,
        count(*) FILTER (WHERE is_for_benefit) AS support_count,
        count(*) FILTER (WHERE NOT is_for_benefit) AS oppose_count,
        count(*) AS expenditure_count,
        min(transaction_date) AS first_expenditure_date,
        max(transaction_date) AS last_expenditure_date
    FROM "Transactions"
    WHERE subject_committee_id IS NOT NULL AND NOT deleted
    GROUP BY committee_id, subject_committee_id
)

SELECT
    ie.committee_id,
    sunshine.display_name(fn.last_name, fn.first_name) AS committee_name,
    ie.subject_committee_id,
    sunshine.display_name(sn.last_name, sn.first_name) AS subject_committee_name,
    ie.support_amount,
    ie.oppose_amount,
    ie.total_amount,
    ie.support_count,
    ie.oppose_count,
    ie.expenditure_count,
    ie.first_expenditure_date,
    ie.last_expenditure_date
FROM ie
LEFT JOIN "Committees" AS f ON ie.committee_id = f.committee_id
LEFT JOIN "Names" AS fn ON f.name_id = fn.name_id
LEFT JOIN "Committees" AS s ON ie.subject_committee_id = s.committee_id
LEFT JOIN "Names" AS sn ON s.name_id = sn.name_id
