-- The staged columns (sunshine.import_stage, just analyzed) that are NULL in most rows.
SELECT attname
FROM pg_stats
WHERE schemaname = 'sunshine' AND tablename = 'import_stage' AND null_frac > 0.5
