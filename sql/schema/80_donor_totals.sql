-- Donor totals rollup: one row per donor with everything top_donors_mv shows, so that view is
-- a plain scan of this table. Statement triggers keep it current: on "Transactions" (totals)
-- and on "Names" / "EntityTypes" (display name, city, state, type), whoever writes them (the
-- importer or the site's own tools). A refresh therefore neither re-aggregates ~9M
-- contributions nor joins 2.3M names.
--
-- Row order matters: a full rebuild writes the rows sorted by entity_name, and fillfactor
-- leaves room on each page so the triggers' updates stay on their page (HOT). The view,
-- built by a sequential scan, inherits that order, so a donor search (ILIKE '%smith%')
-- finds its matches on a few hundred pages instead of all of them.
CREATE TABLE IF NOT EXISTS sunshine.donor_totals (
    entity_id integer PRIMARY KEY,
    total_contributed numeric(14, 2) NOT NULL,
    contribution_count bigint NOT NULL,
    entity_name text,
    city text,
    state text,
    entity_type text
) WITH (fillfactor = 80);

-- needs_rebuild: the rollup cannot be trusted incrementally (first load, a change too large
-- to apply as a delta); the next refresh rebuilds it in full.
CREATE TABLE IF NOT EXISTS sunshine.rollup_state (
    rollup text PRIMARY KEY,
    needs_rebuild boolean NOT NULL,
    rebuilt_at timestamptz
);
INSERT INTO sunshine.rollup_state (rollup, needs_rebuild)
VALUES ('donor_totals', true)
ON CONFLICT (rollup) DO NOTHING;

-- A rollup created before it carried the donors' names gets the columns and a rebuild.
DO $$
BEGIN
    IF NOT EXISTS (
        SELECT FROM pg_attribute
        WHERE attrelid = 'sunshine.donor_totals'::regclass AND attname = 'entity_name'
    ) THEN
        ALTER TABLE sunshine.donor_totals
        ADD COLUMN entity_name text,
        ADD COLUMN city text,
        ADD COLUMN state text,
        ADD COLUMN entity_type text,
        SET (fillfactor = 80);
        UPDATE sunshine.rollup_state SET needs_rebuild = true WHERE rollup = 'donor_totals';
    END IF;
END
$$;
