-- How a view was materialized: created (it was missing), concurrent (REFRESH CONCURRENTLY),
-- swapped (its definition, or an upstream view's, changed: rebuilt and swapped in), skipped
-- (nothing it reads changed). swapped_for names the view whose new definition caused a swap.
ALTER TABLE sunshine.view_refresh ADD COLUMN IF NOT EXISTS swapped_for text;
DO $$
BEGIN
    IF NOT EXISTS (
        SELECT FROM pg_constraint
        WHERE conname = 'view_refresh_mode_check'
            AND conrelid = 'sunshine.view_refresh'::regclass
    ) THEN
        ALTER TABLE sunshine.view_refresh ADD CONSTRAINT view_refresh_mode_check
            CHECK (mode IN ('created', 'concurrent', 'swapped', 'skipped'));
    END IF;
END
$$;
