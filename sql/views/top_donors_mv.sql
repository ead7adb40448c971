-- Every entity with at least one contribution (a live, non-IE transaction of an income type;
-- refunds are negative and net out; sentinel names, name_id <= 0, are never donors), with
-- its display name. All of it comes from the sunshine.donor_totals rollup, which triggers on
-- "Transactions", "Names" and "EntityTypes" keep current, so a refresh neither re-aggregates
-- ten million rows nor joins the names: it copies the rollup, in its physical order (rows
-- with equal names together, so a name search reads few pages).
SELECT
    entity_id,
    entity_name,
    city,
    state,
    entity_type,
    total_contributed,
    contribution_count
FROM sunshine.donor_totals
