-- The import lock (a session advisory lock, two-int form): one import at a time; waits for
-- the import that holds it.
SELECT pg_advisory_lock(%(lock)s, %(key)s)
