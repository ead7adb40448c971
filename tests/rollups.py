"""The donor rollup recomputed for tests: what sunshine.donor_totals (and top_donors_mv) must
hold, from the base tables, in the view's column order. Kept apart from the pipeline's SQL on
purpose (an independent reconciliation of the triggers' work)."""

from __future__ import annotations

import psycopg

RECOMPUTED = """
SELECT t.entity_id, sunshine.display_name(n.last_name, n.first_name), n.city, n.state,
       et.name, sum(t.amount), count(*)
FROM "Transactions" AS t
JOIN "TransactionTypes" AS tt USING (transaction_type_id)
LEFT JOIN "Names" AS n ON n.name_id = t.entity_id
LEFT JOIN "EntityTypes" AS et ON et.entity_type_id = n.entity_type_id
WHERE NOT t.deleted AND t.subject_committee_id IS NULL AND t.entity_id > 0
  AND tt.income_expense_neutral = 1
GROUP BY t.entity_id, n.last_name, n.first_name, n.city, n.state, et.name
ORDER BY 1
"""
ROLLUP = """
SELECT entity_id, entity_name, city, state, entity_type, total_contributed, contribution_count
FROM sunshine.donor_totals ORDER BY 1
"""


def rollup_is_exact(conn: psycopg.Connection) -> bool:
    """The rollup equals its recomputation from the base tables, row for row."""
    return conn.execute(ROLLUP).fetchall() == conn.execute(RECOMPUTED).fetchall()
