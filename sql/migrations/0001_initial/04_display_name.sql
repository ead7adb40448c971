-- How every name record displays on the dashboard: "last, first" when both are non-empty,
-- else whichever is, else 'Unknown'. Inlined by the planner (plain SQL, IMMUTABLE).
CREATE OR REPLACE FUNCTION sunshine.display_name(last_name text, first_name text)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN coalesce(last_name, '') <> '' AND coalesce(first_name, '') <> ''
            THEN last_name || ', ' || first_name
        WHEN coalesce(last_name, '') <> '' THEN last_name
        WHEN coalesce(first_name, '') <> '' THEN first_name
        ELSE 'Unknown'
    END
$$;
