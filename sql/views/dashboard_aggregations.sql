-- The dashboard's headline figures, one row; read with SELECT * by position, so the
-- first six columns keep this order.
SELECT
    ie.total_ie_spending,
    committees.candidate_committees,
    ie.num_expenditures,
    soi.soi_total,
    soi.soi_uncontacted,
    soi.soi_pledged
FROM (
    SELECT
        coalesce(sum(total_amount), 0) AS total_ie_spending,
        coalesce(sum(expenditure_count), 0)::bigint AS num_expenditures
    FROM mv_committee_ie_summary
) AS ie
CROSS JOIN (
    SELECT count(*) AS candidate_committees
    FROM "Committees"
    WHERE candidate_id IS NOT NULL
) AS committees
CROSS JOIN (
    SELECT
        count(*) AS soi_total,
        count(*) FILTER (WHERE contact_status = 'uncontacted') AS soi_uncontacted,
        count(*) FILTER (WHERE pledge_received) AS soi_pledged
    FROM candidate_soi
) AS soi
