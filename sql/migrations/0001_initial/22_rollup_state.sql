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
