-- Export dates: ISO (2024-03-01, 2024-03-01 00:00:00) or mdb-export's default
-- (03/01/24 00:00:00, two-digit year: 00-69 is 20xx, 70-99 is 19xx). The time part is
-- dropped. NULL when the spelling is unknown or the date impossible (2024-02-30).
-- Replaces 0001's version, which tested the date with pg_input_is_valid (PostgreSQL 16+):
-- the spelling is checked by pattern and the date by sunshine.is_calendar_date, so the cast
-- never fails, on every server version.
CREATE OR REPLACE FUNCTION sunshine.parse_date(value text) RETURNS date
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN sunshine.is_calendar_date(
        substr(iso, 1, 4)::integer, substr(iso, 6, 2)::integer, substr(iso, 9, 2)::integer)
        THEN iso::date
    END
    FROM (
        SELECT CASE
            WHEN v ~ '^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2}(\.\d+)?)?$' THEN substr(v, 1, 10)
            WHEN v ~ '^\d{2}/\d{2}/\d{2}( \d{2}:\d{2}:\d{2})?$' THEN
                CASE WHEN substr(v, 7, 2)::int < 70 THEN '20' ELSE '19' END
                || substr(v, 7, 2) || '-' || substr(v, 1, 2) || '-' || substr(v, 4, 2)
        END AS iso
        FROM (SELECT btrim(value) AS v) AS trimmed
    ) AS normalised
$$;
