-- Before a swap (views/refresh.py): the owner of the live view %(schema)s.%(name)s, the role
-- running the swap, whether that role can act as the owner (drop the live view and hand the
-- new one to its owner: a member of the owner's role with the SET option, %(set_option)s
-- being 'SET' on PostgreSQL 16+ and 'MEMBER' before; a superuser always), and whether the
-- owner may create in the schema (ALTER ... OWNER TO requires it). No row: no live view.
SELECT
    pg_get_userbyid(c.relowner) AS owner,
    current_user AS runner,
    pg_has_role(current_user, c.relowner, 'USAGE')
    AND pg_has_role(current_user, c.relowner, %(set_option)s) AS acts_as_owner,
    c.relowner = (SELECT r.oid FROM pg_roles AS r WHERE r.rolname = current_user)
    OR (SELECT r.rolsuper FROM pg_roles AS r WHERE r.rolname = current_user)
    OR has_schema_privilege(c.relowner, c.relnamespace, 'CREATE') AS owner_may_create
FROM pg_class AS c
WHERE
    c.oid = to_regclass(format('%%I.%%I', %(schema)s::text, %(name)s::text))
    AND c.relkind = 'm'
