-- A batch that ends before importing anything (rejected, or skipped), in one row.
INSERT INTO sunshine.import_batch (
    path, content_hash, size_bytes, outcome, counts, error, finished_at
)
VALUES (
    %(path)s, %(content_hash)s, %(size_bytes)s, %(outcome)s, %(counts)s, %(error)s,
    clock_timestamp()
)
RETURNING batch_id
