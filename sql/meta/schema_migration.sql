-- The migration history (sunshine_pipeline/migrations.py): one row per migration the database
-- has, recorded in the migration's own transaction. how: applied (it ran), baseline (a
-- database created before versioned migrations, recognised as having it).
CREATE SCHEMA IF NOT EXISTS sunshine;
CREATE TABLE IF NOT EXISTS sunshine.schema_migration (
    name text PRIMARY KEY,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    how text NOT NULL CHECK (how IN ('applied', 'baseline')),
    duration_s double precision
);
