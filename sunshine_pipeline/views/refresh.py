"""Materializing one view: create it when missing, otherwise refresh it CONCURRENTLY, and only
when something it reads changed since its last refresh.

Staleness is decided inside PostgreSQL. Every write to a base table leaves a row in
`sunshine.change_log` in the writing transaction (statement triggers), and so does every
refresh that changed a view's rows. Each refresh records the snapshot it read; a view is
stale when a change_log entry of one of its inputs is not visible in that snapshot. A refresh
that changed nothing logs nothing, so the views below it stay fresh too.

A per-view advisory lock serialises refreshes of one view across processes; a second caller
waits, then finds the view fresh and skips.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

import psycopg
from psycopg import sql

from sunshine_pipeline.sqlfiles import sql_hash, sql_text
from sunshine_pipeline.views.catalog import ViewSpec


@dataclass
class RefreshResult:
    view: str
    mode: str  # created, concurrent, skipped
    row_count: int
    rows_changed: int
    size_bytes: int
    duration_s: float
    started_at: datetime
    finished_at: datetime
    source_watermark: int | None


def _lock_key(view: ViewSpec) -> str:
    return f"sunshine.view.{view.name}"


def view_exists(conn: psycopg.Connection, name: str) -> bool:
    return conn.execute(
        "SELECT EXISTS (SELECT FROM pg_matviews WHERE schemaname = current_schema() "
        "AND matviewname = %s)", [name]).fetchone()[0]


def last_refresh(conn: psycopg.Connection, name: str) -> tuple | None:
    """(source_snapshot, definition_hash, finished_at) of the view's latest refresh."""
    return conn.execute(
        "SELECT source_snapshot, definition_hash, finished_at FROM sunshine.view_refresh "
        "WHERE view_name = %s AND mode <> 'skipped' ORDER BY refresh_id DESC LIMIT 1",
        [name]).fetchone()


def is_stale(conn: psycopg.Connection, view: ViewSpec) -> bool:
    """True when the view is missing, never refreshed by us, or an input changed since."""
    if not view_exists(conn, view.name):
        return True
    last = last_refresh(conn, view.name)
    if last is None:
        return True
    return conn.execute(
        "SELECT EXISTS (SELECT FROM sunshine.change_log WHERE relation = ANY(%s) "
        "AND xid >= pg_snapshot_xmin(%s::pg_snapshot) "
        "AND NOT pg_visible_in_snapshot(xid, %s::pg_snapshot))",
        [list(view.deps), last[0], last[0]]).fetchone()[0]


def _create(conn: psycopg.Connection, view: ViewSpec) -> None:
    name = sql.Identifier(view.name)
    conn.execute(sql.SQL("CREATE MATERIALIZED VIEW {} AS {}").format(
        name, sql.SQL(sql_text(view.sql_file))))
    conn.execute(sql.SQL("CREATE UNIQUE INDEX {} ON {} ({})").format(
        sql.Identifier(f"{view.name}_key"), name,
        sql.SQL(", ").join(sql.Identifier(c) for c in view.unique_key)))
    for index in view.indexes:
        columns = sql.SQL(", ").join(
            sql.SQL("{} {}").format(sql.Identifier(col), sql.SQL(
                index.opclass if index.opclass else order))
            for col, order in index.columns)
        conn.execute(sql.SQL("CREATE INDEX {} ON {} USING {} ({})").format(
            sql.Identifier(f"{view.name}_{index.name}"), name, sql.SQL(index.method), columns))


def _rows_written(conn: psycopg.Connection, name: str) -> int:
    """Rows this transaction inserted, updated or deleted in the view (pg_stat_xact)."""
    row = conn.execute(
        "SELECT n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_xact_user_tables "
        "WHERE relid = to_regclass(%s)", [name]).fetchone()
    return int(row[0]) if row else 0


def materialize_view(conn: psycopg.Connection, view: ViewSpec, *, force: bool = False,
                     run_id: str | None = None) -> RefreshResult:
    """Create or refresh `view` in one transaction and log it in sunshine.view_refresh."""
    started, clock = datetime.now().astimezone(), time.perf_counter()
    name = sql.Identifier(view.name)
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [_lock_key(view)])
        snapshot, watermark = conn.execute(
            "SELECT pg_current_snapshot()::text, "
            "(SELECT max(change_id) FROM sunshine.change_log)").fetchone()
        if not view_exists(conn, view.name):
            _create(conn, view)
            mode = "created"
        elif force or is_stale(conn, view):
            conn.execute(sql.SQL("REFRESH MATERIALIZED VIEW CONCURRENTLY {}").format(name))
            mode = "concurrent"
        else:
            mode = "skipped"
        row_count, size = conn.execute(sql.SQL(
            "SELECT (SELECT count(*) FROM {}), pg_total_relation_size(%s::regclass)").format(
            name), [view.name]).fetchone()
        rows_changed = row_count if mode == "created" else (
            _rows_written(conn, view.name) if mode == "concurrent" else 0)
        if rows_changed:
            conn.execute(
                "INSERT INTO sunshine.change_log (relation, operation, row_count, writer) "
                "VALUES (%s, 'REFRESH', %s, %s)", [view.name, rows_changed, "sunshine refresh"])
        finished = datetime.now().astimezone()
        duration = time.perf_counter() - clock
        conn.execute(
            "INSERT INTO sunshine.view_refresh (view_name, started_at, finished_at, duration_s, "
            "mode, row_count, rows_changed, source_snapshot, source_watermark, definition_hash, "
            "run_id) VALUES (%s, %s, %s, %s, %s, %s, %s, %s::pg_snapshot, %s, %s, %s)",
            [view.name, started, finished, duration, mode, row_count, rows_changed, snapshot,
             watermark, sql_hash(view.sql_file), run_id])
    return RefreshResult(view.name, mode, row_count, rows_changed, size, duration, started,
                         finished, watermark)
