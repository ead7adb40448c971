-- The site's table Committees, as the site's Django models define it: created here only on a
-- database that does not have it (a fresh server, the embedded demo). The pipeline never
-- changes an existing one, except for the widenings declared in imports/catalog.py.
CREATE TABLE "Committees" (
    committee_id integer NOT NULL,
    name_id integer NOT NULL,
    chairperson_id integer,
    treasurer_id integer,
    candidate_id integer,
    candidate_party_id integer,
    candidate_office_id integer,
    candidate_county_id integer,
    is_incumbent boolean NOT NULL,
    election_cycle_id integer,
    sponsor_id integer,
    sponsor_type character varying(100) NOT NULL,
    sponsor_relationship character varying(255) NOT NULL,
    ballot_measure_id integer,
    benefits_ballot_measure boolean NOT NULL,
    organization_date date,
    termination_date date,
    physical_address1 character varying(255) NOT NULL,
    physical_address2 character varying(255) NOT NULL,
    physical_city character varying(100) NOT NULL,
    physical_state character varying(2) NOT NULL,
    physical_zip_code character varying(10) NOT NULL,
    financial_institution1 character varying(255) NOT NULL,
    financial_institution2 character varying(255) NOT NULL,
    financial_institution3 character varying(255) NOT NULL
);

ALTER TABLE ONLY "Committees"
    ADD CONSTRAINT "Committees_pkey" PRIMARY KEY (committee_id);

CREATE INDEX "Committees_ballot_measure_id_9b0e8eb9" ON "Committees" USING btree (ballot_measure_id);

CREATE INDEX "Committees_candidate_county_id_e0ebe6f1" ON "Committees" USING btree (candidate_county_id);

CREATE INDEX "Committees_candidate_id_5f9a1831" ON "Committees" USING btree (candidate_id);

CREATE INDEX "Committees_candidate_office_id_d07529ec" ON "Committees" USING btree (candidate_office_id);

CREATE INDEX "Committees_candidate_party_id_96e74e11" ON "Committees" USING btree (candidate_party_id);

CREATE INDEX "Committees_chairperson_id_a4c626e7" ON "Committees" USING btree (chairperson_id);

CREATE INDEX "Committees_election_cycle_id_1bf14054" ON "Committees" USING btree (election_cycle_id);

CREATE INDEX "Committees_is_incumbent_f25745dc" ON "Committees" USING btree (is_incumbent);

CREATE INDEX "Committees_name_id_cab45d4c" ON "Committees" USING btree (name_id);

CREATE INDEX "Committees_organization_date_18074a10" ON "Committees" USING btree (organization_date);

CREATE INDEX "Committees_physical_city_6066381a" ON "Committees" USING btree (physical_city);

CREATE INDEX "Committees_physical_city_6066381a_like" ON "Committees" USING btree (physical_city varchar_pattern_ops);

CREATE INDEX "Committees_physical_state_4f1ea2ea" ON "Committees" USING btree (physical_state);

CREATE INDEX "Committees_physical_state_4f1ea2ea_like" ON "Committees" USING btree (physical_state varchar_pattern_ops);

CREATE INDEX "Committees_sponsor_id_26657b83" ON "Committees" USING btree (sponsor_id);

CREATE INDEX "Committees_sponsor_type_29ee4beb" ON "Committees" USING btree (sponsor_type);

CREATE INDEX "Committees_sponsor_type_29ee4beb_like" ON "Committees" USING btree (sponsor_type varchar_pattern_ops);

CREATE INDEX "Committees_termination_date_f975f28c" ON "Committees" USING btree (termination_date);

CREATE INDEX "Committees_treasurer_id_9e687b1c" ON "Committees" USING btree (treasurer_id);

CREATE INDEX idx_committee_ballot ON "Committees" USING btree (ballot_measure_id);

CREATE INDEX idx_committee_candidate ON "Committees" USING btree (candidate_id);

CREATE INDEX idx_committee_cycle ON "Committees" USING btree (election_cycle_id);

CREATE INDEX idx_committee_incumbent ON "Committees" USING btree (is_incumbent);

CREATE INDEX idx_committee_name ON "Committees" USING btree (name_id);

CREATE INDEX idx_committee_office_cycle ON "Committees" USING btree (candidate_office_id, election_cycle_id);

CREATE INDEX idx_committee_office_party ON "Committees" USING btree (candidate_office_id, candidate_party_id);

CREATE INDEX idx_committee_org_date ON "Committees" USING btree (organization_date);

CREATE INDEX idx_committee_race ON "Committees" USING btree (candidate_party_id, candidate_office_id, election_cycle_id);

CREATE INDEX idx_committee_sponsor ON "Committees" USING btree (sponsor_id, sponsor_type);

CREATE INDEX idx_committee_term_date ON "Committees" USING btree (termination_date);

ALTER TABLE ONLY "Committees"
    ADD CONSTRAINT "Committees_ballot_measure_id_9b0e8eb9_fk_BallotMea" FOREIGN KEY (ballot_measure_id) REFERENCES "BallotMeasures"(ballot_measure_id) DEFERRABLE INITIALLY DEFERRED;

ALTER TABLE ONLY "Committees"
    ADD CONSTRAINT "Committees_candidate_county_id_e0ebe6f1_fk_Counties_county_id" FOREIGN KEY (candidate_county_id) REFERENCES "Counties"(county_id) DEFERRABLE INITIALLY DEFERRED;

ALTER TABLE ONLY "Committees"
    ADD CONSTRAINT "Committees_candidate_id_5f9a1831_fk_Names_name_id" FOREIGN KEY (candidate_id) REFERENCES "Names"(name_id) DEFERRABLE INITIALLY DEFERRED;

ALTER TABLE ONLY "Committees"
    ADD CONSTRAINT "Committees_candidate_office_id_d07529ec_fk_Offices_office_id" FOREIGN KEY (candidate_office_id) REFERENCES "Offices"(office_id) DEFERRABLE INITIALLY DEFERRED;

ALTER TABLE ONLY "Committees"
    ADD CONSTRAINT "Committees_candidate_party_id_96e74e11_fk_Parties_party_id" FOREIGN KEY (candidate_party_id) REFERENCES "Parties"(party_id) DEFERRABLE INITIALLY DEFERRED;

ALTER TABLE ONLY "Committees"
    ADD CONSTRAINT "Committees_chairperson_id_a4c626e7_fk_Names_name_id" FOREIGN KEY (chairperson_id) REFERENCES "Names"(name_id) DEFERRABLE INITIALLY DEFERRED;

ALTER TABLE ONLY "Committees"
    ADD CONSTRAINT "Committees_election_cycle_id_1bf14054_fk_Cycles_cycle_id" FOREIGN KEY (election_cycle_id) REFERENCES "Cycles"(cycle_id) DEFERRABLE INITIALLY DEFERRED;

ALTER TABLE ONLY "Committees"
    ADD CONSTRAINT "Committees_name_id_cab45d4c_fk_Names_name_id" FOREIGN KEY (name_id) REFERENCES "Names"(name_id) DEFERRABLE INITIALLY DEFERRED;

ALTER TABLE ONLY "Committees"
    ADD CONSTRAINT "Committees_sponsor_id_26657b83_fk_Names_name_id" FOREIGN KEY (sponsor_id) REFERENCES "Names"(name_id) DEFERRABLE INITIALLY DEFERRED;

ALTER TABLE ONLY "Committees"
    ADD CONSTRAINT "Committees_treasurer_id_9e687b1c_fk_Names_name_id" FOREIGN KEY (treasurer_id) REFERENCES "Names"(name_id) DEFERRABLE INITIALLY DEFERRED;
