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

CREATE OR REPLACE TRIGGER sunshine_donor_totals_names_insert AFTER INSERT ON "Names"
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION sunshine.maintain_donor_names();

CREATE OR REPLACE TRIGGER sunshine_donor_totals_names_update AFTER UPDATE ON "Names"
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION sunshine.maintain_donor_names();

CREATE OR REPLACE TRIGGER sunshine_donor_totals_names_delete AFTER DELETE ON "Names"
REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION sunshine.maintain_donor_names();

CREATE OR REPLACE TRIGGER sunshine_donor_totals_names_truncate AFTER TRUNCATE ON "Names"
FOR EACH STATEMENT EXECUTE FUNCTION sunshine.flag_donor_totals_rebuild();

CREATE OR REPLACE TRIGGER sunshine_donor_totals_entity_types_insert AFTER INSERT ON "EntityTypes"
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION sunshine.maintain_donor_entity_types();

CREATE OR REPLACE TRIGGER sunshine_donor_totals_entity_types_update AFTER UPDATE ON "EntityTypes"
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION sunshine.maintain_donor_entity_types();

CREATE OR REPLACE TRIGGER sunshine_donor_totals_entity_types_delete AFTER DELETE ON "EntityTypes"
REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION sunshine.maintain_donor_entity_types();

CREATE OR REPLACE TRIGGER sunshine_donor_totals_entity_types_truncate
AFTER TRUNCATE ON "EntityTypes"
FOR EACH STATEMENT EXECUTE FUNCTION sunshine.flag_donor_totals_rebuild();
