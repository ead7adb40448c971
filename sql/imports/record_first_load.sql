-- The change set of a load into an empty table: one row, op '*', key = the rows inserted
-- (every row of the table is new).
INSERT INTO sunshine.import_change (batch_id, table_name, key, op)
VALUES (%(batch_id)s, %(table_name)s, %(inserted)s, '*')
