-- Ledger rows still 'running' while this session holds the import lock were left by an
-- importer that died (a live one would hold the lock): marked abandoned.
UPDATE sunshine.import_batch SET
    outcome = 'abandoned',
    finished_at = clock_timestamp(),
    error = 'the importing process ended before the batch finished; nothing of it landed'
WHERE outcome = 'running'
RETURNING batch_id
