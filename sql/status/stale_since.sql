-- The staleness rule, stated once: when the oldest input change a view has not read yet was
-- written (NULL: the view is current with its inputs, however long ago it was refreshed, or
-- has no refresh of ours on record). A change is unread when its change_log entry (written
-- in the writing transaction) is not visible in the snapshot the view's latest real refresh
-- recorded. views/refresh.py is_stale (does a view need a refresh?) and stale_since (the
-- freshness check and sensor, `sunshine status`) both run this statement; %(inputs)s is the
-- view's ViewSpec.inputs (the relations it reads and its rollups).
SELECT min(l.changed_at)
FROM (
    SELECT source_snapshot FROM sunshine.view_refresh
    WHERE view_name = %(view)s AND mode <> 'skipped'
    ORDER BY refresh_id DESC
    LIMIT 1
) AS r
INNER JOIN sunshine.change_log AS l
    ON l.relation = ANY(%(inputs)s)
    AND l.xid >= pg_snapshot_xmin(r.source_snapshot)
    AND NOT pg_visible_in_snapshot(l.xid, r.source_snapshot)
