-- What depends on each of these relations (the nine views) besides its own parts (its rewrite
-- rule, indexes and row type go with it): the rules of other views, and any other object (a
-- function with an SQL-standard body, ...). Each makes a DROP without CASCADE fail. For a
-- view's rule, the relation it belongs to; for anything else, its description.
SELECT DISTINCT
    v.name AS view_name,
    dep.relnamespace::regnamespace::text AS dependent_schema,
    dep.relname::text AS dependent_name,
    pg_describe_object(d.classid, d.objid, d.objsubid) AS description
FROM unnest(%(views)s::text []) AS v (name)
INNER JOIN pg_depend AS d
    ON
        d.refclassid = 'pg_class'::regclass
        AND d.refobjid = to_regclass(quote_ident(v.name))
        AND d.deptype = 'n'
LEFT JOIN pg_rewrite AS r ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
LEFT JOIN pg_class AS dep ON r.ev_class = dep.oid
WHERE r.ev_class IS DISTINCT FROM d.refobjid
ORDER BY 1, 2, 3, 4
