-- The ten largest donors, read from the full donor view; ties go to the smaller id.
SELECT
    entity_id,
    entity_name,
    entity_type,
    total_contributed,
    contribution_count
FROM top_donors_mv
ORDER BY total_contributed DESC, entity_id ASC
LIMIT 10
