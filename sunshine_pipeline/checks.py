"""Asset checks: can the dashboard's numbers be trusted?

Generated from the declarations (`views.catalog.VIEWS`, `imports.catalog.SOURCES`): one
multi-asset check op per view and per base table, so a run opens one connection per asset,
and a table missing from a batch skips its checks (its import output is skipped).

Per view:
- `<view>_has_expected_row_count` (ERROR): the declared `RowShape`: exactly / at most N rows,
  and not empty when the base tables hold something it must show (`non_empty_when`).
- `<view>_row_count_is_steady` (WARN): the row count moved by more than
  SUNSHINE_ROW_COUNT_TOLERANCE (a share, default 0.5) between the view's last two refreshes.
- `<view>_is_fresh` (ERROR): an input changed since the view's last refresh, or the view
  was not refreshed or confirmed current (a skipped materialization confirms it) within
  SUNSHINE_VIEW_SLA_HOURS (default 2).
- a reconciliation (ERROR, blocking: downstream views in the same run do not materialize):
  `sql/checks/<check>.sql` recomputes the view's figures from what it is built on and returns
  (figure, actual, expected) rows. A view whose inputs changed since its refresh cannot
  match them; then a mismatch is a WARN and `<view>_is_fresh` carries the failure. The same
  queries validate a new view definition before it is swapped in (views/refresh.py). A
  fresh view built on a rollup (top_donors_mv on sunshine.donor_totals) that fails it has
  its rollup flagged for a rebuild from the base tables (`request_rollup_rebuild`): the
  view turns stale, so the source-change sensor and the schedule refresh it, and that
  refresh rebuilds the rollup, instead of every refresh failing the same way.

Per base table (all WARN: the data is what the source sent; a person decides):
- `<table>_quarantine_rate_is_low`: the share of the table's rows quarantined in the latest
  batch that carried it, at most SUNSHINE_QUARANTINE_TOLERANCE (default 0.01).
- `Transactions_duplicate_income_share_is_normal`: live income rows identical to another but
  for transaction_id (about 7.6% in the real export, kept and reported); warns above 15% or
  when the share moved by more than 5 points since the previous full count.
- `Transactions_has_no_orphan_references`: filers, parties and IE targets that are not rows
  of Committees / Names (one pass over Transactions; the names are tested in a bitmap).

These two read all ten million transactions, too slow for every small import, so they are
incremental, and soundly so: a full evaluation (metadata `"method": "full"`) records, with
its figures, the `pg_current_snapshot()` and the input tables' identity (oid:relfilenode)
read just before its query. The next evaluation reads from `sunshine.change_log` the writes
to its inputs that snapshot did not see, and passes without the query (`"method": "bound"`)
only when those writes cannot have made it fail:
- duplicates: each Transactions row written since removes at most one income row (DELETE,
  UPDATE) and adds at most one (INSERT, UPDATE: two changes); a removal lowers the income and
  duplicate counts by at most one, an addition raises them by at most one. When every share
  the resulting ranges allow is at most 15% and within 5 points of the last full share, the
  check passes. Any TransactionTypes write recounts (it can turn any rows into income).
- orphans: the last full count found none, every Transactions write since was the importer's
  (writer tag `loader.IMPORTER_WRITER` of a landed batch: it quarantines unknown committees,
  names and IE targets), and nobody deleted Committees / Names rows nor, but the importer
  (which never changes a key), updated them.
Otherwise they count in full; so they do when there is no full evaluation on record, when it
is older than SUNSHINE_SOURCE_AUDIT_HOURS (default 26), on an operation the log cannot bound,
and when an input has a new identity (TRUNCATE, which the triggers do not log; VACUUM FULL).
The daily `audit_sources_job` (schedule `source_audit_schedule`) counts both in full, so the
import runs in between pass on their bound and keep the landing-to-dashboard path short.

Every evaluation is also written to `sunshine.check_result`, so `sunshine status` and the
dashboard see failing checks without Dagster's storage, and a check can read its previous
figure (and the incremental ones their last full evaluation).

(No `from __future__ import annotations` here: Dagster reads the check functions' `context`
annotation at definition time.)
"""

import logging
import os
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import dagster as dg
import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from sunshine_pipeline.imports.catalog import SOURCES, SourceFile
from sunshine_pipeline.imports.loader import BITMAP_MAX_KEYS, IMPORTER_WRITER
from sunshine_pipeline.resources import WarehouseResource
from sunshine_pipeline.sqlfiles import sql_text
from sunshine_pipeline.views.catalog import VIEWS, ViewSpec
from sunshine_pipeline.views.freshness import is_late, stale_since, view_sla
from sunshine_pipeline.views.refresh import is_stale, view_exists

ERROR, WARN = dg.AssetCheckSeverity.ERROR, dg.AssetCheckSeverity.WARN
log = logging.getLogger(__name__)

# A rollup rebuilt because its view failed its reconciliation is not rebuilt again for the
# same check within this long (request_rollup_rebuild).
REBUILD_BACKOFF = "1 hour"

DUPLICATE_SHARE_MAX = 0.15
DUPLICATE_SHARE_JUMP = 0.05

# Each view's blocking reconciliation: the check name, and its query sql/checks/<name>.sql.
RECONCILIATIONS: dict[str, str] = {
    "top_donors_mv": "top_donors_mv_matches_source_totals",
    "mv_dashboard_top_donors": "mv_dashboard_top_donors_is_head_of_top_donors_mv",
    "mv_committee_ie_summary": "mv_committee_ie_summary_matches_source_totals",
    "top_ie_committees_mv": "top_ie_committees_mv_matches_ie_summary",
    "mv_dashboard_top_ie_committees":
        "mv_dashboard_top_ie_committees_is_head_of_top_ie_committees_mv",
    "ie_benefit_breakdown": "ie_benefit_breakdown_matches_ie_summary",
    "mv_dashboard_support_oppose": "mv_dashboard_support_oppose_matches_ie_summary",
    "mv_dashboard_recent_expenditures": "mv_dashboard_recent_expenditures_is_latest_live_ie",
    "dashboard_aggregations": "dashboard_aggregations_matches_source_totals",
}


def row_count_tolerance() -> float:
    return float(os.environ.get("SUNSHINE_ROW_COUNT_TOLERANCE", "0.5"))


def quarantine_tolerance() -> float:
    return float(os.environ.get("SUNSHINE_QUARANTINE_TOLERANCE", "0.01"))


@dataclass(frozen=True)
class Outcome:
    """One check evaluation, independent of Dagster (status and tests read it too)."""

    asset: str
    check: str
    passed: bool
    severity: dg.AssetCheckSeverity = ERROR
    description: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)

    def result(self) -> dg.AssetCheckResult:
        metadata = {k: dg.MetadataValue.timestamp(v) if isinstance(v, datetime) else v
                    for k, v in self.metadata.items()}
        return dg.AssetCheckResult(passed=self.passed, asset_key=self.asset,
                                   check_name=self.check, severity=self.severity,
                                   description=self.description or None, metadata=metadata)


def _json(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dg.MetadataValue):
        return _json(value.value)
    if isinstance(value, Decimal):
        return float(value)
    return value


def record(conn: psycopg.Connection, outcome: Outcome, run_id: str | None = None) -> None:
    """Outcome → sunshine.check_result (skipped until the schema has the table)."""
    if conn.execute("SELECT to_regclass('sunshine.check_result')").fetchone()[0] is None:
        return
    conn.execute(
        "INSERT INTO sunshine.check_result (asset, check_name, passed, severity, description, "
        "metadata, run_id) VALUES (%s, %s, %s, %s, %s, %s, %s)",
        [outcome.asset, outcome.check, outcome.passed, outcome.severity.value,
         outcome.description, Jsonb({k: _json(v) for k, v in outcome.metadata.items()}),
         run_id])


def _missing(view: ViewSpec, check: str) -> Outcome:
    return Outcome(view.name, check, False, ERROR, f"{view.name} does not exist",
                   {"exists": False})


# --- view checks ------------------------------------------------------------------------


def _condition(query: str) -> str:
    """A `non_empty_when` query in words: its SQL file's opening comment, "True when <this>"."""
    comment = " ".join(line.removeprefix("--").strip()
                       for line in sql_text(f"checks/{query}.sql").splitlines()
                       if line.startswith("--"))
    return re.split(r"[:.]", comment.removeprefix("True when "), maxsplit=1)[0]


def _expected_rows(view: ViewSpec) -> str:
    shape = view.shape
    parts = []
    if shape.exactly is not None:
        parts.append(f"exactly {shape.exactly}")
    if shape.at_most is not None:
        parts.append(f"at most {shape.at_most}")
    if shape.non_empty_when:
        parts.append(f"at least 1 when {_condition(shape.non_empty_when)}")
    return ", ".join(parts) or "any"


def check_row_count(conn: psycopg.Connection, view: ViewSpec) -> Outcome:
    """The view's row count against its declared RowShape."""
    check = f"{view.name}_has_expected_row_count"
    if not view_exists(conn, view.name):
        return _missing(view, check)
    rows = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(
        sql.Identifier(view.name))).fetchone()[0]
    shape, problems = view.shape, []
    metadata: dict[str, Any] = {"dagster/row_count": rows, "expected": _expected_rows(view)}
    if shape.exactly is not None and rows != shape.exactly:
        problems.append(f"{rows} rows, expected exactly {shape.exactly}")
    if shape.at_most is not None and rows > shape.at_most:
        problems.append(f"{rows} rows, expected at most {shape.at_most}")
    if shape.non_empty_when:
        sources_hold_rows = conn.execute(
            sql_text(f"checks/{shape.non_empty_when}.sql")).fetchone()[0]
        metadata["sources_hold_rows"] = bool(sources_hold_rows)
        if sources_hold_rows and rows == 0:
            problems.append(f"empty although {_condition(shape.non_empty_when)}")
    return Outcome(view.name, check, not problems, ERROR, "; ".join(problems), metadata)


def check_row_count_steady(conn: psycopg.Connection, view: ViewSpec,
                           tolerance: float | None = None) -> Outcome:
    """The row count of the view's last refresh against the one before (view_refresh)."""
    check = f"{view.name}_row_count_is_steady"
    tolerance = row_count_tolerance() if tolerance is None else tolerance
    counts = [r[0] for r in conn.execute(
        "SELECT row_count FROM sunshine.view_refresh WHERE view_name = %s "
        "AND mode <> 'skipped' ORDER BY refresh_id DESC LIMIT 2", [view.name]).fetchall()]
    if len(counts) < 2:
        return Outcome(view.name, check, True, WARN, "no previous refresh to compare with",
                       {"row_count": counts[0] if counts else 0, "tolerance": f"{tolerance:.0%}"})
    current, previous = counts
    moved = abs(current - previous) / previous if previous else float(current > 0)
    metadata = {"row_count": current, "previous_row_count": previous,
                "moved_share": round(moved, 4), "tolerance": f"{tolerance:.0%}"}
    if moved <= tolerance:
        return Outcome(view.name, check, True, WARN, "", metadata)
    return Outcome(view.name, check, False, WARN,
                   f"row count moved from {previous} to {current} ({moved:.0%}), more than "
                   f"{tolerance:.0%}", metadata)


def check_fresh(conn: psycopg.Connection, view: ViewSpec,
                sla: timedelta | None = None) -> Outcome:
    """Current with its inputs: no input change has waited unread for longer than the SLA
    (the freshness rule, views/freshness.py); a quiet view is fresh however old its refresh."""
    check = f"{view.name}_is_fresh"
    sla = view_sla() if sla is None else sla
    if not view_exists(conn, view.name):
        return _missing(view, check)
    row = conn.execute(
        "SELECT refreshed_at, clock_timestamp() FROM sunshine.view_last_refresh "
        "WHERE view_name = %s", [view.name]).fetchone()
    if row is None:
        return Outcome(view.name, check, False, ERROR, f"{view.name} has no recorded refresh",
                       {"current": False})
    refreshed_at, now = row
    since = stale_since(conn, view)
    metadata: dict[str, Any] = {"current": since is None, "refreshed_at": refreshed_at}
    if since is None:
        return Outcome(view.name, check, True, ERROR, "", metadata)
    metadata["waiting_since"] = since
    waited = (now - since).total_seconds() / 3600
    if is_late(since, now, sla):
        return Outcome(view.name, check, False, ERROR,
                       f"an input changed {waited:.1f} h ago and {view.name} has not been "
                       f"refreshed since (SLA {sla.total_seconds() / 3600:g} h)", metadata)
    return Outcome(view.name, check, True, ERROR,
                   f"an input changed {waited * 60:.0f} min ago, not read yet (within the "
                   f"SLA of {sla.total_seconds() / 3600:g} h)", metadata)


def _figures(conn: psycopg.Connection, check: str) -> list[tuple[str, Any, Any]]:
    return conn.execute(sql_text(f"checks/{check}.sql")).fetchall()


def _mismatches(figures: list[tuple[str, Any, Any]]) -> list[str]:
    return [f"{figure} is {actual}, expected {expected}" for figure, actual, expected in figures
            if actual is None or expected is None or actual != expected]


def _figures_table(figures: list[tuple[str, Any, Any]]) -> dg.MetadataValue:
    lines = ["| figure | view | expected |", "|---|---|---|"]
    lines += [f"| {f} | {a} | {e} |" for f, a, e in figures]
    return dg.MetadataValue.md("\n".join(lines))


def check_reconciles(conn: psycopg.Connection, view: ViewSpec) -> Outcome:
    """The view's figures against the same figures computed from what it is built on."""
    check = RECONCILIATIONS[view.name]
    if not view_exists(conn, view.name):
        return _missing(view, check)
    figures = _figures(conn, check)
    mismatches = _mismatches(figures)
    metadata: dict[str, Any] = {"figures": _figures_table(figures),
                                "mismatches": len(mismatches)}
    if not mismatches:
        return Outcome(view.name, check, True, ERROR, "", metadata)
    stale = is_stale(conn, view)
    metadata["stale"] = stale
    pending = pending_rebuilds(conn, view)
    if stale and pending:
        metadata["rollups_flagged_for_rebuild"] = ", ".join(pending)
        return Outcome(view.name, check, False, WARN,
                       "; ".join(mismatches) + f"; {', '.join(pending)} flagged for a rebuild "
                       "from the base tables: the next refresh rebuilds it", metadata)
    if stale:
        return Outcome(view.name, check, False, WARN,
                       "differs from its inputs, which changed since its last refresh: "
                       + "; ".join(mismatches), metadata)
    description = "; ".join(mismatches)
    if view.rollups:
        flagged = request_rollup_rebuild(conn, view, check, description)
        metadata["rollups_flagged_for_rebuild"] = ", ".join(flagged)
        if flagged:
            description += (f"; {', '.join(flagged)} flagged for a rebuild from the base "
                            "tables: the next refresh rebuilds it")
        else:
            description += (f"; {', '.join(view.rollups)} not rebuilt again: a rebuild this "
                            f"check asked for within {REBUILD_BACKOFF} did not fix it")
    return Outcome(view.name, check, False, ERROR, description, metadata)


def pending_rebuilds(conn: psycopg.Connection, view: ViewSpec) -> list[str]:
    """The rollups of `view` flagged for a full rebuild that no refresh has done yet."""
    if not view.rollups:
        return []
    return [r[0] for r in conn.execute(
        "SELECT rollup FROM sunshine.rollup_state WHERE rollup = ANY(%s) AND needs_rebuild "
        "ORDER BY rollup", [list(view.rollups)]).fetchall()]


def request_rollup_rebuild(conn: psycopg.Connection, view: ViewSpec, check: str,
                           reason: str) -> list[str]:
    """A view found wrong while fresh: the rollups it is built on (kept by triggers) no longer
    equal their base tables → flag them for a full rebuild (sunshine.rollup_state, with the
    reason) and log a REBUILD entry of each in sunshine.change_log, so the view is stale and
    the next refresh (source-change sensor or schedule) rebuilds them from the base tables,
    instead of every refresh failing the same check. Not again within REBUILD_BACKOFF of a
    rebuild the same check asked for (that one did not fix it: the rollup is not the
    culprit). Returns the rollups flagged."""
    with conn.transaction():
        flagged = [r[0] for r in conn.execute(sql_text("checks/request_rollup_rebuild.sql"), {
            "rollups": list(view.rollups), "reason": f"{check}: {reason}", "check": check,
            "writer": f"sunshine check {check}", "backoff": REBUILD_BACKOFF}).fetchall()]
    for rollup in flagged:
        log.warning("%s does not reconcile (%s): %s flagged for a rebuild from the base tables",
                    view.name, reason, rollup)
    return flagged


def reconciliation_failures(conn: psycopg.Connection, views: Sequence[ViewSpec]) -> list[str]:
    """What does not reconcile among `views`; the validator for a swap (views/refresh.py)."""
    return [f"{RECONCILIATIONS[v.name]}: {m}" for v in views
            for m in _mismatches(_figures(conn, RECONCILIATIONS[v.name]))]


ViewCheck = Callable[[psycopg.Connection, ViewSpec], Outcome]


def view_checks(view: ViewSpec) -> dict[str, tuple[ViewCheck, str, bool]]:
    """{check name: (evaluate, description, blocking)} for one view."""
    return {
        f"{view.name}_has_expected_row_count": (
            check_row_count, f"Row count is {_expected_rows(view)}.", False),
        f"{view.name}_row_count_is_steady": (
            check_row_count_steady, "Warns when the row count moved by more than "
            "SUNSHINE_ROW_COUNT_TOLERANCE since the previous refresh.", False),
        f"{view.name}_is_fresh": (
            check_fresh, "Current with its inputs: no input change has waited unread for "
            "longer than SUNSHINE_VIEW_SLA_HOURS (a view whose inputs did not change is fresh).",
            False),
        RECONCILIATIONS[view.name]: (
            check_reconciles, f"sql/checks/{RECONCILIATIONS[view.name]}.sql: the view's "
            "figures equal the same figures recomputed from its inputs. Blocking.", True),
    }


def evaluate_view_checks(conn: psycopg.Connection, view: ViewSpec,
                         names: set[str] | None = None,
                         run_id: str | None = None) -> Iterator[Outcome]:
    """Evaluate (and record) the view's checks, or those named."""
    yield from _recorded(conn, run_id, (
        evaluate(conn, view) for name, (evaluate, _, _) in view_checks(view).items()
        if names is None or name in names))


def _recorded(conn: psycopg.Connection, run_id: str | None,
              outcomes: Iterator[Outcome]) -> Iterator[Outcome]:
    """Each outcome as it is evaluated, once written to sunshine.check_result."""
    for outcome in outcomes:
        record(conn, outcome, run_id)
        conn.commit()
        yield outcome


def build_view_checks(view: ViewSpec) -> dg.AssetChecksDefinition:
    specs = [dg.AssetCheckSpec(name, asset=view.name, description=description,
                               blocking=blocking)
             for name, (_, description, blocking) in view_checks(view).items()]

    @dg.multi_asset_check(specs=specs, name=f"{view.name}_checks", can_subset=True)
    def _checks(context: dg.AssetCheckExecutionContext,
                warehouse: WarehouseResource) -> Iterator[dg.AssetCheckResult]:
        names = {key.name for key in context.selected_asset_check_keys}
        with warehouse.connection() as conn:
            for outcome in evaluate_view_checks(conn, view, names, context.run.run_id):
                yield outcome.result()

    return _checks


# --- source checks ----------------------------------------------------------------------


def check_quarantine_rate(conn: psycopg.Connection, source: SourceFile,
                          tolerance: float | None = None) -> Outcome:
    """The share of the table's rows quarantined in the latest batch that carried it."""
    check = f"{source.table}_quarantine_rate_is_low"
    tolerance = quarantine_tolerance() if tolerance is None else tolerance
    row = conn.execute(sql_text("checks/quarantine_rate.sql"), {"file": source.file}).fetchone()
    if row is None:
        return Outcome(source.table, check, True, WARN, f"{source.file} was never imported",
                       {"tolerance": f"{tolerance:.0%}"})
    batch_id, read, quarantined, reasons = row
    rate = quarantined / read if read else 0.0
    metadata = {"batch_id": batch_id, "read": read, "quarantined": quarantined,
                "quarantine_rate": round(rate, 6), "tolerance": f"{tolerance:.1%}",
                "top_reasons": reasons}
    if rate <= tolerance:
        return Outcome(source.table, check, True, WARN, "", metadata)
    return Outcome(source.table, check, False, WARN,
                   f"batch {batch_id} quarantined {quarantined} of {read} rows of "
                   f"{source.file} ({rate:.2%}, tolerance {tolerance:.2%}): {reasons}", metadata)


def source_audit_age() -> timedelta:
    """How old the last full evaluation of an incremental check may be before it is redone
    whatever changed: SUNSHINE_SOURCE_AUDIT_HOURS, default 26 (the daily audit plus slack, so
    an import never has to count because the audit is a few minutes late)."""
    return timedelta(hours=float(os.environ.get("SUNSHINE_SOURCE_AUDIT_HOURS", "26")))


def _previous_figure(conn: psycopg.Connection, asset: str, check: str,
                     key: str) -> float | None:
    """`key` of the latest evaluation of the check that reported it."""
    if conn.execute("SELECT to_regclass('sunshine.check_result')").fetchone()[0] is None:
        return None
    row = conn.execute(sql_text("checks/previous_figure.sql"),
                       {"key": key, "asset": asset, "check": check}).fetchone()
    return row[0] if row else None


# --- incremental evaluation of the two Transactions checks ------------------------------
#
# A full evaluation runs the check's query and records, with its figures, the snapshot and
# input tables' identity read just before the query (evaluation_baseline.sql). The next
# evaluation asks sunshine.change_log what was written to the inputs since that snapshot (a
# write committed later, or running then, is not visible in it): when those writes cannot
# have made the check fail, it passes without the query ("method": "bound"); otherwise, or
# when the last full evaluation is older than SUNSHINE_SOURCE_AUDIT_HOURS, it runs the query.
# Writes the change log cannot bound are a full evaluation too: an operation other than
# INSERT / UPDATE / DELETE, and a table with a new identity (TRUNCATE, which the statement
# triggers do not log, gives it a new relfilenode; so do VACUUM FULL and CLUSTER). A write
# made with the change triggers disabled is invisible here, as it is to the view staleness.

DUPLICATE_CHECK = "Transactions_duplicate_income_share_is_normal"
ORPHAN_CHECK = "Transactions_has_no_orphan_references"
# The checks that count ten million rows when they cannot pass on their bound; the daily
# audit (audit_sources_job, source_audit_schedule) counts them in full off the import path.
INCREMENTAL_CHECKS = (DUPLICATE_CHECK, ORPHAN_CHECK)
# A run tagged AUDIT_TAG=full makes them count in full whatever the change log says.
AUDIT_TAG = "sunshine/audit"
AUDIT_REASON = "audit: a full count was asked for"
# The tables each check's figures are computed from.
DUPLICATE_INPUTS = ("Transactions", "TransactionTypes")
ORPHAN_INPUTS = ("Transactions", "Committees", "Names")
ORPHAN_FIGURES = ("unknown_committee", "unknown_entity", "unknown_subject_committee")
# Operations whose change_log row_count bounds the rows they changed, as (removals,
# additions) of a row per row written: an UPDATE is both (the old row leaves its group of
# identical income rows, the new one joins one), so it counts as two changes. Removing a row
# lowers the income count by at most one and the duplicate count by at most one, never
# raising either; adding one raises each by at most one, never lowering either.
BOUNDED_OPERATIONS = {"INSERT": (0, 1), "UPDATE": (1, 1), "DELETE": (1, 0)}


@dataclass(frozen=True)
class _LastFull:
    """A check's latest full evaluation, as recorded in sunshine.check_result."""

    check_result_id: int
    metadata: dict[str, Any]
    evaluated_at: datetime
    age_seconds: float


@dataclass(frozen=True)
class _Write:
    """Writes to one input since a snapshot: one relation, operation and writer."""

    relation: str
    operation: str
    writer: str
    by_importer: bool
    statements: int
    rows: int


def _baseline(conn: psycopg.Connection, relations: Sequence[str]) -> dict[str, Any]:
    """The snapshot, clock and input tables' identity, to record with a full evaluation."""
    snapshot, evaluated_at, files = conn.execute(
        sql_text("checks/evaluation_baseline.sql"), {"relations": list(relations)}).fetchone()
    return {"snapshot": snapshot, "evaluated_at": evaluated_at, "relation_files": files}


def _last_full(conn: psycopg.Connection, check: str) -> _LastFull | None:
    if conn.execute("SELECT to_regclass('sunshine.check_result')").fetchone()[0] is None:
        return None
    row = conn.execute(sql_text("checks/last_full_evaluation.sql"),
                       {"asset": "Transactions", "check": check}).fetchone()
    return _LastFull(*row) if row else None


def _writes_since(conn: psycopg.Connection, snapshot: str,
                  relations: Sequence[str]) -> list[_Write]:
    rows = conn.execute(sql_text("checks/changes_since.sql"), {
        "importer": IMPORTER_WRITER, "relations": list(relations), "since": snapshot,
    }).fetchall()
    return [_Write(*row) for row in rows]


def _since_last_full(conn: psycopg.Connection, check: str, relations: Sequence[str]
                     ) -> tuple[_LastFull, list[_Write]] | str:
    """The check's last full evaluation and every write to its inputs since, or why the
    check must be evaluated in full now."""
    last = _last_full(conn, check)
    if last is None or not isinstance(last.metadata.get("snapshot"), str):
        return "no full evaluation on record"
    audit = source_audit_age()
    if last.age_seconds > audit.total_seconds():
        return (f"the last full evaluation is {last.age_seconds / 3600:.1f} h old "
                f"(SUNSHINE_SOURCE_AUDIT_HOURS {audit.total_seconds() / 3600:g})")
    # The tables' identity first, then the change log: a TRUNCATE committing in between
    # happens after the moment this evaluation speaks for.
    files = _baseline(conn, relations)["relation_files"]
    recorded = last.metadata.get("relation_files") or {}
    for relation in relations:
        if files.get(relation) != recorded.get(relation):
            return f"{relation} was truncated or rewritten since the last full evaluation"
    writes = _writes_since(conn, last.metadata["snapshot"], relations)
    for w in writes:
        if w.operation not in BOUNDED_OPERATIONS:
            return f"{w.operation} on {w.relation} by {w.writer} since the last full evaluation"
    return last, writes


def _full_metadata(base: dict[str, Any], reason: str) -> dict[str, Any]:
    return {"method": "full", "full_reason": reason, **base}


def _bound_metadata(last: _LastFull, rows_changed: int) -> dict[str, Any]:
    return {"method": "bound", "rows_changed_since": rows_changed,
            "last_full_at": last.evaluated_at,
            "last_full_check_result_id": last.check_result_id}


def check_duplicate_income_share(conn: psycopg.Connection, audit: bool = False) -> Outcome:
    """Live income rows identical to another but for transaction_id, as a share: bounded
    from the last full count and the Transactions rows written since when that settles it,
    else (and always for an `audit`) counted in full."""
    since = (AUDIT_REASON if audit
             else _since_last_full(conn, DUPLICATE_CHECK, DUPLICATE_INPUTS))
    if isinstance(since, str):
        return _duplicate_income_share_full(conn, since)
    last, writes = since
    types = sum(w.rows for w in writes if w.relation == "TransactionTypes")
    if types:
        return _duplicate_income_share_full(
            conn, f"{types} TransactionTypes rows written since the last full evaluation "
            "(which rows are income may have changed)")
    bound = _duplicate_income_share_bound(last, writes)
    if isinstance(bound, str):
        return _duplicate_income_share_full(conn, bound)
    return bound


def _duplicate_income_share_bound(last: _LastFull, writes: list[_Write]) -> Outcome | str:
    """Passed when every duplicate and income count the writes since the last full count
    allow passes (a row written moves each count by at most one); else why not."""
    m = last.metadata
    income, duplicates, share = m.get("income_rows"), m.get("duplicate_rows"), m.get(
        "duplicate_share")
    if not all(isinstance(v, int | float) for v in (income, duplicates, share)):
        return "the last full evaluation recorded no figures"
    rows = sum(w.rows for w in writes)
    removed = sum(w.rows * BOUNDED_OPERATIONS[w.operation][0] for w in writes)
    added = sum(w.rows * BOUNDED_OPERATIONS[w.operation][1] for w in writes)
    dup_low, dup_high = max(0, duplicates - removed), duplicates + added
    inc_low, inc_high = max(0, income - removed), income + added
    if inc_low == 0:
        return (f"{rows} Transactions rows written since the last full evaluation, as many "
                "as it counted income rows")
    share_low, share_high = dup_low / inc_high, min(1.0, dup_high / inc_low)
    written = (f"{rows} Transactions rows written since the last full evaluation: the share "
               f"could be anywhere in {share_low:.1%}-{share_high:.1%}")
    if share_high > DUPLICATE_SHARE_MAX:
        return f"{written}, more than {DUPLICATE_SHARE_MAX:.0%}"
    if share_high - share > DUPLICATE_SHARE_JUMP or share - share_low > DUPLICATE_SHARE_JUMP:
        return (f"{written}, more than {DUPLICATE_SHARE_JUMP * 100:g} points from the "
                f"{share:.1%} of the last full evaluation")
    metadata = {
        "duplicate_rows_low": dup_low, "duplicate_rows_high": dup_high,
        "income_rows_low": inc_low, "income_rows_high": inc_high,
        "duplicate_share_low": round(share_low, 6), "duplicate_share_high": round(share_high, 6),
        "previous_share": share, **_bound_metadata(last, rows)}
    return Outcome("Transactions", DUPLICATE_CHECK, True, WARN,
                   f"not recounted: {rows} rows written since the full count keep the share "
                   f"within {share_low:.1%}-{share_high:.1%} (last counted {share:.1%})",
                   metadata)


def _duplicate_income_share_full(conn: psycopg.Connection, reason: str) -> Outcome:
    with conn.transaction():
        base = _baseline(conn, DUPLICATE_INPUTS)
        income, duplicates = conn.execute(
            sql_text("checks/duplicate_income_share.sql")).fetchone()
    share = duplicates / income if income else 0.0
    previous = _previous_figure(conn, "Transactions", DUPLICATE_CHECK, "duplicate_share")
    metadata: dict[str, Any] = {"income_rows": income, "duplicate_rows": duplicates,
                                "duplicate_share": round(share, 6),
                                **({"previous_share": previous} if previous is not None else {}),
                                **_full_metadata(base, reason)}
    problems = []
    if share > DUPLICATE_SHARE_MAX:
        problems.append(f"{share:.1%} of live income rows are duplicates (more than "
                        f"{DUPLICATE_SHARE_MAX:.0%})")
    if previous is not None and abs(share - previous) > DUPLICATE_SHARE_JUMP:
        problems.append(f"the duplicate share moved from {previous:.1%} to {share:.1%}")
    return Outcome("Transactions", DUPLICATE_CHECK, not problems, WARN, "; ".join(problems),
                   metadata)


def check_orphan_references(conn: psycopg.Connection, audit: bool = False) -> Outcome:
    """Transactions whose filer, party or IE target is not a row of Committees / Names: none
    can have appeared since a full count that found none when only the importer wrote
    Transactions and no Committees / Names row lost its key; else (and always for an
    `audit`) counted in full."""
    since = AUDIT_REASON if audit else _since_last_full(conn, ORPHAN_CHECK, ORPHAN_INPUTS)
    if isinstance(since, str):
        return _orphan_references_full(conn, since)
    last, writes = since
    counts = {k: last.metadata.get(k) for k in ORPHAN_FIGURES}
    if any(v != 0 for v in counts.values()):
        return _orphan_references_full(conn, "the last full evaluation found orphans (or no "
                                       "figures): count again")
    for w in writes:
        if w.relation == "Transactions" and not w.by_importer:
            return _orphan_references_full(
                conn, f"{w.rows} Transactions rows written ({w.operation}) by {w.writer}, not "
                "the importer, since the last full evaluation")
        if w.relation != "Transactions" and (w.operation == "DELETE" or (
                w.operation == "UPDATE" and not w.by_importer)):
            return _orphan_references_full(
                conn, f"{w.rows} {w.relation} rows written ({w.operation}) by {w.writer} since "
                "the last full evaluation (a key may be gone)")
    rows = sum(w.rows for w in writes if w.relation == "Transactions")
    return Outcome("Transactions", ORPHAN_CHECK, True, WARN,
                   f"not recounted: none since the full count; {rows} Transactions rows "
                   "written since, all by the importer (which quarantines unknown "
                   "references), and no Committees or Names key removed",
                   {**counts, **_bound_metadata(last, rows)})


def _orphan_references_full(conn: psycopg.Connection, reason: str) -> Outcome:
    with conn.transaction():
        base = _baseline(conn, ORPHAN_INPUTS)
        # Names keys within BITMAP_MAX_KEYS values are tested in a bitmap; more spread out
        # (also when they spread between the two queries: unknown_entity is NULL), hashed.
        span = conn.execute(sql_text("checks/names_key_span.sql")).fetchone()[0]
        row = None
        if span is None or span < BITMAP_MAX_KEYS:
            row = conn.execute(sql_text("checks/orphan_references.sql"),
                               {"bitmap_max_keys": BITMAP_MAX_KEYS}).fetchone()
        if row is None or row[1] is None:
            row = conn.execute(sql_text("checks/orphan_references_by_join.sql")).fetchone()
        unknown_committee, unknown_entity = row
        unknown_subject = conn.execute(
            sql_text("checks/orphan_subject_committees.sql")).fetchone()[0]
    metadata = {"unknown_committee": unknown_committee, "unknown_entity": unknown_entity,
                "unknown_subject_committee": unknown_subject, **_full_metadata(base, reason)}
    problems = [f"{n} transactions with an {what}" for what, n in (
        ("unknown committee_id", unknown_committee), ("unknown entity_id", unknown_entity),
        ("unknown subject_committee_id", unknown_subject)) if n]
    return Outcome("Transactions", ORPHAN_CHECK, not problems, WARN, "; ".join(problems),
                   metadata)


# Evaluates one source check; the flag asks an incremental check to count in full (an audit).
SourceCheck = Callable[[psycopg.Connection, bool], Outcome]


def source_checks(source: SourceFile) -> dict[str, tuple[SourceCheck, str]]:
    """{check name: (evaluate, description)} for one base table."""
    checks: dict[str, tuple[SourceCheck, str]] = {
        f"{source.table}_quarantine_rate_is_low": (
            lambda conn, _audit: check_quarantine_rate(conn, source),
            "Warns when more than SUNSHINE_QUARANTINE_TOLERANCE of the rows of the latest "
            "batch were quarantined."),
    }
    if source.table == "Transactions":
        checks[DUPLICATE_CHECK] = (
            check_duplicate_income_share,
            "Reports live income rows identical but for transaction_id (about 7.6% is "
            "normal); warns above 15% or on a move of more than 5 points. Counted in full at "
            "least every SUNSHINE_SOURCE_AUDIT_HOURS; in between, passes without counting "
            "when the rows written since the last count cannot move the share that far "
            "(metadata method: full / bound).")
        checks[ORPHAN_CHECK] = (
            check_orphan_references,
            "Warns about transactions whose committee, name or IE target is missing. Counted "
            "in full at least every SUNSHINE_SOURCE_AUDIT_HOURS; in between, passes without "
            "counting after a clean count when only the importer (which quarantines unknown "
            "references) wrote Transactions and no Committees / Names row was deleted or "
            "had its key changed (metadata method: full / bound).")
    return checks


def evaluate_source_checks(conn: psycopg.Connection, source: SourceFile,
                           names: set[str] | None = None,
                           run_id: str | None = None, audit: bool = False) -> Iterator[Outcome]:
    """Evaluate (and record) the source checks of one table; `audit`: the incremental ones
    count in full."""
    yield from _recorded(conn, run_id, (
        evaluate(conn, audit) for name, (evaluate, _) in source_checks(source).items()
        if names is None or name in names))


def build_source_checks(source: SourceFile) -> dg.AssetChecksDefinition:
    specs = [dg.AssetCheckSpec(name, asset=source.table, description=description)
             for name, (_, description) in source_checks(source).items()]

    @dg.multi_asset_check(specs=specs, name=f"{source.table}_checks", can_subset=True)
    def _checks(context: dg.AssetCheckExecutionContext,
                warehouse: WarehouseResource) -> Iterator[dg.AssetCheckResult]:
        names = {key.name for key in context.selected_asset_check_keys}
        audit = context.run.tags.get(AUDIT_TAG) == "full"
        with warehouse.connection() as conn:
            for outcome in evaluate_source_checks(conn, source, names, context.run.run_id,
                                                  audit):
                yield outcome.result()

    return _checks


def build_checks() -> list[dg.AssetChecksDefinition]:
    """Every check: one op per view and one per base table."""
    return [*(build_view_checks(v) for v in VIEWS), *(build_source_checks(s) for s in SOURCES)]
