CREATE TABLE IF NOT EXISTS "Counties" (
    county_id integer PRIMARY KEY,
    name text
);
