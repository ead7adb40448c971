-- The functions the site's tables' triggers run, as the pipeline's role (the role running
-- this migration: their owner), with a search_path fixed to the schema of the site's tables
-- (found now) and pg_temp last, so a writer's temporary tables or search_path change nothing
-- they read. EXECUTE is revoked from PUBLIC: a trigger fires without it, and nobody else
-- needs to call them. refresh_donor_totals (run by the refresh, not by triggers) keeps its
-- caller's privileges but gets the same fixed search_path.
DO $$
DECLARE
    site text := coalesce(
        (SELECT n.nspname::text FROM pg_catalog.pg_class AS c
         INNER JOIN pg_catalog.pg_namespace AS n ON c.relnamespace = n.oid
         WHERE c.oid = pg_catalog.to_regclass('"Transactions"')),
        current_schema());
    f regprocedure;
BEGIN
    FOREACH f IN ARRAY ARRAY[
        'sunshine.log_change()',
        'sunshine.maintain_donor_totals()',
        'sunshine.maintain_donor_names()',
        'sunshine.maintain_donor_entity_types()',
        'sunshine.flag_donor_totals_rebuild()',
        'sunshine.flag_rollup_if_large(text, oid, bigint)',
        'sunshine.assert_own_temp_table(text)'
    ]::regprocedure [] LOOP
        EXECUTE format('ALTER FUNCTION %s OWNER TO %I', f, current_user);
        EXECUTE format('ALTER FUNCTION %s SET search_path = %I, pg_temp', f, site);
        EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', f);
    END LOOP;
    EXECUTE format('ALTER FUNCTION sunshine.refresh_donor_totals() SET search_path = %I, pg_temp',
                   site);
END
$$;
