-- The refresh log: one row per materialization of a view. source_snapshot is the snapshot
-- the refresh read; a change_log entry not visible in it makes the view stale. mode says how
-- the view was materialized: created (it was missing), concurrent (REFRESH CONCURRENTLY),
-- swapped (its definition, or an upstream view's, changed: rebuilt and swapped in), skipped
-- (nothing it reads changed); swapped_for names the view whose new definition caused a swap.
CREATE TABLE IF NOT EXISTS sunshine.view_refresh (
    refresh_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    view_name text NOT NULL,
    started_at timestamptz NOT NULL,
    finished_at timestamptz NOT NULL,
    duration_s double precision NOT NULL,
    mode text NOT NULL,
    row_count bigint NOT NULL,
    rows_changed bigint,
    source_snapshot pg_snapshot NOT NULL,
    source_watermark bigint,  -- the largest change_id the refresh could see
    definition_hash text NOT NULL,
    run_id text,
    swapped_for text,
    CONSTRAINT view_refresh_mode_check
        CHECK (mode IN ('created', 'concurrent', 'swapped', 'skipped'))
);
CREATE INDEX IF NOT EXISTS view_refresh_view_idx ON sunshine.view_refresh (view_name, refresh_id);
