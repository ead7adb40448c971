-- Export date-times for the site's timestamp with time zone columns: the spellings
-- sunshine.parse_date accepts, with their time of day kept (ISO 2024-03-01 14:35:12, or
-- mdb-export's 03/01/24 14:35:12; seconds, and ISO's fraction, optional). The export's
-- times are Arizona local time (America/Phoenix, no daylight saving time). NULL when the
-- spelling is unknown or the moment impossible: a day sunshine.is_calendar_date refuses, an
-- hour past 23, a minute or second past 59.
-- Replaces 0001's version, which used pg_input_is_valid (PostgreSQL 16+): the same on every
-- server version, and in PL/pgSQL for speed (see parse_date).
CREATE OR REPLACE FUNCTION sunshine.parse_timestamp(value text) RETURNS timestamptz
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
    v text := btrim(value);
    y integer;
    m integer;
    d integer;
    clock text;
    h integer;
    mi integer;
    s numeric;
BEGIN
    IF v ~ '^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$' THEN
        y := substr(v, 1, 4)::integer;
        m := substr(v, 6, 2)::integer;
        d := substr(v, 9, 2)::integer;
        clock := substr(v, 12);
    ELSIF v ~ '^\d{2}/\d{2}/\d{2}( \d{2}:\d{2}(:\d{2})?)?$' THEN
        y := substr(v, 7, 2)::integer;
        y := y + CASE WHEN y < 70 THEN 2000 ELSE 1900 END;
        m := substr(v, 1, 2)::integer;
        d := substr(v, 4, 2)::integer;
        clock := substr(v, 10);
    ELSE
        RETURN NULL;
    END IF;
    IF NOT sunshine.is_calendar_date(y, m, d) THEN
        RETURN NULL;
    END IF;
    IF clock = '' THEN
        RETURN make_timestamptz(y, m, d, 0, 0, 0, 'America/Phoenix');
    END IF;
    h := substr(clock, 1, 2)::integer;
    mi := substr(clock, 4, 2)::integer;
    s := coalesce(nullif(substr(clock, 7), '')::numeric, 0);
    IF h > 23 OR mi > 59 OR s >= 60 THEN
        RETURN NULL;
    END IF;
    RETURN make_timestamptz(y, m, d, h, mi, s::double precision, 'America/Phoenix');
END
$$;
