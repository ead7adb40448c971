-- Check the deferred constraints pending in the transaction now (a foreign key cannot be
-- dropped while checks of the tables it joins are pending).
SET CONSTRAINTS ALL IMMEDIATE
