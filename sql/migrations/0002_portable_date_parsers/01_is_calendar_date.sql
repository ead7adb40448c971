-- A day of the proleptic Gregorian calendar from year 1 on: month 1-12, day within the
-- month (29 February only in a leap year). The same answer on every server version, unlike
-- pg_input_is_valid (PostgreSQL 16 and later only).
CREATE FUNCTION sunshine.is_calendar_date(y integer, m integer, d integer) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT y >= 1 AND m BETWEEN 1 AND 12 AND d >= 1 AND d <= CASE
        WHEN m = 2 AND (y % 4 = 0 AND y % 100 <> 0 OR y % 400 = 0) THEN 29
        WHEN m = 2 THEN 28
        WHEN m IN (4, 6, 9, 11) THEN 30
        ELSE 31
    END
$$;
