-- Export dates: ISO (2024-03-01, 2024-03-01 00:00:00) or mdb-export's default
-- (03/01/24 00:00:00, two-digit year: 00-69 is 20xx, 70-99 is 19xx). The time part is
-- dropped. NULL when the spelling is unknown or the date impossible (2024-02-30).
-- Replaces 0001's version, which tested the date with pg_input_is_valid (PostgreSQL 16+):
-- the spelling is checked by pattern and the day by sunshine.is_calendar_date, the same on
-- every server version. PL/pgSQL, because its simple expressions cost a quarter of what a
-- SQL function with subqueries does per call (BENCHMARKS.md, "PostgreSQL versions").
CREATE OR REPLACE FUNCTION sunshine.parse_date(value text) RETURNS date
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    v text := btrim(value);
    y integer;
    m integer;
    d integer;
BEGIN
    IF v ~ '^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2}(\.\d+)?)?$' THEN
        y := substr(v, 1, 4)::integer;
        m := substr(v, 6, 2)::integer;
        d := substr(v, 9, 2)::integer;
    ELSIF v ~ '^\d{2}/\d{2}/\d{2}( \d{2}:\d{2}:\d{2})?$' THEN
        y := substr(v, 7, 2)::integer;
        y := y + CASE WHEN y < 70 THEN 2000 ELSE 1900 END;
        m := substr(v, 1, 2)::integer;
        d := substr(v, 4, 2)::integer;
    ELSE
        RETURN NULL;
    END IF;
    IF sunshine.is_calendar_date(y, m, d) THEN
        RETURN make_date(y, m, d);
    END IF;
    RETURN NULL;
END
$$;
