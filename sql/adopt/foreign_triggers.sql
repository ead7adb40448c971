-- Triggers on these tables that carry the names the pipeline gives its own (sunshine_...) but
-- run a function outside schema sunshine: ensure_schema's CREATE OR REPLACE TRIGGER would
-- replace someone else's trigger.
SELECT
    t.name AS table_name,
    tg.tgname::text AS trigger_name,
    tg.tgfoid::regprocedure::text AS function_name
FROM unnest(%(tables)s::text []) AS t (name)
INNER JOIN pg_trigger AS tg ON tg.tgrelid = to_regclass(quote_ident(t.name))
INNER JOIN pg_proc AS p ON tg.tgfoid = p.oid
WHERE
    NOT tg.tgisinternal
    AND starts_with(tg.tgname::text, 'sunshine_')
    AND p.pronamespace IS DISTINCT FROM to_regnamespace('sunshine')::oid
ORDER BY 1, 2
