-- Every column of these tables, as the import needs to know it: its definition as format_type
-- prints it, its base type's name (through a domain), NOT NULL, whether an insert that leaves
-- it out gets a value (a default or an identity), whether it is generated, and the precision
-- and scale of a numeric one (NULL when unconstrained).
SELECT
    t.name AS table_name,
    a.attname::text AS column_name,
    format_type(a.atttypid, a.atttypmod) AS definition,
    base.typname::text AS base_type,
    a.attnotnull AS not_null,
    (a.atthasdef AND a.attgenerated = '') OR a.attidentity <> '' AS has_default,
    a.attgenerated <> '' AS generated,
    CASE
        WHEN a.atttypid = 'numeric'::regtype AND a.atttypmod >= 4
            THEN ((a.atttypmod - 4) >> 16) & 65535
    END AS numeric_precision,
    CASE
        WHEN a.atttypid = 'numeric'::regtype AND a.atttypmod >= 4
            THEN (a.atttypmod - 4) & 65535
    END AS numeric_scale
FROM unnest(%(tables)s::text []) AS t (name)
INNER JOIN pg_attribute AS a ON a.attrelid = to_regclass(quote_ident(t.name))
INNER JOIN pg_type AS ty ON a.atttypid = ty.oid
INNER JOIN pg_type AS base ON base.oid = coalesce(nullif(ty.typbasetype, 0), ty.oid)
WHERE a.attnum > 0 AND NOT a.attisdropped
ORDER BY t.name, a.attnum
