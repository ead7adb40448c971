-- The site's table Reports, as the site's Django models define it: created here only on a
-- database that does not have it (a fresh server, the embedded demo). The pipeline never
-- changes an existing one, except for the widenings declared in imports/catalog.py.
CREATE TABLE "Reports" (
    report_id integer NOT NULL,
    committee_id integer NOT NULL,
    cycle_id integer NOT NULL,
    report_type_id integer NOT NULL,
    report_name_id integer NOT NULL,
    report_period_begin timestamp with time zone NOT NULL,
    report_period_end timestamp with time zone NOT NULL,
    filing_period_begin timestamp with time zone NOT NULL,
    filing_period_end timestamp with time zone NOT NULL,
    filing_datetime timestamp with time zone NOT NULL,
    original_report_id integer
);

ALTER TABLE ONLY "Reports"
    ADD CONSTRAINT "Reports_pkey" PRIMARY KEY (report_id);

CREATE INDEX "Reports_committee_id_3fb64b98" ON "Reports" USING btree (committee_id);

CREATE INDEX "Reports_cycle_id_00ff649f" ON "Reports" USING btree (cycle_id);

CREATE INDEX "Reports_filing_datetime_0dad6a48" ON "Reports" USING btree (filing_datetime);

CREATE INDEX "Reports_filing_period_end_ec4e2ca8" ON "Reports" USING btree (filing_period_end);

CREATE INDEX "Reports_original_report_id_2a50e108" ON "Reports" USING btree (original_report_id);

CREATE INDEX "Reports_report_name_id_4b6773de" ON "Reports" USING btree (report_name_id);

CREATE INDEX "Reports_report_period_begin_8844fba1" ON "Reports" USING btree (report_period_begin);

CREATE INDEX "Reports_report_period_end_bab4fa4a" ON "Reports" USING btree (report_period_end);

CREATE INDEX "Reports_report_type_id_bbc9fcd0" ON "Reports" USING btree (report_type_id);

CREATE INDEX idx_report_comm_cycle_type ON "Reports" USING btree (committee_id, cycle_id, report_type_id);

CREATE INDEX idx_report_comm_filed ON "Reports" USING btree (committee_id, filing_datetime DESC);

CREATE INDEX idx_report_cycle ON "Reports" USING btree (cycle_id);

CREATE INDEX idx_report_cycle_type ON "Reports" USING btree (cycle_id, report_type_id);

CREATE INDEX idx_report_deadline ON "Reports" USING btree (filing_period_end, filing_datetime);

CREATE INDEX idx_report_filed_desc ON "Reports" USING btree (filing_datetime DESC);

CREATE INDEX idx_report_original ON "Reports" USING btree (original_report_id);

CREATE INDEX idx_report_period ON "Reports" USING btree (report_period_begin, report_period_end);

ALTER TABLE ONLY "Reports"
    ADD CONSTRAINT "Reports_committee_id_3fb64b98_fk_Committees_committee_id" FOREIGN KEY (committee_id) REFERENCES "Committees"(committee_id) DEFERRABLE INITIALLY DEFERRED;

ALTER TABLE ONLY "Reports"
    ADD CONSTRAINT "Reports_cycle_id_00ff649f_fk_Cycles_cycle_id" FOREIGN KEY (cycle_id) REFERENCES "Cycles"(cycle_id) DEFERRABLE INITIALLY DEFERRED;

ALTER TABLE ONLY "Reports"
    ADD CONSTRAINT "Reports_original_report_id_2a50e108_fk_Reports_report_id" FOREIGN KEY (original_report_id) REFERENCES "Reports"(report_id) DEFERRABLE INITIALLY DEFERRED;

ALTER TABLE ONLY "Reports"
    ADD CONSTRAINT "Reports_report_name_id_4b6773de_fk_ReportNames_report_name_id" FOREIGN KEY (report_name_id) REFERENCES "ReportNames"(report_name_id) DEFERRABLE INITIALLY DEFERRED;

ALTER TABLE ONLY "Reports"
    ADD CONSTRAINT "Reports_report_type_id_bbc9fcd0_fk_ReportTypes_report_type_id" FOREIGN KEY (report_type_id) REFERENCES "ReportTypes"(report_type_id) DEFERRABLE INITIALLY DEFERRED;
