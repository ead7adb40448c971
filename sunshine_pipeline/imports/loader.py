"""Landing batch → the site's base tables: COPY into staging, validate set-wise, write only
what changed, as the site stores it.

A batch is a folder of `<Table>.csv` files, applied in one transaction: it lands whole or not
at all, and a process killed at any moment leaves the base tables as they were (the server
rolls the transaction back; `client_connection_check_interval` makes it notice a vanished
client within seconds, even in the middle of a long statement). Imports hold one session
advisory lock, so they run one at a time; a ledger row still 'running' when the next import
holds that lock was left by a process that died, and is marked 'abandoned'. Per file:

1. Before any database work every header is checked: a missing required column, or a file
   that is not UTF-8 CSV, rejects the batch with an error naming the file (and column).
2. COPY streams the file into an unlogged staging table of text columns (bounded memory
   whatever the size), while a numpy scan of the same chunks checks that PostgreSQL reads
   it as RFC 4180 does: PostgreSQL toggles quoting on any quote, so a bare quote in an
   unquoted field (`5" screen`) silently merges records and an unbalanced one swallows
   thousands. Every quote must open a field after a field edge or close one before an edge,
   a quoted field may span at most QUOTED_MAX_LINES lines / QUOTED_MAX_BYTES, and the lines
   must add up (physical lines = records + header + line breaks inside quoted fields). A
   file that fails the scan, or that COPY refuses (wrong field count, invalid UTF-8, a NUL
   byte), is rolled back to a savepoint and streamed again record by record, read strictly:
   each record COPY cannot take, and each line that starts no well-formed record, is staged
   as a structural problem (reason with its physical line, raw text) and reading goes on
   at the next line, so one bad record or quote never blocks or swallows the good ones. A
   quoted field that closes into a well-formed record only past those bounds (an overlong
   memo, or a quote left open: they cannot be told apart) rejects the batch with file and
   line.
   Every physical line is in exactly one record: records read = landed + unchanged +
   quarantined. Whitespace around a value of any type but text is ignored (WHITESPACE).
3. One pass converts every value and checks it against the live column (NOT NULL, length)
   and every foreign key of the site's schema (imports/catalog.py), so no row can violate a
   constraint at commit. A good row costs about what its casts cost: numbers are cast
   straight (an export of typed columns has no malformed number; if one fails the
   statement, it runs again with every number tested first); dates and times are
   parsed once per distinct spelling; a dense reference (a committee, transaction type or
   name) tests one bit of a bitmap of the referenced keys, a mostly empty one (the IE
   target) probes an index. Only a bad row keeps its raw values, and the expensive
   per-column reasons are spelled out for those rows alone.
4. Bad rows go to `sunshine.quarantine` with their record number (the header is record 1),
   column, raw value, reason and the raw row; they never block the good rows. A reference to
   the file's own table (an amendment) must name a row of the table or an accepted row of
   the file, repeated until nothing more is rejected. A key, or a value of another unique
   constraint, that more than one of the otherwise good rows holds has every copy
   quarantined (which one is right cannot be known).
5. Into a table with rows, good rows are compared with it in one join (`IS DISTINCT FROM`
   on every imported column): new keys are inserted, changed rows updated, identical rows
   not written at all, so PostgreSQL's own counters show no write for a batch that changed
   nothing; `sunshine.import_change` gets each key inserted (i), updated (u) or flipped to
   deleted (d). Values are written as the site stores them: '' for an empty field in a NOT
   NULL text column, NULL where the column allows it, the declared value of an empty NOT
   NULL boolean. Into an empty table rows are inserted straight; a large load drops the
   table's indexes, its foreign keys and those naming it, and builds them once afterwards
   (one sort per index, one join per key), the primary key doubling as the duplicate check;
   the change set is one row per table: op '*', key = the number of rows inserted (every
   row of the table is new).

Columns the catalog does not know, and files of export tables the dashboard does not use, are
kept in `sunshine.unmapped_data` as JSON.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import hashlib
import io
import json
import logging
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import psycopg
from psycopg import errors, sql
from psycopg.types.json import Jsonb

from sunshine_pipeline.imports import landing
from sunshine_pipeline.imports.catalog import (
    AMOUNT,
    BOOL,
    DATE,
    INT,
    SOURCES,
    SOURCES_BY_FILE,
    TEXT,
    TIMESTAMP,
    WIDENINGS,
    Column,
    Reference,
    SourceFile,
)
from sunshine_pipeline.schema import ensure_schema
from sunshine_pipeline.sqlfiles import sql_text

log = logging.getLogger(__name__)

COPY_CHUNK = 1 << 20
PREVIEW_ROWS = 20
# A first load of at least this many rows drops the table's indexes and builds them after.
REBUILD_ROWS = 100_000
# A reference whose keys span fewer values than this is tested against a bitmap of them,
# in a file of at least LOOKUP_MAX_ROWS rows (a smaller one probes the referenced key's index).
BITMAP_MAX_KEYS = 1 << 26
LOOKUP_MAX_ROWS = 50_000
# Session advisory lock (two-int form) held for the whole import: one import at a time.
IMPORT_LOCK = (7_246_551, 3)
# Settings of the import transaction: a hash of a few million keys stays in memory, an index
# of ten million is built in few passes, and a client that vanished is noticed mid-statement.
IMPORT_SETTINGS = {
    "work_mem": "64MB",
    "hash_mem_multiplier": "4",
    "maintenance_work_mem": "256MB",
    "client_connection_check_interval": "2s",
}
CSV_FIELD_LIMIT = 1 << 20
ProgressFn = Callable[[str, int, int], None]
# The change_log writer of an import (a POSIX regular expression; its group is the batch id):
# `import_batch` tags its transaction `<writer> batch <id>`, the writer being 'sunshine import'
# (the CLI, the default) or 'dagster run <run id>' (imports/assets.py). Every row it writes to
# Transactions had its committee, name and IE target found (subject_committee_id resolved to
# an existing or a synthesized committee) and it never deletes, nor changes a key, so the
# orphan check (checks.py) need not recount after it. Keep in step with the writer strings.
IMPORTER_WRITER = r"^(?:sunshine import|dagster run [^ ]+) batch ([0-9]+)$"

# Staging relations: unlogged (no WAL; parallel scans allowed), created and dropped inside
# the batch transaction, so a killed import leaves none behind.
STAGE = sql.Identifier("sunshine", "import_stage")
TYPED = sql.Identifier("sunshine", "import_typed")
DELTA = sql.Identifier("sunshine", "import_delta")
REJECTED = sql.Identifier("sunshine", "import_rejected")
# Staging columns besides the file's own (named by its headers); '#' keeps them apart.
RN, PROBLEM, PROBLEM_COLUMN, PROBLEM_VALUE, FIELDS = (
    "#rn", "#problem", "#column", "#value", "#fields")


class BatchRejected(Exception):
    """The batch cannot be imported as it is; nothing was changed."""

    def __init__(self, file: str, message: str, column: str | None = None):
        self.file, self.column = file, column
        super().__init__(f"{file}: {message}")


@dataclass(frozen=True)
class QuarantinedRow:
    row_number: int  # record number in the file; the header is record 1
    column: str | None
    raw_value: str | None
    reason: str


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
    synthesized_committees: int = 0
    # Rows holding a value the site's original column could not: {column: rows}.
    widened: dict[str, int] = field(default_factory=dict)
    quarantine_preview: list[QuarantinedRow] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        return {"read": self.read, "inserted": self.inserted, "updated": self.updated,
                "deleted": self.deleted, "unchanged": self.unchanged,
                "quarantined": self.quarantined,
                "synthesized_committees": self.synthesized_committees}


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
        changed = {
            f.table for f in self.files if f.table and (f.inserted or f.updated or f.deleted)
        }
        if any(f.synthesized_committees for f in self.files):
            changed.add("Committees")
        return changed

    @property
    def quarantined(self) -> int:
        return sum(f.quarantined for f in self.files)

    def counts(self) -> dict[str, dict[str, int]]:
        return {f.file: f.counts() for f in self.files}


@dataclass(frozen=True)
class PlannedFile:
    path: Path
    source: SourceFile | None  # None: an export table the dashboard does not use
    headers: list[str]  # as in the file (trimmed); they name the staging columns

    @property
    def mapped(self) -> dict[str, Column]:
        by_header = {c.header.lower(): c for c in self.source.columns} if self.source else {}
        return {h: by_header[h.lower()] for h in self.headers if h.lower() in by_header}

    @property
    def unmapped(self) -> list[str]:
        mapped = self.mapped
        return [h for h in self.headers if h not in mapped]


def _read_header(path: Path) -> list[str]:
    """The header row's names (trimmed); BatchRejected when the file is not UTF-8 CSV. Bytes
    after the header are not judged here: a bad record is quarantined, not fatal."""
    try:
        with path.open(encoding="utf-8", errors="surrogateescape", newline="") as f:
            header = next(csv.reader(f), None)
    except csv.Error as exc:
        raise BatchRejected(path.name, f"not a CSV file ({exc})") from exc
    if not header or not any(h.strip() for h in header):
        raise BatchRejected(path.name, "not a CSV file (no header row)")
    for name in header:
        bad = next((ch for ch in name if "\udc80" <= ch <= "\udcff"), None)
        if bad is not None:
            raise BatchRejected(path.name, f"not a UTF-8 CSV file (byte 0x{ord(bad) - 0xDC00:02x} "
                                           "in the header)")
        if "\x00" in name:
            raise BatchRejected(path.name, "not a CSV file (binary content in the header)")
    return [h.strip().lstrip("\ufeff") for h in header]


def plan_batch(batch_dir: Path, tables: set[str] | None = None) -> list[PlannedFile]:
    """Check every file's header; raise BatchRejected before any database work."""
    if not batch_dir.is_dir():
        raise BatchRejected(str(batch_dir), "no such batch folder")
    planned = []
    for path in sorted(batch_dir.iterdir()):
        if not path.is_file() or path.suffix.lower() != ".csv":
            continue
        source = SOURCES_BY_FILE.get(path.name.lower())
        # `tables` selects among the known tables; export files the catalog does not know are
        # always kept (in sunshine.unmapped_data), so nothing is lost on a partial import.
        if tables is not None and source is not None and source.table not in tables:
            continue
        headers = _read_header(path)
        seen: set[str] = set()
        for h in headers:
            if not h:
                raise BatchRejected(path.name, "a column of the header has no name")
            if h.startswith("#") or h.lower() in seen:
                what = "appears twice in the header" if h.lower() in seen else "is not allowed"
                raise BatchRejected(path.name, f"column {h} {what}", h)
            seen.add(h.lower())
        if source:
            for required in source.required_headers:
                if required.lower() not in seen:
                    raise BatchRejected(
                        path.name, f"required column {required} is missing from the header",
                        required)
        planned.append(PlannedFile(path, source, headers))
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


# --- values: conversion and the reason a value is bad ----------------------------------------

_REASONS: dict[str, str] = {
    INT: "not an integer",
    AMOUNT: "not an amount (at most 10 digits and 2 decimals)",
    DATE: "not a valid date (YYYY-MM-DD or MM/DD/YY)",
    TIMESTAMP: "not a valid date and time (YYYY-MM-DD hh:mm:ss or MM/DD/YY hh:mm:ss)",
    BOOL: "not a boolean (1/0, true/false)",
}
# Functions that parse a date column's distinct spellings (their latest migration: 0002).
_DATE_PARSERS = {DATE: "sunshine.parse_date", TIMESTAMP: "sunshine.parse_timestamp"}
MISSING = "required value is missing"
NOT_POSITIVE = "not a positive id"
# One trimming rule for every type but text: whitespace around a number, id, amount, date,
# date-time or boolean is ignored (' 5.00', ' TRUE ', '2024-03-01 '); text is kept as it came.
# Whitespace is what PostgreSQL's integer and numeric input skip (C isspace). A value of
# whitespace alone is not empty: it is a bad value.
WHITESPACE = " \t\n\r\f\v"
_AMOUNT_PATTERN = rf"^[{WHITESPACE}]*-?[0-9]{{1,10}}(\.[0-9]{{1,2}})?[{WHITESPACE}]*$"
# A decimal integer: PostgreSQL 16+ also reads 0x1F, 0o17, 0b101 and 1_000, which no export
# writes and which are bad values here.
_INTEGER_PATTERN = rf"^[{WHITESPACE}]*[+-]?[0-9]+[{WHITESPACE}]*$"


# How _convert turns integers and amounts into values: CAST straight (a good file; a malformed
# number fails the statement), or, for a file where that failed, test each value first, with
# pg_input_is_valid where the server has it (VALIDATED, PostgreSQL 16+), else by pattern and
# range (PATTERN, PostgreSQL 15). Neither test ever fails; BENCHMARKS.md has their costs.
CAST, VALIDATED, PATTERN = "cast", "validated", "pattern"


def number_test(conn: psycopg.Connection) -> str:
    """How this server tests a number that a cast refused: VALIDATED or PATTERN."""
    return VALIDATED if conn.info.server_version >= 160000 else PATTERN


def _convert(column: Column, raw: sql.Composable, date_map: sql.Composable | None,
             *, numbers: str) -> sql.Composable:
    """The typed value of `raw`, NULL when it is empty or not valid for `column`.

    Each form costs about as much as the cast itself on a good value. `numbers` says how
    integers and amounts are converted (CAST, VALIDATED or PATTERN above). An amount in its
    canonical spelling (what numeric(12,2) prints) needs no pattern match, but NaN, which is
    its own canonical spelling, is no amount; booleans are compared with the usual spellings
    first; dates and date-times come from a per-file map of their distinct spellings
    (`date_map`); a lookup asks its table for the name's key."""
    if column.lookup is not None:
        lk = column.lookup
        return sql.SQL(
            "(SELECT x.{key} FROM {table} AS x WHERE lower(btrim(x.{by})) = lower(btrim({v})) "
            "ORDER BY x.{by} = {v} DESC, x.{key} LIMIT 1)").format(
            key=sql.Identifier(lk.key), table=sql.Identifier(lk.table),
            by=sql.Identifier(lk.by), v=raw)
    if column.type == INT:
        # A cast value in its canonical spelling (what integer prints) needs no pattern
        # match; any other spelling must be a decimal integer (PostgreSQL 16+ casts '0x1F').
        decimal = sql.SQL("CASE WHEN {v}::integer::text = {v} OR {v} ~ {pattern} "
                          "THEN {v}::integer END").format(
            v=raw, pattern=sql.Literal(_INTEGER_PATTERN))
        if numbers == CAST:
            return decimal
        if numbers == VALIDATED:
            return sql.SQL("CASE WHEN pg_input_is_valid({v}, 'integer') THEN {decimal} END"
                           ).format(v=raw, decimal=decimal)
        # Nested CASEs: the range test runs only on what the pattern let through.
        return sql.SQL(
            "CASE WHEN {v} ~ {pattern} THEN CASE WHEN btrim({v}, {ws})::numeric "
            "BETWEEN -2147483648 AND 2147483647 THEN {v}::integer END END").format(
            v=raw, pattern=sql.Literal(_INTEGER_PATTERN), ws=sql.Literal(WHITESPACE))
    if column.type == AMOUNT:
        if numbers == PATTERN:
            return sql.SQL("CASE WHEN {v} ~ {pattern} THEN {v}::numeric(12,2) END").format(
                v=raw, pattern=sql.Literal(_AMOUNT_PATTERN))
        invalid = sql.SQL("{v} = 'NaN'" if numbers == CAST else
                          "{v} = 'NaN' OR NOT pg_input_is_valid({v}, 'numeric(12,2)')"
                          ).format(v=raw)
        return sql.SQL(
            "CASE WHEN {invalid} THEN NULL "
            "WHEN {v}::numeric(12,2)::text = {v} OR {v} ~ {pattern} "
            "THEN {v}::numeric(12,2) END").format(
            invalid=invalid, v=raw, pattern=sql.Literal(_AMOUNT_PATTERN))
    if column.type == BOOL:
        return sql.SQL(
            "CASE {v} WHEN '1' THEN true WHEN '0' THEN false WHEN 'true' THEN true "
            "WHEN 'false' THEN false WHEN 'TRUE' THEN true WHEN 'FALSE' THEN false "
            "ELSE sunshine.parse_bool(btrim({v}, {ws})) END").format(
            v=raw, ws=sql.Literal(WHITESPACE))
    if column.type in _DATE_PARSERS:
        assert date_map is not None
        return sql.SQL("{}.parsed").format(date_map)
    return raw


def _value_checks(column: Column, raw: sql.Composable, value: sql.Composable,
                  max_length: int | None) -> list[tuple[sql.Composable, sql.Composable]]:
    """The (test, reason) pairs that make a row bad because of this column's value, in order
    of precedence: a required value missing, a value that is not of the column's type (or a
    name its lookup table does not have), a key of 0 or below, text longer than the live
    column holds."""
    checks: list[tuple[sql.Composable, sql.Composable]] = []
    if column.required:
        checks.append((sql.SQL("{} IS NULL").format(raw), sql.Literal(MISSING)))
    if column.lookup is not None:
        lk = column.lookup
        checks.append((sql.SQL("({} IS NOT NULL AND {} IS NULL)").format(raw, value),
                       sql.Literal(f"unknown {lk.what}: no {lk.table} row with this {lk.by}")))
    elif column.type in _REASONS:
        checks.append((sql.SQL("({} IS NOT NULL AND {} IS NULL)").format(raw, value),
                       sql.Literal(_REASONS[column.type])))
    if column.positive:
        checks.append((sql.SQL("{} <= 0").format(value), sql.Literal(NOT_POSITIVE)))
    if column.type == TEXT and max_length is not None:
        checks.append((
            sql.SQL("char_length({}) > {}").format(raw, sql.Literal(max_length)),
            sql.SQL("{} || char_length({}) || ' characters'").format(
                sql.Literal(f"longer than the site's column holds (at most {max_length}): "),
                raw)))
    return checks


def _jsonb_object(pairs: list[tuple[str, sql.Composable]]) -> sql.Composable:
    """jsonb_build_object over any number of pairs (a function takes at most 100 arguments)."""
    chunks = [pairs[i:i + 40] for i in range(0, len(pairs), 40)] or [[]]
    return sql.SQL(" || ").join(
        sql.SQL("jsonb_build_object({})").format(sql.SQL(", ").join(
            sql.SQL("{}, {}").format(sql.Literal(k), v) for k, v in chunk))
        for chunk in chunks)


def _bitmap_missing(bitmap: sql.Identifier, value: sql.Composable) -> sql.Composable:
    """`value` has no bit set in the one-row key bitmap table `bitmap` (lo, nbits, bits).
    The bits are read through an InitPlan (`bits || ''` detoasts them once per query)."""
    return sql.SQL(
        "NOT coalesce(({v} - (SELECT lo FROM {bm})) BETWEEN 0 AND (SELECT nbits FROM {bm}) - 1 "
        "AND get_bit((SELECT bits || ''::bytea FROM {bm}), {v} - (SELECT lo FROM {bm})) = 1, "
        "false)").format(v=value, bm=bitmap)


def _join_missing(alias: sql.Identifier, key: sql.Identifier, value: sql.Composable
                  ) -> sql.Composable:
    """The LEFT JOINed referenced row `alias` was not found."""
    return sql.SQL("{}.{} IS NULL").format(alias, key)


# --- the structural fallback: a file COPY refused or may misread, read strictly ---------------

class _CountingReader(io.RawIOBase):
    """A binary file that counts the bytes read (for progress while csv decodes it)."""

    def __init__(self, raw: io.BufferedReader):
        self.raw, self.done = raw, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = self.raw.readinto(buffer)
        self.done += n or 0
        return n


class _Lines:
    """The lines of a text file, read one by one; lines read ahead can be handed back."""

    def __init__(self, text: io.TextIOWrapper):
        self.text, self.pushed = text, []

    def readline(self) -> str:
        return self.pushed.pop() if self.pushed else self.text.readline()

    def push(self, lines: list[str]) -> None:
        self.pushed.extend(reversed(lines))


def _shown(text: str) -> str:
    """A value as PostgreSQL can store it: undecodable bytes and NUL as \\xNN escapes."""
    return (text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
            .replace("\x00", "\\x00"))


_UNDECODED = re.compile("[\udc80-\udcff]")  # bytes that were not UTF-8 (surrogateescape)


def _structural_problem(fields: list[str], headers: list[str], text: str, line: int
                        ) -> tuple[str, str | None, str | None] | None:
    """(reason, column, raw value) when COPY cannot take this record (its raw `text`, from
    physical `line` on), else None."""
    if len(fields) != len(headers):
        return (f"expected {len(headers)} fields, found {len(fields)} at line {line}", None,
                _shown(text))
    if "\x00" not in text and (text.isascii() or not _UNDECODED.search(text)):
        return None
    for header, value in zip(headers, fields, strict=True):
        if not value.isascii() and (bad := _UNDECODED.search(value)):
            return (f"invalid UTF-8 (byte 0x{ord(bad[0]) - 0xDC00:02x}) at line {line}", header,
                    _shown(value))
        if "\x00" in value:
            return f"NUL byte in the value at line {line}", header, _shown(value)
    return None


# The strict reading of the fallback (RFC 4180): a field is quoted (a doubled quote inside
# stands for one) or holds no quote at all.
_QUOTED = r'"[^"]*(?:""[^"]*)*"'
_FIELD = rf'(?:{_QUOTED}|[^",\r\n]*)'
_INSIDE = r'[^"]*(?:""[^"]*)*'  # text inside an open quoted field
_WHOLE = re.compile(rf"{_FIELD}(?:,{_FIELD})*")  # a record on one line
# A line that ends inside a quoted field (group 1: its opening quote); one that closes it
# (group 1: the text before the closing quote) and ends the record, or opens another
# (group 2: its opening quote).
_OPENED = re.compile(rf'(?:{_FIELD},)*(")' + _INSIDE)
_CLOSED = re.compile(rf'({_INSIDE})"(?:,{_FIELD})*')
_REOPENED = re.compile(rf'({_INSIDE})"(?:,{_FIELD})*,(")' + _INSIDE)
_STILL_INSIDE = re.compile(_INSIDE)  # a line wholly inside the open field


def _body(line: str) -> str:
    return line.removesuffix("\n").removesuffix("\r")


def _strict_record(lines: _Lines, line: str, width: int
                   ) -> tuple[list[str] | None, str, int, str | None]:
    """(fields, raw text, lines taken, what is malformed) of the record that starts with
    `line`, read strictly. When `line` starts no well-formed record, fields is None and only
    `line` is taken (a bare or unbalanced quote must not swallow the lines after it; those
    read ahead are handed back), its text the raw value. A quoted field may span lines only
    if it closes into a record of `width` fields within QUOTED_MAX_LINES lines and
    QUOTED_MAX_BYTES bytes. One that does so only further on (within CSV_FIELD_LIMIT)
    is an overlong memo or an unbalanced quote, which cannot be told apart: _Undecided."""
    body = _body(line)
    if '"' not in body:
        return body.split(",") if body else [], body, 1, None
    if _WHOLE.fullmatch(body):
        return _csv_fields(body), body, 1, None
    if not (opened := _OPENED.fullmatch(body)):
        return None, body, 1, ("malformed quoting (a quote inside an unquoted field or text "
                               "after a closing quote)")
    # Where the open field's quote is (bytes into the record, line of the record), measured
    # as _QuoteScan measures a quoted field: from its opening quote to its closing one.
    taken, size = [line], _bytes(line)
    open_at, open_line, overlong = _bytes(body[:opened.start(1)]), 0, False
    while size - open_at <= CSV_FIELD_LIMIT:
        more = lines.readline()
        if not more:
            break
        taken.append(more)
        rest, at = _body(more), size
        size += _bytes(more)
        closed = _CLOSED.fullmatch(rest)
        match = closed or _REOPENED.fullmatch(rest)
        if match:
            close_at = at + _bytes(rest[:match.end(1)])
            overlong |= (close_at - open_at > QUOTED_MAX_BYTES
                         or len(taken) - 1 - open_line > QUOTED_MAX_LINES)
        if closed:
            text = _body("".join(taken))
            try:
                fields = _csv_fields(text)
            except csv.Error:  # a field longer than CSV_FIELD_LIMIT
                break
            if len(fields) != width:
                break
            if overlong:
                raise _Undecided(len(taken), size)
            return fields, text, len(taken), None
        if match:
            open_at, open_line = at + _bytes(rest[:match.start(2)]), len(taken) - 1
        elif not _STILL_INSIDE.fullmatch(rest):
            break
    lines.push(taken[1:])
    return None, body, 1, (f"unclosed quote (no record of {width} fields ends within "
                           f"{QUOTED_MAX_LINES:,} lines and {QUOTED_MAX_BYTES >> 10} KiB)")


def _bytes(text: str) -> int:
    return len(text.encode("utf-8", "surrogateescape"))


def _csv_fields(text: str) -> list[str]:
    """The fields of one well-formed record (Python's csv reads RFC 4180 as written)."""
    return next(csv.reader([text]), [])


def _lenient_fields(text: str) -> list[str]:
    """The fields of a malformed line as Python's csv guesses them (the quarantine's raw
    row); the whole line as one field when even that fails."""
    try:
        return next(csv.reader([text]), [])
    except csv.Error:
        return [text]


# --- the quote scan: is COPY's reading of the file the RFC 4180 one? ---------------------------

# A quoted field may span lines (mdb-export keeps a memo's line breaks), within these bounds
# (from its opening quote to its closing one); past them it is an unbalanced quote, or, when
# it still closes into a well-formed record, undecidable (the batch is rejected).
QUOTED_MAX_BYTES = 64 << 10
QUOTED_MAX_LINES = 1_000
_QUOTE, _NEWLINE, _COMMA, _RETURN = ord('"'), ord("\n"), ord(","), ord("\r")


def _off_edge(b: np.ndarray) -> np.ndarray:
    """Positions of the bytes `b` that no quote may follow when it opens a field, or precede
    when it closes one: all but a comma, a line break and a quote (a quote next to a quote
    is a doubled quote inside a quoted field). Four comparisons beat a table lookup here."""
    ok = (b == _COMMA) | (b == _QUOTE) | (b == _NEWLINE) | (b == _RETURN)
    return np.empty(0, dtype=np.intp) if ok.all() else np.flatnonzero(~ok)


class _QuoteScan:
    """Reads the bytes COPY is sent, chunk by chunk (numpy, no Python loop per byte), and
    tells whether PostgreSQL's CSV reader sees the records RFC 4180 sees. PostgreSQL toggles
    quoting on every quote, wherever it is: a bare quote inside an unquoted field (`5" screen`)
    opens a quoted field that swallows the commas and line breaks up to the next quote, and
    an unbalanced one swallows lines by the thousand. In a well-formed file the n-th quote
    opens a field when n is even and closes one when n is odd, an opening quote follows a
    field edge (a comma, a line break, the start, or the closing quote of a doubled pair) and
    a closing one precedes an edge: `anomaly` is the byte offset of the first quote that does
    not, of a quoted field longer than QUOTED_MAX_BYTES or QUOTED_MAX_LINES, or of a quote
    left open at the end. `lines` (physical lines) and `embedded` (line breaks inside quoted
    fields) account for the lines: a clean file has lines = records + embedded."""

    def __init__(self) -> None:
        self.offset = 0  # bytes scanned
        self.lines = 0  # newline bytes, then (finish) physical lines
        self.embedded = 0  # newline bytes inside quoted fields
        self.open_at: int | None = None  # offset of the quote of a field still open
        self.open_lines = 0  # newlines since then
        self.last = _NEWLINE  # the byte before the chunk (the start counts as a line break)
        self.close_at_end = False  # the previous chunk ended with a closing quote
        self.anomaly: int | None = None
        self.why = ""

    def _flag(self, offset: int, why: str) -> None:
        if self.anomaly is None or offset < self.anomaly:
            self.anomaly, self.why = offset, why

    def feed(self, chunk: bytes) -> None:
        a = np.frombuffer(chunk, dtype=np.uint8)
        if not len(a):
            return
        if self.close_at_end and len(_off_edge(a[:1])):
            self._flag(self.offset - 1, "text after a closing quote")
        quotes = np.flatnonzero(a == _QUOTE)
        newlines = np.flatnonzero(a == _NEWLINE)
        self.lines += len(newlines)
        was_open = self.open_at is not None
        if not len(quotes):
            self.close_at_end = False
            if was_open:
                self.embedded += len(newlines)
                self.open_lines += len(newlines)
        else:
            # A line break after k quotes of the chunk is inside a quoted field when k (plus
            # one for a field open before the chunk) is odd; k tells the fields apart.
            before = np.searchsorted(quotes, newlines)
            fields = before[((before + was_open) & 1).astype(bool)]
            self.embedded += len(fields)
            trailing = 0
            if len(fields):
                field_ids, counts = np.unique(fields, return_counts=True)
                if was_open and field_ids[0] == 0:
                    counts[0] += self.open_lines
                if counts.max() > QUOTED_MAX_LINES:
                    k = int(field_ids[counts.argmax()])
                    self._flag(self.offset + int(quotes[k - 1]) if k else self.open_at,
                               "a quoted field too long")
                if field_ids[-1] == len(quotes):
                    trailing = int(counts[-1])
            opens, closes = quotes[int(was_open)::2], quotes[1 - int(was_open)::2]
            edge = a[opens - 1]
            if len(opens) and opens[0] == 0:
                edge[0] = self.last
            if len(bad := _off_edge(edge)):
                self._flag(self.offset + int(opens[bad[0]]), "a quote inside an unquoted field")
            self.close_at_end = bool(len(closes)) and closes[-1] == len(a) - 1
            inner = closes[:-1] if self.close_at_end else closes
            if len(bad := _off_edge(a[inner + 1])):
                self._flag(self.offset + int(inner[bad[0]]), "text after a closing quote")
            # Each quoted field's length in bytes (one open before the chunk starts at open_at).
            starts = (np.concatenate(([self.open_at - self.offset], opens)) if was_open
                      else opens)
            paired = starts[:len(closes)]
            lengths = closes - paired
            if len(lengths) and lengths.max() > QUOTED_MAX_BYTES:
                bad = np.flatnonzero(lengths > QUOTED_MAX_BYTES)
                self._flag(self.offset + int(paired[bad[0]]), "a quoted field too long")
            if len(starts) > len(closes):
                self.open_at, self.open_lines = self.offset + int(starts[-1]), trailing
            else:
                self.open_at = None
        self.offset += len(a)
        self.last = int(a[-1])
        if self.open_at is not None and (self.offset - self.open_at > QUOTED_MAX_BYTES
                                         or self.open_lines > QUOTED_MAX_LINES):
            self._flag(self.open_at, "a quoted field too long")

    def finish(self) -> None:
        if self.open_at is not None:
            self._flag(self.open_at, "a quote not closed")
        if self.offset and self.last != _NEWLINE:
            self.lines += 1  # the last line has no line break


class _Misread(Exception):
    """The quote scan found what COPY may have read otherwise than RFC 4180."""


class _Undecided(Exception):
    """A quoted field closes into a well-formed record, but only past the bounds a field may
    span: (lines, bytes) of that record."""

    def __init__(self, lines: int, size: int):
        self.lines, self.size = lines, size
        super().__init__(lines, size)


# --- one file ---------------------------------------------------------------------------------

class _FileLoader:
    """Loads one planned file inside the batch transaction."""

    def __init__(self, conn: psycopg.Connection, batch_id: int, plan: PlannedFile,
                 progress: ProgressFn | None):
        self.conn, self.batch_id, self.plan, self.progress = conn, batch_id, plan, progress
        self.file = plan.path.name
        self.source = plan.source
        self.result = FileResult(self.file, plan.source.table if plan.source else None)
        self.structural = 0
        self.scratch: list[sql.Identifier] = [STAGE, TYPED, DELTA, REJECTED]
        # What a bulk first load dropped and must create again (see _drop_for_load).
        self.rebuild: list[sql.Composable] = []
        # The live table's columns: {name: (NOT NULL, length limit)}.
        self.live: dict[str, tuple[bool, int | None]] = {}
        if self.source is not None:
            self.live = {name: (not_null, limit) for name, not_null, limit in self.q(
                sql_text("imports/live_columns.sql"),
                {"table": sql.Identifier(self.source.table).as_string(conn)}).fetchall()}

    def q(self, query: sql.Composable | str, params: list | tuple | dict = ()) -> psycopg.Cursor:
        return self.conn.execute(query, params)

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        yield
        elapsed = time.perf_counter() - started
        self.result.timings[name] = self.result.timings.get(name, 0.0) + elapsed
        log.info("%s: %s took %.2fs", self.file, name, elapsed)

    def run(self) -> FileResult:
        with self.phase("copy"):
            self.stage()
        if self.source is None:
            with self.phase("unmapped"):
                self.keep_unmapped(self.plan.headers)
                # Its records COPY could not take are quarantined like any file's.
                self.result.quarantined = self.quarantine_structural()
        else:
            if self.plan.unmapped:
                with self.phase("unmapped"):
                    self.keep_unmapped(self.plan.unmapped)
            with self.phase("convert and check"):
                self.build_typed()
            with self.phase("quarantine"):
                self.quarantine_bad_values()
            self.q(sql.SQL("CREATE UNLOGGED TABLE {} (rn bigint NOT NULL, column_name text, "
                           "reason text NOT NULL)").format(REJECTED))
            with self.phase("apply"):
                self.apply()
            self.count_widened()
            if self.source.table == "Transactions":
                with self.phase("synthesize committees"):
                    self.synthesize_committees()
            if self.rebuild:
                with self.phase("indexes and keys"):
                    for statement in self.rebuild:
                        self.q(statement)
            self.result.quarantined = self.q(
                "SELECT count(DISTINCT row_number) FROM sunshine.quarantine "
                "WHERE batch_id = %s AND file_name = %s", [self.batch_id, self.file]
            ).fetchone()[0]
            r = self.result
            r.unchanged = r.read - r.quarantined - r.inserted - r.updated - r.deleted
        self.preview()
        self.q(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.SQL(", ").join(self.scratch)))
        return self.result

    # -- staging --

    def _create_stage(self) -> None:
        self.q(sql.SQL("DROP TABLE IF EXISTS {}").format(STAGE))
        self.q(sql.SQL(
            "CREATE UNLOGGED TABLE {stage} ({rn} bigint GENERATED BY DEFAULT AS IDENTITY "
            "(CACHE 10000), {cols}, {problem} text, {column} text, {value} text, "
            "{fields} jsonb)").format(
            stage=STAGE, rn=sql.Identifier(RN),
            cols=sql.SQL(", ").join(sql.SQL("{} text").format(sql.Identifier(h))
                                    for h in self.plan.headers),
            problem=sql.Identifier(PROBLEM), column=sql.Identifier(PROBLEM_COLUMN),
            value=sql.Identifier(PROBLEM_VALUE), fields=sql.Identifier(FIELDS)))

    def stage(self) -> None:
        """The file into staging: COPY, while _QuoteScan reads the same chunks; a file COPY
        refuses, or may have misread (a quote out of place, or records and lines that do not
        add up), is staged again record by record (stage_records)."""
        total = self.plan.path.stat().st_size
        try:
            with self.conn.transaction():
                self._create_stage()
                self._copy(total)
        except (errors.BadCopyFileFormat, errors.CharacterNotInRepertoire,
                errors.UntranslatableCharacter, _Misread) as exc:
            log.warning("%s: %s; streaming it record by record", self.file,
                        exc if isinstance(exc, _Misread) else
                        f"COPY refused the file ({str(exc).splitlines()[0]})")
            self._create_stage()
            self.stage_records(total)
            self.result.read = self.q(sql.SQL("SELECT count(*) FROM {}").format(
                STAGE)).fetchone()[0]
        self.q(sql.SQL("ANALYZE {}").format(STAGE))

    def _copy(self, total: int) -> None:
        cols = sql.SQL(", ").join(sql.Identifier(h) for h in self.plan.headers)
        copy = sql.SQL("COPY {stage} ({cols}) FROM STDIN (FORMAT csv, HEADER true, "
                       "FORCE_NULL ({cols}))").format(stage=STAGE, cols=cols)
        scan, done = _QuoteScan(), 0
        with self.conn.cursor() as cur, cur.copy(copy) as cp, self.plan.path.open("rb") as f:
            while chunk := f.read(COPY_CHUNK):
                scan.feed(chunk)
                if scan.anomaly is not None:
                    raise _Misread(f"{scan.why} at byte {scan.anomaly}")
                cp.write(chunk)
                done += len(chunk)
                if self.progress:
                    self.progress(self.file, done, total)
            scan.finish()
            if scan.anomaly is not None:
                raise _Misread(f"{scan.why} at byte {scan.anomaly}")
        read = self.q(sql.SQL("SELECT count(*) FROM {}").format(STAGE)).fetchone()[0]
        if read + 1 + scan.embedded != scan.lines:
            raise _Misread(f"COPY read {read} records and the header from {scan.lines} lines "
                           f"({scan.embedded} line breaks inside quoted fields)")
        self.result.read = read

    def stage_records(self, total: int) -> None:
        """The fallback: the file again, record by record, read strictly (RFC 4180). A
        record COPY cannot take is staged as a structural problem (reason with its line,
        column, raw value, its fields as JSON); every other one is written again with its
        record number, in 1 MiB batches. A line with no quote is split as it is (most of
        them); a quoted field may span lines only if it closes into a record of the header's
        width within QUOTED_MAX_LINES / QUOTED_MAX_BYTES. A line that starts no well-formed
        record (a bare quote in an unquoted field, text after a closing quote, a quote that
        does not close in time) is one bad record, its raw text kept, and reading starts
        again on the next line: a bad quote never swallows the records after it. Every
        physical line is in exactly one record. One bad record costs the file a second,
        slower pass, never its good rows."""
        headers = self.plan.headers
        width = len(headers)
        internal = [PROBLEM, PROBLEM_COLUMN, PROBLEM_VALUE, FIELDS]
        copy = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT csv, FORCE_NULL ({}))").format(
            STAGE, sql.SQL(", ").join(sql.Identifier(n) for n in [RN, *headers, *internal]),
            sql.SQL(", ").join(sql.Identifier(n) for n in [*headers, *internal]))
        empty = [""] * width
        previous_limit = csv.field_size_limit(CSV_FIELD_LIMIT)
        try:
            with self.plan.path.open("rb") as raw, self.conn.cursor() as cur, \
                    cur.copy(copy) as cp:
                counted = _CountingReader(raw)
                lines = _Lines(io.TextIOWrapper(io.BufferedReader(counted, COPY_CHUNK),
                                                encoding="utf-8", errors="surrogateescape",
                                                newline=""))
                out = io.StringIO()
                writer = csv.writer(out, lineterminator="\n")
                first = lines.readline()
                line_number = _strict_record(lines, first, width)[2] if first else 0
                record = 1  # the header, checked by plan_batch
                while line := lines.readline():
                    record += 1
                    at = line_number + 1
                    try:
                        fields, text, taken, malformed = _strict_record(lines, line, width)
                    except csv.Error as exc:  # a field longer than CSV_FIELD_LIMIT
                        fields, text, taken, malformed = None, _body(line), 1, f"not CSV ({exc})"
                    except _Undecided as undecided:
                        raise BatchRejected(self.file, (
                            f"line {at}: a quoted field keeps its record of {width} "
                            f"fields open for {undecided.lines:,} lines "
                            f"({undecided.size:,} bytes), more than a field may span "
                            f"({QUOTED_MAX_LINES:,} lines, {QUOTED_MAX_BYTES >> 10} KiB): a "
                            "memo that long and a quote left open cannot be told apart, so "
                            "nothing of the batch landed")) from None
                    line_number += taken
                    problem = ((f"{malformed} at line {at}", None, _shown(text)) if malformed
                               else _structural_problem(fields, headers, text, at))
                    if problem is not None:
                        self.structural += 1
                        reason, column, value = problem
                        writer.writerow([record - 1, *empty, reason, column or "", value or "",
                                         json.dumps([_shown(v) for v in fields
                                                     or _lenient_fields(text)])])
                    elif taken == 1 and '"' not in text:
                        out.write(f"{record - 1},{text},,,,\n")
                    else:
                        writer.writerow([record - 1, *fields, "", "", "", ""])
                    if out.tell() >= COPY_CHUNK:
                        cp.write(out.getvalue().encode("utf-8"))
                        out.seek(0)
                        out.truncate()
                        if self.progress:
                            self.progress(self.file, counted.done, total)
                cp.write(out.getvalue().encode("utf-8"))
                if self.progress:
                    self.progress(self.file, total, total)
        finally:
            csv.field_size_limit(previous_limit)

    def keep_unmapped(self, headers: list[str]) -> None:
        pairs = [(h, sql.SQL("s.{}").format(sql.Identifier(h))) for h in headers]
        self.q(sql.SQL(
            "INSERT INTO sunshine.unmapped_data (batch_id, file_name, row_number, data) "
            "SELECT %s, %s, s.{rn} + 1, j.data FROM {stage} AS s "
            "CROSS JOIN LATERAL (SELECT jsonb_strip_nulls({obj}) AS data) AS j "
            "WHERE s.{problem} IS NULL AND j.data <> '{{}}'").format(
            rn=sql.Identifier(RN), obj=_jsonb_object(pairs), stage=STAGE,
            problem=sql.Identifier(PROBLEM)), [self.batch_id, self.file])

    # -- conversion and checks: one pass --

    def _date_map(self, header: str, parser: str) -> sql.Identifier:
        """A small table of a date column's distinct spellings and their values (or NULL)."""
        name = sql.Identifier("sunshine", f"import_dates_{len(self.scratch)}")
        self.scratch.append(name)
        self.q(sql.SQL("DROP TABLE IF EXISTS {}").format(name))
        self.q(sql.SQL(
            "CREATE UNLOGGED TABLE {map} AS SELECT raw, {parse}(btrim(raw, {ws})) AS parsed "
            "FROM (SELECT DISTINCT {col} AS raw FROM {stage} WHERE {col} IS NOT NULL) AS d"
        ).format(map=name, parse=sql.SQL(parser), ws=sql.Literal(WHITESPACE),
                 col=sql.Identifier(header), stage=STAGE))
        self.q(sql.SQL("ANALYZE {}").format(name))
        return name

    def _mostly_empty(self) -> set[str]:
        """Staged columns that are NULL in most rows (their references are looked up one by
        one through an index instead of hashing the whole referenced table)."""
        rows = self.q(
            "SELECT attname FROM pg_stats WHERE schemaname = 'sunshine' "
            "AND tablename = 'import_stage' AND null_frac > 0.5").fetchall()
        return {r[0] for r in rows}

    def _checks(self, raw_of: Callable[[str], sql.Composable],
                value_of: Callable[[str], sql.Composable],
                missing: Callable[[str, Reference, sql.Composable], sql.Composable]
                ) -> list[tuple[str, list[tuple[sql.Composable, sql.Composable]]]]:
        """Per header, the (test, reason) pairs that make a row bad, in order of precedence.
        `missing(header, reference, value)` tests that a reference names no row."""
        refs = self.source.foreign_references
        is_ie = self.source.table == "Transactions"
        out = []
        for header, column in self.plan.mapped.items():
            raw, value = raw_of(header), value_of(header)
            checks = _value_checks(column, raw, value, self.live.get(column.name, (
                False, None))[1])
            ref = refs.get(column.name)
            if ref is not None:
                checks.append((sql.SQL("({} IS NOT NULL AND {})").format(
                    value, missing(header, ref, value)),
                    sql.Literal(f"unknown {ref.what}: no {ref.table} row with this id")))
            if is_ie and column.name == "subject_committee_id":
                checks.append((sql.SQL(
                    "({v} IS NOT NULL AND {v} <= 0 AND (SELECT 1 FROM \"Committees\" AS x "
                    "WHERE x.name_id = {v} LIMIT 1) IS NULL)").format(v=value),
                    sql.Literal("subject committee name is a sentinel name with no committee")))
            if checks:
                out.append((header, checks))
        return out

    @staticmethod
    def _lookup(header: str, ref: Reference, value: sql.Composable) -> sql.Composable:
        """Missing, asked through the referenced table's key: one index probe per row."""
        return sql.SQL("(SELECT 1 FROM {t} AS x WHERE x.{k} = {v} LIMIT 1) IS NULL").format(
            t=sql.Identifier(ref.table), k=sql.Identifier(ref.target), v=value)

    def _key_bitmap(self, ref: Reference) -> sql.Identifier | None:
        """A one-row table (lo, nbits, bits) with one bit per possible key of the referenced
        table, set when the key exists; None when its keys are too spread out for that.
        Testing a bit costs a fraction of probing a hash of millions of keys."""
        lo, hi = self.q(sql.SQL("SELECT min({k})::bigint, max({k})::bigint FROM {t}").format(
            k=sql.Identifier(ref.target), t=sql.Identifier(ref.table))).fetchone()
        if lo is not None and hi - lo >= BITMAP_MAX_KEYS:
            return None
        name = sql.Identifier("sunshine", f"import_keys_{len(self.scratch)}")
        self.scratch.append(name)
        self.q(sql.SQL("DROP TABLE IF EXISTS {}").format(name))
        self.q(sql.SQL(
            "CREATE UNLOGGED TABLE {name} AS SELECT %(lo)s::bigint AS lo, "
            "%(hi)s::bigint - %(lo)s::bigint + 1 AS nbits, "
            "(SELECT decode(string_agg(lpad(to_hex(coalesce(x.b, 0)), 2, '0'), '' ORDER BY i), "
            "'hex') FROM generate_series(0, (%(hi)s::bigint - %(lo)s::bigint) / 8) AS i "
            "LEFT JOIN (SELECT ({k} - %(lo)s::bigint) / 8 AS byte, "
            "bit_or(1 << (({k} - %(lo)s::bigint) %% 8)::integer) AS b FROM {t} GROUP BY 1) AS x "
            "ON x.byte = i) AS bits").format(
            name=name, k=sql.Identifier(ref.target), t=sql.Identifier(ref.table)),
            {"lo": lo, "hi": hi})
        return name

    def _ref_strategies(self, value_of: Callable[[str], sql.Composable]
                        ) -> tuple[Callable[[str, Reference, sql.Composable], sql.Composable],
                                   list[sql.Composable]]:
        """How build_typed tests each reference: a small file, or a mostly empty column,
        looks its values up through the referenced key's index; a dense one tests a key
        bitmap, or hash-joins the referenced table when its keys are too spread out."""
        sparse = (set(self.plan.headers) if self.result.read < LOOKUP_MAX_ROWS
                  else self._mostly_empty())
        index = {h: i for i, h in enumerate(self.plan.headers)}
        refs = self.source.foreign_references
        tests: dict[str, Callable[[sql.Composable], sql.Composable]] = {}
        joins = []
        for header, column in self.plan.mapped.items():
            ref = refs.get(column.name)
            if ref is None or header in sparse:
                continue
            bitmap = self._key_bitmap(ref)
            if bitmap is not None:
                tests[header] = functools.partial(_bitmap_missing, bitmap)
            else:
                alias = sql.Identifier(f"ref{index[header]}")
                target = sql.Identifier(ref.target)
                joins.append(sql.SQL("LEFT JOIN {t} AS {a} ON {a}.{k} = {v}").format(
                    t=sql.Identifier(ref.table), a=alias, k=target, v=value_of(header)))
                tests[header] = functools.partial(_join_missing, alias, target)

        def missing(header: str, ref: Reference, value: sql.Composable) -> sql.Composable:
            test = tests.get(header)
            return test(value) if test else self._lookup(header, ref, value)

        return missing, joins

    def _typed_name(self, header: str) -> str:
        column = self.plan.mapped[header]
        if self.source.table == "Transactions" and column.name == "subject_committee_id":
            return "subject_name_id"
        return column.name

    def build_typed(self) -> None:
        """Stage → typed in one pass: every catalog column converted and its references
        looked up. Only a bad row (a bad value or reference) gets `raw`, the row as it came;
        the quarantine step spells out its reasons."""
        try:
            with self.conn.transaction():
                self._build_typed(numbers=CAST)
        except psycopg.DataError as exc:
            log.info("%s: a malformed number (%s); converting value by value", self.file,
                     str(exc).splitlines()[0])
            self._build_typed(numbers=number_test(self.conn))

    def _build_typed(self, *, numbers: str) -> None:
        source, mapped = self.source, self.plan.mapped
        header_of = {c.name: h for h, c in mapped.items()}
        index = {h: i for i, h in enumerate(self.plan.headers)}
        is_ie = source.table == "Transactions" and "subject_committee_id" in header_of

        def raw_of(header: str) -> sql.Composable:
            return sql.SQL("c.{}").format(sql.Identifier(f"r{index[header]}"))

        def value_of(header: str) -> sql.Composable:
            return sql.SQL("c.{}").format(sql.Identifier(f"v{index[header]}"))

        inner = [sql.SQL("s.{} AS rn").format(sql.Identifier(RN))]
        date_joins = []
        for header in self.plan.headers:
            raw = sql.SQL("s.{}").format(sql.Identifier(header))
            inner.append(sql.SQL("{} AS {}").format(raw, sql.Identifier(f"r{index[header]}")))
            column = mapped.get(header)
            if column is None:
                continue
            date_map = None
            if column.type in _DATE_PARSERS:
                date_map = sql.Identifier(f"d{index[header]}")
                date_joins.append(sql.SQL("LEFT JOIN {} AS {} ON {}.raw = {}").format(
                    self._date_map(header, _DATE_PARSERS[column.type]), date_map, date_map,
                    raw))
            value = _convert(column, raw, date_map, numbers=numbers)
            inner.append(sql.SQL("{} AS {}").format(value, sql.Identifier(f"v{index[header]}")))
        missing, ref_joins = self._ref_strategies(value_of)
        problems = self._checks(raw_of, value_of, missing)
        any_bad = sql.SQL(" OR ").join(test for _, checks in problems for test, _ in checks)
        outer = [
            sql.SQL("c.rn"),
            sql.SQL("CASE WHEN {} THEN {} END AS raw").format(
                any_bad if problems else sql.SQL("false"),
                _jsonb_object([(h, raw_of(h)) for h in self.plan.headers])),
        ]
        for column in source.columns:
            if column.name in header_of:
                value = value_of(header_of[column.name])
            else:
                value = sql.SQL("NULL::{}").format(sql.SQL(
                    "numeric(12, 2)" if column.type == AMOUNT else column.type))
            if is_ie and column.name == "subject_committee_id":
                # SubjectCommitteeID is a NameID: that name's committee (a real one first, then
                # the smallest id), else the synthesized one, -name_id (never a real id).
                outer.append(sql.SQL("{} AS subject_name_id").format(value))
                value = sql.SQL(
                    "CASE WHEN {v} IS NOT NULL THEN coalesce((SELECT x.committee_id "
                    "FROM \"Committees\" AS x WHERE x.name_id = {v} "
                    "ORDER BY EXISTS (SELECT FROM sunshine.synthesized_committee AS y "
                    "WHERE y.committee_id = x.committee_id), x.committee_id LIMIT 1), "
                    "CASE WHEN {v} > 0 THEN -{v} END) END").format(v=value)
            outer.append(sql.SQL("{} AS {}").format(value, sql.Identifier(column.name)))
        self.q(sql.SQL("DROP TABLE IF EXISTS {}").format(TYPED))
        self.q(sql.SQL(
            "CREATE UNLOGGED TABLE {typed} AS SELECT {outer} FROM (SELECT {inner} "
            "FROM {stage} AS s {date_joins} WHERE s.{problem} IS NULL OFFSET 0) AS c "
            "{ref_joins}"
        ).format(typed=TYPED, outer=sql.SQL(", ").join(outer),
                 inner=sql.SQL(", ").join(inner), stage=STAGE,
                 date_joins=sql.SQL(" ").join(date_joins), problem=sql.Identifier(PROBLEM),
                 ref_joins=sql.SQL(" ").join(ref_joins)))

    def _insert_quarantine(self, select: sql.Composable, params: list | tuple = ()) -> int:
        """`select` yields (row_number, column_name, raw_value, reason, raw_row)."""
        cur = self.q(sql.SQL(
            "INSERT INTO sunshine.quarantine "
            "(batch_id, file_name, row_number, column_name, raw_value, reason, raw_row) "
            "SELECT %s, %s, q.* FROM ({}) AS q").format(select),
            [self.batch_id, self.file, *params])
        return cur.rowcount

    def quarantine_structural(self) -> int:
        """The records the fallback staged as structural problems, into the quarantine."""
        if not self.structural:
            return 0
        return self._insert_quarantine(sql.SQL(
            "SELECT s.{rn} + 1, s.{column}, s.{value}, s.{problem}, s.{fields} "
            "FROM {stage} AS s WHERE s.{problem} IS NOT NULL").format(
            rn=sql.Identifier(RN), column=sql.Identifier(PROBLEM_COLUMN),
            value=sql.Identifier(PROBLEM_VALUE), problem=sql.Identifier(PROBLEM),
            fields=sql.Identifier(FIELDS), stage=STAGE))

    def quarantine_bad_values(self) -> None:
        """Structural problems (from the fallback), then every bad value and reference of the
        bad rows (one quarantine row each), with the row as it came."""
        self.quarantine_structural()

        def raw_of(header: str) -> sql.Composable:
            return sql.SQL("(t.raw ->> {})").format(sql.Literal(header))

        def value_of(header: str) -> sql.Composable:
            return sql.SQL("t.{}").format(sql.Identifier(self._typed_name(header)))

        problems = self._checks(raw_of, value_of, self._lookup)
        if not problems:
            return
        reasons = sql.SQL(", ").join(
            sql.SQL("({}, CASE {} END)").format(sql.Literal(header), sql.SQL(" ").join(
                sql.SQL("WHEN {} THEN {}").format(test, why) for test, why in checks))
            for header, checks in problems)
        self._insert_quarantine(sql.SQL(
            "SELECT t.rn + 1, p.column_name, t.raw ->> p.column_name, p.reason, t.raw "
            "FROM {typed} AS t CROSS JOIN LATERAL (VALUES {reasons}) AS p (column_name, reason) "
            "WHERE t.raw IS NOT NULL AND p.reason IS NOT NULL").format(
            typed=TYPED, reasons=reasons))

    # -- duplicate keys, unique values and references to the file's own table --

    def _header_of(self, names: tuple[str, ...]) -> str:
        headers = {c.name: c.header for c in self.source.columns}
        by_name = {c.name: h for h, c in self.plan.mapped.items()}
        return "+".join(by_name.get(k, headers[k]) for k in names)

    def _reject(self, select: sql.Composable, params: list | tuple = ()) -> int:
        """Reject the typed rows `select` yields (rn, column_name, reason) that are still
        accepted, and quarantine them with their raw values, read back from staging."""
        row = _jsonb_object([(h, sql.SQL("s.{}").format(sql.Identifier(h)))
                             for h in self.plan.headers])
        rejected = self.q(sql.SQL(
            "WITH new AS (INSERT INTO {rejected} (rn, column_name, reason) "
            "SELECT DISTINCT ON (c.rn) c.rn, c.column_name, c.reason FROM ({select}) AS c "
            "WHERE NOT EXISTS (SELECT FROM {rejected} AS x WHERE x.rn = c.rn) "
            "RETURNING rn, column_name, reason) "
            "INSERT INTO sunshine.quarantine "
            "(batch_id, file_name, row_number, column_name, raw_value, reason, raw_row) "
            "SELECT %s, %s, new.rn + 1, new.column_name, j.raw ->> new.column_name, "
            "new.reason, j.raw FROM new JOIN {stage} AS s ON s.{rn} = new.rn "
            "CROSS JOIN LATERAL (SELECT {row} AS raw) AS j").format(
            rejected=REJECTED, select=select, stage=STAGE, rn=sql.Identifier(RN), row=row),
            [*params, self.batch_id, self.file]).rowcount
        if rejected:
            self.q(sql.SQL("ANALYZE {}").format(REJECTED))
        return rejected

    def check_duplicates(self) -> int:
        """Every copy of a key, or of a value of another unique constraint of the site's
        table, that more than one accepted row holds is rejected (which copy is right cannot
        be known); so is a row whose unique value the table holds under another key that the
        file does not change (a quarantined row of the file changes nothing)."""
        rejected = 0
        stored = dict(zip((c.name for c in self.source.columns), self._values("t"),
                          strict=True))
        for names, what in ((self.source.key, "duplicate key in this file"),
                            *((u, "duplicate value in this file") for u in self.source.unique)):
            # Compared as stored: '' in a NOT NULL text column collides; NULLs never do.
            cols = sql.SQL(", ").join(stored[k] for k in names)
            not_null = sql.SQL(" AND ").join(
                sql.SQL("{} IS NOT NULL").format(stored[k]) for k in names)
            rejected += self._reject(sql.SQL(
                "SELECT t.rn, %s AS column_name, %s AS reason FROM {typed} AS t "
                "WHERE {accepted} AND {not_null} AND ({cols}) IN (SELECT {cols} FROM {typed} "
                "AS t WHERE {accepted} GROUP BY {cols} HAVING count(*) > 1)").format(
                typed=TYPED, accepted=self._accepted("t"), not_null=not_null, cols=cols),
                [self._header_of(names), what])
        key = sql.SQL(" AND ").join(sql.SQL("b.{k} = t.{k}").format(k=sql.Identifier(k))
                                    for k in self.source.key)
        other = sql.SQL(" AND ").join(sql.SQL("o.{k} = b.{k}").format(k=sql.Identifier(k))
                                      for k in self.source.key)
        for names in self.source.unique:
            same = sql.SQL(" AND ").join(sql.SQL("b.{} = {}").format(sql.Identifier(k),
                                                                     stored[k])
                                         for k in names)
            rejected += self._reject(sql.SQL(
                "SELECT t.rn, %s AS column_name, %s AS reason FROM {typed} AS t "
                "JOIN {table} AS b ON {same} WHERE {accepted} AND NOT ({key}) "
                "AND NOT EXISTS (SELECT FROM {typed} AS o WHERE {other} AND {o_accepted})"
            ).format(
                typed=TYPED, table=sql.Identifier(self.source.table), same=same,
                accepted=self._accepted("t"), key=key, other=other,
                o_accepted=self._accepted("o")),
                [self._header_of(names),
                 f"another {self.source.table} row already holds this value"])
        return rejected

    def check_self_references(self) -> int:
        """A reference to the file's own table (an amendment to the row it modifies) must name
        a row already in the table or an accepted row of the file. Rejecting a row can orphan
        another that names it, so this repeats until nothing more is rejected."""
        table = sql.Identifier(self.source.table)
        in_file = {c.name: c for c in self.plan.mapped.values()}
        total = 0
        for ref in self.source.self_references:
            if ref.column not in in_file:
                continue
            col, target = sql.Identifier(ref.column), sql.Identifier(ref.target)
            while rejected := self._reject(sql.SQL(
                "SELECT t.rn, %s AS column_name, %s AS reason FROM {typed} AS t "
                "WHERE {accepted} AND t.{col} IS NOT NULL "
                "AND NOT EXISTS (SELECT FROM {typed} AS o WHERE o.{target} = t.{col} "
                "AND o.raw IS NULL AND NOT EXISTS (SELECT FROM {rejected} AS x "
                "WHERE x.rn = o.rn)) "
                "AND NOT EXISTS (SELECT FROM {table} AS b WHERE b.{target} = t.{col})").format(
                typed=TYPED, accepted=self._accepted("t"), col=col, target=target,
                rejected=REJECTED, table=table),
                [in_file[ref.column].header,
                 f"unknown {ref.what}: no {ref.table} row with this id"]):
                total += rejected
        return total

    # -- applying the change set --

    def _accepted(self, alias: str) -> sql.Composable:
        """Good rows of typed: no bad value or reference, not a duplicate."""
        return sql.SQL(
            "{a}.raw IS NULL AND NOT EXISTS (SELECT FROM {rejected} AS x "
            "WHERE x.rn = {a}.rn)").format(a=sql.Identifier(alias), rejected=REJECTED)

    def apply(self) -> None:
        table = sql.Identifier(self.source.table)
        empty = self.q(sql.SQL("SELECT NOT EXISTS (SELECT FROM {})").format(table)).fetchone()[0]
        if empty:
            self.check_self_references()
            try:
                with self.conn.transaction():
                    self.first_load()
                return
            except errors.UniqueViolation:
                log.info("%s: duplicate keys; quarantining every copy", self.file)
            self.check_duplicates()
            self.check_self_references()
            self.first_load()
        else:
            # In the same order as a first load: a row with a bad reference is not one of the
            # "otherwise good" rows among which duplicates are counted.
            self.check_self_references()
            self.check_duplicates()
            self.check_self_references()
            self.apply_changes()

    def _values(self, alias: str = "s") -> list[sql.Composable]:
        """Each imported column's value from typed/delta row `alias`, as the site stores it:
        an empty field is '' in a NOT NULL text column and the declared value in a NOT NULL
        boolean (deleted → false)."""
        values = []
        for c in self.source.columns:
            value = sql.SQL("{}.{}").format(sql.Identifier(alias), sql.Identifier(c.name))
            if c.if_empty is not None:
                value = sql.SQL("coalesce({}, {})").format(value, sql.Literal(c.if_empty))
            elif c.type == TEXT and self.live.get(c.name, (False, None))[0]:
                value = sql.SQL("coalesce({}, '')").format(value)
            values.append(value)
        return values

    def _columns(self) -> tuple[sql.Composable, sql.Composable]:
        """(the columns an insert writes, their values from row `s`): the imported ones, then
        the site's own columns with their values for a new row."""
        names = [sql.Identifier(c.name) for c in self.source.columns]
        values = self._values()
        for name, expression in self.source.on_insert:
            names.append(sql.Identifier(name))
            values.append(sql.SQL(expression))
        return sql.SQL(", ").join(names), sql.SQL(", ").join(values)

    def _compared(self) -> tuple[sql.Composable, sql.Composable]:
        """(the imported columns of table row `b`, their new values from row `s`)."""
        return (sql.SQL(", ").join(sql.SQL("b.{}").format(sql.Identifier(c.name))
                                   for c in self.source.columns),
                sql.SQL(", ").join(self._values()))

    def _aliased(self) -> sql.Composable:
        return sql.SQL(", ").join(
            sql.SQL("{} AS {}").format(v, sql.Identifier(c.name))
            for v, c in zip(self._values(), self.source.columns, strict=True))

    def first_load(self) -> None:
        """Into an empty table: insert the accepted rows straight, no comparison. A large
        load drops the table's indexes and constraints (its own and the foreign keys that
        name it) and builds them again afterwards: one sort per index and one join per
        foreign key instead of millions of index insertions and key checks. The primary
        key then doubles as the duplicate check (a UniqueViolation sends the caller back to
        check duplicates first). The change set is one row: op '*', key = rows inserted
        (the table was empty: every row is new)."""
        table = sql.Identifier(self.source.table)
        cols, s_row = self._columns()
        if self.result.read >= REBUILD_ROWS:
            self.rebuild = _drop_for_load(self.conn, self.source.table)
        inserted = self.q(sql.SQL(
            "INSERT INTO {table} ({cols}) SELECT {s_row} FROM {typed} AS s WHERE {accepted}"
        ).format(table=table, cols=cols, s_row=s_row, typed=TYPED,
                 accepted=self._accepted("s"))).rowcount
        if self.rebuild:
            # The primary key now, as the duplicate check (the rest once the rows referenced
            # are complete: synthesized committees come after the transactions).
            self.q(self.rebuild.pop(0))
        if inserted:
            self.q("INSERT INTO sunshine.import_change (batch_id, table_name, key, op) "
                   "VALUES (%s, %s, %s, '*')", [self.batch_id, self.source.table, inserted])
        self.result.inserted = inserted

    def apply_changes(self) -> None:
        """Into a table with rows: compare every accepted row with the table in one join;
        insert new keys, update changed rows, write nothing for identical ones, and record
        each key inserted (i), updated (u) or flipped to deleted (d)."""
        source = self.source
        table = sql.Identifier(source.table)
        names = [c.name for c in source.columns]
        cols, _ = self._columns()
        b_row, new_row = self._compared()
        join = sql.SQL(" AND ").join(
            sql.SQL("b.{k} = s.{k}").format(k=sql.Identifier(k)) for k in source.key)
        first = sql.Identifier(source.key[0])
        op = (sql.SQL("WHEN s.deleted AND NOT b.deleted THEN 'd' ")
              if "deleted" in names else sql.SQL(""))
        self.q(sql.SQL("DROP TABLE IF EXISTS {}").format(DELTA))
        self.q(sql.SQL(
            "CREATE UNLOGGED TABLE {delta} AS SELECT {aliased}, "
            "(CASE WHEN b.{first} IS NULL THEN 'i' {op}ELSE 'u' END)::\"char\" AS op "
            "FROM {typed} AS s LEFT JOIN {table} AS b ON {join} "
            "WHERE {accepted} AND (b.{first} IS NULL OR ({b_row}) IS DISTINCT FROM ({new_row}))"
        ).format(delta=DELTA, aliased=self._aliased(), new_row=new_row, first=first, op=op,
                 typed=TYPED, table=table,
                 join=join, accepted=self._accepted("s"), b_row=b_row))
        counts = dict(self.q(sql.SQL("SELECT op, count(*) FROM {} GROUP BY op").format(
            DELTA)).fetchall())
        change_key = sql.Identifier(source.change_key or source.key[0])
        record = sql.SQL("INSERT INTO sunshine.import_change (batch_id, table_name, key, op) ")
        # The delta holds the values as the site stores them: written as they are.
        plain = sql.SQL(", ").join(
            [sql.SQL("s.{}").format(sql.Identifier(n)) for n in names]
            + [sql.SQL(e) for _, e in source.on_insert])
        if counts.get("u") or counts.get("d"):
            self.free_unique_values(join)
            assignments = sql.SQL(", ").join(
                [sql.SQL("{c} = s.{c}").format(c=sql.Identifier(n))
                 for n in names if n not in source.key]
                + [sql.SQL("{} = {}").format(sql.Identifier(n), sql.SQL(e))
                   for n, e in source.on_update])
            self.q(sql.SQL(
                "WITH upd AS (UPDATE {table} AS b SET {assignments} FROM {delta} AS s "
                "WHERE s.op <> 'i' AND {join} RETURNING b.{ckey}, s.op) {record} "
                "SELECT %s, %s, upd.{ckey}, upd.op FROM upd").format(
                table=table, assignments=assignments, delta=DELTA, join=join,
                ckey=change_key, record=record), [self.batch_id, source.table])
        # Inserts after updates: a new row may take a unique value an updated row gave up.
        if counts.get("i"):
            self.q(sql.SQL(
                "WITH ins AS (INSERT INTO {table} ({cols}) SELECT {plain} FROM {delta} AS s "
                "WHERE s.op = 'i' RETURNING {ckey}) {record} "
                "SELECT %s, %s, ins.{ckey}, 'i' FROM ins").format(
                table=table, cols=cols, plain=plain, delta=DELTA, ckey=change_key,
                record=record), [self.batch_id, source.table])
        r = self.result
        r.inserted, r.updated, r.deleted = counts.get("i", 0), counts.get("u", 0), counts.get(
            "d", 0)

    def free_unique_values(self, join: sql.Composable) -> None:
        """The site's unique constraints are checked row by row, so rows of the batch that
        swap or pass on a unique value (two counties trading names) would collide midway.
        Each updated row whose unique value changes first gets a placeholder no real value
        has (a control character and its key) in the same transaction: readers never see it,
        and the update then writes the final values in any order."""
        table = sql.Identifier(self.source.table)
        key = sql.SQL(" || '/' || ").join(sql.SQL("b.{}::text").format(sql.Identifier(k))
                                          for k in self.source.key)
        for names in self.source.unique:
            assert all(c.type == TEXT for c in self.source.columns if c.name in names)
            self.q(sql.SQL(
                "UPDATE {table} AS b SET {placeholders} FROM {delta} AS s "
                "WHERE s.op <> 'i' AND {join} AND ({old}) IS DISTINCT FROM ({new})").format(
                table=table, delta=DELTA, join=join,
                placeholders=sql.SQL(", ").join(
                    sql.SQL("{} = chr(1) || {}").format(sql.Identifier(n), key)
                    for n in names),
                old=sql.SQL(", ").join(sql.SQL("b.{}").format(sql.Identifier(n))
                                       for n in names),
                new=sql.SQL(", ").join(sql.SQL("s.{}").format(sql.Identifier(n))
                                       for n in names)))

    def count_widened(self) -> None:
        """How many accepted rows hold a value the site's original column could not (a value
        longer than its length limit, an empty value in its NOT NULL column)."""
        tests = []
        for w in WIDENINGS:
            if w.table != self.source.table:
                continue
            col = sql.Identifier(w.column)
            test = (sql.SQL("s.{} IS NULL").format(col) if w.site_length is None else
                    sql.SQL("char_length(s.{}) > {}").format(col, sql.Literal(w.site_length)))
            tests.append((w.column, test))
        if not tests:
            return
        counts = self.q(sql.SQL("SELECT {} FROM {} AS s WHERE {}").format(
            sql.SQL(", ").join(sql.SQL("count(*) FILTER (WHERE {})").format(t)
                               for _, t in tests), TYPED, self._accepted("s"))).fetchone()
        self.result.widened = {c: n for (c, _), n in zip(tests, counts, strict=True) if n}

    def synthesize_committees(self) -> None:
        """A minimal committee for each IE target name that has none
        (sql/imports/synthesize_committees.sql)."""
        cur = self.q(sql_text("imports/synthesize_committees.sql"), {"batch_id": self.batch_id})
        self.result.synthesized_committees = cur.rowcount

    def preview(self) -> None:
        rows = self.q(
            "SELECT row_number, column_name, raw_value, reason FROM sunshine.quarantine "
            "WHERE batch_id = %s AND file_name = %s "
            "ORDER BY row_number, column_name NULLS FIRST, reason LIMIT %s",
            [self.batch_id, self.file, PREVIEW_ROWS]).fetchall()
        self.result.quarantine_preview = [QuarantinedRow(*row) for row in rows]


def _drop_for_load(conn: psycopg.Connection, table: str) -> list[sql.Composable]:
    """Drop what a bulk load into the empty `table` would maintain row by row: the foreign
    keys that name it (from any table, its own included), its own foreign keys, its primary
    key and unique constraints and its indexes. Return the statements that create them again,
    in an order that works (keys before the foreign keys that need them)."""
    regclass = sql.Identifier(table).as_string(conn)
    foreign = conn.execute(sql_text("imports/foreign_keys_of.sql"), {"table": regclass}
                           ).fetchall()
    indexes = conn.execute(sql_text("imports/indexes_of.sql"), {"table": regclass}).fetchall()
    create: list[sql.Composable] = []
    # A foreign key cannot be dropped while checks of the tables it joins are pending: the
    # site's keys are deferred, so rows written earlier in the batch wait to be checked at
    # commit. Check them now (they pass: the importer quarantined every bad reference), and
    # defer again afterwards.
    conn.execute("SET CONSTRAINTS ALL IMMEDIATE")
    conn.execute("SET CONSTRAINTS ALL DEFERRED")
    for relation, constraint, _ in foreign:
        conn.execute(sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(
            sql.SQL(relation), sql.Identifier(constraint)))
    for index, definition, constraint, constraint_def in indexes:
        if constraint:
            conn.execute(sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(
                sql.Identifier(table), sql.Identifier(constraint)))
            create.append(sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {}").format(
                sql.Identifier(table), sql.Identifier(constraint), sql.SQL(constraint_def)))
        else:
            conn.execute(sql.SQL("DROP INDEX {}").format(sql.SQL(index)))
            create.append(sql.SQL(definition))
    for relation, constraint, definition in foreign:
        create.append(sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {}").format(
            sql.SQL(relation), sql.Identifier(constraint), sql.SQL(definition)))
    return create


# --- the batch ---------------------------------------------------------------------------------

@contextlib.contextmanager
def _import_lock(conn: psycopg.Connection) -> Iterator[None]:
    """Hold the import lock (waiting for another import to finish); mark ledger rows that
    are still 'running' as abandoned: their importer died, or it would hold the lock."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_lock(%s, %s)", IMPORT_LOCK)
    try:
        with conn.transaction():
            abandoned = conn.execute(
                "UPDATE sunshine.import_batch SET outcome = 'abandoned', "
                "finished_at = clock_timestamp(), error = 'the importing process ended "
                "before the batch finished; nothing of it landed' "
                "WHERE outcome = 'running' RETURNING batch_id").fetchall()
        for (batch_id,) in abandoned:
            log.warning("batch %s was left running by a process that died: abandoned",
                        batch_id)
        yield
    finally:
        if not conn.closed and not conn.broken:
            conn.rollback()
            with conn.transaction():
                conn.execute("SELECT pg_advisory_unlock(%s, %s)", IMPORT_LOCK)


def _batch_already_landed(conn: psycopg.Connection, digest: str) -> int | None:
    row = conn.execute(
        "SELECT batch_id FROM sunshine.import_batch WHERE content_hash = %s "
        "AND outcome = 'landed' ORDER BY batch_id DESC LIMIT 1", [digest]).fetchone()
    return row[0] if row else None


@dataclass(frozen=True)
class Origin:
    """The file a batch was exported from (an Access file, imports/access.py): the ledger
    records it, and its content hash, instead of the folder of CSV files."""

    path: Path
    content_hash: str
    size_bytes: int


def skip_if_landed(conn: psycopg.Connection, origin: Origin) -> BatchResult | None:
    """When a batch of `origin`'s content already landed: that skip, recorded in the ledger as
    import_batch records one; else None."""
    _commit_open(conn)
    ensure_schema(conn)
    with conn.transaction():
        landed = _batch_already_landed(conn, origin.content_hash)
    if landed is None:
        return None
    result = BatchResult(None, str(origin.path), origin.content_hash, "skipped")
    result.batch_id = _record(conn, origin.path, origin.content_hash, origin.size_bytes,
                              "skipped", {}, "the same content already landed")
    return result


def import_batch(
    conn: psycopg.Connection,
    batch_dir: Path,
    *,
    tables: set[str] | None = None,
    force: bool = False,
    dry_run: bool = False,
    writer: str = "sunshine import",
    progress: ProgressFn | None = None,
    origin: Origin | None = None,
) -> BatchResult:
    """Import one landing batch atomically; see the module docstring.

    Raises BatchRejected (nothing changed) when a file cannot be imported at all. A batch
    whose content already landed is skipped unless `force`. `dry_run` validates and counts
    everything, quarantine preview included, then rolls back. The import runs its own
    transactions: a transaction the caller left open on `conn` is committed first."""
    _commit_open(conn)
    ensure_schema(conn)
    _commit_open(conn)
    batch_dir = Path(batch_dir).resolve()
    recorded = origin.path if origin else batch_dir
    try:
        planned = plan_batch(batch_dir, tables)
        before = _file_states(batch_dir)  # before reading a byte: a later change fails it
        digest, size, file_hashes = content_hashes(planned)
        if problem := landing.check_manifest(batch_dir, file_hashes):
            raise BatchRejected(*problem)
    except BatchRejected as exc:
        _record(conn, recorded, origin.content_hash if origin else "", 0, "rejected", {},
                str(exc))
        raise
    if origin:
        digest, size = origin.content_hash, origin.size_bytes
    result = BatchResult(None, str(recorded), digest, "landed", file_hashes=file_hashes)
    with _import_lock(conn):
        with conn.transaction():
            landed = _batch_already_landed(conn, digest)
        if landed and not force and not dry_run:
            result.outcome = "skipped"
            result.batch_id = _record(conn, recorded, digest, size, "skipped", {},
                                      "the same content already landed")
            return result
        with conn.transaction():
            batch_id = conn.execute(
                "INSERT INTO sunshine.import_batch (path, content_hash, size_bytes) "
                "VALUES (%s, %s, %s) RETURNING batch_id",
                [str(recorded), digest, size]).fetchone()[0]
        result.batch_id = batch_id
        try:
            with conn.transaction() as tx:
                for name, value in IMPORT_SETTINGS.items():
                    conn.execute("SELECT set_config(%s, %s, true)", [name, value])
                # The writer tag is recorded by sunshine.log_change only when the batch's
                # row names this transaction (which only the pipeline's role can write).
                conn.execute("SELECT set_config('sunshine.writer', %s, true)",
                             [f"{writer} batch {batch_id}"])
                conn.execute("UPDATE sunshine.import_batch SET writer_xid = "
                             "pg_current_xact_id() WHERE batch_id = %s", [batch_id])
                for plan in planned:
                    log.info("importing %s", plan.path)
                    result.files.append(_FileLoader(conn, batch_id, plan, progress).run())
                if dry_run:
                    result.outcome = "dry-run"
                    raise psycopg.Rollback(tx)
                if changed := landing.changed_since(batch_dir, before):
                    raise BatchRejected(changed[0], "changed while the batch was being "
                                        "imported; nothing of the batch landed (it is "
                                        "tried again once its files settle)")
                _finish(conn, batch_id, "landed", result.counts(), None)
        except Exception as exc:
            conn.rollback()
            # Refused as it is (a file changed under it, a field that cannot be read): the
            # batch was rejected; anything else is a failure of the import itself.
            outcome = "rejected" if isinstance(exc, BatchRejected) else "failed"
            with conn.transaction():
                _finish(conn, batch_id, outcome, result.counts(), str(exc))
            raise
        if dry_run:
            with conn.transaction():
                _finish(conn, batch_id, "dry-run", result.counts(), None)
    return result


def _file_states(batch_dir: Path) -> dict[str, landing.FileState]:
    """The batch's files as they are now; BatchRejected for a symbolic link among them."""
    try:
        return landing.file_states(batch_dir)
    except landing.LandingRefused as exc:
        raise BatchRejected(batch_dir.name, str(exc)) from exc


def _commit_open(conn: psycopg.Connection) -> None:
    """Commit a transaction left open on `conn` (the import needs its own transactions)."""
    if conn.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS:
        conn.commit()


def _finish(conn: psycopg.Connection, batch_id: int, outcome: str, counts: dict,
            error: str | None) -> None:
    conn.execute(
        "UPDATE sunshine.import_batch SET outcome = %s, counts = %s, error = %s, "
        "finished_at = clock_timestamp() WHERE batch_id = %s",
        [outcome, Jsonb(counts), error, batch_id])


def _record(conn: psycopg.Connection, batch_dir: Path, digest: str, size: int,
            outcome: str, counts: dict, error: str | None) -> int:
    with conn.transaction():
        return conn.execute(
            "INSERT INTO sunshine.import_batch (path, content_hash, size_bytes, outcome, counts, "
            "error, finished_at) VALUES (%s, %s, %s, %s, %s, %s, clock_timestamp()) "
            "RETURNING batch_id",
            [str(batch_dir), digest, size, outcome, Jsonb(counts), error]).fetchone()[0]
