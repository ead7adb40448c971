-- Every entity with at least one contribution (a live, non-IE transaction of an income type;
-- refunds are negative and net out; sentinel names, name_id <= 0, are never donors), with
-- its display name. The totals come from the sunshine.donor_totals rollup, which triggers
-- on "Transactions" keep current, so a refresh never re-aggregates ten million rows.
SELECT
    d.entity_id,
    sunshine.display_name(n.last_name, n.first_name) AS entity_name,
    n.city,
    n.state,
    et.name AS entity_type,
    d.total_contributed,
    d.contribution_count
FROM sunshine.donor_totals AS d
LEFT JOIN "Names" AS n ON d.entity_id = n.name_id
LEFT JOIN "EntityTypes" AS et ON n.entity_type_id = et.entity_type_id
