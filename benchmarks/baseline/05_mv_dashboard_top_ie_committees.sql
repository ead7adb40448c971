CREATE MATERIALIZED VIEW baseline.mv_dashboard_top_ie_committees AS
SELECT
    t.committee_id,
    sunshine.display_name(fn.last_name, fn.first_name) AS committee_name,
    sum(abs(t.amount)) AS total_spent,
    count(*) AS expenditure_count
FROM "Transactions" AS t
LEFT JOIN "Committees" AS f ON t.committee_id = f.committee_id
LEFT JOIN "Names" AS fn ON f.name_id = fn.name_id
WHERE t.subject_committee_id IS NOT NULL AND NOT t.deleted
GROUP BY t.committee_id, fn.last_name, fn.first_name
ORDER BY total_spent DESC, t.committee_id
LIMIT 10;
CREATE UNIQUE INDEX ON baseline.mv_dashboard_top_ie_committees (committee_id);
