"""sunshine.import_stage → sunshine.import_typed, and every bad row → sunshine.quarantine
(file, record number, column, raw value, reason, the raw row): the rows that may be written.

One pass converts every value and checks it against the live column (NOT NULL, length) and
every foreign key of the site's schema (imports/catalog.py), so no row can violate a
constraint at commit. A good row costs about what its casts cost: numbers are cast straight
(an export of typed columns has no malformed number; if one fails the statement, it runs
again with every number tested first); dates and times are parsed once per distinct
spelling; a dense reference (a committee, transaction type or name) tests one bit of a
bitmap of the referenced keys, a mostly empty one (the IE target) probes an index. Only a
bad row keeps its raw values, and the expensive per-column reasons are spelled out for
those rows alone. Whitespace around a value of any type but text is ignored (WHITESPACE).

The catalog's resolutions run in the same pass: a lookup (a name where the site stores an
id) and a CommitteeOfName (a NameID where the site stores a committee id: resolved to the
name's committee, or to the id of the committee apply.py synthesizes for it).

Bad rows never block the good ones. After typing, rows are rejected (into import_rejected
and the quarantine) for what only the whole file shows: a reference to the file's own
table (an amendment) must name a row of the table or an accepted row of the file, repeated
until nothing more is rejected; a key, or a value of another unique constraint, that more
than one of the otherwise good rows holds has every copy quarantined (which one is right
cannot be known).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Sequence
from typing import Any

import psycopg
from psycopg import sql

from sunshine_pipeline.imports.catalog import (
    AMOUNT,
    BOOL,
    DATE,
    INT,
    TEXT,
    TIMESTAMP,
    Column,
    CommitteeOfName,
    Reference,
)
from sunshine_pipeline.imports.fileimport import (
    FIELDS,
    PROBLEM,
    PROBLEM_COLUMN,
    PROBLEM_VALUE,
    REJECTED,
    RN,
    STAGE,
    TYPED,
    FileImport,
    jsonb_object,
)
from sunshine_pipeline.sqlfiles import sql_text

log = logging.getLogger(__name__)

# A reference whose keys span fewer values than this is tested against a bitmap of them,
# in a file of at least LOOKUP_MAX_ROWS rows (a smaller one probes the referenced key's index).
BITMAP_MAX_KEYS = 1 << 26
LOOKUP_MAX_ROWS = 50_000

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


def _resolved(resolution: CommitteeOfName, value: sql.Composable) -> sql.Composable:
    """The committee id a NameID `value` resolves to: that name's committee (a real one
    before a synthesized one, then the smallest id), else -name_id, the id of the committee
    apply.py synthesizes for it (never a real id); NULL for a sentinel name with none."""
    return sql.SQL(
        "CASE WHEN {v} IS NOT NULL THEN coalesce((SELECT x.committee_id "
        "FROM {committees} AS x WHERE x.name_id = {v} "
        "ORDER BY EXISTS (SELECT FROM sunshine.synthesized_committee AS y "
        "WHERE y.committee_id = x.committee_id), x.committee_id LIMIT 1), "
        "CASE WHEN {v} > 0 THEN -{v} END) END").format(
        v=value, committees=sql.Identifier(resolution.synthesizes))


def _unresolvable(resolution: CommitteeOfName, value: sql.Composable
                  ) -> tuple[sql.Composable, sql.Composable]:
    """(test, reason): a sentinel name (id 0 or below) that no committee has, for which no
    committee can be synthesized."""
    return (sql.SQL(
        "({v} IS NOT NULL AND {v} <= 0 AND (SELECT 1 FROM {committees} AS x "
        "WHERE x.name_id = {v} LIMIT 1) IS NULL)").format(
        v=value, committees=sql.Identifier(resolution.synthesizes)),
        sql.Literal(f"{resolution.what} is a sentinel name with no committee"))


# --- the typed pass ----------------------------------------------------------------------------

def _date_map(f: FileImport, header: str, parser: str) -> sql.Identifier:
    """A small table of a date column's distinct spellings and their values (or NULL)."""
    name = f.new_scratch("import_dates")
    f.q(sql.SQL(
        "CREATE UNLOGGED TABLE {map} AS SELECT raw, {parse}(btrim(raw, {ws})) AS parsed "
        "FROM (SELECT DISTINCT {col} AS raw FROM {stage} WHERE {col} IS NOT NULL) AS d"
    ).format(map=name, parse=sql.SQL(parser), ws=sql.Literal(WHITESPACE),
             col=sql.Identifier(header), stage=STAGE))
    f.q(sql.SQL("ANALYZE {}").format(name))
    return name


def _mostly_empty(f: FileImport) -> set[str]:
    """Staged columns that are NULL in most rows (their references are looked up one by
    one through an index instead of hashing the whole referenced table)."""
    return {r[0] for r in f.q(sql_text("imports/mostly_empty_columns.sql")).fetchall()}


def _checks(f: FileImport, raw_of: Callable[[str], sql.Composable],
            value_of: Callable[[str], sql.Composable],
            missing: Callable[[str, Reference, sql.Composable], sql.Composable]
            ) -> list[tuple[str, list[tuple[sql.Composable, sql.Composable]]]]:
    """Per header, the (test, reason) pairs that make a row bad, in order of precedence.
    `missing(header, reference, value)` tests that a reference names no row."""
    refs = f.source.foreign_references
    resolutions = f.source.resolution_of
    out = []
    for header, column in f.plan.mapped.items():
        raw, value = raw_of(header), value_of(header)
        checks = _value_checks(column, raw, value, f.live.get(column.name, (
            False, None))[1])
        ref = refs.get(column.name)
        if ref is not None:
            checks.append((sql.SQL("({} IS NOT NULL AND {})").format(
                value, missing(header, ref, value)),
                sql.Literal(f"unknown {ref.what}: no {ref.table} row with this id")))
        resolution = resolutions.get(column.name)
        if resolution is not None:
            checks.append(_unresolvable(resolution, value))
        if checks:
            out.append((header, checks))
    return out

def _lookup(header: str, ref: Reference, value: sql.Composable) -> sql.Composable:
    """Missing, asked through the referenced table's key: one index probe per row."""
    return sql.SQL("(SELECT 1 FROM {t} AS x WHERE x.{k} = {v} LIMIT 1) IS NULL").format(
        t=sql.Identifier(ref.table), k=sql.Identifier(ref.target), v=value)


def _key_bitmap(f: FileImport, ref: Reference) -> sql.Identifier | None:
    """A one-row table (lo, nbits, bits) with one bit per possible key of the referenced
    table, set when the key exists; None when its keys are too spread out for that.
    Testing a bit costs a fraction of probing a hash of millions of keys."""
    bounds = f.q(sql.SQL("SELECT min({k})::bigint, max({k})::bigint FROM {t}").format(
        k=sql.Identifier(ref.target), t=sql.Identifier(ref.table))).fetchone()
    assert bounds is not None
    lo, hi = bounds
    if lo is not None and hi - lo >= BITMAP_MAX_KEYS:
        return None
    name = f.new_scratch("import_keys")
    f.q(sql.SQL(
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


def _ref_strategies(f: FileImport, value_of: Callable[[str], sql.Composable]
                    ) -> tuple[Callable[[str, Reference, sql.Composable], sql.Composable],
                               list[sql.Composable]]:
    """How build_typed tests each reference: a small file, or a mostly empty column,
    looks its values up through the referenced key's index; a dense one tests a key
    bitmap, or hash-joins the referenced table when its keys are too spread out."""
    sparse = (set(f.plan.headers) if f.result.read < LOOKUP_MAX_ROWS
              else _mostly_empty(f))
    index = {h: i for i, h in enumerate(f.plan.headers)}
    refs = f.source.foreign_references
    tests: dict[str, Callable[[sql.Composable], sql.Composable]] = {}
    joins: list[sql.Composable] = []
    for header, column in f.plan.mapped.items():
        ref = refs.get(column.name)
        if ref is None or header in sparse:
            continue
        bitmap = _key_bitmap(f, ref)
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
        return test(value) if test else _lookup(header, ref, value)

    return missing, joins


def _typed_name(f: FileImport, header: str) -> str:
    """The typed column holding the header's value as the file has it (a resolved column's
    source value is kept apart)."""
    column = f.plan.mapped[header]
    resolution = f.source.resolution_of.get(column.name)
    return resolution.name_column if resolution else column.name


def build_typed(f: FileImport) -> None:
    """Stage → typed in one pass: every catalog column converted and its references
    looked up. Only a bad row (a bad value or reference) gets `raw`, the row as it came;
    the quarantine step spells out its reasons."""
    try:
        with f.conn.transaction():
            _build_typed(f, numbers=CAST)
    except psycopg.DataError as exc:
        log.info("%s: a malformed number (%s); converting value by value", f.file,
                 str(exc).splitlines()[0])
        _build_typed(f, numbers=number_test(f.conn))


def _build_typed(f: FileImport, *, numbers: str) -> None:
    source, mapped = f.source, f.plan.mapped
    header_of = {c.name: h for h, c in mapped.items()}
    index = {h: i for i, h in enumerate(f.plan.headers)}

    def raw_of(header: str) -> sql.Composable:
        return sql.SQL("c.{}").format(sql.Identifier(f"r{index[header]}"))

    def value_of(header: str) -> sql.Composable:
        return sql.SQL("c.{}").format(sql.Identifier(f"v{index[header]}"))

    inner: list[sql.Composable] = [sql.SQL("s.{} AS rn").format(sql.Identifier(RN))]
    date_joins: list[sql.Composable] = []
    for header in f.plan.headers:
        raw = sql.SQL("s.{}").format(sql.Identifier(header))
        inner.append(sql.SQL("{} AS {}").format(raw, sql.Identifier(f"r{index[header]}")))
        column = mapped.get(header)
        if column is None:
            continue
        date_map = None
        if column.type in _DATE_PARSERS:
            date_map = sql.Identifier(f"d{index[header]}")
            date_joins.append(sql.SQL("LEFT JOIN {} AS {} ON {}.raw = {}").format(
                _date_map(f, header, _DATE_PARSERS[column.type]), date_map, date_map,
                raw))
        value = _convert(column, raw, date_map, numbers=numbers)
        inner.append(sql.SQL("{} AS {}").format(value, sql.Identifier(f"v{index[header]}")))
    missing, ref_joins = _ref_strategies(f, value_of)
    problems = _checks(f, raw_of, value_of, missing)
    any_bad = sql.SQL(" OR ").join(test for _, checks in problems for test, _ in checks)
    outer: list[sql.Composable] = [
        sql.SQL("c.rn"),
        sql.SQL("CASE WHEN {} THEN {} END AS raw").format(
            any_bad if problems else sql.SQL("false"),
            jsonb_object([(h, raw_of(h)) for h in f.plan.headers])),
    ]
    resolutions = source.resolution_of
    for column in source.columns:
        if column.name in header_of:
            value = value_of(header_of[column.name])
            resolution = resolutions.get(column.name)
            if resolution is not None:
                outer.append(sql.SQL("{} AS {}").format(
                    value, sql.Identifier(resolution.name_column)))
                value = _resolved(resolution, value)
        else:
            value = sql.SQL("NULL::{}").format(sql.SQL(
                "numeric(12, 2)" if column.type == AMOUNT else column.type))
        outer.append(sql.SQL("{} AS {}").format(value, sql.Identifier(column.name)))
    f.q(sql.SQL("DROP TABLE IF EXISTS {}").format(TYPED))
    f.q(sql.SQL(
        "CREATE UNLOGGED TABLE {typed} AS SELECT {outer} FROM (SELECT {inner} "
        "FROM {stage} AS s {date_joins} WHERE s.{problem} IS NULL OFFSET 0) AS c "
        "{ref_joins}"
    ).format(typed=TYPED, outer=sql.SQL(", ").join(outer),
             inner=sql.SQL(", ").join(inner), stage=STAGE,
             date_joins=sql.SQL(" ").join(date_joins), problem=sql.Identifier(PROBLEM),
             ref_joins=sql.SQL(" ").join(ref_joins)))


def _insert_quarantine(f: FileImport, select: sql.Composable) -> int:
    """`select` yields (row_number, column_name, raw_value, reason, raw_row)."""
    cur = f.q(sql.SQL(
        "INSERT INTO sunshine.quarantine "
        "(batch_id, file_name, row_number, column_name, raw_value, reason, raw_row) "
        "SELECT %s, %s, q.* FROM ({}) AS q").format(select),
        [f.batch_id, f.file])
    return cur.rowcount


def quarantine_structural(f: FileImport) -> int:
    """The records the fallback staged as structural problems, into the quarantine."""
    if not f.structural:
        return 0
    return _insert_quarantine(f, sql.SQL(
        "SELECT s.{rn} + 1, s.{column}, s.{value}, s.{problem}, s.{fields} "
        "FROM {stage} AS s WHERE s.{problem} IS NOT NULL").format(
        rn=sql.Identifier(RN), column=sql.Identifier(PROBLEM_COLUMN),
        value=sql.Identifier(PROBLEM_VALUE), problem=sql.Identifier(PROBLEM),
        fields=sql.Identifier(FIELDS), stage=STAGE))


def quarantine_bad_values(f: FileImport) -> None:
    """Structural problems (from the fallback), then every bad value and reference of the
    bad rows (one quarantine row each), with the row as it came."""
    quarantine_structural(f)

    def raw_of(header: str) -> sql.Composable:
        return sql.SQL("(t.raw ->> {})").format(sql.Literal(header))

    def value_of(header: str) -> sql.Composable:
        return sql.SQL("t.{}").format(sql.Identifier(_typed_name(f, header)))

    problems = _checks(f, raw_of, value_of, _lookup)
    if not problems:
        return
    reasons = sql.SQL(", ").join(
        sql.SQL("({}, CASE {} END)").format(sql.Literal(header), sql.SQL(" ").join(
            sql.SQL("WHEN {} THEN {}").format(test, why) for test, why in checks))
        for header, checks in problems)
    _insert_quarantine(f, sql.SQL(
        "SELECT t.rn + 1, p.column_name, t.raw ->> p.column_name, p.reason, t.raw "
        "FROM {typed} AS t CROSS JOIN LATERAL (VALUES {reasons}) AS p (column_name, reason) "
        "WHERE t.raw IS NOT NULL AND p.reason IS NOT NULL").format(
        typed=TYPED, reasons=reasons))


# --- duplicate keys, unique values and references to the file's own table ----------------------


def create_rejected(f: FileImport) -> None:
    """The table of typed rows rejected for what only the whole file shows."""
    f.q(sql.SQL("CREATE UNLOGGED TABLE {} (rn bigint NOT NULL, column_name text, "
                "reason text NOT NULL)").format(REJECTED))


def _reject(f: FileImport, select: sql.Composable, params: Sequence[Any]) -> int:
    """Reject the typed rows `select` yields (rn, column_name, reason) that are still
    accepted, and quarantine them with their raw values, read back from staging."""
    row = jsonb_object([(h, sql.SQL("s.{}").format(sql.Identifier(h)))
                         for h in f.plan.headers])
    rejected = f.q(sql.SQL(
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
        [*params, f.batch_id, f.file]).rowcount
    if rejected:
        f.q(sql.SQL("ANALYZE {}").format(REJECTED))
    return rejected


def check_duplicates(f: FileImport) -> int:
    """Every copy of a key, or of a value of another unique constraint of the site's
    table, that more than one accepted row holds is rejected (which copy is right cannot
    be known); so is a row whose unique value the table holds under another key that the
    file does not change (a quarantined row of the file changes nothing)."""
    rejected = 0
    stored = dict(zip((c.name for c in f.source.columns), f.stored_values("t"),
                      strict=True))
    for names, what in ((f.source.key, "duplicate key in this file"),
                        *((u, "duplicate value in this file") for u in f.source.unique)):
        # Compared as stored: '' in a NOT NULL text column collides; NULLs never do.
        cols = sql.SQL(", ").join(stored[k] for k in names)
        not_null = sql.SQL(" AND ").join(
            sql.SQL("{} IS NOT NULL").format(stored[k]) for k in names)
        rejected += _reject(f, sql.SQL(
            "SELECT t.rn, %s AS column_name, %s AS reason FROM {typed} AS t "
            "WHERE {accepted} AND {not_null} AND ({cols}) IN (SELECT {cols} FROM {typed} "
            "AS t WHERE {accepted} GROUP BY {cols} HAVING count(*) > 1)").format(
            typed=TYPED, accepted=f.accepted("t"), not_null=not_null, cols=cols),
            [f.mapped_header(names), what])
    key = sql.SQL(" AND ").join(sql.SQL("b.{k} = t.{k}").format(k=sql.Identifier(k))
                                for k in f.source.key)
    other = sql.SQL(" AND ").join(sql.SQL("o.{k} = b.{k}").format(k=sql.Identifier(k))
                                  for k in f.source.key)
    for names in f.source.unique:
        same = sql.SQL(" AND ").join(sql.SQL("b.{} = {}").format(sql.Identifier(k),
                                                                 stored[k])
                                     for k in names)
        rejected += _reject(f, sql.SQL(
            "SELECT t.rn, %s AS column_name, %s AS reason FROM {typed} AS t "
            "JOIN {table} AS b ON {same} WHERE {accepted} AND NOT ({key}) "
            "AND NOT EXISTS (SELECT FROM {typed} AS o WHERE {other} AND {o_accepted})"
        ).format(
            typed=TYPED, table=sql.Identifier(f.source.table), same=same,
            accepted=f.accepted("t"), key=key, other=other,
            o_accepted=f.accepted("o")),
            [f.mapped_header(names),
             f"another {f.source.table} row already holds this value"])
    return rejected


def check_self_references(f: FileImport) -> int:
    """A reference to the file's own table (an amendment to the row it modifies) must name
    a row already in the table or an accepted row of the file. Rejecting a row can orphan
    another that names it, so this repeats until nothing more is rejected."""
    table = sql.Identifier(f.source.table)
    in_file = {c.name: c for c in f.plan.mapped.values()}
    total = 0
    for ref in f.source.self_references:
        if ref.column not in in_file:
            continue
        col, target = sql.Identifier(ref.column), sql.Identifier(ref.target)
        while rejected := _reject(f, sql.SQL(
            "SELECT t.rn, %s AS column_name, %s AS reason FROM {typed} AS t "
            "WHERE {accepted} AND t.{col} IS NOT NULL "
            "AND NOT EXISTS (SELECT FROM {typed} AS o WHERE o.{target} = t.{col} "
            "AND o.raw IS NULL AND NOT EXISTS (SELECT FROM {rejected} AS x "
            "WHERE x.rn = o.rn)) "
            "AND NOT EXISTS (SELECT FROM {table} AS b WHERE b.{target} = t.{col})").format(
            typed=TYPED, accepted=f.accepted("t"), col=col, target=target,
            rejected=REJECTED, table=table),
            [in_file[ref.column].header,
             f"unknown {ref.what}: no {ref.table} row with this id"]):
            total += rejected
    return total

# -- applying the change set --
