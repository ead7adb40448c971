CREATE MATERIALIZED VIEW baseline.mv_dashboard_support_oppose AS
SELECT
    coalesce(sum(abs(amount)) FILTER (WHERE is_for_benefit), 0) AS total_for_benefit,
    coalesce(sum(abs(amount)) FILTER (WHERE NOT is_for_benefit), 0) AS total_not_for_benefit,
    count(*) FILTER (WHERE is_for_benefit) AS count_for_benefit,
    count(*) FILTER (WHERE NOT is_for_benefit) AS count_not_for_benefit
FROM "Transactions"
WHERE subject_committee_id IS NOT NULL AND NOT deleted;
CREATE UNIQUE INDEX ON baseline.mv_dashboard_support_oppose
    (total_for_benefit, total_not_for_benefit, count_for_benefit, count_not_for_benefit);
