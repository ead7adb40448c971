-- A minimal committee in the site's "Committees" for each name a CommitteeOfName resolution
-- (imports/catalog.py) found no committee for: its id is -name_id (which the resolution
-- already wrote into the resolved column of the file's table; no real committee has a
-- negative id), its name record the name, and the site's NOT NULL columns their empty
-- values. Marked in sunshine.synthesized_committee; recorded in the batch's change set. For
-- the IE target, the rows are read through the site's subject_committee_id index.
WITH targets AS (
    SELECT DISTINCT t.{column} AS committee_id
    FROM {source} AS t
    WHERE
        t.{column} < 0
        AND NOT EXISTS (
            SELECT FROM "Committees" AS c WHERE c.committee_id = t.{column}
        )
),

inserted AS (
    INSERT INTO "Committees" (
        committee_id, name_id, is_incumbent, sponsor_type, sponsor_relationship,
        benefits_ballot_measure, physical_address1, physical_address2, physical_city,
        physical_state, physical_zip_code, financial_institution1, financial_institution2,
        financial_institution3
    )
    SELECT committee_id, -committee_id, false, '', '', false, '', '', '', '', '', '', '', ''
    FROM targets
    ORDER BY committee_id
    RETURNING committee_id, name_id
),

marked AS (
    INSERT INTO sunshine.synthesized_committee (committee_id, name_id, batch_id)
    SELECT committee_id, name_id, %(batch_id)s FROM inserted
)

INSERT INTO sunshine.import_change (batch_id, table_name, key, op)
SELECT %(batch_id)s, 'Committees', committee_id, 'i' FROM inserted
