-- dashboard_aggregations (one row) against the base tables: live IE spending and count,
-- candidate committees, statements of interest.
WITH view_side AS (
    SELECT
        count(*) AS row_count,
        min(total_ie_spending) AS total_ie_spending,
        min(num_expenditures) AS num_expenditures,
        min(candidate_committees) AS candidate_committees,
        min(soi_total) AS soi_total,
        min(soi_uncontacted) AS soi_uncontacted,
        min(soi_pledged) AS soi_pledged
    FROM dashboard_aggregations
),

ie AS (
    SELECT
        coalesce(sum(abs(amount)), 0) AS total_ie_spending,
        count(*) AS num_expenditures
    FROM "Transactions"
    WHERE subject_committee_id IS NOT NULL AND NOT deleted
),

committees AS (
    SELECT count(*) AS candidate_committees
    FROM "Committees"
    WHERE candidate_id IS NOT NULL
),

soi AS (
    SELECT
        count(*) AS soi_total,
        count(*) FILTER (WHERE contact_status = 'uncontacted') AS soi_uncontacted,
        count(*) FILTER (WHERE pledge_received) AS soi_pledged
    FROM candidate_soi
)

SELECT f.figure, f.actual, f.expected
FROM view_side AS v
CROSS JOIN ie
CROSS JOIN committees AS c
CROSS JOIN soi
CROSS JOIN LATERAL (
    VALUES
    ('rows', v.row_count, 1),
    ('total_ie_spending', v.total_ie_spending, ie.total_ie_spending),
    ('num_expenditures', v.num_expenditures, ie.num_expenditures),
    ('candidate_committees', v.candidate_committees, c.candidate_committees),
    ('soi_total', v.soi_total, soi.soi_total),
    ('soi_uncontacted', v.soi_uncontacted, soi.soi_uncontacted),
    ('soi_pledged', v.soi_pledged, soi.soi_pledged)
) AS f (figure, actual, expected)
