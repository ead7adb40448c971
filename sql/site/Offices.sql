-- The site's table Offices, as the site's Django models define it: created here only on a
-- database that does not have it (a fresh server, the embedded demo). The pipeline never
-- changes an existing one, except for the widenings declared in imports/catalog.py.
CREATE TABLE "Offices" (
    office_id integer NOT NULL,
    name character varying(200) NOT NULL,
    office_type character varying(50) NOT NULL
);

ALTER TABLE ONLY "Offices"
    ADD CONSTRAINT "Offices_pkey" PRIMARY KEY (office_id);

CREATE INDEX "Offices_name_c9c32c3d" ON "Offices" USING btree (name);

CREATE INDEX "Offices_name_c9c32c3d_like" ON "Offices" USING btree (name varchar_pattern_ops);

CREATE INDEX "Offices_office_type_42e6b386" ON "Offices" USING btree (office_type);

CREATE INDEX "Offices_office_type_42e6b386_like" ON "Offices" USING btree (office_type varchar_pattern_ops);

CREATE INDEX idx_office_name ON "Offices" USING btree (name);

CREATE INDEX idx_office_type ON "Offices" USING btree (office_type);

CREATE INDEX idx_office_type_name ON "Offices" USING btree (office_type, name);
