-- Rows in a table: the planner's estimate (pg_class.reltuples) once the table has been
-- analyzed or vacuumed, else an exact count (a table no one has analyzed yet is either small
-- or just bulk-loaded, and a trigger's "is this change large?" must not guess 0).
CREATE OR REPLACE FUNCTION sunshine.table_rows(relation regclass) RETURNS double precision
LANGUAGE plpgsql STABLE AS $$
DECLARE
    estimate real;
    exact bigint;
BEGIN
    SELECT reltuples INTO estimate FROM pg_class WHERE oid = relation;
    IF estimate >= 0 THEN
        RETURN estimate;
    END IF;
    EXECUTE format('SELECT count(*) FROM %s', relation) INTO exact;
    RETURN exact;
END
$$;
