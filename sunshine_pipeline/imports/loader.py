"""Landing batch → base tables: COPY into staging, validate set-wise, upsert only what changed.

A batch is a folder of `<Table>.csv` files. The whole batch is applied in one transaction, so
it lands whole or not at all; a killed process leaves the tables as they were. Per file:

1. the header is read and checked before anything touches the database (a missing required
   column or a file that is not UTF-8 CSV rejects the batch, naming file and column);
2. COPY streams the file into a temporary text table (bounded memory whatever its size);
3. every value is checked in SQL (types, required fields, duplicate keys, references); a bad
   row goes to `sunshine.quarantine` with its record number, column, raw value and reason,
   and never blocks the good rows;
4. good rows are compared with the table: new keys are inserted, changed rows updated,
   identical rows not written at all; the change set is kept in `sunshine.import_change`.

Columns the catalog does not know, and files of export tables the dashboard does not use, are
kept in `sunshine.unmapped_data` as JSON.
"""

from __future__ import annotations

import csv
import hashlib
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from sunshine_pipeline.imports.catalog import (
    AMOUNT,
    BIGINT,
    BOOL,
    DATE,
    INT,
    SOURCES,
    SOURCES_BY_FILE,
    Column,
    SourceFile,
)
from sunshine_pipeline.schema import ensure_schema

log = logging.getLogger(__name__)

COPY_CHUNK = 1 << 20
ProgressFn = Callable[[str, int, int], None]


class BatchRejected(Exception):
    """The batch cannot be imported as it is; nothing was changed."""

    def __init__(self, file: str, message: str, column: str | None = None):
        self.file, self.column = file, column
        super().__init__(f"{file}: {message}")


@dataclass
class FileResult:
    file: str
    table: str | None
    read: int = 0
    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    quarantined: int = 0


@dataclass
class BatchResult:
    batch_id: int | None
    path: str
    content_hash: str
    outcome: str  # landed, skipped (same content already landed), dry-run
    files: list[FileResult] = field(default_factory=list)
    file_hashes: dict[str, str] = field(default_factory=dict)

    @property
    def changed_tables(self) -> set[str]:
        return {
            f.table for f in self.files if f.table and (f.inserted or f.updated or f.deleted)
        }

    def counts(self) -> dict[str, dict[str, int]]:
        return {f.file: {k: v for k, v in asdict(f).items() if isinstance(v, int)}
                for f in self.files}


@dataclass(frozen=True)
class PlannedFile:
    path: Path
    source: SourceFile | None  # None: an export table the dashboard does not use
    headers: list[str]  # as in the file
    columns: list[str]  # staging column per header: the database name, or the raw header

    @property
    def mapped(self) -> dict[str, Column]:
        by_header = {c.header.lower(): c for c in self.source.columns} if self.source else {}
        return {h: by_header[h.lower()] for h in self.headers if h.lower() in by_header}

    @property
    def unmapped(self) -> list[str]:
        mapped = self.mapped
        return [h for h in self.headers if h not in mapped]


def _read_header(path: Path) -> list[str]:
    try:
        with path.open(encoding="utf-8", newline="") as f:
            header = next(csv.reader(f), None)
    except UnicodeDecodeError as exc:
        raise BatchRejected(path.name, f"not a UTF-8 CSV file ({exc.reason} at byte "
                                       f"{exc.start} of the header)") from exc
    except csv.Error as exc:
        raise BatchRejected(path.name, f"not a CSV file ({exc})") from exc
    if not header or not any(h.strip() for h in header):
        raise BatchRejected(path.name, "not a CSV file (no header row)")
    if any("\x00" in h for h in header):
        raise BatchRejected(path.name, "not a CSV file (binary content in the header)")
    return [h.strip() for h in header]


def plan_batch(batch_dir: Path, tables: set[str] | None = None) -> list[PlannedFile]:
    """Check every file's header; raise BatchRejected before any database work."""
    if not batch_dir.is_dir():
        raise BatchRejected(str(batch_dir), "no such batch folder")
    planned = []
    for path in sorted(batch_dir.iterdir()):
        if not path.is_file() or path.suffix.lower() != ".csv":
            continue
        source = SOURCES_BY_FILE.get(path.name.lower())
        if tables is not None and (source is None or source.table not in tables):
            continue
        headers = _read_header(path)
        seen: set[str] = set()
        for h in headers:
            if h.lower() in seen:
                raise BatchRejected(path.name, f"column {h} appears twice in the header", h)
            seen.add(h.lower())
        if source:
            for required in source.required_headers:
                if required.lower() not in seen:
                    raise BatchRejected(
                        path.name, f"required column {required} is missing from the header",
                        required)
        plan = PlannedFile(path, source, headers, [])
        mapped = plan.mapped
        columns = [mapped[h].name if h in mapped else f"raw:{h}" for h in headers]
        planned.append(PlannedFile(path, source, headers, columns))
    order = {s.table: i for i, s in enumerate(SOURCES)}
    planned.sort(key=lambda p: order.get(p.source.table, len(order)) if p.source else len(order))
    return planned


def content_hashes(files: list[PlannedFile]) -> tuple[str, int, dict[str, str]]:
    """(batch hash, total bytes, {file name: file hash}); the batch hash covers names too."""
    batch, size, per_file = hashlib.sha256(), 0, {}
    for plan in sorted(files, key=lambda p: p.path.name):
        digest = hashlib.sha256()
        with plan.path.open("rb") as f:
            while chunk := f.read(COPY_CHUNK):
                digest.update(chunk)
                size += len(chunk)
        per_file[plan.path.name] = digest.hexdigest()
        batch.update(f"{plan.path.name}\0{per_file[plan.path.name]}\n".encode())
    return batch.hexdigest(), size, per_file


# --- SQL fragments composed from the catalog ------------------------------------------------

_TYPE_CHECKS: dict[str, tuple[str, str]] = {
    INT: ("NOT pg_input_is_valid({v}, 'integer')", "not an integer"),
    BIGINT: ("NOT pg_input_is_valid({v}, 'bigint')", "not an integer"),
    AMOUNT: ("{v} !~ '^-?[0-9]{{1,10}}(\\.[0-9]{{1,2}})?$'",
             "not an amount (at most 10 digits and 2 decimals)"),
    DATE: ("sunshine.parse_date({v}) IS NULL", "not a date (YYYY-MM-DD or MM/DD/YY)"),
    BOOL: ("sunshine.parse_bool({v}) IS NULL", "not a boolean (1/0, true/false)"),
}

_CONVERSIONS: dict[str, str] = {
    INT: "{v}::integer",
    BIGINT: "{v}::bigint",
    AMOUNT: "{v}::numeric(12, 2)",
    DATE: "sunshine.parse_date({v})",
    BOOL: "sunshine.parse_bool({v})",
}


def _reason(column: Column, value: sql.Composable) -> sql.Composable:
    """CASE … END giving why `value` is bad for `column`, NULL when it is fine."""
    whens = []
    if column.required:
        whens.append(sql.SQL("WHEN {v} IS NULL THEN 'required value is missing'").format(v=value))
    if column.type in _TYPE_CHECKS:
        test, why = _TYPE_CHECKS[column.type]
        whens.append(sql.SQL("WHEN {v} IS NOT NULL AND " + test + " THEN {why}").format(
            v=value, why=sql.Literal(why)))
    if not whens:
        return sql.NULL
    return sql.SQL("CASE {} END").format(sql.SQL(" ").join(whens))


def _conversion(column: Column, value: sql.Composable) -> sql.Composable:
    expr = sql.SQL(_CONVERSIONS.get(column.type, "{v}")).format(v=value)
    if column.if_empty is not None:
        expr = sql.SQL("coalesce({}, {})").format(expr, sql.Literal(column.if_empty))
    return expr


class _FileLoader:
    """Loads one planned file inside the batch transaction."""

    def __init__(self, conn: psycopg.Connection, batch_id: int, plan: PlannedFile,
                 progress: ProgressFn | None):
        self.conn, self.batch_id, self.plan, self.progress = conn, batch_id, plan, progress
        self.file = plan.path.name
        self.result = FileResult(self.file, plan.source.table if plan.source else None)

    def q(self, query: sql.Composable, params: list | tuple = ()) -> psycopg.Cursor:
        return self.conn.execute(query, params)

    def run(self) -> FileResult:
        self.stage()
        if self.plan.source is None:
            self.keep_unmapped(all_columns=True)
            return self.result
        if self.plan.unmapped:
            self.keep_unmapped(all_columns=False)
        self.validate_values()
        self.build_typed()
        self.validate_typed()
        if self.plan.source.table == "Transactions":
            self.resolve_subject_committees()
        self.apply()
        return self.result

    def stage(self) -> None:
        cols = [sql.Identifier(c) for c in self.plan.columns]
        self.q(sql.SQL("DROP TABLE IF EXISTS pg_temp.stage, pg_temp.typed, pg_temp.delta"))
        self.q(sql.SQL(
            "CREATE TEMP TABLE stage (rn bigint GENERATED ALWAYS AS IDENTITY, {}) "
            "ON COMMIT DROP").format(sql.SQL(", ").join(sql.SQL("{} text").format(c)
                                                         for c in cols)))
        copy = sql.SQL(
            "COPY stage ({cols}) FROM STDIN (FORMAT csv, HEADER true, FORCE_NULL ({cols}))"
        ).format(cols=sql.SQL(", ").join(cols))
        total = self.plan.path.stat().st_size
        done = 0
        with self.conn.cursor() as cur, cur.copy(copy) as cp, self.plan.path.open("rb") as f:
            while chunk := f.read(COPY_CHUNK):
                cp.write(chunk)
                done += len(chunk)
                if self.progress:
                    self.progress(self.file, done, total)
        self.q(sql.SQL("ANALYZE stage"))
        self.result.read = self.q(sql.SQL("SELECT count(*) FROM stage")).fetchone()[0]

    def keep_unmapped(self, *, all_columns: bool) -> None:
        headers = self.plan.headers if all_columns else self.plan.unmapped
        by_header = dict(zip(self.plan.headers, self.plan.columns, strict=True))
        pairs = sql.SQL(", ").join(
            sql.SQL("{}, s.{}").format(sql.Literal(h), sql.Identifier(by_header[h]))
            for h in headers)
        self.q(sql.SQL(
            "INSERT INTO sunshine.unmapped_data (batch_id, file_name, row_number, data) "
            "SELECT %s, %s, s.rn + 1, jsonb_strip_nulls(jsonb_build_object({pairs})) "
            "FROM stage AS s").format(pairs=pairs), [self.batch_id, self.file])

    def _quarantine(self, source: sql.Composable, checks: sql.Composable,
                    params: list | tuple = ()) -> None:
        """Insert one quarantine row per failed check; `checks` yields (column, raw, reason)."""
        self.q(sql.SQL(
            "INSERT INTO sunshine.quarantine "
            "(batch_id, file_name, row_number, column_name, raw_value, reason, raw_row) "
            "SELECT %s, %s, s.rn + 1, chk.column_name, chk.raw_value, chk.reason, "
            "to_jsonb(s) - 'rn' FROM {source} CROSS JOIN LATERAL ({checks}) "
            "AS chk (column_name, raw_value, reason) WHERE chk.reason IS NOT NULL"
        ).format(source=source, checks=checks), [self.batch_id, self.file, *params])

    def validate_values(self) -> None:
        checks = []
        for header, column in self.plan.mapped.items():
            value = sql.SQL("s.{}").format(sql.Identifier(column.name))
            reason = _reason(column, value)
            if reason is not sql.NULL:
                checks.append(sql.SQL("({}, {}, {})").format(sql.Literal(header), value, reason))
        if checks:
            self._quarantine(sql.SQL("stage AS s"),
                             sql.SQL("VALUES {}").format(sql.SQL(", ").join(checks)))

    def build_typed(self) -> None:
        columns = self.plan.source.columns
        present = {c.name for c in self.plan.mapped.values()}
        exprs = []
        for column in columns:
            value = (sql.SQL("s.{}").format(sql.Identifier(column.name))
                     if column.name in present else sql.SQL("NULL::text"))
            exprs.append(sql.SQL("{} AS {}").format(_conversion(column, value),
                                                     sql.Identifier(column.name)))
        self.q(sql.SQL(
            "CREATE TEMP TABLE typed ON COMMIT DROP AS SELECT s.rn, {exprs} FROM stage AS s "
            "WHERE NOT EXISTS (SELECT FROM sunshine.quarantine AS q WHERE q.batch_id = %s "
            "AND q.file_name = %s AND q.row_number = s.rn + 1)"
        ).format(exprs=sql.SQL(", ").join(exprs)), [self.batch_id, self.file])

    def _key_header(self) -> str:
        names = {c.name: c.header for c in self.plan.source.columns}
        return "+".join(names[k] for k in self.plan.source.key)

    def validate_typed(self) -> None:
        source = self.plan.source
        key = sql.SQL(", ").join(sql.Identifier(k) for k in source.key)
        raw_key = sql.SQL(" || '|' || ").join(
            sql.SQL("s.{}").format(sql.Identifier(k)) for k in source.key)
        self._quarantine(
            sql.SQL("stage AS s JOIN (SELECT rn, count(*) OVER (PARTITION BY {key}) AS n "
                    "FROM typed) AS d USING (rn)").format(key=key),
            sql.SQL("SELECT {header}, {raw}, 'duplicate key in this file' WHERE d.n > 1").format(
                header=sql.Literal(self._key_header()), raw=raw_key))
        present = {c.name for c in self.plan.mapped.values()}
        headers = {c.name: c.header for c in source.columns}
        for ref in source.references:
            if ref.column not in present:
                continue
            col = sql.Identifier(ref.column)
            self._quarantine(
                sql.SQL("stage AS s JOIN typed AS t USING (rn)"),
                sql.SQL("SELECT {header}, s.{col}, {why} WHERE t.{col} IS NOT NULL AND NOT EXISTS "
                        "(SELECT FROM {table} AS r WHERE r.{target} = t.{col})").format(
                    header=sql.Literal(headers[ref.column]), col=col,
                    why=sql.Literal(f"unknown {ref.what}: no {ref.table} row with this id"),
                    table=sql.Identifier(ref.table), target=sql.Identifier(ref.target)))
        self.q(sql.SQL(
            "DELETE FROM typed AS t USING sunshine.quarantine AS q WHERE q.batch_id = %s "
            "AND q.file_name = %s AND q.row_number = t.rn + 1"), [self.batch_id, self.file])
        self.q(sql.SQL("ANALYZE typed"))
        self.result.quarantined = self.q(sql.SQL(
            "SELECT count(DISTINCT row_number) FROM sunshine.quarantine "
            "WHERE batch_id = %s AND file_name = %s"), [self.batch_id, self.file]).fetchone()[0]

    def resolve_subject_committees(self) -> None:
        """SubjectCommitteeID is a NameID: map it to that name's committee (a real one first,
        then the smallest id); a name with no committee gets a synthesized one (-name_id)."""
        self.q(sql.SQL(
            'INSERT INTO "Committees" (committee_id, name_id, is_synthesized) '
            "SELECT DISTINCT -t.subject_committee_id, t.subject_committee_id, true "
            "FROM typed AS t WHERE t.subject_committee_id IS NOT NULL AND NOT EXISTS "
            '(SELECT FROM "Committees" AS c WHERE c.name_id = t.subject_committee_id) '
            "ON CONFLICT (committee_id) DO NOTHING"))
        self.q(sql.SQL(
            "UPDATE typed AS t SET subject_committee_id = r.committee_id FROM ("
            'SELECT DISTINCT ON (name_id) name_id, committee_id FROM "Committees" '
            "WHERE name_id IN (SELECT subject_committee_id FROM typed "
            "WHERE subject_committee_id IS NOT NULL) "
            "ORDER BY name_id, is_synthesized, committee_id) AS r "
            "WHERE t.subject_committee_id = r.name_id"))

    def apply(self) -> None:
        source = self.plan.source
        table = sql.Identifier(source.table)
        names = [c.name for c in source.columns]
        cols = sql.SQL(", ").join(sql.Identifier(n) for n in names)
        join = sql.SQL(" AND ").join(
            sql.SQL("t.{k} = s.{k}").format(k=sql.Identifier(k)) for k in source.key)
        t_row = sql.SQL(", ").join(sql.SQL("t.{}").format(sql.Identifier(n)) for n in names)
        s_row = sql.SQL(", ").join(sql.SQL("s.{}").format(sql.Identifier(n)) for n in names)
        first_key = sql.Identifier(source.key[0])
        op = (sql.SQL("WHEN s.deleted AND NOT t.deleted THEN 'd' ")
              if "deleted" in names else sql.SQL(""))
        self.q(sql.SQL(
            "CREATE TEMP TABLE delta ON COMMIT DROP AS SELECT s.rn, "
            "CASE WHEN t.{first_key} IS NULL THEN 'i' {op}ELSE 'u' END AS op "
            "FROM typed AS s LEFT JOIN {table} AS t ON {join} "
            "WHERE t.{first_key} IS NULL OR ({t_row}) IS DISTINCT FROM ({s_row})"
        ).format(first_key=first_key, op=op, table=table, join=join, t_row=t_row, s_row=s_row))
        self.q(sql.SQL(
            "INSERT INTO {table} ({cols}) SELECT {s_row} FROM typed AS s "
            "JOIN delta AS d USING (rn) WHERE d.op = 'i'"
        ).format(table=table, cols=cols, s_row=s_row))
        assignments = sql.SQL(", ").join(
            sql.SQL("{c} = s.{c}").format(c=sql.Identifier(n))
            for n in names if n not in source.key)
        self.q(sql.SQL(
            "UPDATE {table} AS t SET {assignments} FROM typed AS s JOIN delta AS d USING (rn) "
            "WHERE d.op <> 'i' AND {join}"
        ).format(table=table, assignments=assignments, join=join))
        change_key = sql.Identifier(source.change_key or source.key[0])
        self.q(sql.SQL(
            "INSERT INTO sunshine.import_change (batch_id, table_name, key, op) "
            "SELECT %s, %s, t.{change_key}, d.op FROM delta AS d JOIN typed AS s USING (rn) "
            "JOIN {table} AS t ON {join}"
        ).format(change_key=change_key, table=table, join=join),
            [self.batch_id, source.table])
        counts = dict(self.q(sql.SQL("SELECT op, count(*) FROM delta GROUP BY op")).fetchall())
        r = self.result
        r.inserted, r.updated, r.deleted = counts.get("i", 0), counts.get("u", 0), counts.get(
            "d", 0)
        r.unchanged = r.read - r.quarantined - r.inserted - r.updated - r.deleted


def _batch_already_landed(conn: psycopg.Connection, digest: str) -> int | None:
    row = conn.execute(
        "SELECT batch_id FROM sunshine.import_batch WHERE content_hash = %s "
        "AND outcome = 'landed' ORDER BY batch_id DESC LIMIT 1", [digest]).fetchone()
    return row[0] if row else None


def import_batch(
    conn: psycopg.Connection,
    batch_dir: Path,
    *,
    tables: set[str] | None = None,
    force: bool = False,
    dry_run: bool = False,
    writer: str = "sunshine import",
    progress: ProgressFn | None = None,
) -> BatchResult:
    """Import one landing batch atomically; see the module docstring."""
    ensure_schema(conn)
    batch_dir = Path(batch_dir).resolve()
    try:
        planned = plan_batch(batch_dir, tables)
    except BatchRejected as exc:
        _record_failure(conn, batch_dir, "", 0, "rejected", str(exc))
        raise
    digest, size, file_hashes = content_hashes(planned)
    result = BatchResult(None, str(batch_dir), digest, "landed", file_hashes=file_hashes)
    if not force and not dry_run and _batch_already_landed(conn, digest):
        result.outcome = "skipped"
        return result
    with conn.transaction():
        batch_id = conn.execute(
            "INSERT INTO sunshine.import_batch (path, content_hash, size_bytes) "
            "VALUES (%s, %s, %s) RETURNING batch_id", [str(batch_dir), digest, size]).fetchone()[0]
    result.batch_id = batch_id
    try:
        with conn.transaction() as tx:
            conn.execute("SELECT set_config('sunshine.writer', %s, true)",
                         [f"{writer} batch {batch_id}"])
            for plan in planned:
                log.info("importing %s", plan.path)
                result.files.append(_FileLoader(conn, batch_id, plan, progress).run())
            if dry_run:
                result.outcome = "dry-run"
                raise psycopg.Rollback(tx)
    except Exception as exc:
        conn.rollback()
        _finish(conn, batch_id, "failed", {}, str(exc))
        raise
    _finish(conn, batch_id, result.outcome, result.counts(), None)
    return result


def _finish(conn: psycopg.Connection, batch_id: int, outcome: str, counts: dict,
            error: str | None) -> None:
    with conn.transaction():
        conn.execute(
            "UPDATE sunshine.import_batch SET outcome = %s, counts = %s, error = %s, "
            "finished_at = clock_timestamp() WHERE batch_id = %s",
            [outcome, Jsonb(counts), error, batch_id])


def _record_failure(conn: psycopg.Connection, batch_dir: Path, digest: str, size: int,
                    outcome: str, error: str) -> None:
    with conn.transaction():
        conn.execute(
            "INSERT INTO sunshine.import_batch (path, content_hash, size_bytes, outcome, error, "
            "finished_at) VALUES (%s, %s, %s, %s, %s, clock_timestamp())",
            [str(batch_dir), digest, size, outcome, error])
