-- The first quarantine rows of a file, as the import's summary shows them.
SELECT row_number, column_name, raw_value, reason
FROM sunshine.quarantine
WHERE batch_id = %(batch_id)s AND file_name = %(file_name)s
ORDER BY row_number, column_name NULLS FIRST, reason
LIMIT %(limit)s
