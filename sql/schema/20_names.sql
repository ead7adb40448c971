-- Every person, business and committee name record, loaded as it comes (no address repair).
CREATE TABLE IF NOT EXISTS "Names" (
    name_id integer PRIMARY KEY,
    name_group_id integer,
    entity_type_id integer,
    last_name text,
    first_name text,
    middle_name text,
    suffix text,
    address1 text,
    address2 text,
    city text,
    state text,
    zip_code text,
    county_id integer,
    occupation text,
    employer text
);
