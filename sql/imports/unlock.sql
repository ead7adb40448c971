-- Release the import lock (lock.sql).
SELECT pg_advisory_unlock(%(lock)s, %(key)s)
