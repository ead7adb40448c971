-- Base tables written by transactions that committed after the cursor snapshot (since) and
-- are visible now, leaving out the writers matching own_writers (LIKE patterns: imports
-- made by a Dagster run, which refreshes the views after them). A rolled-back write left
-- no row here. Entries older than the snapshot's xmin are visible in it by definition, so the
-- (relation, xid) index range starts there. A rollup flagged for a rebuild by a failing
-- reconciliation (its REBUILD entry, sql/checks/request_rollup_rebuild.sql) counts as a
-- change of the base table it totals (rollup_state.base_table), of no rows: the views
-- downstream are refreshed, and the refresh rebuilds the rollup first.
-- The test of a change against a snapshot (xid at or past its xmin and not visible in it) is
-- the staleness rule's (sql/status/stale_since.sql), kept here as a copy on purpose: this
-- asks it of the sensor's cursor snapshot, for every base table at once and grouped per
-- table, not of one view's latest refresh; a shared SQL function would need a migration and
-- would hide from this query the xmin bound its index range rests on.
WITH changes AS (
    SELECT l.relation, l.row_count
    FROM sunshine.change_log AS l
    WHERE
        l.relation = ANY(%(tables)s)
        AND l.xid >= pg_snapshot_xmin(%(since)s::pg_snapshot)
        AND NOT pg_visible_in_snapshot(l.xid, %(since)s::pg_snapshot)
        AND NOT coalesce(l.writer, '') LIKE ANY(%(own_writers)s)
    UNION ALL
    SELECT r.base_table, 0
    FROM sunshine.rollup_state AS r
    INNER JOIN sunshine.change_log AS l ON r.rollup = l.relation
    WHERE
        r.base_table = ANY(%(tables)s)
        AND l.operation = 'REBUILD'
        AND l.xid >= pg_snapshot_xmin(%(since)s::pg_snapshot)
        AND NOT pg_visible_in_snapshot(l.xid, %(since)s::pg_snapshot)
        AND NOT coalesce(l.writer, '') LIKE ANY(%(own_writers)s)
)

SELECT relation, count(*) AS statements, sum(row_count) AS row_count
FROM changes
GROUP BY relation
ORDER BY relation
