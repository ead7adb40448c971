-- A reconciliation found a view built on rollups wrong (a rollup no longer equals its base
-- tables): flag each rollup (%(rollups)s) for a full rebuild from the base tables, with the
-- reason (%(reason)s), and log a REBUILD entry of it in the change log (writer %(writer)s), so
-- the view turns stale (views/refresh.py is_stale) and the source-change sensor and the
-- schedule refresh it; the refresh rebuilds the rollup first. Returns the rollups flagged.
WITH flagged AS (
    UPDATE sunshine.rollup_state
    SET needs_rebuild = true, flagged_at = clock_timestamp(), rebuild_reason = %(reason)s
    WHERE rollup = ANY(%(rollups)s)
    RETURNING rollup
)

INSERT INTO sunshine.change_log (relation, operation, row_count, writer)
SELECT rollup, 'REBUILD', 0, %(writer)s
FROM flagged
RETURNING relation
