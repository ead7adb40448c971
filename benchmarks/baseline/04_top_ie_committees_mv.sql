CREATE MATERIALIZED VIEW baseline.top_ie_committees_mv AS
SELECT
    t.committee_id,
    sunshine.display_name(fn.last_name, fn.first_name) AS committee,
    sum(abs(t.amount)) AS total_spending,
    count(*) AS transaction_count
FROM "Transactions" AS t
LEFT JOIN "Committees" AS f ON t.committee_id = f.committee_id
LEFT JOIN "Names" AS fn ON f.name_id = fn.name_id
WHERE t.subject_committee_id IS NOT NULL AND NOT t.deleted
GROUP BY t.committee_id, fn.last_name, fn.first_name;
CREATE UNIQUE INDEX ON baseline.top_ie_committees_mv (committee_id);
