-- The site's table ReportNames, as the site's Django models define it: created here only on a
-- database that does not have it (a fresh server, the embedded demo). The pipeline never
-- changes an existing one, except for the widenings declared in imports/catalog.py.
CREATE TABLE "ReportNames" (
    report_name_id integer NOT NULL,
    name character varying(100) NOT NULL
);

ALTER TABLE ONLY "ReportNames"
    ADD CONSTRAINT "ReportNames_pkey" PRIMARY KEY (report_name_id);

CREATE INDEX "ReportNames_name_4e9effb0" ON "ReportNames" USING btree (name);

CREATE INDEX "ReportNames_name_4e9effb0_like" ON "ReportNames" USING btree (name varchar_pattern_ops);

CREATE INDEX idx_report_name ON "ReportNames" USING btree (name);
