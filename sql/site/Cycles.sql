-- The site's table Cycles, as the site's Django models define it: created here only on a
-- database that does not have it (a fresh server, the embedded demo). The pipeline never
-- changes an existing one, except for the widenings declared in imports/catalog.py.
CREATE TABLE "Cycles" (
    cycle_id integer NOT NULL,
    name character varying(10) NOT NULL,
    begin_date timestamp with time zone,
    end_date timestamp with time zone
);

ALTER TABLE ONLY "Cycles"
    ADD CONSTRAINT "Cycles_pkey" PRIMARY KEY (cycle_id);

CREATE INDEX "Cycles_begin_date_d0209dd3" ON "Cycles" USING btree (begin_date);

CREATE INDEX "Cycles_end_date_f95044e2" ON "Cycles" USING btree (end_date);

CREATE INDEX "Cycles_name_bbe9b266" ON "Cycles" USING btree (name);

CREATE INDEX "Cycles_name_bbe9b266_like" ON "Cycles" USING btree (name varchar_pattern_ops);

CREATE INDEX idx_cycle_begin_desc ON "Cycles" USING btree (begin_date DESC);

CREATE INDEX idx_cycle_dates ON "Cycles" USING btree (begin_date, end_date);

CREATE INDEX idx_cycle_name ON "Cycles" USING btree (name);
