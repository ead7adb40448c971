-- The latest batch of this content that landed (a batch landed once is skipped).
SELECT batch_id
FROM sunshine.import_batch
WHERE content_hash = %(content_hash)s AND outcome = 'landed'
ORDER BY batch_id DESC
LIMIT 1
