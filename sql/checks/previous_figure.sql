-- A figure of a check's latest evaluation that reported it (a bound evaluation reports
-- bounds, not the figure, so it is passed over). NULL: none yet.
SELECT (r.metadata ->> %(key)s)::float8
FROM sunshine.check_result AS r
WHERE r.asset = %(asset)s AND r.check_name = %(check)s AND r.metadata ? %(key)s
ORDER BY r.check_result_id DESC
LIMIT 1
