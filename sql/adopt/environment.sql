-- What adoption needs from the database itself: the role, whether it may create the
-- pipeline's schemas, the pg_trgm extension (installed, or available to install), whether the
-- pipeline's refresh log exists yet, and what the swap schema holds (nothing, outside a swap).
SELECT
    current_user::text AS role_name,
    has_database_privilege(current_database(), 'CREATE') AS can_create_schemas,
    to_regnamespace('sunshine') IS NOT NULL AS has_pipeline_schema,
    to_regnamespace('sunshine_next') IS NOT NULL AS has_swap_schema,
    EXISTS (SELECT FROM pg_extension WHERE extname = 'pg_trgm') AS has_trgm,
    EXISTS (SELECT FROM pg_available_extensions WHERE name = 'pg_trgm') AS trgm_available,
    to_regclass('sunshine.view_refresh') IS NOT NULL AS has_refresh_log,
    to_regclass('sunshine.schema_version') IS NOT NULL AS has_schema_version,
    array(
        SELECT c.relname::text FROM pg_class AS c
        WHERE c.relnamespace = to_regnamespace('sunshine_next')::oid
        ORDER BY 1
    ) AS swap_schema_relations
