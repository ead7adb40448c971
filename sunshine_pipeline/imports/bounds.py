"""The incremental-bound engine: sunshine.change_log and sunshine.check_result → whether a
check over a whole table must run its query again, or can pass on a bound.

A full evaluation runs the check's query and records, with its figures, the snapshot and the
input tables' identity (oid:relfilenode) read just before the query (`baseline`, metadata
`"method": "full"`). The next evaluation asks sunshine.change_log what was written to the
inputs since that snapshot (a write committed later, or running then, is not visible in it):
when those writes cannot have made the check fail, it passes without the query (`"method":
"bound"`); otherwise, or when the last full evaluation is older than
SUNSHINE_SOURCE_AUDIT_HOURS, it runs the query. Writes the change log cannot bound are a full
evaluation too: an operation other than INSERT / UPDATE / DELETE, and a table with a new
identity (TRUNCATE, which the statement triggers do not log, gives it a new relfilenode; so
do VACUUM FULL and CLUSTER). A write made with the change triggers disabled is invisible
here, as it is to the view staleness. What a given write can change is the check's own
reasoning (imports/checks.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg

from sunshine_pipeline import settings
from sunshine_pipeline.check_results import has_check_results
from sunshine_pipeline.imports.ledger import IMPORTER_WRITER
from sunshine_pipeline.sqlfiles import sql_text

# Operations whose change_log row_count bounds the rows they changed, as (removals,
# additions) of a row per row written: an UPDATE is both (the old row leaves its group of
# identical income rows, the new one joins one), so it counts as two changes. Removing a row
# lowers the income count by at most one and the duplicate count by at most one, never
# raising either; adding one raises each by at most one, never lowering either.
BOUNDED_OPERATIONS = {"INSERT": (0, 1), "UPDATE": (1, 1), "DELETE": (1, 0)}


@dataclass(frozen=True)
class LastFull:
    """A check's latest full evaluation, as recorded in sunshine.check_result."""

    check_result_id: int
    metadata: dict[str, Any]
    evaluated_at: datetime
    age_seconds: float


@dataclass(frozen=True)
class Write:
    """Writes to one input since a snapshot: one relation, operation and writer."""

    relation: str
    operation: str
    writer: str
    by_importer: bool
    rows: int


def baseline(conn: psycopg.Connection, relations: Sequence[str]) -> dict[str, Any]:
    """The snapshot, clock and input tables' identity, to record with a full evaluation."""
    [(snapshot, evaluated_at, files)] = conn.execute(
        sql_text("checks/evaluation_baseline.sql"), {"relations": list(relations)}).fetchall()
    return {"snapshot": snapshot, "evaluated_at": evaluated_at, "relation_files": files}


def _last_full(conn: psycopg.Connection, asset: str, check: str) -> LastFull | None:
    if not has_check_results(conn):
        return None
    row = conn.execute(sql_text("checks/last_full_evaluation.sql"),
                       {"asset": asset, "check": check}).fetchone()
    return LastFull(*row) if row else None


def _writes_since(conn: psycopg.Connection, snapshot: str,
                  relations: Sequence[str]) -> list[Write]:
    rows = conn.execute(sql_text("checks/changes_since.sql"), {
        "importer": IMPORTER_WRITER, "relations": list(relations), "since": snapshot,
    }).fetchall()
    return [Write(*row) for row in rows]


def since_last_full(conn: psycopg.Connection, asset: str, check: str,
                    relations: Sequence[str]) -> tuple[LastFull, list[Write]] | str:
    """The last full evaluation of `check` on `asset` and every write to its inputs
    (`relations`) since, or why the check must be evaluated in full now."""
    last = _last_full(conn, asset, check)
    if last is None or not isinstance(last.metadata.get("snapshot"), str):
        return "no full evaluation on record"
    audit = settings.source_audit_age()
    if last.age_seconds > audit.total_seconds():
        return (f"the last full evaluation is {last.age_seconds / 3600:.1f} h old "
                f"(SUNSHINE_SOURCE_AUDIT_HOURS {audit.total_seconds() / 3600:g})")
    # The tables' identity first, then the change log: a TRUNCATE committing in between
    # happens after the moment this evaluation speaks for.
    files = baseline(conn, relations)["relation_files"]
    recorded = last.metadata.get("relation_files") or {}
    for relation in relations:
        if files.get(relation) != recorded.get(relation):
            return f"{relation} was truncated or rewritten since the last full evaluation"
    writes = _writes_since(conn, last.metadata["snapshot"], relations)
    for w in writes:
        if w.operation not in BOUNDED_OPERATIONS:
            return f"{w.operation} on {w.relation} by {w.writer} since the last full evaluation"
    return last, writes


def full_metadata(base: dict[str, Any], reason: str) -> dict[str, Any]:
    return {"method": "full", "full_reason": reason, **base}


def bound_metadata(last: LastFull, rows_changed: int) -> dict[str, Any]:
    return {"method": "bound", "rows_changed_since": rows_changed,
            "last_full_at": last.evaluated_at,
            "last_full_check_result_id": last.check_result_id}
