-- The site's table Transactions, as the site's Django models define it: created here only on a
-- database that does not have it (a fresh server, the embedded demo). The pipeline never
-- changes an existing one, except for the widenings declared in imports/catalog.py.
CREATE TABLE "Transactions" (
    transaction_id integer NOT NULL,
    committee_id integer NOT NULL,
    transaction_type_id integer NOT NULL,
    transaction_date date NOT NULL,
    amount numeric(12,2) NOT NULL,
    entity_id integer NOT NULL,
    subject_committee_id integer,
    is_for_benefit boolean,
    category_id integer,
    memo text NOT NULL,
    account_type character varying(50) NOT NULL,
    modifies_transaction_id integer,
    deleted boolean NOT NULL
);

ALTER TABLE ONLY "Transactions"
    ADD CONSTRAINT "Transactions_pkey" PRIMARY KEY (transaction_id);

CREATE INDEX "Transactions_amount_4ca67b4b" ON "Transactions" USING btree (amount);

CREATE INDEX "Transactions_category_id_25445b85" ON "Transactions" USING btree (category_id);

CREATE INDEX "Transactions_committee_id_21df6d2a" ON "Transactions" USING btree (committee_id);

CREATE INDEX "Transactions_deleted_25bb5071" ON "Transactions" USING btree (deleted);

CREATE INDEX "Transactions_entity_id_c18875b4" ON "Transactions" USING btree (entity_id);

CREATE INDEX "Transactions_is_for_benefit_5c3c5144" ON "Transactions" USING btree (is_for_benefit);

CREATE INDEX "Transactions_modifies_transaction_id_af0ece8a" ON "Transactions" USING btree (modifies_transaction_id);

CREATE INDEX "Transactions_subject_committee_id_8c7709d0" ON "Transactions" USING btree (subject_committee_id);

CREATE INDEX "Transactions_transaction_date_e84675e7" ON "Transactions" USING btree (transaction_date);

CREATE INDEX "Transactions_transaction_type_id_0b127880" ON "Transactions" USING btree (transaction_type_id);

CREATE INDEX idx_txn_active_date ON "Transactions" USING btree (deleted, transaction_date DESC);

CREATE INDEX idx_txn_amount_asc ON "Transactions" USING btree (amount);

CREATE INDEX idx_txn_amount_desc ON "Transactions" USING btree (amount DESC);

CREATE INDEX idx_txn_category_amount ON "Transactions" USING btree (category_id, amount DESC);

CREATE INDEX idx_txn_comm_type_date ON "Transactions" USING btree (committee_id, transaction_type_id, transaction_date DESC);

CREATE INDEX idx_txn_committee_date ON "Transactions" USING btree (committee_id, transaction_date DESC);

CREATE INDEX idx_txn_dash_donors ON "Transactions" USING btree (transaction_type_id, deleted, entity_id, amount DESC);

CREATE INDEX idx_txn_dash_ie_benefit ON "Transactions" USING btree (deleted, subject_committee_id, is_for_benefit);

CREATE INDEX idx_txn_date_committee ON "Transactions" USING btree (transaction_date, committee_id);

CREATE INDEX idx_txn_date_desc ON "Transactions" USING btree (transaction_date DESC);

CREATE INDEX idx_txn_date_entity ON "Transactions" USING btree (transaction_date, entity_id);

CREATE INDEX idx_txn_deleted ON "Transactions" USING btree (deleted);

CREATE INDEX idx_txn_entity_date ON "Transactions" USING btree (entity_id, transaction_date DESC);

CREATE INDEX idx_txn_ie_active_amount ON "Transactions" USING btree (subject_committee_id, deleted, amount DESC);

CREATE INDEX idx_txn_ie_amount ON "Transactions" USING btree (subject_committee_id, amount DESC);

CREATE INDEX idx_txn_ie_benefit ON "Transactions" USING btree (is_for_benefit, amount DESC);

CREATE INDEX idx_txn_ie_target ON "Transactions" USING btree (subject_committee_id, is_for_benefit);

CREATE INDEX idx_txn_type ON "Transactions" USING btree (transaction_type_id);

CREATE INDEX idx_txn_type_active_amount ON "Transactions" USING btree (transaction_type_id, deleted, amount DESC);

ALTER TABLE ONLY "Transactions"
    ADD CONSTRAINT "Transactions_category_id_25445b85_fk_Categories_category_id" FOREIGN KEY (category_id) REFERENCES "Categories"(category_id) DEFERRABLE INITIALLY DEFERRED;

ALTER TABLE ONLY "Transactions"
    ADD CONSTRAINT "Transactions_committee_id_21df6d2a_fk_Committees_committee_id" FOREIGN KEY (committee_id) REFERENCES "Committees"(committee_id) DEFERRABLE INITIALLY DEFERRED;

ALTER TABLE ONLY "Transactions"
    ADD CONSTRAINT "Transactions_entity_id_c18875b4_fk_Names_name_id" FOREIGN KEY (entity_id) REFERENCES "Names"(name_id) DEFERRABLE INITIALLY DEFERRED;

ALTER TABLE ONLY "Transactions"
    ADD CONSTRAINT "Transactions_modifies_transaction_af0ece8a_fk_Transacti" FOREIGN KEY (modifies_transaction_id) REFERENCES "Transactions"(transaction_id) DEFERRABLE INITIALLY DEFERRED;

ALTER TABLE ONLY "Transactions"
    ADD CONSTRAINT "Transactions_subject_committee_id_8c7709d0_fk_Committee" FOREIGN KEY (subject_committee_id) REFERENCES "Committees"(committee_id) DEFERRABLE INITIALLY DEFERRED;

ALTER TABLE ONLY "Transactions"
    ADD CONSTRAINT "Transactions_transaction_type_id_0b127880_fk_Transacti" FOREIGN KEY (transaction_type_id) REFERENCES "TransactionTypes"(transaction_type_id) DEFERRABLE INITIALLY DEFERRED;
