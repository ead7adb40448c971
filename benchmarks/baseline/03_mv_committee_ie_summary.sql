CREATE MATERIALIZED VIEW baseline.mv_committee_ie_summary AS
SELECT
    t.committee_id,
    sunshine.display_name(fn.last_name, fn.first_name) AS committee_name,
    t.subject_committee_id,
    sunshine.display_name(sn.last_name, sn.first_name) AS subject_committee_name,
    coalesce(sum(abs(t.amount)) FILTER (WHERE t.is_for_benefit), 0) AS support_amount,
    coalesce(sum(abs(t.amount)) FILTER (WHERE NOT t.is_for_benefit), 0) AS oppose_amount,
    coalesce(sum(abs(t.amount)), 0) AS total_amount,
    count(*) FILTER (WHERE t.is_for_benefit) AS support_count,
    count(*) FILTER (WHERE NOT t.is_for_benefit) AS oppose_count,
    count(*) AS expenditure_count,
    min(t.transaction_date) AS first_expenditure_date,
    max(t.transaction_date) AS last_expenditure_date
FROM "Transactions" AS t
LEFT JOIN "Committees" AS f ON t.committee_id = f.committee_id
LEFT JOIN "Names" AS fn ON f.name_id = fn.name_id
LEFT JOIN "Committees" AS s ON t.subject_committee_id = s.committee_id
LEFT JOIN "Names" AS sn ON s.name_id = sn.name_id
WHERE t.subject_committee_id IS NOT NULL AND NOT t.deleted
GROUP BY t.committee_id, fn.last_name, fn.first_name, t.subject_committee_id, sn.last_name,
    sn.first_name;
CREATE UNIQUE INDEX ON baseline.mv_committee_ie_summary (committee_id, subject_committee_id);
