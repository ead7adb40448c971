-- The site's table ReportTypes, as the site's Django models define it: created here only on a
-- database that does not have it (a fresh server, the embedded demo). The pipeline never
-- changes an existing one, except for the widenings declared in imports/catalog.py.
CREATE TABLE "ReportTypes" (
    report_type_id integer NOT NULL,
    name character varying(100) NOT NULL,
    is_active boolean NOT NULL
);

ALTER TABLE ONLY "ReportTypes"
    ADD CONSTRAINT "ReportTypes_pkey" PRIMARY KEY (report_type_id);

CREATE INDEX "ReportTypes_is_active_7f9c00b5" ON "ReportTypes" USING btree (is_active);

CREATE INDEX "ReportTypes_name_f23b5bdf" ON "ReportTypes" USING btree (name);

CREATE INDEX "ReportTypes_name_f23b5bdf_like" ON "ReportTypes" USING btree (name varchar_pattern_ops);

CREATE INDEX idx_report_type_active ON "ReportTypes" USING btree (is_active);

CREATE INDEX idx_report_type_name ON "ReportTypes" USING btree (name);
