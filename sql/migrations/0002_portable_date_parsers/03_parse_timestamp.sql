-- Export date-times for the site's timestamp with time zone columns: the spellings
-- sunshine.parse_date accepts, with their time of day kept (ISO 2024-03-01 14:35:12, or
-- mdb-export's 03/01/24 14:35:12). The export's times are Arizona local time (America/Phoenix,
-- no daylight saving time). NULL when the spelling is unknown or the moment impossible: a
-- date sunshine.is_calendar_date refuses, an hour past 23, a minute or second past 59.
-- Replaces 0001's version, which used pg_input_is_valid (PostgreSQL 16+): the same answer on
-- every server version, and the cast never fails.
CREATE OR REPLACE FUNCTION sunshine.parse_timestamp(value text) RETURNS timestamptz
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN sunshine.is_calendar_date(
            substr(iso, 1, 4)::integer, substr(iso, 6, 2)::integer, substr(iso, 9, 2)::integer)
        AND CASE WHEN length(iso) = 10 THEN true ELSE
            substr(iso, 12, 2)::integer < 24 AND substr(iso, 15, 2)::integer < 60
            AND coalesce(nullif(substr(iso, 18), '')::numeric, 0) < 60
        END
        THEN iso::timestamp AT TIME ZONE 'America/Phoenix'
    END
    FROM (
        SELECT CASE
            WHEN v ~ '^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$' THEN v
            WHEN v ~ '^\d{2}/\d{2}/\d{2}( \d{2}:\d{2}(:\d{2})?)?$' THEN
                CASE WHEN substr(v, 7, 2)::int < 70 THEN '20' ELSE '19' END
                || substr(v, 7, 2) || '-' || substr(v, 1, 2) || '-' || substr(v, 4, 2)
                || substr(v, 9)
        END AS iso
        FROM (SELECT btrim(value) AS v) AS trimmed
    ) AS normalised
$$;
