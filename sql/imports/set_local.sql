-- A setting for the rest of the current transaction.
SELECT set_config(%(name)s, %(value)s, true)
