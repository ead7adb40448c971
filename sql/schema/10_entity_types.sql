CREATE TABLE IF NOT EXISTS "EntityTypes" (
    entity_type_id integer PRIMARY KEY,
    name text
);
