-- Base tables written by transactions that committed after the cursor snapshot (since) and
-- are visible now, leaving out the writers matching own_writers (LIKE patterns: imports
-- made by a Dagster run, which refreshes the views after them). A rolled-back write left
-- no row here. Entries older than the snapshot's xmin are visible in it by definition, so the
-- (relation, xid) index range starts there.
SELECT relation, count(*) AS statements, sum(row_count) AS row_count
FROM sunshine.change_log
WHERE relation = ANY(%(tables)s)
  AND xid >= pg_snapshot_xmin(%(since)s::pg_snapshot)
  AND NOT pg_visible_in_snapshot(xid, %(since)s::pg_snapshot)
  AND NOT coalesce(writer, '') LIKE ANY(%(own_writers)s)
GROUP BY relation
ORDER BY relation
