-- The site's table Categories, as the site's Django models define it: created here only on a
-- database that does not have it (a fresh server, the embedded demo). The pipeline never
-- changes an existing one, except for the widenings declared in imports/catalog.py.
CREATE TABLE "Categories" (
    category_id integer NOT NULL,
    name character varying(100) NOT NULL
);

ALTER TABLE ONLY "Categories"
    ADD CONSTRAINT "Categories_pkey" PRIMARY KEY (category_id);

CREATE INDEX "Categories_name_86c4b68b" ON "Categories" USING btree (name);

CREATE INDEX "Categories_name_86c4b68b_like" ON "Categories" USING btree (name varchar_pattern_ops);

CREATE INDEX idx_category_name ON "Categories" USING btree (name);
