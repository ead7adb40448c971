-- The swap that rebuilt a view in this run along with the view it depends on (a view below
-- a swapped view is rebuilt in the same transaction, so its own step then finds it fresh):
-- what that rebuild did, for the view's own materialization to report.
SELECT swapped_for, row_count, finished_at
FROM sunshine.view_refresh
WHERE view_name = %(view)s AND run_id = %(run_id)s AND mode = 'swapped'
    AND swapped_for IS DISTINCT FROM view_name
ORDER BY refresh_id DESC
LIMIT 1
