-- Every asset check evaluation, kept in the warehouse so that `sunshine status` (a health
-- check) and the dashboard can see failing checks without Dagster's storage, and so a check
-- can compare a figure with its previous value (the duplicate income share).
CREATE TABLE IF NOT EXISTS sunshine.check_result (
    check_result_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    asset text NOT NULL,
    check_name text NOT NULL,
    passed boolean NOT NULL,
    severity text NOT NULL,  -- ERROR, WARN
    description text,
    metadata jsonb NOT NULL DEFAULT '{}',
    checked_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    run_id text
);
CREATE INDEX IF NOT EXISTS check_result_check_idx
    ON sunshine.check_result (asset, check_name, check_result_id);
