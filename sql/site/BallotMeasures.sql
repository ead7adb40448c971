-- The site's table BallotMeasures, as the site's Django models define it: created here only on a
-- database that does not have it (a fresh server, the embedded demo). The pipeline never
-- changes an existing one, except for the widenings declared in imports/catalog.py.
CREATE TABLE "BallotMeasures" (
    ballot_measure_id integer NOT NULL,
    sos_identifier character varying(50) NOT NULL,
    measure_number character varying(10),
    short_title character varying(500) NOT NULL,
    official_title text
);

ALTER TABLE ONLY "BallotMeasures"
    ADD CONSTRAINT "BallotMeasures_pkey" PRIMARY KEY (ballot_measure_id);

ALTER TABLE ONLY "BallotMeasures"
    ADD CONSTRAINT "BallotMeasures_sos_identifier_key" UNIQUE (sos_identifier);

CREATE INDEX "BallotMeasures_measure_number_e9cad8f8" ON "BallotMeasures" USING btree (measure_number);

CREATE INDEX "BallotMeasures_measure_number_e9cad8f8_like" ON "BallotMeasures" USING btree (measure_number varchar_pattern_ops);

CREATE INDEX "BallotMeasures_short_title_4c5b8cbc" ON "BallotMeasures" USING btree (short_title);

CREATE INDEX "BallotMeasures_short_title_4c5b8cbc_like" ON "BallotMeasures" USING btree (short_title varchar_pattern_ops);

CREATE INDEX "BallotMeasures_sos_identifier_ca246da3_like" ON "BallotMeasures" USING btree (sos_identifier varchar_pattern_ops);

CREATE INDEX idx_ballot_number ON "BallotMeasures" USING btree (measure_number);

CREATE INDEX idx_ballot_sos_id ON "BallotMeasures" USING btree (sos_identifier);

CREATE INDEX idx_ballot_title ON "BallotMeasures" USING btree (short_title);
