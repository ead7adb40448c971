-- The site's columns the pipeline widened in place so real values fit (imports/catalog.py
-- WIDENINGS): which, from what, to what, when. A widening still pending (a view of the old
-- system depends on the column until adoption replaces it) has no row yet.
CREATE TABLE IF NOT EXISTS sunshine.site_widening (
    table_name text NOT NULL,
    column_name text NOT NULL,
    site_definition text NOT NULL,
    new_definition text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (table_name, column_name)
);
