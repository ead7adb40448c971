-- Export booleans: 1/0, true/false, TRUE/FALSE (any case, padded). Anything else is NULL;
-- the importer quarantines a non-empty value this returns NULL for.
CREATE OR REPLACE FUNCTION sunshine.parse_bool(value text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE lower(btrim(value))
        WHEN '1' THEN true WHEN 'true' THEN true
        WHEN '0' THEN false WHEN 'false' THEN false
    END
$$;
