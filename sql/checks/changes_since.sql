-- Writes to the given tables that a snapshot (since) did not see: change_log entries of
-- transactions not visible in it (committed later, or running then), per relation,
-- operation and writer. by_importer: written by the importer (its writer tag, see
-- imports.ledger.IMPORTER_WRITER, of a batch that landed), which quarantines bad references.
-- Entries older than the snapshot's xmin are visible in it by definition, so the
-- (relation, xid) index range starts there.
SELECT
    l.relation,
    l.operation,
    coalesce(l.writer, '') AS writer,
    coalesce(
        l.writer ~ %(importer)s AND EXISTS (
            SELECT FROM sunshine.import_batch AS b
            WHERE
                b.batch_id = substring(l.writer FROM %(importer)s)::bigint
                AND b.outcome = 'landed'
        ),
        false
    ) AS by_importer,
    sum(l.row_count)::bigint AS row_count
FROM sunshine.change_log AS l
WHERE
    l.relation = ANY(%(relations)s)
    AND l.xid >= pg_snapshot_xmin(%(since)s::pg_snapshot)
    AND NOT pg_visible_in_snapshot(l.xid, %(since)s::pg_snapshot)
GROUP BY l.relation, l.operation, l.writer
ORDER BY l.relation, l.operation, l.writer
