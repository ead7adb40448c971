-- The 50 latest live IE (date, then id, descending; no date last), with the filer, the
-- target and the target's candidate (or the target itself when it has no candidate).
WITH latest AS (
    SELECT
        transaction_id,
        amount,
        transaction_date,
        memo,
        is_for_benefit,
        committee_id,
        subject_committee_id
    FROM "Transactions"
    WHERE subject_committee_id IS NOT NULL AND NOT deleted
    ORDER BY transaction_date DESC NULLS LAST, transaction_id DESC
    LIMIT 50
)

SELECT
    latest.transaction_id AS id,
    latest.amount,
    latest.transaction_date AS expenditure_date,
    latest.memo AS purpose,
    latest.is_for_benefit,
    sunshine.display_name(fn.last_name, fn.first_name) AS committee_name,
    sunshine.display_name(sn.last_name, sn.first_name) AS subject_committee_name,
    CASE
        WHEN s.candidate_id IS NOT NULL THEN sunshine.display_name(cn.last_name, cn.first_name)
        ELSE sunshine.display_name(sn.last_name, sn.first_name)
    END AS candidate_name
FROM latest
LEFT JOIN "Committees" AS f ON latest.committee_id = f.committee_id
LEFT JOIN "Names" AS fn ON f.name_id = fn.name_id
LEFT JOIN "Committees" AS s ON latest.subject_committee_id = s.committee_id
LEFT JOIN "Names" AS sn ON s.name_id = sn.name_id
LEFT JOIN "Names" AS cn ON s.candidate_id = cn.name_id
