-- How many values the Names keys spread over (max - min, two index probes; NULL when Names
-- is empty): whether orphan_references.sql can test them in a bitmap.
SELECT max(name_id)::bigint - min(name_id)::bigint AS span
FROM "Names"
