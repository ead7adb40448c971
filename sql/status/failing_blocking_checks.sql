-- The blocking (ERROR) checks whose latest result failed, per asset (all assets when
-- %(asset)s is NULL): what `sunshine status` shows and what the alert sensor reports.
SELECT asset, check_name, description, run_id
FROM (
    SELECT DISTINCT ON (asset, check_name) asset, check_name, passed, description, run_id
    FROM sunshine.check_result
    WHERE severity = 'ERROR' AND (%(asset)s::text IS NULL OR asset = %(asset)s::text)
    ORDER BY asset, check_name, check_result_id DESC
) AS latest
WHERE NOT passed
ORDER BY asset, check_name
