"""Check outcomes and where they are kept: an `Outcome` (one evaluation, independent of
Dagster: `sunshine status`, the alerts and the tests read it too) → sunshine.check_result.

Every evaluation is written there, so `sunshine status` and the dashboard see failing checks
without Dagster's storage, a check can read its previous figure (and the incremental source
checks their last full evaluation), and a view rebuilt in another view's swap reports the
outcome its reconciliation had in that swap's transaction instead of evaluating it again.
`check_op` is the multi-asset check op of one asset's checks (a view's, a base table's).

(No `from __future__ import annotations` here: Dagster reads the check op's `context`
annotation at definition time.)
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import dagster as dg
import psycopg
from psycopg.types.json import Jsonb

from sunshine_pipeline.resources import WarehouseResource

ERROR, WARN = dg.AssetCheckSeverity.ERROR, dg.AssetCheckSeverity.WARN


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


def has_check_results(conn: psycopg.Connection) -> bool:
    """The schema has sunshine.check_result (before the first migration it has not)."""
    row = conn.execute("SELECT to_regclass('sunshine.check_result')").fetchone()
    return row is not None and row[0] is not None


def record(conn: psycopg.Connection, outcome: Outcome, run_id: str | None = None) -> None:
    """Outcome → sunshine.check_result (skipped until the schema has the table)."""
    if not has_check_results(conn):
        return
    conn.execute(
        "INSERT INTO sunshine.check_result (asset, check_name, passed, severity, description, "
        "metadata, run_id) VALUES (%s, %s, %s, %s, %s, %s, %s)",
        [outcome.asset, outcome.check, outcome.passed, outcome.severity.value,
         outcome.description, Jsonb({k: _json(v) for k, v in outcome.metadata.items()}),
         run_id])


def recorded(conn: psycopg.Connection, run_id: str | None,
             outcomes: Iterator[Outcome]) -> Iterator[Outcome]:
    """Each outcome as it is evaluated, once written to sunshine.check_result (committed)."""
    for outcome in outcomes:
        record(conn, outcome, run_id)
        conn.commit()
        yield outcome


def recorded_in_run(conn: psycopg.Connection, asset: str, check: str,
                    run_id: str) -> Outcome | None:
    """The latest outcome of `check` on `asset` recorded by the run `run_id`, if any."""
    row = conn.execute(
        "SELECT passed, severity, coalesce(description, ''), metadata "
        "FROM sunshine.check_result WHERE asset = %s AND check_name = %s AND run_id = %s "
        "ORDER BY check_result_id DESC LIMIT 1", [asset, check, run_id]).fetchone()
    if row is None:
        return None
    passed, severity, description, metadata = row
    return Outcome(asset, check, passed, dg.AssetCheckSeverity(severity), description,
                   metadata)


# Evaluates (and records) the checks of one asset named in the set, for the run.
Evaluation = Callable[[psycopg.Connection, set[str], dg.DagsterRun], Iterator[Outcome]]


def check_op(asset: str, descriptions: dict[str, str],
             evaluate: Evaluation) -> dg.AssetChecksDefinition:
    """One op, `<asset>_checks`, for the checks of `asset` ({name: description}, none
    blocking), so a run opens one connection per asset; `evaluate` yields the outcomes of
    the checks selected in the run."""
    specs = [dg.AssetCheckSpec(name, asset=asset, description=description)
             for name, description in descriptions.items()]

    @dg.multi_asset_check(specs=specs, name=f"{asset}_checks", can_subset=True)
    def _checks(context: dg.AssetCheckExecutionContext,
                warehouse: WarehouseResource) -> Iterator[dg.AssetCheckResult]:
        names = {key.name for key in context.selected_asset_check_keys}
        with warehouse.connection() as conn:
            for outcome in evaluate(conn, names, context.run):
                yield outcome.result()

    return _checks
