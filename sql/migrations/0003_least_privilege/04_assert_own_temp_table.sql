-- For the rollup triggers (SECURITY DEFINER): the session's temporary table `relation`, which
-- the trigger has just created IF NOT EXISTS, must be the trigger owner's. A table of that
-- name the writing session made itself would otherwise be used with the pipeline's
-- privileges (and any trigger or rule on it run with them): refused instead.
CREATE OR REPLACE FUNCTION sunshine.assert_own_temp_table(relation text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (
        SELECT FROM pg_catalog.pg_class AS c
        WHERE c.oid = pg_catalog.to_regclass('pg_temp.' || pg_catalog.quote_ident(relation))
            AND c.relowner = (SELECT r.oid FROM pg_catalog.pg_roles AS r
                              WHERE r.rolname = current_user)
    ) THEN
        RAISE EXCEPTION 'pg_temp.% was not created by %, which keeps the donor rollup',
            relation, current_user
            USING ERRCODE = 'insufficient_privilege',
                HINT = 'drop the temporary table of that name in this session';
    END IF;
END
$$;
