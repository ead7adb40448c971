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
