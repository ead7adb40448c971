-- The latest landed batch that carried a table's file: rows read, rows quarantined (from
-- sunshine.quarantine) and the three most frequent reasons. No row: never imported.
WITH latest AS (
    SELECT
        b.batch_id,
        f.key AS file_name,
        (f.value ->> 'read')::bigint AS read_rows
    FROM sunshine.import_batch AS b
    CROSS JOIN LATERAL jsonb_each(b.counts) AS f
    WHERE b.outcome = 'landed' AND lower(f.key) = lower(%(file)s)
    ORDER BY b.batch_id DESC
    LIMIT 1
)

SELECT
    latest.batch_id,
    latest.read_rows,
    (
        SELECT count(DISTINCT q.row_number) FROM sunshine.quarantine AS q
        WHERE q.batch_id = latest.batch_id AND q.file_name = latest.file_name
    ) AS quarantined_rows,
    (
        SELECT coalesce(string_agg(r.reason || ' (' || r.n || ')', '; ' ORDER BY r.n DESC), '')
        FROM (
            SELECT q.reason, count(*) AS n FROM sunshine.quarantine AS q
            WHERE q.batch_id = latest.batch_id AND q.file_name = latest.file_name
            GROUP BY q.reason
            ORDER BY n DESC, q.reason
            LIMIT 3
        ) AS r
    ) AS top_reasons
FROM latest
