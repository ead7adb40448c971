-- The refresh log: one row per materialization of a view. source_snapshot is the snapshot
-- the refresh read; a change_log entry not visible in it makes the view stale.
CREATE TABLE IF NOT EXISTS sunshine.view_refresh (
    refresh_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    view_name text NOT NULL,
    started_at timestamptz NOT NULL,
    finished_at timestamptz NOT NULL,
    duration_s double precision NOT NULL,
    mode text NOT NULL,  -- created, concurrent, swapped, skipped
    row_count bigint NOT NULL,
    rows_changed bigint,
    source_snapshot pg_snapshot NOT NULL,
    source_watermark bigint,  -- the largest change_id the refresh could see
    definition_hash text NOT NULL,
    run_id text
);
CREATE INDEX IF NOT EXISTS view_refresh_view_idx ON sunshine.view_refresh (view_name, refresh_id);
