-- A check's latest full evaluation (metadata "method" = 'full', which carries its snapshot,
-- figures and input tables' identity): what a bound evaluation starts from, and its age.
SELECT
    r.check_result_id,
    r.metadata,
    coalesce((r.metadata ->> 'evaluated_at')::timestamptz, r.checked_at) AS evaluated_at,
    extract(
        EPOCH FROM clock_timestamp()
        - coalesce((r.metadata ->> 'evaluated_at')::timestamptz, r.checked_at)
    )::float8 AS age_seconds
FROM sunshine.check_result AS r
WHERE
    r.asset = %(asset)s
    AND r.check_name = %(check)s
    AND r.metadata ->> 'method' = 'full'
ORDER BY r.check_result_id DESC
LIMIT 1
