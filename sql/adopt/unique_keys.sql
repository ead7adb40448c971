-- The column sets each of these tables holds unique: one row per unique index on plain columns
-- (a primary key, a unique constraint or a unique index; valid, not partial), its key columns.
SELECT
    t.name AS table_name,
    array_agg(a.attname::text ORDER BY k.ord) AS columns
FROM unnest(%(tables)s::text []) AS t (name)
INNER JOIN pg_index AS i ON i.indrelid = to_regclass(quote_ident(t.name))
CROSS JOIN LATERAL unnest(i.indkey::int2 []) WITH ORDINALITY AS k (attnum, ord)
INNER JOIN pg_attribute AS a ON i.indrelid = a.attrelid AND k.attnum = a.attnum
WHERE
    i.indisunique AND i.indisvalid AND i.indpred IS NULL AND i.indexprs IS NULL
    AND k.ord <= i.indnkeyatts
GROUP BY t.name, i.indexrelid
ORDER BY t.name, i.indexrelid
