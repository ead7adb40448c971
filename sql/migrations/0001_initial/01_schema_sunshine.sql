-- The pipeline's own bookkeeping lives apart from the site's tables.
CREATE SCHEMA IF NOT EXISTS sunshine;
