-- The foreign keys that reference a table or that it holds (its own self-reference once):
-- the relation holding each, its name and definition, to drop and add again around a bulk
-- load into the empty table.
SELECT DISTINCT
    c.conrelid::regclass::text AS relation,
    c.conname AS constraint_name,
    pg_get_constraintdef(c.oid) AS definition
FROM pg_constraint AS c
WHERE c.contype = 'f' AND (c.confrelid = %(table)s::regclass OR c.conrelid = %(table)s::regclass)
ORDER BY 1, 2
