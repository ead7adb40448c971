-- The hash of everything ensure_schema last brought in (schema.py schema_hash): when it still
-- matches, a run has nothing to do before its work. Not a version: the migration history is
-- sunshine.schema_migration.
CREATE TABLE IF NOT EXISTS sunshine.schema_version (schema_hash text);
