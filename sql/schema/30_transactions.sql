-- subject_committee_id holds a resolved committee_id (the export's NameID is resolved on
-- import); it is set only for independent expenditures.
CREATE TABLE IF NOT EXISTS "Transactions" (
    transaction_id bigint PRIMARY KEY,
    committee_id integer,
    transaction_type_id integer,
    transaction_date date,
    amount numeric(12, 2),
    entity_id integer,
    subject_committee_id integer,
    is_for_benefit boolean,
    category_id integer,
    memo text,
    account_type text,
    modifies_transaction_id bigint,
    deleted boolean NOT NULL DEFAULT false
);
