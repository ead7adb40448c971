"""sunshine.import_typed (its accepted rows) → the site's table: only what changed is written,
as the site stores it, and each change is recorded in sunshine.import_change.

Into a table with rows, good rows are compared with it in one join (`IS DISTINCT FROM` on
every imported column): new keys are inserted, changed rows updated, identical rows not
written at all, so PostgreSQL's own counters show no write for a batch that changed
nothing; the change set gets each key inserted (i), updated (u) or flipped to deleted (d).
Values are written as the site stores them: '' for an empty field in a NOT NULL text
column, NULL where the column allows it, the declared value of an empty NOT NULL boolean.
Into an empty table rows are inserted straight; a large load drops the table's indexes,
its foreign keys and those naming it, and builds them once afterwards (one sort per index,
one join per key), the primary key doubling as the duplicate check; the change set is one
row per table: op '*', key = the number of rows inserted (every row of the table is new).
Then the file's resolutions synthesize the rows their references need (committees for IE
targets that have none).
"""

from __future__ import annotations

import logging

import psycopg
from psycopg import errors, sql
from psycopg.abc import QueryNoTemplate as Query

from sunshine_pipeline.imports.catalog import TEXT, WIDENINGS
from sunshine_pipeline.imports.fileimport import DELTA, TYPED, FileImport
from sunshine_pipeline.imports.validate import check_duplicates, check_self_references
from sunshine_pipeline.sqlfiles import sql_text

log = logging.getLogger(__name__)

# A first load of at least this many rows drops the table's indexes and builds them after.
REBUILD_ROWS = 100_000

def apply(f: FileImport) -> None:
    """The accepted rows into the site's table: a first load into an empty one, else the
    changes; the whole-file rejections (validate.py) run first, in the same order both ways
    (a row with a bad reference is not one of the "otherwise good" rows among which
    duplicates are counted)."""
    table = sql.Identifier(f.source.table)
    empty = f.one(sql.SQL("SELECT NOT EXISTS (SELECT FROM {})").format(table))
    if empty:
        check_self_references(f)
        try:
            with f.conn.transaction():
                first_load(f)
            return
        except errors.UniqueViolation:
            log.info("%s: duplicate keys; quarantining every copy", f.file)
        check_duplicates(f)
        check_self_references(f)
        first_load(f)
    else:
        check_self_references(f)
        check_duplicates(f)
        check_self_references(f)
        apply_changes(f)


def _columns(f: FileImport) -> tuple[sql.Composable, sql.Composable]:
    """(the columns an insert writes, their values from row `s`): the imported ones, then
    the site's own columns with their values for a new row."""
    names = [sql.Identifier(c.name) for c in f.source.columns]
    values = f.stored_values()
    for name, expression in f.source.on_insert:
        names.append(sql.Identifier(name))
        values.append(sql.SQL(expression))
    return sql.SQL(", ").join(names), sql.SQL(", ").join(values)


def _compared(f: FileImport) -> tuple[sql.Composable, sql.Composable]:
    """(the imported columns of table row `b`, their new values from row `s`)."""
    return (sql.SQL(", ").join(sql.SQL("b.{}").format(sql.Identifier(c.name))
                               for c in f.source.columns),
            sql.SQL(", ").join(f.stored_values()))


def _aliased(f: FileImport) -> sql.Composable:
    return sql.SQL(", ").join(
        sql.SQL("{} AS {}").format(v, sql.Identifier(c.name))
        for v, c in zip(f.stored_values(), f.source.columns, strict=True))


def first_load(f: FileImport) -> None:
    """Into an empty table: insert the accepted rows straight, no comparison. A large
    load drops the table's indexes and constraints (its own and the foreign keys that
    name it) and builds them again afterwards: one sort per index and one join per
    foreign key instead of millions of index insertions and key checks. The primary
    key then doubles as the duplicate check (a UniqueViolation sends the caller back to
    check duplicates first). The change set is one row: op '*', key = rows inserted
    (the table was empty: every row is new)."""
    table = sql.Identifier(f.source.table)
    cols, s_row = _columns(f)
    if f.result.read >= REBUILD_ROWS:
        f.rebuild = _drop_for_load(f.conn, f.source.table)
    inserted = f.q(sql.SQL(
        "INSERT INTO {table} ({cols}) SELECT {s_row} FROM {typed} AS s WHERE {accepted}"
    ).format(table=table, cols=cols, s_row=s_row, typed=TYPED,
             accepted=f.accepted("s"))).rowcount
    if f.rebuild:
        # The primary key now, as the duplicate check (the rest once the rows referenced
        # are complete: synthesized committees come after the transactions).
        f.q(f.rebuild.pop(0))
    if inserted:
        f.q(sql_text("imports/record_first_load.sql"), {
            "batch_id": f.batch_id, "table_name": f.source.table, "inserted": inserted})
    f.result.inserted = inserted


def apply_changes(f: FileImport) -> None:
    """Into a table with rows: compare every accepted row with the table in one join;
    insert new keys, update changed rows, write nothing for identical ones, and record
    each key inserted (i), updated (u) or flipped to deleted (d)."""
    source = f.source
    table = sql.Identifier(source.table)
    names = [c.name for c in source.columns]
    cols, _ = _columns(f)
    b_row, new_row = _compared(f)
    join = sql.SQL(" AND ").join(
        sql.SQL("b.{k} = s.{k}").format(k=sql.Identifier(k)) for k in source.key)
    first = sql.Identifier(source.key[0])
    deleted = source.deleted_flag
    op = (sql.SQL("WHEN s.{d} AND NOT b.{d} THEN 'd' ").format(d=sql.Identifier(deleted))
          if deleted is not None else sql.SQL(""))
    f.q(sql.SQL("DROP TABLE IF EXISTS {}").format(DELTA))
    f.q(sql.SQL(
        "CREATE UNLOGGED TABLE {delta} AS SELECT {aliased}, "
        "(CASE WHEN b.{first} IS NULL THEN 'i' {op}ELSE 'u' END)::\"char\" AS op "
        "FROM {typed} AS s LEFT JOIN {table} AS b ON {join} "
        "WHERE {accepted} AND (b.{first} IS NULL OR ({b_row}) IS DISTINCT FROM ({new_row}))"
    ).format(delta=DELTA, aliased=_aliased(f), new_row=new_row, first=first, op=op,
             typed=TYPED, table=table,
             join=join, accepted=f.accepted("s"), b_row=b_row))
    counts = dict(f.q(sql.SQL("SELECT op, count(*) FROM {} GROUP BY op").format(
        DELTA)).fetchall())
    change_key = sql.Identifier(source.change_key or source.key[0])
    record = sql.SQL("INSERT INTO sunshine.import_change (batch_id, table_name, key, op) ")
    # The delta holds the values as the site stores them: written as they are.
    plain = sql.SQL(", ").join(
        [sql.SQL("s.{}").format(sql.Identifier(n)) for n in names]
        + [sql.SQL(e) for _, e in source.on_insert])
    if counts.get("u") or counts.get("d"):
        free_unique_values(f, join)
        assignments = sql.SQL(", ").join(
            [sql.SQL("{c} = s.{c}").format(c=sql.Identifier(n))
             for n in names if n not in source.key]
            + [sql.SQL("{} = {}").format(sql.Identifier(n), sql.SQL(e))
               for n, e in source.on_update])
        f.q(sql.SQL(
            "WITH upd AS (UPDATE {table} AS b SET {assignments} FROM {delta} AS s "
            "WHERE s.op <> 'i' AND {join} RETURNING b.{ckey}, s.op) {record} "
            "SELECT %s, %s, upd.{ckey}, upd.op FROM upd").format(
            table=table, assignments=assignments, delta=DELTA, join=join,
            ckey=change_key, record=record), [f.batch_id, source.table])
    # Inserts after updates: a new row may take a unique value an updated row gave up.
    if counts.get("i"):
        f.q(sql.SQL(
            "WITH ins AS (INSERT INTO {table} ({cols}) SELECT {plain} FROM {delta} AS s "
            "WHERE s.op = 'i' RETURNING {ckey}) {record} "
            "SELECT %s, %s, ins.{ckey}, 'i' FROM ins").format(
            table=table, cols=cols, plain=plain, delta=DELTA, ckey=change_key,
            record=record), [f.batch_id, source.table])
    r = f.result
    r.inserted, r.updated, r.deleted = counts.get("i", 0), counts.get("u", 0), counts.get(
        "d", 0)


def free_unique_values(f: FileImport, join: sql.Composable) -> None:
    """The site's unique constraints are checked row by row, so rows of the batch that
    swap or pass on a unique value (two counties trading names) would collide midway.
    Each updated row whose unique value changes first gets a placeholder no real value
    has (a control character and its key) in the same transaction: readers never see it,
    and the update then writes the final values in any order."""
    table = sql.Identifier(f.source.table)
    key = sql.SQL(" || '/' || ").join(sql.SQL("b.{}::text").format(sql.Identifier(k))
                                      for k in f.source.key)
    for names in f.source.unique:
        assert all(c.type == TEXT for c in f.source.columns if c.name in names)
        f.q(sql.SQL(
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


def count_widened(f: FileImport) -> None:
    """How many accepted rows hold a value the site's original column could not (a value
    longer than its length limit, an empty value in its NOT NULL column)."""
    tests: list[tuple[str, sql.Composable]] = []
    for w in WIDENINGS:
        if w.table != f.source.table:
            continue
        col = sql.Identifier(w.column)
        test = (sql.SQL("s.{} IS NULL").format(col) if w.site_length is None else
                sql.SQL("char_length(s.{}) > {}").format(col, sql.Literal(w.site_length)))
        tests.append((w.column, test))
    if not tests:
        return
    counts = f.q(sql.SQL("SELECT {} FROM {} AS s WHERE {}").format(
        sql.SQL(", ").join(sql.SQL("count(*) FILTER (WHERE {})").format(t)
                           for _, t in tests), TYPED, f.accepted("s"))).fetchone()
    assert counts is not None
    f.result.widened = {c: n for (c, _), n in zip(tests, counts, strict=True) if n}


def synthesize(f: FileImport) -> None:
    """For each of the file's resolutions, the rows its resolved references need and the
    table lacks (a minimal committee for each IE target name that has none), by the
    resolution's statement."""
    for resolution in f.source.resolutions:
        f.result.synthesized_committees += f.q(sql.SQL(sql_text(resolution.statement)).format(
            source=sql.Identifier(f.source.table), column=sql.Identifier(resolution.column)),
            {"batch_id": f.batch_id}).rowcount


def _drop_for_load(conn: psycopg.Connection, table: str) -> list[Query]:
    """Drop what a bulk load into the empty `table` would maintain row by row: the foreign
    keys that name it (from any table, its own included), its own foreign keys, its primary
    key and unique constraints and its indexes. Return the statements that create them again,
    in an order that works (keys before the foreign keys that need them)."""
    regclass = sql.Identifier(table).as_string(conn)
    foreign = conn.execute(sql_text("imports/foreign_keys_of.sql"), {"table": regclass}
                           ).fetchall()
    indexes = conn.execute(sql_text("imports/indexes_of.sql"), {"table": regclass}).fetchall()
    create: list[Query] = []
    # A foreign key cannot be dropped while checks of the tables it joins are pending: the
    # site's keys are deferred, so rows written earlier in the batch wait to be checked at
    # commit. Check them now (they pass: the importer quarantined every bad reference), and
    # defer again afterwards.
    conn.execute(sql_text("imports/check_constraints_now.sql"))
    conn.execute(sql_text("imports/defer_constraints.sql"))
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

