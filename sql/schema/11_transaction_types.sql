CREATE TABLE IF NOT EXISTS "TransactionTypes" (
    transaction_type_id integer PRIMARY KEY,
    name text,
    income_expense_neutral integer  -- 1 income, 2 expense, 3 neutral
);
