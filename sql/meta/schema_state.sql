-- The recorded schema hash, and how many change triggers the site's tables carry (each must
-- have its three; a table re-created by a site migration has none).
SELECT
    v.schema_hash,
    (
        SELECT count(*)
        FROM pg_trigger AS t
        WHERE
            t.tgrelid IN (SELECT to_regclass(quote_ident(name)) FROM unnest(%(tables)s::text[]) AS name)
            AND t.tgname LIKE 'sunshine\_log\_%%'
    ) AS change_triggers
FROM sunshine.schema_version AS v
