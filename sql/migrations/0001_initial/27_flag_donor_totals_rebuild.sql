-- A transaction type switching income/expense changes every contribution of that type.
CREATE OR REPLACE FUNCTION sunshine.flag_donor_totals_rebuild() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE sunshine.rollup_state SET needs_rebuild = true WHERE rollup = 'donor_totals';
    RETURN NULL;
END
$$;
