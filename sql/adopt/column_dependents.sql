-- The views (and materialized views) that read each of these columns: ALTER COLUMN ... TYPE
-- cannot pass one, so a widening of the column waits until it is gone.
SELECT DISTINCT
    w.table_name,
    w.column_name,
    dep.relnamespace::regnamespace::text AS dependent_schema,
    dep.relname::text AS dependent_name
FROM unnest(%(tables)s::text [], %(columns)s::text []) AS w (table_name, column_name)
INNER JOIN pg_attribute AS a
    ON a.attrelid = to_regclass(quote_ident(w.table_name)) AND a.attname = w.column_name
INNER JOIN pg_depend AS d
    ON
        d.refclassid = 'pg_class'::regclass
        AND a.attrelid = d.refobjid
        AND a.attnum = d.refobjsubid
        AND d.classid = 'pg_rewrite'::regclass
INNER JOIN pg_rewrite AS r ON d.objid = r.oid
INNER JOIN pg_class AS dep ON r.ev_class = dep.oid
WHERE dep.oid <> a.attrelid
ORDER BY 1, 2, 3, 4
