"""Materializing one view: create it when missing, swap in a new version when its definition
changed, otherwise refresh it (CONCURRENTLY, or rebuilt and swapped in for a view declared
`refresh="swap"`), and only when something it reads changed since its last refresh.

Every refresh that changes a view's rows validates them before it commits: the
reconciliation of each view it wrote (views/reconciliation.py) runs inside the refresh's
transaction, on the new rows, while readers keep the old ones. A mismatch raises
RefreshRefused and rolls everything back, the live views untouched; otherwise the passing
outcomes are written to sunshine.check_result in the same transaction, and reported as the
reconciliation checks' results (views/assets.py), so no reconciliation runs twice. (Each
statement of the refresh sees the latest commits, so a write committed to an input while it
runs can make a view and its reconciliation differ: that refresh is refused too, the view
stays stale, and the next refresh tries again; views/checks.py refused_outcomes tells the
two cases apart.)

Staleness is decided inside PostgreSQL. Every write to a base table leaves a row in
`sunshine.change_log` in the writing transaction (statement triggers), and so does every
refresh that changed a view's rows. Each refresh records the snapshot it read; a view is
stale when a change_log entry of one of its inputs is not visible in that snapshot
(sql/status/stale_since.sql, the one statement of that rule). A refresh that changed nothing
logs nothing, so the views below it stay fresh too. The rollups a view reads are brought up
to date first, in a transaction of their own: a rollup rebuilt from the base tables is right
whatever becomes of the view's refresh, and stays rebuilt when that refresh is refused.

A definition change (the SQL file's hash differs from the one recorded at the view's last
refresh) cannot go through REFRESH, and dropping the view would take the dashboard down and,
with CASCADE, silently remove the views built on it. Instead (and so is a view declared
`refresh="swap"` refreshed for new data), in one transaction:

1. the view and every view downstream of it are built in the schema `sunshine_next` under
   their own names, with their indexes, from their SQL files. That schema comes first in
   search_path while they are built, so a dependent's unchanged SQL (`FROM
   mv_committee_ie_summary`) reads the NEW upstream version: no text substitution in SQL,
   which could not tell a relation name from the same word in a string or a comment;
2. the reconciliation of every new version runs, still through that search_path; a mismatch
   aborts the whole transaction (RefreshRefused), and the live views are untouched;
3. the swap, readers first: every live view is locked (ACCESS EXCLUSIVE) in a savepoint
   where only the first lock may wait, briefly, and the others are tried without waiting, so
   the swap never holds one view's lock while it waits for a reader of another (the front
   card does not stall behind a slow reader of top_donors_mv). A view that is busy rolls the
   savepoint back, releasing every lock, and the swap tries again after a growing pause, that
   view first, for up to SWAP_WAIT_S: a 30 s report or a pg_dump delays it, never fails it.
   With the locks held, the live views are dropped in reverse dependency order without
   CASCADE (a dependent that is not ours makes the drop fail and the transaction roll back),
   and the new ones moved into the live schema with `SET SCHEMA`, indexes included, and given
   their live versions' owner and grants, whoever runs the swap: a role that cannot act as
   that owner (a member of its role, or a superuser) is refused before anything is built.

A swap writes no change_log entry: every view that reads a swapped view is rebuilt from it in
the same transaction and records the same snapshot.

When a refresh that changed rows commits (a view created, refreshed with changes, or swapped
with the views below it), the site hears of it: a NOTIFY on NOTIFY_CHANNEL, sent in the same
transaction (so only on commit), whose payload is {"views": [...], "refreshed_at": ISO 8601}.
A skipped view, or a refresh that changed no row, sends nothing.

A per-view advisory lock serialises work on one view across processes; a second caller
waits, then finds the view fresh and skips. A swap also takes the locks of the views it
rebuilds, in dependency order, so two swaps cannot deadlock.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import psycopg
from psycopg import sql

from sunshine_pipeline.check_results import Outcome, record
from sunshine_pipeline.resources import one
from sunshine_pipeline.sqlfiles import sql_hash, sql_text
from sunshine_pipeline.views.catalog import ViewSpec, downstream_views
from sunshine_pipeline.views.reconciliation import Reconciled, reconcile

log = logging.getLogger(__name__)

SWAP_SCHEMA = "sunshine_next"
# Settings for building a view (transaction-local, for the build only): memory for its indexes
# (the trigram index of top_donors_mv above all; one build at a time, well within a 2 GB
# server), and a serial scan from the first page, so the view keeps the physical row order of
# what it reads. They are put back when the build ends: the reconciliation that follows in
# the same transaction scans Transactions with the server's own settings (in parallel where
# the server has the cores; twice as fast on two).
BUILD_SETTINGS = {
    "maintenance_work_mem": "256MB",
    "max_parallel_workers_per_gather": "0",
    "synchronize_seqscans": "off",
}
# A rebuilt view whose row count moved by at most this share keeps its previous version's
# column statistics; past it, it is analyzed.
STATISTICS_REUSE_DRIFT = 0.1
# adopt.py's lock waits for its one-time replacement of the old system's views.
SWAP_LOCK_TIMEOUT = "1s"
SWAP_ATTEMPTS = 10
# The swap's locks (_swap_in): the first lock of an attempt waits at most SWAP_LOCK_WAIT
# (readers of that view queue behind it that long), every further one SWAP_LOCK_TRY, so
# readers of one view never wait for a slow reader of another; between attempts a pause of
# SWAP_RETRY_MIN_S doubling to SWAP_RETRY_MAX_S; the swap gives up after SWAP_WAIT_S.
SWAP_LOCK_WAIT = "100ms"
SWAP_LOCK_TRY = "1ms"
SWAP_RETRY_MIN_S = 0.05
SWAP_RETRY_MAX_S = 1.0
SWAP_WAIT_S = 900.0

# The channel the site LISTENs on to learn that views changed (README, "The site learns of a
# refresh").
NOTIFY_CHANNEL = "sunshine_views"



class RefreshRefused(Exception):
    """The new rows of a view (or of the views rebuilt with it) did not reconcile; the refresh
    was rolled back and the live views were left as they were. `failed`: the reconciliations
    that found differences, with their figures; `view` and `snapshot`: the view refreshed and
    the snapshot its refresh started from (a write committed to an input after it, while the
    refresh ran, can make a view and its reconciliation differ: each statement of the
    refresh sees the latest commits)."""

    def __init__(self, refused: str, failed: Sequence[Reconciled], view: ViewSpec,
                 snapshot: str) -> None:
        super().__init__(refused + ": " + "; ".join(
            f"{r.check}: {m}" for r in failed for m in r.mismatches))
        self.failed = tuple(failed)
        self.view = view
        self.snapshot = snapshot


class SwapNotPermitted(Exception):
    """The role running the swap cannot give the new views their live versions' owner; nothing
    was changed."""


class SwapTimedOut(Exception):
    """A reader held a live view for longer than SWAP_WAIT_S; the live views are unchanged."""


@dataclass
class RefreshResult:
    view: str
    mode: str  # created, concurrent, swapped or skipped
    row_count: int
    rows_changed: int
    size_bytes: int
    duration_s: float
    started_at: datetime
    finished_at: datetime
    source_watermark: int | None
    definition_hash: str = ""
    # For a swap: every view rebuilt with this one (its dependents), in order.
    swapped_views: tuple[str, ...] = ()
    # The passing reconciliation of every view this refresh wrote, by view (recorded in
    # sunshine.check_result in the refresh's transaction); empty for a skipped view.
    reconciled: dict[str, Outcome] = field(default_factory=dict)


def _notify(conn: psycopg.Connection, views: Sequence[str], refreshed_at: datetime) -> None:
    """Tell LISTENers, at commit, that `views` changed."""
    conn.execute("SELECT pg_notify(%s, %s)", [NOTIFY_CHANNEL, json.dumps(
        {"views": list(views), "refreshed_at": refreshed_at.isoformat()})])


def _lock(conn: psycopg.Connection, view: ViewSpec) -> None:
    conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"sunshine.view.{view.name}"])


def view_exists(conn: psycopg.Connection, name: str) -> bool:
    exists = one(conn.execute(
        "SELECT EXISTS (SELECT FROM pg_matviews WHERE schemaname = current_schema() "
        "AND matviewname = %s)", [name]))
    return bool(exists)


def last_refresh(conn: psycopg.Connection, name: str) -> tuple | None:
    """(source_snapshot, definition_hash, finished_at) of the view's latest refresh."""
    return conn.execute(
        "SELECT source_snapshot, definition_hash, finished_at FROM sunshine.view_refresh "
        "WHERE view_name = %s AND mode <> 'skipped' ORDER BY refresh_id DESC LIMIT 1",
        [name]).fetchone()


def changed_since(conn: psycopg.Connection, view: ViewSpec, snapshot: str) -> datetime | None:
    """When the oldest change of an input of `view` (`ViewSpec.inputs`) that `snapshot` did
    not see was written; None when it saw every one (sql/status/stale_since.sql)."""
    since = one(conn.execute(sql_text("status/stale_since.sql"), {
        "inputs": list(view.inputs), "snapshot": snapshot}))
    return since


def stale_since(conn: psycopg.Connection, view: ViewSpec) -> datetime | None:
    """When the oldest input change that the view's latest refresh did not read was written;
    None when it is current with its inputs (or was never refreshed by us: see is_stale)."""
    last = last_refresh(conn, view.name)
    return None if last is None else changed_since(conn, view, last[0])


def is_stale(conn: psycopg.Connection, view: ViewSpec) -> bool:
    """True when the view is missing, never refreshed by us, or an input changed since (a
    rollup it reads counts as an input: a REBUILD entry of it in the change log, written when
    its reconciliation found it wrong, makes the view stale)."""
    if not view_exists(conn, view.name):
        return True
    last = last_refresh(conn, view.name)
    return last is None or changed_since(conn, view, last[0]) is not None


def definition_current(conn: psycopg.Connection, view: ViewSpec) -> bool:
    """True when the view's last refresh used the SQL file as it is now. A view we have no
    record of (created by hand or by the old system) counts as changed, so it is swapped."""
    last = last_refresh(conn, view.name)
    return last is not None and last[1] == sql_hash(view.sql_file)


def view_columns(conn: psycopg.Connection, name: str) -> list[tuple[str, str]]:
    """(column, SQL type) of a live view, in order: the view's column schema."""
    return conn.execute(
        "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute AS a "
        "WHERE a.attrelid = to_regclass(format('%%I.%%I', current_schema(), %s::text)) "
        "AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum", [name]).fetchall()


def _live_schema(conn: psycopg.Connection) -> str:
    schema = one(conn.execute("SELECT current_schema()"))
    return str(schema)


def _prepare_rollups(conn: psycopg.Connection, view: ViewSpec) -> None:
    """Bring the rollup tables the view reads up to date: a full rebuild when flagged (by its
    first build, a large change, or a failed reconciliation), logged with the reason it was
    flagged for; otherwise the triggers kept it current and nothing is done (not even the
    rebuild function's row lock, which a role that only reads need not be able to take)."""
    for rollup in view.rollups:
        flagged = conn.execute("SELECT rebuild_reason FROM sunshine.rollup_state "
                               "WHERE rollup = %s AND needs_rebuild", [rollup]).fetchone()
        if flagged is None:
            continue
        rebuilt = conn.execute(sql.SQL("SELECT {}()").format(
            sql.Identifier("sunshine", f"refresh_{rollup}"))).fetchone()
        if rebuilt and rebuilt[0]:
            log.info("rebuilt %s from the base tables for %s (flagged: %s)", rollup, view.name,
                     flagged[0] or "first build")


def _validate(conn: psycopg.Connection, views: Sequence[ViewSpec], run_id: str | None,
              refused: str, snapshot: str) -> dict[str, Outcome]:
    """Reconcile the rows just written to `views` (as this transaction sees them; the first is
    the view refreshed, from `snapshot`) and record the passing outcomes in it;
    RefreshRefused (`refused` says what was not done) when any figure differs, before
    anything is recorded."""
    reconciled = [reconcile(conn, v) for v in views]
    failed = [r for r in reconciled if r.mismatches]
    if failed:
        raise RefreshRefused(refused, failed, views[0], snapshot)
    outcomes = {r.view: r.passed() for r in reconciled}
    for outcome in outcomes.values():
        record(conn, outcome, run_id)
    return outcomes


def _build(conn: psycopg.Connection, view: ViewSpec, schema: str,
           statistics_from: str | None = None) -> int:
    """CREATE the materialized view in `schema` with its unique and read indexes, and give it
    statistics; returns its row count.

    The SELECT runs serially and without synchronized scans, so rows come out in the physical
    order of what it reads (top_donors_mv keeps the name order of its rollup). With
    `statistics_from` (the schema of the previous version of the same definition) and a row
    count within STATISTICS_REUSE_DRIFT of it, the previous version's column statistics are
    copied (PostgreSQL 18's pg_restore_attribute_stats, milliseconds) instead of ANALYZE
    (seconds at a statistics target of 1000); autovacuum re-analyzes the new relation soon
    after, off the refresh path."""
    previous = {setting: one(conn.execute("SELECT current_setting(%s)", [setting]))
                for setting in BUILD_SETTINGS}
    _set_local(conn, BUILD_SETTINGS)
    rows = _create(conn, view, schema, statistics_from)
    _set_local(conn, previous)  # a build that fails rolls back, its settings with it
    return rows


def _set_local(conn: psycopg.Connection, settings: dict[str, str]) -> None:
    for setting, value in settings.items():
        conn.execute("SELECT set_config(%s, %s, true)", [setting, value])


def _create(conn: psycopg.Connection, view: ViewSpec, schema: str,
            statistics_from: str | None) -> int:
    name = sql.Identifier(schema, view.name)
    rows = conn.execute(sql.SQL("CREATE MATERIALIZED VIEW {} AS {}").format(
        name, sql.SQL(sql_text(view.sql_file)))).rowcount
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
    for column, target in view.statistics:
        conn.execute(sql.SQL("ALTER MATERIALIZED VIEW {} ALTER COLUMN {} SET STATISTICS {}").format(
            name, sql.Identifier(column), sql.Literal(target)))
    copied = statistics_from is not None and conn.execute(
        "SELECT sunshine.copy_statistics(%s, %s, %s, %s, %s)",
        [statistics_from, schema, view.name, rows, STATISTICS_REUSE_DRIFT]).fetchall() == [
            (True,)]
    if not copied:
        conn.execute(sql.SQL("ANALYZE {}").format(name))
    return rows


def _count_and_size(conn: psycopg.Connection, schema: str, name: str,
                    rows: int | None = None) -> tuple[int, int]:
    """(rows, bytes with indexes) of a view; `rows` when the caller already knows them."""
    ident = sql.Identifier(schema, name)
    count = sql.SQL("SELECT count(*) FROM {}").format(ident) if rows is None else sql.Literal(
        rows)
    [(count_, size)] = conn.execute(sql.SQL(
        "SELECT ({}), pg_total_relation_size(%s::regclass)").format(count),
        [ident.as_string(conn)]).fetchall()
    return int(count_), int(size)


def _rows_written(conn: psycopg.Connection, name: str) -> int:
    """Rows inserted, updated or deleted in the view by this backend and not yet reported to
    the statistics system (pg_stat_xact). Since PostgreSQL 15 that includes earlier
    transactions of the session (counts are flushed about once a second when idle), so a
    refresh measures the difference before/after, inside one transaction."""
    row = conn.execute(
        "SELECT n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_xact_user_tables "
        "WHERE relid = to_regclass(%s)", [name]).fetchone()
    return int(row[0]) if row else 0


def _log(conn: psycopg.Connection, result: RefreshResult, snapshot: str, run_id: str | None,
         swapped_for: str | None = None) -> None:
    conn.execute(
        "INSERT INTO sunshine.view_refresh (view_name, started_at, finished_at, duration_s, "
        "mode, row_count, rows_changed, source_snapshot, source_watermark, definition_hash, "
        "run_id, swapped_for) VALUES (%s, %s, %s, %s, %s, %s, %s, %s::pg_snapshot, %s, %s, %s, "
        "%s)",
        [result.view, result.started_at, result.finished_at, result.duration_s, result.mode,
         result.row_count, result.rows_changed, snapshot, result.source_watermark,
         result.definition_hash, run_id, swapped_for])


def materialize_view(conn: psycopg.Connection, view: ViewSpec, *, force: bool = False,
                     run_id: str | None = None) -> RefreshResult:
    """Create, swap or refresh `view` in one transaction, validated by the reconciliation of
    every view it writes (RefreshRefused, rolled back, when one differs), and log it in
    sunshine.view_refresh. The rollups of the view and of the views a swap would rebuild
    with it are brought up to date first, in a transaction of their own."""
    started, clock = datetime.now().astimezone(), time.perf_counter()
    with conn.transaction():
        _lock(conn, view)
        for rebuilt in (view, *downstream_views({view.name})):
            _prepare_rollups(conn, rebuilt)
    with conn.transaction():
        _lock(conn, view)
        [(snapshot, watermark)] = conn.execute(
            "SELECT pg_current_snapshot()::text, "
            "(SELECT max(change_id) FROM sunshine.change_log)").fetchall()
        exists = view_exists(conn, view.name)
        if exists and not definition_current(conn, view):
            return _swap(conn, view, snapshot=snapshot, watermark=watermark, started=started,
                         clock=clock, run_id=run_id,
                         refused=f"the new definition of {view.name} was not swapped in")
        schema, written_before = _live_schema(conn), 0
        known_rows = None
        reconciled: dict[str, Outcome] = {}
        if not exists:
            known_rows = _build(conn, view, schema)
            mode = "created"
            reconciled = _validate(conn, [view], run_id, f"{view.name} was not created",
                                   snapshot)
        elif view.refresh == "swap" and (force or is_stale(conn, view)):
            return _swap(conn, view, snapshot=snapshot, watermark=watermark, started=started,
                         clock=clock, run_id=run_id,
                         refused=f"the new rows of {view.name} were not swapped in")
        elif force or is_stale(conn, view):
            written_before = _rows_written(conn, view.name)
            conn.execute(sql.SQL("REFRESH MATERIALIZED VIEW CONCURRENTLY {}").format(
                sql.Identifier(schema, view.name)))
            mode = "concurrent"
            reconciled = _validate(conn, [view], run_id,
                                   f"{view.name} was not refreshed (its live rows are unchanged)",
                                   snapshot)
        else:
            mode = "skipped"
        row_count, size = _count_and_size(conn, schema, view.name, known_rows)
        rows_changed = row_count if mode == "created" else (
            _rows_written(conn, view.name) - written_before if mode == "concurrent" else 0)
        if rows_changed:
            conn.execute(
                "INSERT INTO sunshine.change_log (relation, operation, row_count, writer) "
                "VALUES (%s, 'REFRESH', %s, %s)", [view.name, rows_changed, "sunshine refresh"])
        result = RefreshResult(view.name, mode, row_count, rows_changed, size,
                               time.perf_counter() - clock, started,
                               datetime.now().astimezone(), watermark, sql_hash(view.sql_file),
                               reconciled=reconciled)
        _log(conn, result, snapshot, run_id)
        if rows_changed:
            _notify(conn, [view.name], result.finished_at)
    return result


_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER",
               "MAINTAIN")


def _privileges(conn: psycopg.Connection, schema: str, name: str) -> list[tuple]:
    """(privilege, to PUBLIC, grantee, grantable) of what roles other than the owner may do on
    the live view `schema.name`."""
    return conn.execute(
        "SELECT a.privilege_type, a.grantee = 0, pg_get_userbyid(a.grantee), a.is_grantable "
        "FROM pg_class AS c CROSS JOIN LATERAL aclexplode(c.relacl) AS a "
        "WHERE c.oid = to_regclass(format('%%I.%%I', %s::text, %s::text)) "
        "AND a.grantee <> c.relowner", [schema, name]).fetchall()


def _grant(conn: psycopg.Connection, privileges: list[tuple], target: sql.Identifier) -> None:
    """Grant on `target` the live view's `privileges` (see _privileges), so the dashboard's
    role keeps reading the view after the swap."""
    for privilege, public, role, grantable in privileges:
        if privilege in _PRIVILEGES:
            conn.execute(sql.SQL("GRANT {} ON {} TO {}{}").format(
                sql.SQL(privilege), target,
                sql.SQL("PUBLIC") if public else sql.Identifier(role),
                sql.SQL(" WITH GRANT OPTION") if grantable else sql.SQL("")))


def _live_owners(conn: psycopg.Connection, live: str,
                 views: Sequence[ViewSpec]) -> dict[str, str | None]:
    """{view: owner of its live version, None when it has none}, once it is known that the
    role running the swap can give each new version that owner: it acts as the owner (a
    member of the owner's role, or a superuser), and the owner may create in the live
    schema. Raises SwapNotPermitted, before anything is built, when it cannot."""
    owners: dict[str, str | None] = {}
    problems = []
    for view in views:
        row = conn.execute(sql_text("meta/swap_owner.sql"), {
            "schema": live, "name": view.name,
            "set_option": "SET" if conn.info.server_version >= 160000 else "MEMBER",
        }).fetchone()
        if row is None:
            owners[view.name] = None
            continue
        owner, runner, acts_as_owner, owner_may_create = row
        owners[view.name] = owner
        if not acts_as_owner:
            problems.append(f"{view.name} is owned by {owner}, and {runner} cannot act as "
                            f"that role (GRANT {owner} TO {runner}, or refresh as {owner})")
        elif not owner_may_create:
            problems.append(f"{view.name} is owned by {owner}, which may not create in "
                            f"schema {live}")
    if problems:
        raise SwapNotPermitted("the swap would change the owner of the live views, so "
                               "nothing was changed: " + "; ".join(problems))
    return owners


class _ViewBusy(Exception):
    """A reader holds a live view whose lock the swap needs."""

    def __init__(self, view: str) -> None:
        super().__init__(view)
        self.view = view


def _swapped_out(name: str) -> str:
    return f"{name}__swapped_out"


def _take_locks(conn: psycopg.Connection, live: str, views: Sequence[ViewSpec],
                first: str | None) -> None:
    """ACCESS EXCLUSIVE on the live version of each of `views`, the one named `first` (the
    view a reader kept the last attempt from) first. Only that first lock waits (at most
    SWAP_LOCK_WAIT), while the swap holds no other; each further one is tried with
    SWAP_LOCK_TRY, so the swap never keeps the readers of one view waiting while it waits for
    a reader of another. A materialized view cannot be LOCKed: ALTER ... RENAME takes the
    lock, and the caller drops the renamed versions in the same savepoint. Raises _ViewBusy
    naming the view whose lock was not available."""
    order = sorted(views, key=lambda v: v.name != first)
    for i, view in enumerate(order):
        conn.execute("SELECT set_config('lock_timeout', %s, true)",
                     [SWAP_LOCK_WAIT if i == 0 else SWAP_LOCK_TRY])
        try:
            conn.execute(sql.SQL(
                "/* sunshine swap: take the live view's lock */ "
                "ALTER MATERIALIZED VIEW IF EXISTS {} RENAME TO {}").format(
                sql.Identifier(live, view.name), sql.Identifier(_swapped_out(view.name))))
        except psycopg.errors.LockNotAvailable as exc:
            raise _ViewBusy(view.name) from exc


def _swap_in(conn: psycopg.Connection, live: str, views: Sequence[ViewSpec],
             owners: dict[str, str | None], privileges: dict[str, list[tuple]]) -> None:
    """Replace the live versions of `views` by the new ones built in SWAP_SCHEMA, readers
    first: each attempt takes every lock (_take_locks) in a savepoint; when a reader holds
    one, the savepoint is rolled back (releasing every lock taken), and after a pause growing
    from SWAP_RETRY_MIN_S to SWAP_RETRY_MAX_S the swap tries again, that view first, until
    SWAP_WAIT_S have passed. A slow reader (a report, pg_dump) delays the swap, never stalls
    the readers of the other views, and fails it only after SWAP_WAIT_S. With every lock
    held, the old versions are dropped (without CASCADE) and the new ones moved in and given
    the old versions' owners and grants."""
    lock_timeout = one(conn.execute("SELECT current_setting('lock_timeout')"))
    deadline = time.monotonic() + SWAP_WAIT_S
    blocked, pause = None, SWAP_RETRY_MIN_S
    while True:
        try:
            with conn.transaction():
                _take_locks(conn, live, views, blocked)
                conn.execute("SELECT set_config('lock_timeout', %s, true)", [lock_timeout])
                for view in reversed(views):
                    conn.execute(sql.SQL("DROP MATERIALIZED VIEW IF EXISTS {}").format(
                        sql.Identifier(live, _swapped_out(view.name))))
                for view in views:
                    new = sql.Identifier(live, view.name)
                    conn.execute(sql.SQL("ALTER MATERIALIZED VIEW {} SET SCHEMA {}").format(
                        sql.Identifier(SWAP_SCHEMA, view.name), sql.Identifier(live)))
                    owner = owners.get(view.name)
                    if owner is not None:
                        conn.execute(sql.SQL("ALTER MATERIALIZED VIEW {} OWNER TO {}").format(
                            new, sql.Identifier(owner)))
                    _grant(conn, privileges.get(view.name, []), new)
            return
        except _ViewBusy as busy:
            if time.monotonic() + pause > deadline:
                raise SwapTimedOut(
                    f"{busy.view} was in use for more than {SWAP_WAIT_S:g} s (a long report or "
                    "pg_dump?); the swap was rolled back and the live views are unchanged"
                ) from busy.__cause__
            blocked = busy.view
            time.sleep(pause)
            pause = min(pause * 2, SWAP_RETRY_MAX_S)


def _swap(conn: psycopg.Connection, root: ViewSpec, *, snapshot: str, watermark: int | None,
          started: datetime, clock: float, run_id: str | None, refused: str) -> RefreshResult:
    """Rebuild `root` and its downstream views beside the live ones, reconcile every new
    version (RefreshRefused, saying `refused`, when one differs) and swap them in. A view
    rebuilt from the definition it was last refreshed with keeps its live version's
    statistics; one whose SQL changed is analyzed. Each keeps its live version's owner and
    grants, whoever runs the swap (SwapNotPermitted, before anything is built, when the
    runner cannot give it that owner)."""
    views = [root, *downstream_views({root.name})]
    for view in views[1:]:
        _lock(conn, view)
    live = _live_schema(conn)
    owners = _live_owners(conn, live, views)
    search_path = one(conn.execute("SELECT current_setting('search_path')"))
    conn.execute("SELECT set_config('search_path', %s, true)",
                 [f"{sql.Identifier(SWAP_SCHEMA).as_string(conn)}, {search_path}"])
    rows = {v.name: _build(conn, v, SWAP_SCHEMA,
                           live if definition_current(conn, v) else None) for v in views}
    reconciled = _validate(conn, views, run_id, refused, snapshot)
    counts = {v.name: _count_and_size(conn, SWAP_SCHEMA, v.name, rows[v.name]) for v in views}
    privileges = {v.name: _privileges(conn, live, v.name) for v in views}
    _swap_in(conn, live, views, owners, privileges)
    conn.execute("SELECT set_config('search_path', %s, true)", [search_path])
    finished = datetime.now().astimezone()
    duration = time.perf_counter() - clock
    results = []
    for view in views:
        row_count, size = counts[view.name]
        result = RefreshResult(view.name, "swapped", row_count, row_count, size, duration,
                               started, finished, watermark, sql_hash(view.sql_file),
                               tuple(v.name for v in views[1:]) if view is root else (),
                               reconciled=reconciled)
        _log(conn, result, snapshot, run_id, swapped_for=root.name)
        results.append(result)
    _notify(conn, [v.name for v in views], finished)
    return results[0]
