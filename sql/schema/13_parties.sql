CREATE TABLE IF NOT EXISTS "Parties" (
    party_id integer PRIMARY KEY,
    name text,
    abbreviation text
);
