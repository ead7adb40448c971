-- orphan_references.sql for Names keys too spread out for a bitmap: the same counts, the
-- other party looked up in a hash of Names, still one pass over Transactions.
SELECT
    count(*) FILTER (WHERE c.committee_id IS NULL) AS unknown_committee,
    count(*) FILTER (WHERE t.entity_id IS NOT NULL AND n.name_id IS NULL) AS unknown_entity
FROM "Transactions" AS t
LEFT JOIN "Committees" AS c ON t.committee_id = c.committee_id
LEFT JOIN "Names" AS n ON t.entity_id = n.name_id
