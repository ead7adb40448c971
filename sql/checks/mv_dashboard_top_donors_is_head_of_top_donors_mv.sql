-- mv_dashboard_top_donors against the first ten rows of top_donors_mv in the dashboard's
-- order (total descending, then the smaller id): same size, no row in one and not the other.
WITH head AS (
    SELECT entity_id, entity_name, entity_type, total_contributed, contribution_count
    FROM top_donors_mv
    ORDER BY total_contributed DESC, entity_id ASC
    LIMIT 10
),

top AS (
    SELECT entity_id, entity_name, entity_type, total_contributed, contribution_count
    FROM mv_dashboard_top_donors
),

differing AS (
    (SELECT * FROM top EXCEPT ALL SELECT * FROM head)
    UNION ALL
    (SELECT * FROM head EXCEPT ALL SELECT * FROM top)
)

SELECT f.figure, f.actual, f.expected
FROM (
    VALUES
    ('rows', (SELECT count(*) FROM top), (SELECT count(*) FROM head)),
    ('rows_differing_from_head', (SELECT count(*) FROM differing), 0)
) AS f (figure, actual, expected)
