-- The relations of these names (the site's tables, the nine views) as the importer and the
-- views find them (through search_path): kind, schema, owner, whether the current role acts as
-- that owner (adds triggers, alters columns, drops a view), and whether a unique index covers
-- it (REFRESH ... CONCURRENTLY needs one). A name with no relation has no row.
SELECT
    n.name,
    c.relkind::text AS kind,
    c.relnamespace::regnamespace::text AS schema_name,
    pg_get_userbyid(c.relowner)::text AS owner,
    pg_has_role(current_user, c.relowner, 'USAGE') AS owned,
    EXISTS (
        SELECT FROM pg_index AS i
        WHERE i.indrelid = c.oid AND i.indisunique AND i.indpred IS NULL
    ) AS has_unique_index
FROM unnest(%(names)s::text []) AS n (name)
INNER JOIN pg_class AS c ON c.oid = to_regclass(quote_ident(n.name))
ORDER BY n.name
