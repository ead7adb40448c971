-- What an incremental check remembers of the moment it evaluated, read just before its query
-- (an earlier snapshot only counts more writes as unseen later): the snapshot, whose
-- invisible change_log entries are the writes the query may not have seen; the clock; and
-- each input table's identity (oid:relfilenode). TRUNCATE leaves no change_log entry but
-- gives the table a new relfilenode (so do VACUUM FULL and CLUSTER: a full count again).
SELECT
    pg_current_snapshot()::text AS snapshot,
    clock_timestamp() AS evaluated_at,
    (
        SELECT jsonb_object_agg(r.name, coalesce(c.oid::text || ':' || c.relfilenode::text, ''))
        FROM unnest(%(relations)s::text[]) AS r (name)
        LEFT JOIN pg_class AS c ON c.oid = to_regclass(quote_ident(r.name))
    ) AS relation_files
