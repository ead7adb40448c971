-- Why and when a rollup was last flagged for a full rebuild (a statement too large to apply
-- as a delta, a TRUNCATE, a type change, or its view failing its reconciliation check), so a
-- rebuild is visible: rebuilt_at later than flagged_at means it was done.
ALTER TABLE sunshine.rollup_state ADD COLUMN IF NOT EXISTS flagged_at timestamptz;
ALTER TABLE sunshine.rollup_state ADD COLUMN IF NOT EXISTS rebuild_reason text;
