CREATE MATERIALIZED VIEW baseline.mv_dashboard_recent_expenditures AS
SELECT
    t.transaction_id AS id,
    t.amount,
    t.transaction_date AS expenditure_date,
    t.memo AS purpose,
    t.is_for_benefit,
    sunshine.display_name(fn.last_name, fn.first_name) AS committee_name,
    sunshine.display_name(sn.last_name, sn.first_name) AS subject_committee_name,
    CASE
        WHEN s.candidate_id IS NOT NULL THEN sunshine.display_name(cn.last_name, cn.first_name)
        ELSE sunshine.display_name(sn.last_name, sn.first_name)
    END AS candidate_name
FROM "Transactions" AS t
LEFT JOIN "Committees" AS f ON t.committee_id = f.committee_id
LEFT JOIN "Names" AS fn ON f.name_id = fn.name_id
LEFT JOIN "Committees" AS s ON t.subject_committee_id = s.committee_id
LEFT JOIN "Names" AS sn ON s.name_id = sn.name_id
LEFT JOIN "Names" AS cn ON s.candidate_id = cn.name_id
WHERE t.subject_committee_id IS NOT NULL AND NOT t.deleted
ORDER BY t.transaction_date DESC NULLS LAST, t.transaction_id DESC
LIMIT 50;
CREATE UNIQUE INDEX ON baseline.mv_dashboard_recent_expenditures (id);
