-- A table's indexes with the primary key or unique constraint each one backs (NULL for a
-- plain index): constraints first, to drop and create again around a bulk load.
SELECT
    i.indexrelid::regclass::text AS index_name,
    pg_get_indexdef(i.indexrelid) AS definition,
    c.conname AS constraint_name,
    pg_get_constraintdef(c.oid) AS constraint_definition
FROM pg_index AS i
LEFT JOIN pg_constraint AS c
    ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid AND c.contype IN ('p', 'u')
WHERE i.indrelid = %(table)s::regclass
ORDER BY c.contype NULLS LAST, i.indexrelid
