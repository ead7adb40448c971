CREATE MATERIALIZED VIEW baseline.dashboard_aggregations AS
SELECT
    (SELECT coalesce(sum(abs(amount)), 0) FROM "Transactions"
     WHERE subject_committee_id IS NOT NULL AND NOT deleted) AS total_ie_spending,
    (SELECT count(*) FROM "Committees" WHERE candidate_id IS NOT NULL) AS candidate_committees,
    (SELECT count(*) FROM "Transactions"
     WHERE subject_committee_id IS NOT NULL AND NOT deleted) AS num_expenditures,
    (SELECT count(*) FROM candidate_soi) AS soi_total,
    (SELECT count(*) FROM candidate_soi WHERE contact_status = 'uncontacted') AS soi_uncontacted,
    (SELECT count(*) FROM candidate_soi WHERE pledge_received) AS soi_pledged;
CREATE UNIQUE INDEX ON baseline.dashboard_aggregations
    (total_ie_spending, candidate_committees, num_expenditures, soi_total, soi_uncontacted,
     soi_pledged);
