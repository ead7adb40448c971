"""`sunshine status`: one line per view, read from the warehouse alone (no Dagster storage),
so it can serve as a health check: a view that is missing, stale (an input changed since its
refresh), overdue (an input change has waited unread for longer than the SLA: the freshness
rule of views/freshness.py; a view whose inputs did not change is never overdue) or failing
(the latest run of one of its ERROR checks failed, per sunshine.check_result) makes it
unhealthy. Below the table: the landing batches whose latest import was rejected or failed
with no batch landed after it. A definition
that is not current yet (its SQL file changed; the next materialization swaps it in) is shown
but is not a failure. Above the table, the schema line: the latest migration the database
has and any still pending (the next import or refresh applies them, or `sunshine migrate`).
Nothing here writes: a pending migration is reported, not applied.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import psycopg

from sunshine_pipeline import migrations, settings
from sunshine_pipeline.resources import one
from sunshine_pipeline.sqlfiles import sql_hash, sql_text
from sunshine_pipeline.views.catalog import VIEWS
from sunshine_pipeline.views.freshness import is_late, stale_since
from sunshine_pipeline.views.refresh import is_stale, view_exists


@dataclass(frozen=True)
class ViewStatus:
    view: str
    exists: bool
    row_count: int | None
    size_bytes: int | None
    refreshed_at: datetime | None  # last real refresh (created, concurrent, swapped)
    verified_at: datetime | None  # last materialization of any mode
    stale: bool
    overdue: bool  # an input change waited unread longer than the SLA
    definition_current: bool
    failing_checks: tuple[str, ...] = ()
    waiting_since: datetime | None = None  # the oldest input change not read yet

    @property
    def state(self) -> str:
        if not self.exists:
            return "missing"
        if self.overdue:
            return "overdue"
        if self.stale:
            return "stale"
        if self.failing_checks:
            return "failing"
        return "fresh"

    @property
    def healthy(self) -> bool:
        return self.state == "fresh"


@dataclass(frozen=True)
class SchemaStatus:
    version: str | None  # the latest migration the database has; None: no schema yet
    applied: int
    pending: tuple[str, ...]

    def line(self) -> str:
        if self.version is None:
            return ("schema: not created yet (the first import or refresh creates it, or "
                    "`sunshine migrate`)")
        pending = ", ".join(self.pending) if self.pending else "none"
        line = f"schema: {self.version} ({self.applied} migrations); pending: {pending}"
        if self.pending:
            line += " (the next import or refresh applies them, or `sunshine migrate`)"
        return line


def schema_status(conn: psycopg.Connection) -> SchemaStatus:
    """Where the database's schema stands against this release's migrations (read-only).
    Raises migrations.SchemaConflict when the two do not match."""
    with conn.transaction():
        plan = migrations.plan(conn)
    return SchemaStatus(plan.version, len(plan.history), tuple(m.name for m in plan.pending))


def failing_blocking_checks(conn: psycopg.Connection, asset: str | None = None
                            ) -> list[tuple[str, str, str | None, str | None]]:
    """(asset, check, description, run_id) of each blocking check whose latest result failed,
    for `asset` or every asset."""
    if one(conn.execute("SELECT to_regclass('sunshine.check_result')")) is None:
        return []
    return conn.execute(sql_text("status/failing_blocking_checks.sql"),
                        {"asset": asset}).fetchall()


def failed_batches(conn: psycopg.Connection
                   ) -> list[tuple[int, str, str, str | None, datetime | None]]:
    """(batch id, path, outcome, error, finished at) of each import rejected or failed with
    no batch landed after it."""
    if one(conn.execute("SELECT to_regclass('sunshine.import_batch')")) is None:
        return []
    return conn.execute(sql_text("status/failed_batches.sql")).fetchall()


def format_failed_batches(rows: list[tuple[int, str, str, str | None, datetime | None]]
                          ) -> str:
    """One line per failed batch, its reason's first line; '' when there is none."""
    return "\n".join(
        f"batch {batch_id} {outcome}: {path}: {(error or 'no reason').splitlines()[0]}"
        for batch_id, path, outcome, error, _ in rows)


def view_status(conn: psycopg.Connection, sla: timedelta | None = None) -> list[ViewStatus]:
    """The state of every declared view, in dependency order."""
    sla = settings.view_sla() if sla is None else sla
    statuses = []
    for view in VIEWS:
        exists = view_exists(conn, view.name)
        last = conn.execute(
            "SELECT row_count, refreshed_at, verified_at, definition_hash, clock_timestamp() "
            "FROM sunshine.view_last_refresh WHERE view_name = %s", [view.name]).fetchone()
        size = one(conn.execute(
            "SELECT pg_total_relation_size(to_regclass(format('%%I', %s::text)))",
            [view.name])) if exists else None
        row_count, refreshed_at, verified_at, definition_hash, now = last or (
            None, None, None, None, None)
        since = stale_since(conn, view) if exists and last else None
        statuses.append(ViewStatus(
            view=view.name,
            exists=exists,
            row_count=row_count if exists else None,
            size_bytes=size,
            refreshed_at=refreshed_at,
            verified_at=verified_at,
            stale=exists and is_stale(conn, view),
            overdue=exists and (now is None or is_late(since, now, sla)),
            waiting_since=since,
            definition_current=definition_hash == sql_hash(view.sql_file),
            failing_checks=tuple(c for _, c, _, _ in failing_blocking_checks(conn, view.name)),
        ))
    return statuses


def _size(n: int | None) -> str:
    if n is None:
        return "-"
    size = float(n)
    for unit in ("B", "kB", "MB"):
        if size < 1024:
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"


def format_status(statuses: list[ViewStatus]) -> str:
    """A plain table: view, rows, size, refreshed at, state, definition, failing checks."""
    headers = ["view", "rows", "size", "refreshed at", "state", "definition", "failing checks"]
    rows = [[s.view, "-" if s.row_count is None else f"{s.row_count:,}", _size(s.size_bytes),
             s.refreshed_at.strftime("%Y-%m-%d %H:%M:%S %Z") if s.refreshed_at else "never",
             s.state, "current" if s.definition_current else "changed",
             ", ".join(s.failing_checks) or "-"] for s in statuses]
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
             for r in [headers, ["-" * w for w in widths], *rows]]
    return "\n".join(lines)


def status_exit_code(statuses: list[ViewStatus]) -> int:
    """0 when every view is healthy, else 1: `sunshine status` as a health check."""
    return 0 if all(s.healthy for s in statuses) else 1
