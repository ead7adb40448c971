-- IE transactions whose target committee is not a row of Committees (the third figure of
-- the orphan check; the two other queries count filers and other parties). IE rows are few:
-- reached through the partial index transactions_ie_idx.
SELECT count(*) AS unknown_subject_committee
FROM "Transactions" AS s
WHERE
    s.subject_committee_id IS NOT NULL
    AND NOT EXISTS (
        SELECT FROM "Committees" AS x WHERE x.committee_id = s.subject_committee_id
    )
