-- One row per view, for the dashboard's "last updated" and for `sunshine status`:
-- refreshed_at is the last real refresh (created, concurrent or swapped); changed_at the last
-- one that changed rows; verified_at the last materialization of any mode (a skipped one
-- confirms that nothing the view reads changed since refreshed_at).
CREATE OR REPLACE VIEW sunshine.view_last_refresh AS
SELECT DISTINCT ON (r.view_name)
    r.view_name,
    r.finished_at AS refreshed_at,
    r.mode,
    r.row_count,
    r.rows_changed,
    r.duration_s,
    r.source_watermark,
    r.definition_hash,
    (
        SELECT max(c.finished_at) FROM sunshine.view_refresh AS c
        WHERE c.view_name = r.view_name AND c.rows_changed > 0
    ) AS changed_at,
    (
        SELECT max(c.finished_at) FROM sunshine.view_refresh AS c
        WHERE c.view_name = r.view_name
    ) AS verified_at
FROM sunshine.view_refresh AS r
WHERE r.mode <> 'skipped'
ORDER BY r.view_name, r.refresh_id DESC;
