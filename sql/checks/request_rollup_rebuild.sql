-- A reconciliation found a view built on rollups wrong (a rollup no longer equals its base
-- tables): flag each rollup (%(rollups)s) for a full rebuild from the base tables, with the
-- reason (%(reason)s), and log a REBUILD entry of it in the change log (writer %(writer)s), so
-- the view turns stale (views/refresh.py is_stale) and the source-change sensor and the
-- schedule refresh it; the refresh rebuilds the rollup first. Not again within
-- %(backoff)s of a rebuild this same check (%(check)s) asked for: when that rebuild did not
-- fix the view, the rollup is not what is wrong, and rebuilding it in a loop would not help.
-- Returns the rollups flagged.
WITH flagged AS (
    UPDATE sunshine.rollup_state
    SET needs_rebuild = true, flagged_at = clock_timestamp(), rebuild_reason = %(reason)s
    WHERE
        rollup = ANY(%(rollups)s)
        AND NOT (
            starts_with(coalesce(rebuild_reason, ''), %(check)s || ':')
            AND rebuilt_at > flagged_at
            AND rebuilt_at > clock_timestamp() - %(backoff)s::interval
        )
    RETURNING rollup
)

INSERT INTO sunshine.change_log (relation, operation, row_count, writer)
SELECT rollup, 'REBUILD', 0, %(writer)s
FROM flagged
RETURNING relation
