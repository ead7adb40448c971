-- Imports rejected or failed with no batch landed after them: what an operator still has to
-- deal with (fix the files, or drop a corrected batch), oldest first.
SELECT b.batch_id, b.path, b.outcome, b.error, b.finished_at
FROM sunshine.import_batch AS b
WHERE b.outcome IN ('rejected', 'failed')
    AND NOT EXISTS (
        SELECT FROM sunshine.import_batch AS l
        WHERE l.outcome = 'landed' AND l.batch_id > b.batch_id
    )
ORDER BY b.batch_id
