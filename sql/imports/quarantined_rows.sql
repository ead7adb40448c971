-- How many records of a file a batch quarantined (a record can have several reasons).
SELECT count(DISTINCT row_number)
FROM sunshine.quarantine
WHERE batch_id = %(batch_id)s AND file_name = %(file_name)s
