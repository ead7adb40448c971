"""A view's reconciliation: `sql/checks/<ViewSpec.reconciliation>.sql` recomputes the view's
figures from what it is built on and returns (figure, actual in the view, expected) rows.

One query per view, run by every refresh that changes the view's rows inside its transaction
(views/refresh.py: a mismatch rolls the refresh back, so readers never see the new rows), and
by the check on a view that was current (views/checks.py). The queries read the views under
their own names, so inside a swap (search_path: the swap schema first) they read the new
versions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import dagster as dg
import psycopg

from sunshine_pipeline.check_results import ERROR, Outcome
from sunshine_pipeline.sqlfiles import sql_text
from sunshine_pipeline.views.catalog import ViewSpec

Figure = tuple[str, Any, Any]


@dataclass(frozen=True)
class Reconciled:
    """The figures of one view's reconciliation, as evaluated once."""

    view: str
    check: str
    figures: tuple[Figure, ...]

    @property
    def mismatches(self) -> list[str]:
        return [f"{figure} is {actual}, expected {expected}"
                for figure, actual, expected in self.figures
                if actual is None or expected is None or actual != expected]

    def metadata(self) -> dict[str, Any]:
        lines = ["| figure | view | expected |", "|---|---|---|"]
        lines += [f"| {f} | {a} | {e} |" for f, a, e in self.figures]
        return {"figures": dg.MetadataValue.md("\n".join(lines)),
                "mismatches": len(self.mismatches)}

    def passed(self) -> Outcome:
        """The check's outcome when nothing differs."""
        return Outcome(self.view, self.check, True, ERROR, "", self.metadata())


def reconcile(conn: psycopg.Connection, view: ViewSpec) -> Reconciled:
    """Run the view's reconciliation query (on whatever `view.name` resolves to now)."""
    figures = conn.execute(sql_text(f"checks/{view.reconciliation}.sql")).fetchall()
    return Reconciled(view.name, view.reconciliation, tuple(figures))
