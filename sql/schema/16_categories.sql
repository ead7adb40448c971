CREATE TABLE IF NOT EXISTS "Categories" (
    category_id integer PRIMARY KEY,
    name text
);
