"""The views' asset checks: can the dashboard's numbers be trusted?

Generated from the declarations in `views.catalog.VIEWS`. Per view:
- its reconciliation (ERROR, blocking: the views below it do not materialize), named on its
  declaration (`ViewSpec.reconciliation`): `sql/checks/<check>.sql` recomputes the view's
  figures from what it is built on (views/reconciliation.py). The check belongs to the view's
  asset (views/assets.py), not to a separate op, because a refresh that changes the view's
  rows evaluates it inside its transaction (views/refresh.py) and refuses to commit rows
  that differ: the asset reports that evaluation as the check's result (for a view rebuilt in
  another view's swap, the outcome that swap recorded in sunshine.check_result for the run),
  and evaluates it here only for a view that was current (`check_reconciles`). A current view
  whose inputs changed since its refresh cannot match them; then a mismatch is a WARN and
  `<view>_is_fresh` carries the failure. A view built on a rollup (top_donors_mv on
  sunshine.donor_totals) found wrong, fresh or refused, has its rollup flagged for a rebuild
  from the base tables (`request_rollup_rebuild`): the view turns stale, so the source-change
  sensor and the schedule refresh it, and that refresh rebuilds the rollup, instead of every
  refresh failing the same way.
- in one multi-asset check op per view, after the view materialized:
  - `<view>_has_expected_row_count` (ERROR): the declared `RowShape`: exactly / at most N
    rows, and not empty when the base tables hold something it must show (`non_empty_when`);
  - `<view>_row_count_is_steady` (WARN): the row count moved by more than
    SUNSHINE_ROW_COUNT_TOLERANCE (a share, default 0.5) between the view's last two refreshes;
  - `<view>_is_fresh` (ERROR): an input change has waited unread for longer than
    SUNSHINE_VIEW_SLA_HOURS (default 2; views/freshness.py).

Every evaluation is also written to sunshine.check_result (check_results.py).

"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import dagster as dg
import psycopg
from psycopg import sql

from sunshine_pipeline import settings
from sunshine_pipeline.check_results import (
    ERROR,
    WARN,
    Outcome,
    check_op,
    record,
    recorded,
    recorded_in_run,
)
from sunshine_pipeline.resources import one
from sunshine_pipeline.sqlfiles import sql_text
from sunshine_pipeline.views.catalog import VIEWS, VIEWS_BY_NAME, ViewSpec
from sunshine_pipeline.views.freshness import is_late
from sunshine_pipeline.views.reconciliation import Reconciled, reconcile
from sunshine_pipeline.views.refresh import (
    RefreshRefused,
    RefreshResult,
    changed_since,
    is_stale,
    stale_since,
    view_exists,
)

log = logging.getLogger(__name__)

# A rollup rebuilt because its view failed its reconciliation is not rebuilt again for the
# same check within this long (request_rollup_rebuild).
REBUILD_BACKOFF = "1 hour"


def _missing(view: ViewSpec, check: str) -> Outcome:
    return Outcome(view.name, check, False, ERROR, f"{view.name} does not exist",
                   {"exists": False})


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
    rows = one(conn.execute(sql.SQL("SELECT count(*) FROM {}").format(
        sql.Identifier(view.name))))
    shape, problems = view.shape, []
    metadata: dict[str, Any] = {"dagster/row_count": rows, "expected": _expected_rows(view)}
    if shape.exactly is not None and rows != shape.exactly:
        problems.append(f"{rows} rows, expected exactly {shape.exactly}")
    if shape.at_most is not None and rows > shape.at_most:
        problems.append(f"{rows} rows, expected at most {shape.at_most}")
    if shape.non_empty_when:
        sources_hold_rows = one(conn.execute(
            sql_text(f"checks/{shape.non_empty_when}.sql")))
        metadata["sources_hold_rows"] = bool(sources_hold_rows)
        if sources_hold_rows and rows == 0:
            problems.append(f"empty although {_condition(shape.non_empty_when)}")
    return Outcome(view.name, check, not problems, ERROR, "; ".join(problems), metadata)


def check_row_count_steady(conn: psycopg.Connection, view: ViewSpec,
                           tolerance: float | None = None) -> Outcome:
    """The row count of the view's last refresh against the one before (view_refresh)."""
    check = f"{view.name}_row_count_is_steady"
    tolerance = settings.row_count_tolerance() if tolerance is None else tolerance
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
    sla = settings.view_sla() if sla is None else sla
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


def _wrong(conn: psycopg.Connection, view: ViewSpec, reconciled: Reconciled,
           metadata: dict[str, Any], description: str) -> Outcome:
    """The ERROR outcome of a view found wrong while current with its inputs (or refused):
    the rollups it is built on are flagged for a rebuild, unless the backoff holds."""
    if view.rollups:
        flagged = request_rollup_rebuild(conn, view, reconciled.check,
                                         "; ".join(reconciled.mismatches))
        metadata["rollups_flagged_for_rebuild"] = ", ".join(flagged)
        if flagged:
            description += (f"; {', '.join(flagged)} flagged for a rebuild from the base "
                            "tables: the next refresh rebuilds it")
        else:
            description += (f"; {', '.join(view.rollups)} not rebuilt again: a rebuild this "
                            f"check asked for within {REBUILD_BACKOFF} did not fix it")
    return Outcome(view.name, reconciled.check, False, ERROR, description, metadata)


def check_reconciles(conn: psycopg.Connection, view: ViewSpec) -> Outcome:
    """The live view's figures against the same figures computed from what it is built on
    (for a view no refresh changed: a refresh that does validates in its transaction)."""
    if not view_exists(conn, view.name):
        return _missing(view, view.reconciliation)
    reconciled = reconcile(conn, view)
    mismatches = reconciled.mismatches
    if not mismatches:
        return reconciled.passed()
    metadata = reconciled.metadata()
    stale = is_stale(conn, view)
    metadata["stale"] = stale
    pending = pending_rebuilds(conn, view)
    if stale and pending:
        metadata["rollups_flagged_for_rebuild"] = ", ".join(pending)
        return Outcome(view.name, view.reconciliation, False, WARN,
                       "; ".join(mismatches) + f"; {', '.join(pending)} flagged for a rebuild "
                       "from the base tables: the next refresh rebuilds it", metadata)
    if stale:
        return Outcome(view.name, view.reconciliation, False, WARN,
                       "differs from its inputs, which changed since its last refresh: "
                       + "; ".join(mismatches), metadata)
    return _wrong(conn, view, reconciled, metadata, "; ".join(mismatches))


def refused_outcomes(conn: psycopg.Connection, refused: RefreshRefused,
                     run_id: str | None = None) -> list[Outcome]:
    """The ERROR outcome of each reconciliation that refused a refresh, recorded (after the
    rollback, so that it is kept). The rollups of a refused view are flagged for a rebuild,
    as for a current view found wrong, unless an input changed while the refresh ran (then
    the difference may be that write's, as for a stale view: the view stays stale, and the
    next refresh tries again)."""
    moved = changed_since(conn, refused.view, refused.snapshot)
    outcomes = []
    for reconciled in refused.failed:
        view = VIEWS_BY_NAME[reconciled.view]
        metadata = {**reconciled.metadata(), "refused": True}
        description = ("; ".join(reconciled.mismatches)
                       + "; the new rows were not committed: the live view is unchanged")
        if moved is None:
            outcome = _wrong(conn, view, reconciled, metadata, description)
        else:
            metadata["input_changed_at"] = moved
            outcome = Outcome(view.name, reconciled.check, False, ERROR, description
                              + f"; an input of {refused.view.name} changed while it was "
                              "refreshed: the next refresh tries again", metadata)
        record(conn, outcome, run_id)
        outcomes.append(outcome)
    return outcomes


def reconciliation_outcome(conn: psycopg.Connection, view: ViewSpec,
                           result: RefreshResult | None, run_id: str) -> Outcome:
    """The outcome of the view's reconciliation for this materialization, evaluated once:
    the one its refresh evaluated in its transaction (`result`), the one recorded in this run
    by the swap that rebuilt it (`result` None), or, for a view its refresh left as it was,
    evaluated now and recorded."""
    if result is not None and view.name in result.reconciled:
        return result.reconciled[view.name]
    if result is None:
        reused = recorded_in_run(conn, view.name, view.reconciliation, run_id)
        if reused is not None:
            if isinstance(reused.metadata.get("figures"), str):
                reused.metadata["figures"] = dg.MetadataValue.md(reused.metadata["figures"])
            return reused
    outcome = check_reconciles(conn, view)
    record(conn, outcome, run_id)
    return outcome


def pending_rebuilds(conn: psycopg.Connection, view: ViewSpec) -> list[str]:
    """The rollups of `view` flagged for a full rebuild that no refresh has done yet."""
    if not view.rollups:
        return []
    return [r[0] for r in conn.execute(
        "SELECT rollup FROM sunshine.rollup_state WHERE rollup = ANY(%s) AND needs_rebuild "
        "ORDER BY rollup", [list(view.rollups)]).fetchall()]


def request_rollup_rebuild(conn: psycopg.Connection, view: ViewSpec, check: str,
                           reason: str) -> list[str]:
    """A view found wrong: the rollups it is built on (kept by triggers) no longer equal their
    base tables → flag them for a full rebuild (sunshine.rollup_state, with the reason) and
    log a REBUILD entry of each in sunshine.change_log, so the view is stale and the next
    refresh (source-change sensor or schedule) rebuilds them from the base tables, instead of
    every refresh failing the same check. Not again within REBUILD_BACKOFF of a rebuild the
    same check asked for (that one did not fix it: the rollup is not the culprit). Returns
    the rollups flagged."""
    with conn.transaction():
        flagged = [r[0] for r in conn.execute(sql_text("checks/request_rollup_rebuild.sql"), {
            "rollups": list(view.rollups), "reason": f"{check}: {reason}", "check": check,
            "writer": f"sunshine check {check}", "backoff": REBUILD_BACKOFF}).fetchall()]
    for rollup in flagged:
        log.warning("%s does not reconcile (%s): %s flagged for a rebuild from the base tables",
                    view.name, reason, rollup)
    return flagged


def reconciliation_spec(view: ViewSpec) -> dg.AssetCheckSpec:
    """The view's blocking reconciliation check, evaluated by the view's own asset."""
    return dg.AssetCheckSpec(
        view.reconciliation, asset=view.name, blocking=True,
        description=f"sql/checks/{view.reconciliation}.sql: the view's figures equal the same "
        "figures recomputed from its inputs. Blocking.")


ViewCheck = Callable[[psycopg.Connection, ViewSpec], Outcome]


def view_checks(view: ViewSpec) -> dict[str, tuple[ViewCheck, str]]:
    """{check name: (evaluate, description)} of the view's checks run after it materialized
    (none blocking; its reconciliation is `reconciliation_spec`)."""
    return {
        f"{view.name}_has_expected_row_count": (
            check_row_count, f"Row count is {_expected_rows(view)}."),
        f"{view.name}_row_count_is_steady": (
            check_row_count_steady, "Warns when the row count moved by more than "
            "SUNSHINE_ROW_COUNT_TOLERANCE since the previous refresh."),
        f"{view.name}_is_fresh": (
            check_fresh, "Current with its inputs: no input change has waited unread for "
            "longer than SUNSHINE_VIEW_SLA_HOURS (a view whose inputs did not change is fresh)."),
    }


def evaluate_view_checks(conn: psycopg.Connection, view: ViewSpec,
                         names: set[str] | None = None,
                         run_id: str | None = None) -> Iterator[Outcome]:
    """Evaluate (and record) the view's checks, its reconciliation of the live view last, or
    those named."""
    evaluations: dict[str, ViewCheck] = {
        **{name: evaluate for name, (evaluate, _) in view_checks(view).items()},
        view.reconciliation: check_reconciles}
    yield from recorded(conn, run_id, (
        evaluate(conn, view) for name, evaluate in evaluations.items()
        if names is None or name in names))


def build_view_checks(view: ViewSpec) -> dg.AssetChecksDefinition:
    """One op evaluating the view's non-blocking checks (`view_checks`)."""
    return check_op(view.name, {name: description
                                for name, (_, description) in view_checks(view).items()},
                    lambda conn, names, run: evaluate_view_checks(conn, view, names, run.run_id))


def build_all_view_checks() -> list[dg.AssetChecksDefinition]:
    """The check op of every view."""
    return [build_view_checks(v) for v in VIEWS]
