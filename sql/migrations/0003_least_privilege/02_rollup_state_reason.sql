-- Why and when a rollup was last flagged for a full rebuild (a statement too large to apply
-- as a delta, a TRUNCATE, a type change, or its view failing its reconciliation check), so a
-- rebuild is visible: rebuilt_at later than flagged_at means it was done. base_table: the
-- base table whose rows the rollup totals; a check that flags the rollup logs a REBUILD entry
-- of the rollup in sunshine.change_log, which the source-change sensor reads as a change of
-- that table (sql/sensors/changed_base_tables.sql), so a refresh follows.
ALTER TABLE sunshine.rollup_state ADD COLUMN IF NOT EXISTS flagged_at timestamptz;
ALTER TABLE sunshine.rollup_state ADD COLUMN IF NOT EXISTS rebuild_reason text;
ALTER TABLE sunshine.rollup_state ADD COLUMN IF NOT EXISTS base_table text;
UPDATE sunshine.rollup_state SET base_table = 'Transactions' WHERE rollup = 'donor_totals';
