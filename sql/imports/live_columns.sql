-- The live definition of a table's columns, as the importer needs it: NOT NULL, and the
-- length limit of a character varying column (NULL when there is none).
SELECT
    a.attname AS column_name,
    a.attnotnull AS not_null,
    CASE
        WHEN a.atttypid IN ('varchar'::regtype, 'bpchar'::regtype) AND a.atttypmod > 0
            THEN a.atttypmod - 4
    END AS max_length
FROM pg_attribute AS a
WHERE a.attrelid = %(table)s::regclass AND a.attnum > 0 AND NOT a.attisdropped
