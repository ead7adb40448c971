-- Donor totals rollup: what top_donors_mv aggregates from ~9M contributions, kept current by
-- statement triggers on "Transactions" (any writer: the importer or the site's own tools),
-- so a refresh reads 1.5M rollup rows instead of re-aggregating the whole table.
CREATE TABLE IF NOT EXISTS sunshine.donor_totals (
    entity_id integer PRIMARY KEY,
    total_contributed numeric(14, 2) NOT NULL,
    contribution_count bigint NOT NULL
);

-- needs_rebuild: the rollup cannot be trusted incrementally (first load, a change too large
-- to apply as a delta, a transaction type changed); the next refresh rebuilds it in full.
CREATE TABLE IF NOT EXISTS sunshine.rollup_state (
    rollup text PRIMARY KEY,
    needs_rebuild boolean NOT NULL,
    rebuilt_at timestamptz
);
INSERT INTO sunshine.rollup_state (rollup, needs_rebuild)
VALUES ('donor_totals', true)
ON CONFLICT (rollup) DO NOTHING;
