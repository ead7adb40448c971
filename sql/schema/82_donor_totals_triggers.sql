CREATE OR REPLACE TRIGGER sunshine_donor_totals_insert AFTER INSERT ON "Transactions"
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION sunshine.maintain_donor_totals();

CREATE OR REPLACE TRIGGER sunshine_donor_totals_update AFTER UPDATE ON "Transactions"
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION sunshine.maintain_donor_totals();

CREATE OR REPLACE TRIGGER sunshine_donor_totals_delete AFTER DELETE ON "Transactions"
REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION sunshine.maintain_donor_totals();

CREATE OR REPLACE TRIGGER sunshine_donor_totals_truncate AFTER TRUNCATE ON "Transactions"
FOR EACH STATEMENT EXECUTE FUNCTION sunshine.flag_donor_totals_rebuild();

CREATE OR REPLACE TRIGGER sunshine_donor_totals_types AFTER INSERT OR UPDATE OR DELETE
ON "TransactionTypes"
FOR EACH STATEMENT EXECUTE FUNCTION sunshine.flag_donor_totals_rebuild();
