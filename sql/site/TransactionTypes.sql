-- The site's table TransactionTypes, as the site's Django models define it: created here only on a
-- database that does not have it (a fresh server, the embedded demo). The pipeline never
-- changes an existing one, except for the widenings declared in imports/catalog.py.
CREATE TABLE "TransactionTypes" (
    transaction_type_id integer NOT NULL,
    name character varying(200) NOT NULL,
    income_expense_neutral integer NOT NULL
);

ALTER TABLE ONLY "TransactionTypes"
    ADD CONSTRAINT "TransactionTypes_pkey" PRIMARY KEY (transaction_type_id);

CREATE INDEX "TransactionTypes_income_expense_neutral_3ebd6ab4" ON "TransactionTypes" USING btree (income_expense_neutral);

CREATE INDEX "TransactionTypes_name_477c02e7" ON "TransactionTypes" USING btree (name);

CREATE INDEX "TransactionTypes_name_477c02e7_like" ON "TransactionTypes" USING btree (name varchar_pattern_ops);

CREATE INDEX idx_txn_type_category ON "TransactionTypes" USING btree (income_expense_neutral);

CREATE INDEX idx_txn_type_name ON "TransactionTypes" USING btree (name);
