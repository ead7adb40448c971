-- Transactions whose filer or other party is not a row of Committees / Names (IE targets:
-- orphan_subject_committees.sql). The importer quarantines such rows, so any count here means
-- a table lost rows since.
-- One pass over Transactions (parallel where the server allows): the filer is looked up in
-- a hash of Committees (a few thousand rows); the other party tests one bit of a bitmap of
-- the Names keys (one bit per value from the smallest key to the largest, built once from
-- Names in one aggregate), far cheaper than probing a hash of millions of names. Keys spread
-- over bitmap_max_keys values or more build no bitmap, and unknown_entity is NULL: the caller
-- runs orphan_references_by_join.sql for such keys (it reads the span first; this covers a
-- writer spreading them in between).
SELECT
    count(*) FILTER (WHERE c.committee_id IS NULL) AS unknown_committee,
    CASE WHEN (
        SELECT max(n.name_id)::bigint - min(n.name_id)::bigint FROM "Names" AS n
    ) >= %(bitmap_max_keys)s THEN NULL ELSE count(*) FILTER (
        WHERE t.entity_id IS NOT NULL AND NOT coalesce(
            t.entity_id BETWEEN (SELECT min(n.name_id) FROM "Names" AS n)
            AND (SELECT max(n.name_id) FROM "Names" AS n)
            AND get_bit(
                (
                    SELECT
                        CASE WHEN r.hi - r.lo < %(bitmap_max_keys)s THEN (
                            SELECT
                                decode(
                                    string_agg(
                                        lpad(to_hex(coalesce(b.bits, 0)), 2, '0'), ''
                                        ORDER BY i.byte
                                    ),
                                    'hex'
                                )
                            FROM generate_series(0, (r.hi - r.lo) / 8) AS i (byte)
                            LEFT JOIN (
                                SELECT
                                    (n.name_id - r.lo) / 8 AS byte,
                                    bit_or(1 << ((n.name_id - r.lo) %% 8)::integer) AS bits
                                FROM "Names" AS n
                                GROUP BY 1
                            ) AS b ON i.byte = b.byte
                        ) END
                    FROM (
                        SELECT
                            min(n.name_id)::bigint AS lo,
                            max(n.name_id)::bigint AS hi
                        FROM "Names" AS n
                    ) AS r
                ),
                t.entity_id - (SELECT min(n.name_id) FROM "Names" AS n)
            ) = 1,
            false
        )
    ) END AS unknown_entity
FROM "Transactions" AS t
LEFT JOIN "Committees" AS c ON t.committee_id = c.committee_id
