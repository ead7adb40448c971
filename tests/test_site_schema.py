"""The base tables are the site's: on a database without them the pipeline creates them
matching the site's own schema (site_schema.sql) column for column, key for key, index for
index, except for the declared widenings; and it adds nothing to them but its triggers."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from sunshine_pipeline.imports.catalog import SITE_TABLES, WIDENINGS
from sunshine_pipeline.resources import connect
from sunshine_pipeline.schema import ensure_schema, pending_widenings
from tests.databases import scratch_database
from tests.site import load_site_schema

COLUMNS = """
SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, a.attidentity,
       pg_get_expr(d.adbin, d.adrelid)
FROM pg_attribute AS a JOIN pg_class AS c ON c.oid = a.attrelid
LEFT JOIN pg_attrdef AS d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE c.relnamespace = 'public'::regnamespace AND c.relname = ANY(%s) AND a.attnum > 0
  AND NOT a.attisdropped
ORDER BY 1, a.attnum
"""
CONSTRAINTS = """
SELECT c.relname, k.conname, k.contype, pg_get_constraintdef(k.oid)
FROM pg_constraint AS k JOIN pg_class AS c ON c.oid = k.conrelid
WHERE c.relnamespace = 'public'::regnamespace AND c.relname = ANY(%s)
  AND k.contype <> 'n'  -- NOT NULL (PostgreSQL 18 lists them here too): compared as columns
ORDER BY 1, 2
"""
INDEXES = """
SELECT tablename, indexname, indexdef FROM pg_indexes
WHERE schemaname = 'public' AND tablename = ANY(%s) ORDER BY 1, 2
"""
TRIGGERS = """
SELECT c.relname, t.tgname FROM pg_trigger AS t JOIN pg_class AS c ON c.oid = t.tgrelid
WHERE c.relnamespace = 'public'::regnamespace AND c.relname = ANY(%s) AND NOT t.tgisinternal
ORDER BY 1, 2
"""


def catalog(conn: psycopg.Connection) -> dict[str, set[tuple]]:
    tables = list(SITE_TABLES)
    return {
        "column": {tuple(r) for r in conn.execute(COLUMNS, [tables])},
        "constraint": {tuple(r) for r in conn.execute(CONSTRAINTS, [tables])},
        "index": {tuple(r) for r in conn.execute(INDEXES, [tables])},
    }


def widened(site: dict[str, set[tuple]]) -> dict[str, set[tuple]]:
    """The site's catalog with the declared widenings applied: what the pipeline must make."""
    columns = set()
    for table, column, type_, not_null, identity, default in site["column"]:
        for w in WIDENINGS:
            if (w.table, w.column) == (table, column):
                type_, not_null = (type_, False) if w.to is None else (w.to, not_null)
        columns.add((table, column, type_, not_null, identity, default))
    return {**site, "column": columns}


@pytest.fixture
def site_conn(pg_server: str) -> Iterator[psycopg.Connection]:
    """A database holding the site's schema as site_schema.sql makes it, nothing else."""
    with scratch_database(pg_server, "site_schema") as url:
        load_site_schema(url)
        with connect(url) as c:
            yield c


def test_the_pipeline_creates_the_sites_tables_as_the_site_defines_them(
        site_conn: psycopg.Connection, conn: psycopg.Connection) -> None:
    ensure_schema(conn)
    expected, actual = widened(catalog(site_conn)), catalog(conn)
    for kind in expected:
        missing = sorted(expected[kind] - actual[kind])
        extra = sorted(actual[kind] - expected[kind])
        assert not missing and not extra, (
            f"{kind}s differ from site_schema.sql (table, name, ...):\n"
            f"  the site has, the pipeline does not: {missing}\n"
            f"  the pipeline has, the site does not: {extra}")
    assert len([i for i in actual["index"] if i[0] == "Transactions"]) >= 28


def test_the_pipeline_adds_only_its_triggers_to_the_sites_tables(
        conn: psycopg.Connection) -> None:
    ensure_schema(conn)
    triggers = conn.execute(TRIGGERS, [list(SITE_TABLES)]).fetchall()
    assert triggers and all(name.startswith("sunshine_") for _, name in triggers)
    assert {t for t, _ in triggers} == set(SITE_TABLES)


def test_the_widenings_apply_in_place_on_the_sites_own_tables(
        site_conn: psycopg.Connection) -> None:
    """On a database whose tables the site made, the pipeline adds its schema and widens
    exactly the declared columns, recording each; nothing else of the tables changes."""
    before = catalog(site_conn)
    assert {(w.table, w.column) for w, _ in pending_widenings(site_conn)} == {
        (w.table, w.column) for w in WIDENINGS}
    ensure_schema(site_conn)
    assert catalog(site_conn) == widened(before)
    assert pending_widenings(site_conn) == []
    recorded = site_conn.execute(
        "SELECT table_name, column_name, site_definition, new_definition "
        "FROM sunshine.site_widening ORDER BY 1, 2").fetchall()
    assert recorded == sorted([
        ("Committees", "physical_state", "character varying(2) NOT NULL",
         "character varying(50) NOT NULL"),
        ("Committees", "physical_zip_code", "character varying(10) NOT NULL",
         "character varying(50) NOT NULL"),
        ("Names", "state", "character varying(2) NOT NULL", "character varying(50) NOT NULL"),
        ("Names", "zip_code", "character varying(10) NOT NULL",
         "character varying(50) NOT NULL"),
        ("Transactions", "transaction_date", "date NOT NULL", "date"),
    ])
    assert ensure_schema(site_conn) is False  # recorded: the next call does nothing


def test_a_site_table_that_lost_its_triggers_gets_them_back(conn: psycopg.Connection) -> None:
    """A site migration that re-creates a table drops the pipeline's triggers with it: the
    next ensure_schema notices and puts them back."""
    ensure_schema(conn)
    assert ensure_schema(conn) is False
    conn.execute('DROP TRIGGER sunshine_log_insert ON "Reports"')
    assert ensure_schema(conn) is True
    names = {n for t, n in conn.execute(TRIGGERS, [["Reports"]])}
    assert {"sunshine_log_insert", "sunshine_log_update", "sunshine_log_delete"} <= names
