-- Transactions whose filer, other party or IE target is not a row of Committees / Names.
-- The importer quarantines such rows, so any count here means a table lost rows since.
SELECT
    (
        SELECT count(*) FROM "Transactions" AS t
        WHERE NOT EXISTS (SELECT FROM "Committees" AS c WHERE c.committee_id = t.committee_id)
    ) AS unknown_committee,
    (
        SELECT count(*) FROM "Transactions" AS t
        WHERE t.entity_id IS NOT NULL
            AND NOT EXISTS (SELECT FROM "Names" AS n WHERE n.name_id = t.entity_id)
    ) AS unknown_entity,
    (
        SELECT count(*) FROM "Transactions" AS t
        WHERE t.subject_committee_id IS NOT NULL
            AND NOT EXISTS (
                SELECT FROM "Committees" AS c WHERE c.committee_id = t.subject_committee_id
            )
    ) AS unknown_subject_committee
