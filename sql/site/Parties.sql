-- The site's table Parties, as the site's Django models define it: created here only on a
-- database that does not have it (a fresh server, the embedded demo). The pipeline never
-- changes an existing one, except for the widenings declared in imports/catalog.py.
CREATE TABLE "Parties" (
    party_id integer NOT NULL,
    name character varying(100) NOT NULL,
    abbreviation character varying(10) NOT NULL
);

ALTER TABLE ONLY "Parties"
    ADD CONSTRAINT "Parties_pkey" PRIMARY KEY (party_id);

ALTER TABLE ONLY "Parties"
    ADD CONSTRAINT "Parties_name_key" UNIQUE (name);

CREATE INDEX "Parties_abbreviation_a28f75ef" ON "Parties" USING btree (abbreviation);

CREATE INDEX "Parties_abbreviation_a28f75ef_like" ON "Parties" USING btree (abbreviation varchar_pattern_ops);

CREATE INDEX "Parties_name_0a0d7f24_like" ON "Parties" USING btree (name varchar_pattern_ops);

CREATE INDEX idx_party_abbr ON "Parties" USING btree (abbreviation);

CREATE INDEX idx_party_name ON "Parties" USING btree (name);
