-- Give a rebuilt view the column statistics of the version it replaces, instead of
-- ANALYZE: for a view rebuilt because its data moved a little, the old statistics describe
-- the new rows well, and ANALYZE of the donor list at statistics target 1000 costs seconds.
-- Copies only when the previous version has statistics and the row count moved by at most
-- max_drift (a share); returns whether it copied. PostgreSQL 18 and later
-- (pg_restore_attribute_stats); earlier servers return false, and the caller analyzes.
CREATE OR REPLACE FUNCTION sunshine.copy_statistics(
    source_schema text,
    target_schema text,
    relation text,
    target_rows bigint,
    max_drift double precision
) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    source_rows real;
    s record;
BEGIN
    IF current_setting('server_version_num')::integer < 180000 THEN
        RETURN false;
    END IF;
    SELECT c.reltuples INTO source_rows
    FROM pg_class AS c
    WHERE c.oid = to_regclass(format('%I.%I', source_schema, relation));
    IF source_rows IS NULL OR source_rows < 0
        OR abs(target_rows - source_rows) > max_drift * greatest(source_rows, 1)
        OR NOT EXISTS (
            SELECT FROM pg_stats WHERE schemaname = source_schema AND tablename = relation
        ) THEN
        RETURN false;
    END IF;
    FOR s IN
        SELECT * FROM pg_stats
        WHERE schemaname = source_schema AND tablename = relation AND NOT inherited
    LOOP
        PERFORM pg_restore_attribute_stats(
            'schemaname', target_schema,
            'relname', relation,
            'attname', s.attname::text,
            'inherited', false,
            'null_frac', s.null_frac,
            'avg_width', s.avg_width,
            'n_distinct', s.n_distinct,
            'most_common_vals', s.most_common_vals::text,
            'most_common_freqs', s.most_common_freqs,
            'histogram_bounds', s.histogram_bounds::text,
            'correlation', s.correlation,
            'most_common_elems', s.most_common_elems::text,
            'most_common_elem_freqs', s.most_common_elem_freqs,
            'elem_count_histogram', s.elem_count_histogram
        );
    END LOOP;
    RETURN true;
END
$$;
