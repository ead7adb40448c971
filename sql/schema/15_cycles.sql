CREATE TABLE IF NOT EXISTS "Cycles" (
    cycle_id integer PRIMARY KEY,
    name text,
    begin_date date,
    end_date date
);
