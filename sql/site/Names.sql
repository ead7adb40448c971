-- The site's table Names, as the site's Django models define it: created here only on a
-- database that does not have it (a fresh server, the embedded demo). The pipeline never
-- changes an existing one, except for the widenings declared in imports/catalog.py.
CREATE TABLE "Names" (
    name_id integer NOT NULL,
    name_group_id integer NOT NULL,
    entity_type_id integer NOT NULL,
    last_name character varying(255) NOT NULL,
    first_name character varying(255) NOT NULL,
    middle_name character varying(255) NOT NULL,
    suffix character varying(50) NOT NULL,
    address1 character varying(255) NOT NULL,
    address2 character varying(255) NOT NULL,
    city character varying(100) NOT NULL,
    state character varying(2) NOT NULL,
    zip_code character varying(10) NOT NULL,
    county_id integer,
    occupation character varying(255) NOT NULL,
    employer character varying(255) NOT NULL
);

ALTER TABLE ONLY "Names"
    ADD CONSTRAINT "Names_pkey" PRIMARY KEY (name_id);

CREATE INDEX "Names_city_6808cb92" ON "Names" USING btree (city);

CREATE INDEX "Names_city_6808cb92_like" ON "Names" USING btree (city varchar_pattern_ops);

CREATE INDEX "Names_county_id_ddf98d83" ON "Names" USING btree (county_id);

CREATE INDEX "Names_employer_8ee9361e" ON "Names" USING btree (employer);

CREATE INDEX "Names_employer_8ee9361e_like" ON "Names" USING btree (employer varchar_pattern_ops);

CREATE INDEX "Names_entity_type_id_e94db336" ON "Names" USING btree (entity_type_id);

CREATE INDEX "Names_first_name_70b86a6b" ON "Names" USING btree (first_name);

CREATE INDEX "Names_first_name_70b86a6b_like" ON "Names" USING btree (first_name varchar_pattern_ops);

CREATE INDEX "Names_last_name_21db44f7" ON "Names" USING btree (last_name);

CREATE INDEX "Names_last_name_21db44f7_like" ON "Names" USING btree (last_name varchar_pattern_ops);

CREATE INDEX "Names_name_group_id_d620e6bd" ON "Names" USING btree (name_group_id);

CREATE INDEX "Names_occupation_ab7b4a72" ON "Names" USING btree (occupation);

CREATE INDEX "Names_occupation_ab7b4a72_like" ON "Names" USING btree (occupation varchar_pattern_ops);

CREATE INDEX "Names_state_6396d277" ON "Names" USING btree (state);

CREATE INDEX "Names_state_6396d277_like" ON "Names" USING btree (state varchar_pattern_ops);

CREATE INDEX "Names_zip_code_616e3a1b" ON "Names" USING btree (zip_code);

CREATE INDEX "Names_zip_code_616e3a1b_like" ON "Names" USING btree (zip_code varchar_pattern_ops);

CREATE INDEX idx_entity_employer ON "Names" USING btree (employer);

CREATE INDEX idx_entity_group ON "Names" USING btree (name_group_id);

CREATE INDEX idx_entity_location ON "Names" USING btree (city, state);

CREATE INDEX idx_entity_name ON "Names" USING btree (last_name, first_name);

CREATE INDEX idx_entity_name_reverse ON "Names" USING btree (first_name, last_name);

CREATE INDEX idx_entity_occupation ON "Names" USING btree (occupation);

CREATE INDEX idx_entity_state_city ON "Names" USING btree (state, city);

CREATE INDEX idx_entity_type_lastname ON "Names" USING btree (entity_type_id, last_name);

CREATE INDEX idx_entity_zip ON "Names" USING btree (zip_code);

ALTER TABLE ONLY "Names"
    ADD CONSTRAINT "Names_county_id_ddf98d83_fk_Counties_county_id" FOREIGN KEY (county_id) REFERENCES "Counties"(county_id) DEFERRABLE INITIALLY DEFERRED;

ALTER TABLE ONLY "Names"
    ADD CONSTRAINT "Names_entity_type_id_e94db336_fk_EntityTypes_entity_type_id" FOREIGN KEY (entity_type_id) REFERENCES "EntityTypes"(entity_type_id) DEFERRABLE INITIALLY DEFERRED;
