-- When the oldest input change a view has not read yet was written (NULL: the view is
-- current with its inputs, however long ago it was refreshed). The same test as a refresh's
-- staleness (views/refresh.py): a change_log entry of an input not visible in the snapshot
-- of the view's latest real refresh.
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
