-- Trigram indexes serve the donor search (ILIKE '%term%').
CREATE EXTENSION IF NOT EXISTS pg_trgm;
