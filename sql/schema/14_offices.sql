CREATE TABLE IF NOT EXISTS "Offices" (
    office_id integer PRIMARY KEY,
    name text,
    office_type text
);
