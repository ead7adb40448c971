-- The ledger: one row per import attempt of a landing batch.
CREATE TABLE IF NOT EXISTS sunshine.import_batch (
    batch_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    path text NOT NULL,
    content_hash text NOT NULL,
    size_bytes bigint NOT NULL,
    counts jsonb NOT NULL DEFAULT '{}',
    started_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at timestamptz,
    outcome text NOT NULL DEFAULT 'running',  -- running, landed, rejected, failed
    error text
);
