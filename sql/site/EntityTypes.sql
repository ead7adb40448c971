-- The site's table EntityTypes, as the site's Django models define it: created here only on a
-- database that does not have it (a fresh server, the embedded demo). The pipeline never
-- changes an existing one, except for the widenings declared in imports/catalog.py.
CREATE TABLE "EntityTypes" (
    entity_type_id integer NOT NULL,
    name character varying(100) NOT NULL
);

ALTER TABLE ONLY "EntityTypes"
    ADD CONSTRAINT "EntityTypes_pkey" PRIMARY KEY (entity_type_id);

CREATE INDEX "EntityTypes_name_b23f8306" ON "EntityTypes" USING btree (name);

CREATE INDEX "EntityTypes_name_b23f8306_like" ON "EntityTypes" USING btree (name varchar_pattern_ops);

CREATE INDEX idx_entitytype_name ON "EntityTypes" USING btree (name);
