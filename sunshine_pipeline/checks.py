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
  queries validate a new view definition before it is swapped in (views/refresh.py).

Per base table (all WARN: the data is what the source sent; a person decides):
- `<table>_quarantine_rate_is_low`: the share of the table's rows quarantined in the latest
  batch that carried it, at most SUNSHINE_QUARANTINE_TOLERANCE (default 0.01).
- `Transactions_duplicate_income_share_is_normal`: live income rows identical to another but
  for transaction_id (about 7.6% in the real export, kept and reported); warns above 15% or
  when the share moved by more than 5 points since the previous evaluation.
- `Transactions_has_no_orphan_references`: filers, parties and IE targets that are not rows
  of Committees / Names.

Every evaluation is also written to `sunshine.check_result`, so `sunshine status` and the
dashboard see failing checks without Dagster's storage, and a check can read its previous
figure.

(No `from __future__ import annotations` here: Dagster reads the check functions' `context`
annotation at definition time.)
"""

import os
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
from sunshine_pipeline.resources import WarehouseResource
from sunshine_pipeline.sqlfiles import sql_text
from sunshine_pipeline.views.catalog import VIEWS, ViewSpec
from sunshine_pipeline.views.refresh import definition_current, is_stale, view_exists

ERROR, WARN = dg.AssetCheckSeverity.ERROR, dg.AssetCheckSeverity.WARN

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


def view_sla() -> timedelta:
    """How long a view may go without being refreshed or confirmed current."""
    return timedelta(hours=float(os.environ.get("SUNSHINE_VIEW_SLA_HOURS", "2")))


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


def _expected_rows(view: ViewSpec) -> str:
    shape = view.shape
    parts = []
    if shape.exactly is not None:
        parts.append(f"exactly {shape.exactly}")
    if shape.at_most is not None:
        parts.append(f"at most {shape.at_most}")
    if shape.non_empty_when:
        parts.append(f"at least 1 when {shape.non_empty_when}")
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
            problems.append(f"empty although {shape.non_empty_when}")
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
                       {"row_count": counts[0] if counts else 0, "tolerance": tolerance})
    current, previous = counts
    moved = abs(current - previous) / previous if previous else float(current > 0)
    metadata = {"row_count": current, "previous_row_count": previous,
                "moved_share": round(moved, 4), "tolerance": tolerance}
    if moved <= tolerance:
        return Outcome(view.name, check, True, WARN, "", metadata)
    return Outcome(view.name, check, False, WARN,
                   f"row count moved from {previous} to {current} ({moved:.0%}), more than "
                   f"{tolerance:.0%}", metadata)


def check_fresh(conn: psycopg.Connection, view: ViewSpec,
                sla: timedelta | None = None) -> Outcome:
    """Not stale (no input changed since the last refresh) and confirmed within the SLA."""
    check = f"{view.name}_is_fresh"
    sla = view_sla() if sla is None else sla
    if not view_exists(conn, view.name):
        return _missing(view, check)
    row = conn.execute(
        "SELECT refreshed_at, verified_at, source_watermark, "
        "extract(epoch FROM clock_timestamp() - verified_at)::float8, "
        "(SELECT max(change_id) FROM sunshine.change_log WHERE relation = ANY(%s)) "
        "FROM sunshine.view_last_refresh WHERE view_name = %s",
        [list(view.deps), view.name]).fetchone()
    if row is None:
        return Outcome(view.name, check, False, ERROR, f"{view.name} has no recorded refresh",
                       {"stale": True})
    refreshed_at, verified_at, watermark, age_s, latest_input = row
    stale = is_stale(conn, view)
    metadata = {"stale": stale, "refreshed_at": refreshed_at, "verified_at": verified_at,
                "age_minutes": round(age_s / 60, 1),
                "sla_hours": sla.total_seconds() / 3600,
                "source_watermark": watermark or 0, "latest_input_change": latest_input or 0,
                "definition_current": definition_current(conn, view)}
    problems = []
    if stale:
        problems.append("an input changed since its last refresh")
    if age_s > sla.total_seconds():
        problems.append(f"not refreshed or confirmed for {age_s / 3600:.1f} h "
                        f"(SLA {metadata['sla_hours']:g} h)")
    return Outcome(view.name, check, not problems, ERROR, "; ".join(problems), metadata)


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
    if stale:
        return Outcome(view.name, check, False, WARN,
                       "differs from its inputs, which changed since its last refresh: "
                       + "; ".join(mismatches), metadata)
    return Outcome(view.name, check, False, ERROR, "; ".join(mismatches), metadata)


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
            check_fresh, "No input changed since the last refresh, and refreshed or confirmed "
            "within SUNSHINE_VIEW_SLA_HOURS.", False),
        RECONCILIATIONS[view.name]: (
            check_reconciles, f"sql/checks/{RECONCILIATIONS[view.name]}.sql: the view's "
            "figures equal the same figures recomputed from its inputs. Blocking.", True),
    }


def evaluate_view_checks(conn: psycopg.Connection, view: ViewSpec,
                         names: set[str] | None = None,
                         run_id: str | None = None) -> Iterator[Outcome]:
    """Evaluate (and record) the view's checks, or those named."""
    for name, (evaluate, _, _) in view_checks(view).items():
        if names is None or name in names:
            outcome = evaluate(conn, view)
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
                       {"tolerance": tolerance})
    batch_id, read, quarantined, reasons = row
    rate = quarantined / read if read else 0.0
    metadata = {"batch_id": batch_id, "read": read, "quarantined": quarantined,
                "quarantine_rate": round(rate, 6), "tolerance": tolerance,
                "top_reasons": reasons}
    if rate <= tolerance:
        return Outcome(source.table, check, True, WARN, "", metadata)
    return Outcome(source.table, check, False, WARN,
                   f"batch {batch_id} quarantined {quarantined} of {read} rows of "
                   f"{source.file} ({rate:.2%}, tolerance {tolerance:.2%}): {reasons}", metadata)


def _previous_figure(conn: psycopg.Connection, asset: str, check: str,
                     key: str) -> float | None:
    if conn.execute("SELECT to_regclass('sunshine.check_result')").fetchone()[0] is None:
        return None
    row = conn.execute(
        "SELECT (metadata ->> %s)::float8 FROM sunshine.check_result WHERE asset = %s "
        "AND check_name = %s ORDER BY check_result_id DESC LIMIT 1",
        [key, asset, check]).fetchone()
    return row[0] if row else None


def check_duplicate_income_share(conn: psycopg.Connection) -> Outcome:
    """Live income rows identical to another but for transaction_id, as a share."""
    check = "Transactions_duplicate_income_share_is_normal"
    income, duplicates = conn.execute(sql_text("checks/duplicate_income_share.sql")).fetchone()
    share = duplicates / income if income else 0.0
    previous = _previous_figure(conn, "Transactions", check, "duplicate_share")
    metadata: dict[str, Any] = {"income_rows": income, "duplicate_rows": duplicates,
                                "duplicate_share": round(share, 6),
                                "previous_share": previous if previous is not None else -1.0}
    problems = []
    if share > DUPLICATE_SHARE_MAX:
        problems.append(f"{share:.1%} of live income rows are duplicates (more than "
                        f"{DUPLICATE_SHARE_MAX:.0%})")
    if previous is not None and abs(share - previous) > DUPLICATE_SHARE_JUMP:
        problems.append(f"the duplicate share moved from {previous:.1%} to {share:.1%}")
    return Outcome("Transactions", check, not problems, WARN, "; ".join(problems), metadata)


def check_orphan_references(conn: psycopg.Connection) -> Outcome:
    """Transactions whose filer, party or IE target is not a row of Committees / Names."""
    check = "Transactions_has_no_orphan_references"
    unknown_committee, unknown_entity, unknown_subject = conn.execute(
        sql_text("checks/orphan_references.sql")).fetchone()
    metadata = {"unknown_committee": unknown_committee, "unknown_entity": unknown_entity,
                "unknown_subject_committee": unknown_subject}
    problems = [f"{n} transactions with an {what}" for what, n in (
        ("unknown committee_id", unknown_committee), ("unknown entity_id", unknown_entity),
        ("unknown subject_committee_id", unknown_subject)) if n]
    return Outcome("Transactions", check, not problems, WARN, "; ".join(problems), metadata)


SourceCheck = Callable[[psycopg.Connection], Outcome]


def source_checks(source: SourceFile) -> dict[str, tuple[SourceCheck, str]]:
    """{check name: (evaluate, description)} for one base table."""
    checks: dict[str, tuple[SourceCheck, str]] = {
        f"{source.table}_quarantine_rate_is_low": (
            lambda conn: check_quarantine_rate(conn, source),
            "Warns when more than SUNSHINE_QUARANTINE_TOLERANCE of the rows of the latest "
            "batch were quarantined."),
    }
    if source.table == "Transactions":
        checks["Transactions_duplicate_income_share_is_normal"] = (
            check_duplicate_income_share,
            "Reports live income rows identical but for transaction_id (about 7.6% is "
            "normal); warns above 15% or on a move of more than 5 points.")
        checks["Transactions_has_no_orphan_references"] = (
            check_orphan_references,
            "Warns about transactions whose committee, name or IE target is missing.")
    return checks


def evaluate_source_checks(conn: psycopg.Connection, source: SourceFile,
                           names: set[str] | None = None,
                           run_id: str | None = None) -> Iterator[Outcome]:
    for name, (evaluate, _) in source_checks(source).items():
        if names is None or name in names:
            outcome = evaluate(conn)
            record(conn, outcome, run_id)
            conn.commit()
            yield outcome


def build_source_checks(source: SourceFile) -> dg.AssetChecksDefinition:
    specs = [dg.AssetCheckSpec(name, asset=source.table, description=description)
             for name, (_, description) in source_checks(source).items()]

    @dg.multi_asset_check(specs=specs, name=f"{source.table}_checks", can_subset=True)
    def _checks(context: dg.AssetCheckExecutionContext,
                warehouse: WarehouseResource) -> Iterator[dg.AssetCheckResult]:
        names = {key.name for key in context.selected_asset_check_keys}
        with warehouse.connection() as conn:
            for outcome in evaluate_source_checks(conn, source, names, context.run.run_id):
                yield outcome.result()

    return _checks


def build_checks() -> list[dg.AssetChecksDefinition]:
    """Every check: one op per view and one per base table."""
    return [*(build_view_checks(v) for v in VIEWS), *(build_source_checks(s) for s in SOURCES)]
