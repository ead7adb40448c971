-- A batch's ledger row as its import starts (outcome 'running', the column's default).
INSERT INTO sunshine.import_batch (path, content_hash, size_bytes)
VALUES (%(path)s, %(content_hash)s, %(size_bytes)s)
RETURNING batch_id
