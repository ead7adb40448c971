"""Adopting the live database: the site's production database as it stands (its tables, made by
its Django migrations and full of data, tables the site keeps for itself beside them, and the
old system's nine materialized views) → the same database run by the pipeline, without the
dashboard going dark and without changing a row of the site's tables.

Why a step of its own: the pipeline was built on databases it creates itself. A database the
site already runs can differ from what the importer writes (a column missing, another type, a
key the import relies on gone), its old views block the widenings of the site's columns, and
anything the site built on those views would make their replacement fail. Each of those must
be found before anything changes, reported by table and column, not discovered halfway.

1. `check` (read-only, in a READ ONLY transaction): the site's tables against the import
   catalog (imports/catalog.py: SOURCES' columns, types, keys and site-owned columns;
   WIDENINGS), the one statement of what the pipeline writes, plus the nine views and the
   database itself. Every finding names its table and column; a blocking one stops the real
   run, a note says what the run will do (widen a column, replace an old view by swap).
2. `adopt(dry_run=False)`: refuses on a blocking finding (AdoptionRefused, nothing changed);
   else brings the pipeline's schema and triggers in (schema.migrate; the widening an old view
   blocks stays pending), materializes the views in VIEWS order with materialize_view (an old
   view, having no refresh record, is rebuilt beside the live one with every view below it,
   validated by the reconciliation checks and swapped in one short transaction, never
   DROP ... CASCADE; the donor rollup starts flagged, so it is rebuilt from the rows already
   there), then applies the pending widenings (schema.migrate again, which calls
   schema.apply_widenings) and records the schema version. Both migrate steps are atomic and
   run with a short lock_timeout, retried: a trigger or a widening waits a moment for the
   site's own users of a table instead of queueing the site's next readers behind it. A
   widening of a character varying is a catalog change (no rewrite, no index rebuild).

A second run finds everything current and writes nothing. The same step runs on the first
`ensure_schema` against such a database (schema.py), so an import or a refresh started
before anyone ran `sunshine adopt` adopts the database rather than working around it.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from sunshine_pipeline.imports.catalog import (
    AMOUNT,
    BOOL,
    DATE,
    INT,
    SITE_TABLES,
    SOURCES,
    TEXT,
    TIMESTAMP,
    WIDENINGS,
    Column,
    SourceFile,
    Widening,
    varchar_length,
)
from sunshine_pipeline.resources import one
from sunshine_pipeline.schema import (
    live_definition,
    migrate,
    missing_site_tables,
    pending_widenings,
    site_table_file,
    widening_pending,
    widening_target,
)
from sunshine_pipeline.sqlfiles import sql_hash, sql_text
from sunshine_pipeline.views.catalog import VIEWS, VIEWS_BY_NAME, ViewSpec, downstream_views
from sunshine_pipeline.views.refresh import (
    SWAP_ATTEMPTS,
    SWAP_LOCK_TIMEOUT,
    SWAP_SCHEMA,
    is_stale,
    last_refresh,
    materialize_view,
)

log = logging.getLogger(__name__)
T = TypeVar("T")

DATABASE = "(database)"  # the `table` of a finding about the database itself
_ADOPTION_LOCK = 7_246_551_002  # advisory lock id: one adoption at a time

# The live base types (pg_type.typname) the importer's values can be written to, per catalog
# type, and what the importer writes, in words.
_WRITABLE: dict[str, tuple[frozenset[str], str]] = {
    TEXT: (frozenset({"text", "varchar", "bpchar", "citext"}), "text"),
    INT: (frozenset({"int4", "int8"}), "integers"),
    AMOUNT: (frozenset({"numeric"}), "amounts as numeric(12,2)"),
    DATE: (frozenset({"date"}), "dates"),
    TIMESTAMP: (frozenset({"timestamptz"}), "times with their time zone"),
    BOOL: (frozenset({"bool"}), "booleans"),
}
_AMOUNT_DIGITS, _AMOUNT_SCALE = 10, 2  # numeric(12,2): ten digits before the point, two after
_KINDS = {"r": "table", "p": "partitioned table", "v": "view", "m": "materialized view",
          "f": "foreign table", "S": "sequence", "i": "index", "c": "composite type"}


@dataclass(frozen=True)
class Incompatibility:
    """One finding of `check`: where (table, column or None for the whole table) and what.
    A blocking one stops the real run; the others say what the run will do."""

    table: str
    column: str | None
    problem: str
    blocking: bool = True

    @property
    def where(self) -> str:
        return self.table if self.column is None else f"{self.table}.{self.column}"

    def __str__(self) -> str:
        return f"{self.where}: {self.problem}"


@dataclass(frozen=True)
class ViewOutcome:
    """What adoption did to one of the nine: `before` is missing, old (the old system's: no
    refresh record), changed (a refresh record of another definition) or current; `mode` is
    materialize_view's (created, swapped, concurrent, skipped) or 'unchanged' (current and
    fresh: not touched)."""

    view: str
    before: str
    mode: str
    row_count: int | None
    swapped_with: str | None = None


@dataclass(frozen=True)
class WideningOutcome:
    """A widening adoption applied (or left pending: a view it does not own depends on the
    column), and how many existing rows held a value the site's definition could not."""

    table: str
    column: str
    before: str
    after: str
    rows_needing: int
    applied: bool


@dataclass
class AdoptionReport:
    """What `adopt` found (every finding, blocking or not) and, for a real run, what it did."""

    dry_run: bool
    findings: list[Incompatibility]
    views: list[ViewOutcome] = field(default_factory=list)
    widenings: list[WideningOutcome] = field(default_factory=list)
    schema_changed: bool = False
    duration_s: float = 0.0

    @property
    def blocking(self) -> list[Incompatibility]:
        return [f for f in self.findings if f.blocking]

    @property
    def replaced(self) -> list[str]:
        """The views that existed before and were replaced by the pipeline's definition."""
        return [v.view for v in self.views if v.before in ("old", "changed")
                and v.mode == "swapped"]

    @property
    def changed_anything(self) -> bool:
        return self.schema_changed or bool(self.widenings) or any(
            v.mode != "unchanged" for v in self.views)


class AdoptionRefused(Exception):
    """The database has blocking incompatibilities; nothing was changed."""

    def __init__(self, incompatibilities: list[Incompatibility],
                 findings: list[Incompatibility] | None = None):
        self.incompatibilities = incompatibilities
        self.findings = findings if findings is not None else incompatibilities
        super().__init__(
            f"adoption refused, nothing changed: {len(incompatibilities)} blocking "
            "incompatibilit" + ("y" if len(incompatibilities) == 1 else "ies") + "\n"
            + "\n".join(f"  {i}" for i in incompatibilities))


# --- reading the database ---------------------------------------------------------------------

@dataclass(frozen=True)
class _Relation:
    kind: str
    schema: str
    owner: str
    owned: bool
    has_unique_index: bool


@dataclass(frozen=True)
class _LiveColumn:
    definition: str
    base_type: str
    not_null: bool
    has_default: bool
    generated: bool
    numeric_precision: int | None
    numeric_scale: int | None


def _rows(conn: psycopg.Connection, name: str, params: dict | None = None) -> list[tuple]:
    return conn.execute(sql_text(f"adopt/{name}.sql"), params or {}).fetchall()


def _relations(conn: psycopg.Connection, names: list[str]) -> dict[str, _Relation]:
    return {r[0]: _Relation(*r[1:]) for r in _rows(conn, "relations", {"names": names})}


def _columns(conn: psycopg.Connection, tables: list[str]) -> dict[str, dict[str, _LiveColumn]]:
    out: dict[str, dict[str, _LiveColumn]] = {t: {} for t in tables}
    for table, column, *rest in _rows(conn, "columns", {"tables": tables}):
        out[table][column] = _LiveColumn(*rest)
    return out


def _unique_keys(conn: psycopg.Connection, tables: list[str]) -> dict[str, list[set[str]]]:
    out: dict[str, list[set[str]]] = {t: [] for t in tables}
    for table, columns in _rows(conn, "unique_keys", {"tables": tables}):
        out[table].append(set(columns))
    return out


def _column_dependents(conn: psycopg.Connection) -> dict[tuple[str, str], list[str]]:
    """(table, column) of each widening → the views reading that column."""
    out: dict[tuple[str, str], list[str]] = {}
    for table, column, _schema, name in _rows(conn, "column_dependents", {
            "tables": [w.table for w in WIDENINGS], "columns": [w.column for w in WIDENINGS]}):
        out.setdefault((table, column), []).append(name)
    return out


def _view_state(conn: psycopg.Connection, view: ViewSpec, exists: bool,
                has_refresh_log: bool) -> str:
    if not exists:
        return "missing"
    last = last_refresh(conn, view.name) if has_refresh_log else None
    if last is None:
        return "old"
    return "current" if last[1] == sql_hash(view.sql_file) else "changed"


def rows_needing(conn: psycopg.Connection, w: Widening, current: str) -> int:
    """Rows of the live table holding a value the site's own definition of the column could
    not (longer than its length, or NULL): 0 without reading the table when the live column is
    itself no wider than the site's."""
    column = sql.Identifier(w.column)
    if w.to is None:
        if current.endswith(" NOT NULL"):
            return 0
        test = sql.SQL("{} IS NULL").format(column)
    else:
        length, limit = varchar_length(current), w.site_length
        assert limit is not None
        if length is not None and length <= limit:
            return 0
        test = sql.SQL("char_length({}) > {}").format(column, sql.Literal(limit))
    return one(conn.execute(sql.SQL("SELECT count(*) FROM {} WHERE {}").format(
        sql.Identifier(w.table), test)))


# --- the check --------------------------------------------------------------------------------

def _writes_null(column: Column) -> bool:
    """Whether the importer writes NULL for an empty field of `column` into a NOT NULL column
    (text becomes '', a declared boolean its value, a required field quarantines the row)."""
    return not (column.required or column.if_empty is not None or column.type == TEXT
                or column.lookup is not None)


def _type_problem(column: Column, live: _LiveColumn) -> str | None:
    writable, what = _WRITABLE[column.type]
    if live.base_type not in writable:
        return (f"{live.definition}: the import writes {what} here (from {column.header}); "
                "change the column's type first")
    if column.type == AMOUNT and live.numeric_precision is not None:
        assert live.numeric_scale is not None
        if (live.numeric_scale < _AMOUNT_SCALE
                or live.numeric_precision - live.numeric_scale < _AMOUNT_DIGITS):
            return (f"{live.definition}: the import writes amounts as numeric(12,2) (up to "
                    "9,999,999,999.99); the column cannot hold all of them")
    return None


def _table_findings(source: SourceFile, relation: _Relation, columns: dict[str, _LiveColumn],
                    keys: list[set[str]], widened: set[str],
                    role: str) -> Iterator[Incompatibility]:
    table = source.table
    if relation.kind not in ("r", "p"):
        yield Incompatibility(table, None, f"a {_KINDS.get(relation.kind, relation.kind)}, "
                              "not a table: the import writes rows into it")
        return
    if not relation.owned:
        yield Incompatibility(table, None, f"owned by {relation.owner}: the pipeline's role "
                              f"{role} must own it (or be a member of its owner) to add its "
                              "change triggers and widen its columns")
    written: set[str] = set()
    for column in source.columns:
        written.add(column.name)
        live = columns.get(column.name)
        if live is None:
            yield Incompatibility(table, column.name,
                                  f"missing column: the import writes it from {column.header}")
            continue
        if live.generated:
            yield Incompatibility(table, column.name, f"a generated column: the import writes "
                                  f"it from {column.header}")
            continue
        problem = _type_problem(column, live)
        if problem:
            yield Incompatibility(table, column.name, problem)
        if live.not_null and _writes_null(column) and column.name not in widened:
            yield Incompatibility(table, column.name, f"{live.definition} NOT NULL, but the "
                                  f"import writes NULL for an empty {column.header}")
    for name, _ in (*source.on_insert, *source.on_update):
        if name not in written:
            written.add(name)
            if name not in columns:
                yield Incompatibility(table, name, "missing column: the import sets it on the "
                                      "rows it inserts or updates")
    change_key = source.change_key or source.key[0]
    if change_key not in columns:
        yield Incompatibility(table, change_key, "missing column: the change triggers "
                              "identify the rows written by it")
    written.add(change_key)
    for name, live in columns.items():
        if name not in written and live.not_null and not live.has_default:
            yield Incompatibility(table, name, f"{live.definition} NOT NULL with no default, "
                                  "and the import does not write it: every row it inserts "
                                  "would fail")
    for names, what in ((source.key, "the key the import matches rows on"),
                        *((u, "a unique value the import keeps unique") for u in source.unique)):
        if all(n in columns for n in names) and not any(k <= set(names) for k in keys):
            yield Incompatibility(table, ", ".join(names), f"no primary key or unique "
                                  f"constraint: {what}; a first load relies on it to refuse "
                                  "duplicates")


def _widening_findings(conn: psycopg.Connection, existing: set[str],
                       dependents: dict[tuple[str, str], list[str]],
                       old_views: set[str]) -> Iterator[Incompatibility]:
    for w in WIDENINGS:
        if w.table not in existing:
            continue
        current = live_definition(conn, w.table, w.column)
        if current is None or not widening_pending(w, current):
            continue
        change = f"{current} -> {widening_target(w, current)}"
        # Views block a change of type (ALTER COLUMN ... TYPE), not a dropped NOT NULL.
        readers = dependents.get((w.table, w.column), []) if w.to is not None else []
        ours = [r for r in readers if r in old_views]
        others = [r for r in readers if r not in VIEWS_BY_NAME]
        needing = rows_needing(conn, w, current)
        when = (f", once the old views are replaced ({_read_by(ours)})" if ours else "")
        yield Incompatibility(w.table, w.column, f"widened in place ({w.why}): {change}{when}; "
                              f"{needing} existing rows need it", blocking=False)
        if others:
            yield Incompatibility(w.table, w.column, f"not one of the nine views "
                                  f"({_read_by(others)}): the widening stays pending while it "
                                  f"does, and values longer than {w.site_length} characters "
                                  "are quarantined until then", blocking=False)


def _read_by(relations: list[str]) -> str:
    return f"{', '.join(relations)} {'reads' if len(relations) == 1 else 'read'} it"


def _view_findings(conn: psycopg.Connection, relations: dict[str, _Relation],
                   states: dict[str, str], role: str) -> Iterator[Incompatibility]:
    present = [v.name for v in VIEWS if v.name in relations]
    replaced = {name for name, state in states.items() if state in ("old", "changed")}
    swapped = replaced | {v.name for v in downstream_views(replaced)}
    dependents: dict[str, list[tuple[str | None, str | None, str]]] = {}
    for view, schema, name, description in _rows(conn, "view_dependents", {"views": present}):
        dependents.setdefault(view, []).append((schema, name, description))
    for view in VIEWS:
        state = states[view.name]
        if state == "missing":
            yield Incompatibility(view.name, None, "missing: created", blocking=False)
            continue
        relation = relations[view.name]
        if relation.kind != "m":
            yield Incompatibility(view.name, None, f"a {_KINDS.get(relation.kind, relation.kind)}"
                                  ", not a materialized view: the pipeline's version cannot "
                                  "replace it by swap; drop or rename it first")
            continue
        if not relation.owned:
            yield Incompatibility(view.name, None, f"owned by {relation.owner}: the pipeline's "
                                  f"role {role} must own it (or be a member of its owner) to "
                                  "replace it")
        if state == "old":
            refresh = ("" if relation.has_unique_index else
                       "; it has no unique index, so it could not be refreshed CONCURRENTLY")
            yield Incompatibility(view.name, None, "the old system's materialized view (no "
                                  "refresh record): replaced by the pipeline's definition by "
                                  "swap (built beside it in sunshine_next, swapped in one short "
                                  f"transaction; readers keep the old rows until then){refresh}",
                                  blocking=False)
        elif state == "changed":
            yield Incompatibility(view.name, None, "its definition changed since its last "
                                  "refresh: replaced by swap", blocking=False)
        if view.name not in swapped:
            continue
        allowed = {view.name, *(v.name for v in downstream_views({view.name}))}
        for schema, name, description in dependents.get(view.name, []):
            if name is not None and name in allowed and schema == relation.schema:
                continue
            what = f"{schema}.{name}" if name is not None else description
            yield Incompatibility(view.name, None, f"{what} depends on it and is not one of "
                                  "the views rebuilt with it: the swap drops the old view "
                                  "without CASCADE and would fail; drop it first (and create "
                                  "it again afterwards)")


def _environment_findings(env: dict[str, Any], tables_present: bool) -> Iterator[Incompatibility]:
    if not tables_present:
        yield Incompatibility(DATABASE, None, "none of the site's tables exist: a fresh "
                              "database, nothing to adopt; ensure_schema creates them",
                              blocking=False)
    if env["swap_schema_relations"]:
        yield Incompatibility(SWAP_SCHEMA, None, "holds " + ", ".join(
            env["swap_schema_relations"]) + ": the swap schema must be empty outside a swap")
    if not (env["has_pipeline_schema"] and env["has_swap_schema"]) and not env[
            "can_create_schemas"]:
        yield Incompatibility(DATABASE, None, f"the pipeline's role {env['role_name']} may not "
                              "create schemas here (GRANT CREATE ON DATABASE): it needs "
                              "schemas sunshine and sunshine_next")
    if not env["has_trgm"] and not env["trgm_available"]:
        yield Incompatibility(DATABASE, None, "the pg_trgm extension is not available on this "
                              "server (Debian: the postgresql-contrib package); the donor "
                              "search index needs it")


@contextlib.contextmanager
def _read_only(conn: psycopg.Connection) -> Iterator[None]:
    """A READ ONLY transaction when the connection is idle (the check can then change nothing,
    whatever it runs); inside the caller's transaction otherwise."""
    if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
        yield
        return
    with conn.transaction():
        conn.execute("SET TRANSACTION READ ONLY")
        yield


def _environment(conn: psycopg.Connection) -> dict[str, Any]:
    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(sql_text("adopt/environment.sql")).fetchone()
    if row is None:
        raise LookupError("adopt/environment.sql returned no row")
    return row


def check(conn: psycopg.Connection) -> list[Incompatibility]:
    """Every incompatibility between this database and what the pipeline needs, by table and
    column, blocking ones and notes alike; reads the catalogs only and changes nothing."""
    with _read_only(conn):
        env = _environment(conn)
        relations = _relations(conn, [*SITE_TABLES, *(v.name for v in VIEWS)])
        existing = [t for t in SITE_TABLES if t in relations]
        findings = list(_environment_findings(env, bool(existing)))
        columns = _columns(conn, existing)
        keys = _unique_keys(conn, existing)
        widened = {(w.table, w.column) for w in WIDENINGS}
        for source in SOURCES:
            if source.table not in relations:
                if existing:
                    findings.append(Incompatibility(
                        source.table, None, "missing table: the site's migrations have not "
                        f"made it (the pipeline would create its own from "
                        f"sql/{site_table_file(source.table)}, which a later migration of the "
                        "site would collide with)"))
                continue
            findings.extend(_table_findings(
                source, relations[source.table], columns[source.table],
                keys[source.table], {c for t, c in widened if t == source.table},
                env["role_name"]))
        for table, trigger, function in _rows(conn, "foreign_triggers", {"tables": existing}):
            findings.append(Incompatibility(table, None, f"trigger {trigger} (runs {function}) "
                                            "has a name the pipeline gives its own triggers: "
                                            "it would be replaced; rename it"))
        states = {v.name: _view_state(conn, v, v.name in relations, env["has_refresh_log"])
                  for v in VIEWS}
        old = {name for name, state in states.items() if state in ("old", "changed")}
        findings.extend(_widening_findings(conn, set(existing), _column_dependents(conn), old))
        findings.extend(_view_findings(conn, relations, states, env["role_name"]))
    return findings


# --- the adoption -----------------------------------------------------------------------------

def adoption_needed(conn: psycopg.Connection) -> bool:
    """True for a database the site already runs that the pipeline has not (fully) adopted:
    some of the site's tables exist, and either the pipeline's schema version was never
    recorded or one of the nine views is still the old system's."""
    with conn.transaction():
        if len(missing_site_tables(conn)) == len(SITE_TABLES):
            return False
        env = _environment(conn)
        if not env["has_schema_version"]:
            return True
        relations = _relations(conn, [v.name for v in VIEWS])
        return any(_view_state(conn, v, v.name in relations, env["has_refresh_log"])
                   in ("old", "changed") for v in VIEWS)


@contextlib.contextmanager
def _adoption_lock(conn: psycopg.Connection) -> Iterator[None]:
    conn.execute("SELECT pg_advisory_lock(%s)", [_ADOPTION_LOCK])
    try:
        yield
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", [_ADOPTION_LOCK])


def _materialize_views(conn: psycopg.Connection) -> list[ViewOutcome]:
    """Every view in VIEWS order: an old or changed one is swapped (with the views below it),
    a missing one created, a stale one refreshed; a current, fresh one is not touched."""
    with conn.transaction():
        relations = _relations(conn, [v.name for v in VIEWS])
        states = {v.name: _view_state(conn, v, v.name in relations, True) for v in VIEWS}
    modes: dict[str, tuple[str, str | None]] = {}
    for view in VIEWS:
        if view.name in modes:
            continue
        with conn.transaction():
            untouched = states[view.name] == "current" and not is_stale(conn, view)
        if untouched:
            modes[view.name] = ("unchanged", None)
            continue
        result = materialize_view(conn, view)
        modes[view.name] = (result.mode, None)
        for name in result.swapped_views:
            modes[name] = ("swapped", view.name)
        log.info("adopt: %s (%s): %s, %s rows", view.name, states[view.name], result.mode,
                 result.row_count)
    with conn.transaction():
        rows: dict[str, int] = dict(conn.execute(
            "SELECT view_name, row_count FROM sunshine.view_last_refresh").fetchall())
    return [ViewOutcome(v.name, states[v.name], modes[v.name][0], rows.get(v.name),
                        modes[v.name][1]) for v in VIEWS]


def _patiently(conn: psycopg.Connection, step: Callable[[], T]) -> T:
    """Run `step` (atomic: its own transactions) with lock_timeout = SWAP_LOCK_TIMEOUT, retried:
    its DDL on a site table (a trigger, a widening) lets go of a table the site is reading
    instead of making the site's next readers queue behind it."""
    previous = one(conn.execute("SELECT current_setting('lock_timeout')"))
    try:
        for attempt in range(1, SWAP_ATTEMPTS + 1):
            conn.execute("SELECT set_config('lock_timeout', %s, false)", [SWAP_LOCK_TIMEOUT])
            try:
                return step()
            except psycopg.errors.LockNotAvailable:
                if attempt == SWAP_ATTEMPTS:
                    raise
                log.info("adopt: a table is busy, trying again (%s)", attempt)
                time.sleep(0.2 * attempt)
        raise AssertionError("unreachable")
    finally:
        conn.execute("SELECT set_config('lock_timeout', %s, false)", [previous])


def _pending(conn: psycopg.Connection) -> list[tuple[Widening, str, int]]:
    """Each widening the live columns still need: (widening, live definition, rows needing)."""
    with conn.transaction():
        out = []
        for w, current in pending_widenings(conn):
            out.append((w, current, rows_needing(conn, w, current)))
        return out


def adopt(conn: psycopg.Connection, *, dry_run: bool) -> AdoptionReport:
    """Check the database; unless `dry_run`, adopt it (see the module docstring). Raises
    AdoptionRefused, having changed nothing, when the check finds a blocking incompatibility
    and this is not a dry run."""
    started = time.perf_counter()
    report = AdoptionReport(dry_run, check(conn))
    for finding in report.findings:
        (log.warning if finding.blocking else log.info)("adopt: %s", finding)
    if not dry_run:
        if report.blocking:
            raise AdoptionRefused(report.blocking, report.findings)
        with _adoption_lock(conn):
            pending = _pending(conn)
            # The widenings no old view blocks are applied here already; the others wait.
            report.schema_changed = _patiently(conn, lambda: migrate(conn))
            report.views = _materialize_views(conn)
            # The old views are gone: this applies the rest (schema.apply_widenings) and
            # records the schema version, in one transaction (a no-op when current).
            report.schema_changed = _patiently(conn, lambda: migrate(conn)) or (
                report.schema_changed)
            with conn.transaction():
                report.widenings = [WideningOutcome(
                    w.table, w.column, current, widening_target(w, current), needing,
                    not widening_pending(w, live_definition(conn, w.table, w.column) or ""))
                    for w, current, needing in pending]
    report.duration_s = time.perf_counter() - started
    return report
