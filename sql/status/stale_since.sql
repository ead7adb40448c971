-- The staleness rule, stated once: when the oldest change of a view's inputs (%(inputs)s: its
-- ViewSpec.inputs, the relations it reads and its rollups) that a snapshot did not see was
-- written; NULL when there is none. A change is its change_log entry, written in the writing
-- transaction; it is unseen when its transaction is not visible in the snapshot (entries
-- older than the snapshot's xmin are visible by definition, so the (relation, xid) index
-- range starts there). views/refresh.py asks it of the snapshot the view's latest real
-- refresh recorded (is_stale: does the view need a refresh? stale_since: the freshness check
-- and sensor, `sunshine status`), and of the snapshot a refused refresh started from (did an
-- input change while it ran?).
SELECT min(l.changed_at)
FROM sunshine.change_log AS l
WHERE
    l.relation = ANY(%(inputs)s)
    AND l.xid >= pg_snapshot_xmin(%(snapshot)s::pg_snapshot)
    AND NOT pg_visible_in_snapshot(l.xid, %(snapshot)s::pg_snapshot)
