-- Defer the site's deferrable constraints again to the end of the transaction.
SET CONSTRAINTS ALL DEFERRED
