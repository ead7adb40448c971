-- A batch's outcome, its counts per file and its error, as its import ends.
UPDATE sunshine.import_batch SET
    outcome = %(outcome)s,
    counts = %(counts)s,
    error = %(error)s,
    finished_at = clock_timestamp()
WHERE batch_id = %(batch_id)s
