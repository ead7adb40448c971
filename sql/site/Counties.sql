-- The site's table Counties, as the site's Django models define it: created here only on a
-- database that does not have it (a fresh server, the embedded demo). The pipeline never
-- changes an existing one, except for the widenings declared in imports/catalog.py.
CREATE TABLE "Counties" (
    county_id integer NOT NULL,
    name character varying(50) NOT NULL
);

ALTER TABLE ONLY "Counties"
    ADD CONSTRAINT "Counties_pkey" PRIMARY KEY (county_id);

ALTER TABLE ONLY "Counties"
    ADD CONSTRAINT "Counties_name_key" UNIQUE (name);

CREATE INDEX "Counties_name_767097d3_like" ON "Counties" USING btree (name varchar_pattern_ops);

CREATE INDEX idx_county_name ON "Counties" USING btree (name);
