"""Adopting the live database (sunshine_pipeline/adopt.py) on a real server, from the state
production is in: the site's schema exactly as its Django models make it
(../shared/site/site_schema.sql), a table the site keeps for itself, a batch of data in the
site's tables as the old system left them, and the old system's nine views
(../shared/site/old_views.sql, with its indexes and the view that cannot be refreshed
CONCURRENTLY). Both files are read where they are, at test time.

The site's columns are narrower than some real values (the widenings of imports/catalog.py),
so a database the old system filled holds none of those values: the batch is narrowed the way
those columns forced it (see `narrowed_batch`) and the oracle reads the narrowed batch.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from sunshine_pipeline import cli
from sunshine_pipeline.adopt import AdoptionRefused, adopt, check
from sunshine_pipeline.imports.catalog import DATE, SITE_TABLES, SOURCES_BY_TABLE, WIDENINGS
from sunshine_pipeline.imports.loader import import_batch
from sunshine_pipeline.resources import connect
from sunshine_pipeline.schema import ensure_schema, live_definition, schema_hash
from sunshine_pipeline.views.catalog import VIEWS
from tests.databases import scratch_database
from tests.oracle import expected_views
from tests.pipeline import view_rows
from tests.readers import Readers
from tests.site import OLD_VIEWS, load_site_schema

NINE = [v.name for v in VIEWS]
SITE_OWNED = "auth_user"
# A stand-in for a value of the site's type where the site's column allowed no NULL.
PLACEHOLDER = {DATE: "2000-01-01"}


def load_old_views(conn: psycopg.Connection) -> None:
    conn.execute(OLD_VIEWS.read_text(encoding="utf-8"))


def add_site_owned_table(conn: psycopg.Connection) -> None:
    conn.execute(sql.SQL("CREATE TABLE {} (id integer PRIMARY KEY, username text NOT NULL, "
                         "email text)").format(sql.Identifier(SITE_OWNED)))
    conn.execute(sql.SQL("INSERT INTO {} VALUES (1, 'admin', 'admin@example.org')").format(
        sql.Identifier(SITE_OWNED)))


@pytest.fixture(scope="session")
def narrowed_batch(small_batch: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """small_batch as the site's original columns could hold it: each widened column's value
    cut to the site's length ('AZ ' -> 'AZ'), and an empty value where the site allowed no
    NULL replaced by a placeholder (an undated transaction gets 2000-01-01)."""
    out = tmp_path_factory.mktemp("narrowed") / "batch"
    out.mkdir()
    fixes: dict[str, dict[str, tuple]] = {}
    for w in WIDENINGS:
        source = SOURCES_BY_TABLE[w.table]
        column = next(c for c in source.columns if c.name == w.column)
        fixes.setdefault(source.file.lower(), {})[column.header.lower()] = (
            w.site_length, PLACEHOLDER.get(column.type))
    for path in sorted(small_batch.iterdir()):
        target = out / path.name
        wanted = fixes.get(path.name.lower())
        if wanted is None:
            target.write_bytes(path.read_bytes())
            continue
        with path.open(newline="", encoding="utf-8") as f, \
                target.open("w", newline="", encoding="utf-8") as g:
            reader, writer = csv.reader(f), csv.writer(g, lineterminator="\n")
            header = next(reader)
            writer.writerow(header)
            at = {i: wanted[h.lower()] for i, h in enumerate(header) if h.lower() in wanted}
            for row in reader:
                for i, (length, placeholder) in at.items():
                    if length is not None:
                        row[i] = row[i][:length]
                    elif row[i] == "":
                        row[i] = placeholder
                writer.writerow(row)
    return out


@pytest.fixture
def scratch_url(pg_server: str) -> Iterator[str]:
    with scratch_database(pg_server, "scratch") as url:
        yield url


def site_columns(conn: psycopg.Connection, table: str) -> list[str]:
    return [r[0] for r in conn.execute(
        "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(quote_ident(%s)) "
        "AND attnum > 0 AND NOT attisdropped ORDER BY attnum", [table]).fetchall()]


@pytest.fixture
def live_db(db_url: str, scratch_url: str, narrowed_batch: Path) -> str:
    """The database as production has it before adoption: the site's schema, its own table,
    the batch in the site's tables (imported by the pipeline into a scratch database, then
    copied table by table, the site's columns only) and the old system's nine views."""
    with connect(scratch_url) as scratch:
        import_batch(scratch, narrowed_batch)
    load_site_schema(db_url)
    with connect(scratch_url) as source, connect(db_url) as target:
        add_site_owned_table(target)
        with target.transaction():  # the site's foreign keys are checked at commit
            for table in SITE_TABLES:
                columns = sql.SQL(", ").join(map(sql.Identifier, site_columns(target, table)))
                ident = sql.Identifier(table)
                with source.cursor().copy(sql.SQL("COPY (SELECT {} FROM {}) TO STDOUT").format(
                        columns, ident)) as out, target.cursor().copy(sql.SQL(
                        "COPY {} ({}) FROM STDIN").format(ident, columns)) as into:
                    for data in out:
                        into.write(data)
        load_old_views(target)
        target.execute("ANALYZE")
    return db_url


# --- what "nothing changed" means -------------------------------------------------------------

SNAPSHOT = """
SELECT n.nspname::text, c.relname::text, c.relkind::text, c.oid::bigint, c.relfilenode::bigint,
    (SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
         || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END, ', ' ORDER BY a.attnum)
     FROM pg_attribute AS a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped),
    (SELECT string_agg(t.tgname, ', ' ORDER BY t.tgname) FROM pg_trigger AS t
     WHERE t.tgrelid = c.oid AND NOT t.tgisinternal),
    (SELECT string_agg(x.privilege_type || ' to ' || x.grantee::regrole::text, ', '
         ORDER BY x.privilege_type, x.grantee::regrole::text)
     FROM aclexplode(c.relacl) AS x)
FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
ORDER BY 1, 2
"""


def catalog_snapshot(conn: psycopg.Connection) -> dict:
    return {
        "relations": conn.execute(SNAPSHOT).fetchall(),
        "schemas": conn.execute("SELECT nspname FROM pg_namespace ORDER BY 1").fetchall(),
        "functions": conn.execute(
            "SELECT oid::regprocedure::text FROM pg_proc WHERE pronamespace NOT IN "
            "('pg_catalog'::regnamespace, 'information_schema'::regnamespace) ORDER BY 1"
        ).fetchall(),
        "extensions": conn.execute("SELECT extname FROM pg_extension ORDER BY 1").fetchall(),
    }


def table_contents(conn: psycopg.Connection) -> dict[str, tuple[int, str]]:
    """(rows, md5 of every row in order) of every table and materialized view."""
    out = {}
    for schema, name in conn.execute(
            "SELECT n.nspname, c.relname FROM pg_class AS c JOIN pg_namespace AS n "
            "ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'm') AND n.nspname NOT IN "
            "('pg_catalog', 'information_schema') ORDER BY 1, 2").fetchall():
        out[f"{schema}.{name}"] = conn.execute(sql.SQL(
            "SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) "
            "FROM {} AS t").format(sql.Identifier(schema, name))).fetchone()
    return out


def site_storage(conn: psycopg.Connection) -> list[tuple]:
    """The files of the site's tables and of their indexes: a rewrite or a rebuild changes them."""
    return conn.execute(
        "SELECT c.relname::text, c.relfilenode::bigint FROM pg_class AS c "
        "LEFT JOIN pg_index AS i ON i.indexrelid = c.oid "
        "WHERE coalesce(i.indrelid, c.oid) = ANY (SELECT to_regclass(quote_ident(t)) "
        "FROM unnest(%s::text[]) AS t) ORDER BY 1", [[*SITE_TABLES, SITE_OWNED]]).fetchall()


def site_contents(conn: psycopg.Connection) -> dict[str, tuple[int, str]]:
    contents = table_contents(conn)
    return {t: contents[f"public.{t}"] for t in (*SITE_TABLES, SITE_OWNED)}


def test_the_live_database_is_adopted_without_a_failed_read(live_db, narrowed_batch) -> None:
    expected = expected_views(narrowed_batch)
    with connect(live_db) as conn:
        site_before, storage_before = site_contents(conn), site_storage(conn)
        owned_definition = catalog_snapshot(conn)["relations"]
        owned_definition = [r for r in owned_definition if r[1] == SITE_OWNED]

        # The dry run reports and changes nothing.
        catalog, contents = catalog_snapshot(conn), table_contents(conn)
        dry = adopt(conn, dry_run=True)
        assert catalog_snapshot(conn) == catalog
        assert table_contents(conn) == contents
        assert dry.blocking == []
        notes = {f.where: f.problem for f in dry.findings}
        assert set(notes) == {*NINE, *(f"{w.table}.{w.column}" for w in WIDENINGS)}
        assert notes["Names.state"] == (
            "widened in place (state spellings longer than two characters ('AZ ', 'az.', "
            "'Arizona')): character varying(2) NOT NULL -> character varying(50) NOT NULL, once "
            "the old views are replaced (top_donors_mv reads it); 0 existing rows need it")
        assert notes["Transactions.transaction_date"] == (
            "widened in place (transactions with no date are real, live rows): date NOT NULL "
            "-> date; 0 existing rows need it")
        assert notes["mv_dashboard_support_oppose"].endswith(
            "it has no unique index, so it could not be refreshed CONCURRENTLY")
        assert all(notes[v].startswith("the old system's materialized view") for v in NINE)

        # The real run, with the dashboard reading all nine views throughout.
        started = time.perf_counter()
        with Readers(live_db, NINE, query="SELECT * FROM {} LIMIT 10",
                     settings={"statement_timeout": "2s"}, threads=3) as readers:
            report = adopt(conn, dry_run=False)
            time.sleep(0.2)  # a few reads of the adopted views too
        elapsed = time.perf_counter() - started
        assert readers.errors == []
        assert set(readers.reads) == set(NINE)
        assert sorted(report.replaced) == sorted(NINE)
        assert {v.view: (v.before, v.mode, v.swapped_with) for v in report.views} == {
            "top_donors_mv": ("old", "swapped", None),
            "mv_dashboard_top_donors": ("old", "swapped", "top_donors_mv"),
            "mv_committee_ie_summary": ("old", "swapped", None),
            "top_ie_committees_mv": ("old", "swapped", "mv_committee_ie_summary"),
            "mv_dashboard_top_ie_committees": ("old", "swapped", "mv_committee_ie_summary"),
            "ie_benefit_breakdown": ("old", "swapped", "mv_committee_ie_summary"),
            "mv_dashboard_support_oppose": ("old", "swapped", "mv_committee_ie_summary"),
            "mv_dashboard_recent_expenditures": ("old", "swapped", None),
            "dashboard_aggregations": ("old", "swapped", "mv_committee_ie_summary"),
        }
        assert {(w.table, w.column): (w.after, w.rows_needing, w.applied)
                for w in report.widenings} == {
            ("Names", "state"): ("character varying(50) NOT NULL", 0, True),
            ("Names", "zip_code"): ("character varying(50) NOT NULL", 0, True),
            ("Committees", "physical_state"): ("character varying(50) NOT NULL", 0, True),
            ("Committees", "physical_zip_code"): ("character varying(50) NOT NULL", 0, True),
            ("Transactions", "transaction_date"): ("date", 0, True),
        }
        assert live_definition(conn, "Names", "state") == "character varying(50) NOT NULL"
        assert conn.execute("SELECT count(*) FROM sunshine.site_widening").fetchone()[0] == 5
        assert conn.execute("SELECT schema_hash FROM sunshine.schema_version").fetchall() == [
            (schema_hash(),)]
        for view in NINE:
            assert view_rows(conn, view) == expected[view], view
        assert conn.execute("SELECT count(*) FROM pg_class WHERE relnamespace = "
                            "'sunshine_next'::regnamespace").fetchone()[0] == 0
        # The site's rows are as they were, its own table too (rows and definition), and no
        # table or index of the site was rewritten.
        assert site_contents(conn) == site_before
        assert site_storage(conn) == storage_before  # widened in place: nothing rewritten
        assert [r for r in catalog_snapshot(conn)["relations"]
                if r[1] == SITE_OWNED] == owned_definition

        # A second run finds everything current and writes nothing.
        catalog, contents = catalog_snapshot(conn), table_contents(conn)
        again = adopt(conn, dry_run=False)
        assert again.blocking == [] and not again.changed_anything
        assert again.replaced == [] and again.widenings == []
        assert {v.mode for v in again.views} == {"unchanged"}
        assert catalog_snapshot(conn) == catalog  # no view rebuilt (same relfilenodes)
        assert table_contents(conn) == contents  # no change_log, view_refresh or version row
        assert ensure_schema(conn) is False
    print(f"adoption of {sum(n for n, _ in site_before.values()):,} site rows: {elapsed:.2f}s "
          f"({sum(readers.reads.values()):,} reads, none failed)")


def incompatible_site(url: str) -> None:
    """The site's schema with one of each kind of incompatibility, then the old views."""
    load_site_schema(url)
    with connect(url) as conn:
        add_site_owned_table(conn)
        conn.execute('ALTER TABLE "Committees" DROP COLUMN sponsor_type')
        conn.execute('ALTER TABLE "Names" ALTER COLUMN name_group_id TYPE text')
        conn.execute('ALTER TABLE "Names" ADD COLUMN verified boolean NOT NULL')
        conn.execute('ALTER TABLE "Parties" DROP CONSTRAINT "Parties_name_key"')
        conn.execute('ALTER TABLE "Transactions" ALTER COLUMN amount TYPE numeric(8,2)')
        conn.execute('DROP TABLE "Reports"')
        load_old_views(conn)
        conn.execute("CREATE VIEW site_ie_spenders AS SELECT committee_id FROM "
                     "top_ie_committees_mv")
        conn.execute('CREATE VIEW site_zip_codes AS SELECT DISTINCT zip_code FROM "Names"')


BLOCKING = {
    "Committees.sponsor_type": "missing column: the import writes it from SponsorType",
    "Names.name_group_id": "text: the import writes integers here (from NameGroupID); change "
                           "the column's type first",
    "Names.verified": "boolean NOT NULL with no default, and the import does not write it: "
                      "every row it inserts would fail",
    "Parties.name": "no primary key or unique constraint: a unique value the import keeps "
                    "unique; a first load relies on it to refuse duplicates",
    "Transactions.amount": "numeric(8,2): the import writes amounts as numeric(12,2) (up to "
                           "9,999,999,999.99); the column cannot hold all of them",
    "Reports": "missing table: the site's migrations have not made it (the pipeline would "
               "create its own from sql/site/Reports.sql, which a later migration of the site "
               "would collide with)",
    "top_ie_committees_mv": "public.site_ie_spenders depends on it and is not one of the views "
                            "rebuilt with it: the swap drops the old view without CASCADE and "
                            "would fail; drop it first (and create it again afterwards)",
}


def test_an_incompatible_database_is_reported_by_table_and_column_and_left_alone(
        db_url, monkeypatch, capsys) -> None:
    incompatible_site(db_url)
    with connect(db_url) as conn:
        catalog, contents = catalog_snapshot(conn), table_contents(conn)
        findings = check(conn)
        assert {f.where: f.problem for f in findings if f.blocking} == BLOCKING
        assert [f.problem for f in findings if f.where == "Names.zip_code"][1] == (
            "not one of the nine views (site_zip_codes reads it): the widening stays pending "
            "while it does, and values longer than 10 characters are quarantined until then")
        with pytest.raises(AdoptionRefused) as refused:
            adopt(conn, dry_run=False)
        assert "Committees.sponsor_type: missing column" in str(refused.value)
        assert "Names.name_group_id: text: the import writes integers" in str(refused.value)
        # The first run of any entry point refuses the same way.
        with pytest.raises(AdoptionRefused):
            ensure_schema(conn)
        assert catalog_snapshot(conn) == catalog
        assert table_contents(conn) == contents

    monkeypatch.setenv("SUNSHINE_DATABASE_URL", db_url)
    for argv in (["adopt", "--dry-run"], ["adopt"]):
        assert cli.main(argv) == 2
        lines = capsys.readouterr().out.splitlines()
        for where, problem in BLOCKING.items():
            assert f"{where}: {problem}  [blocking]" in lines
    with connect(db_url) as conn:
        assert catalog_snapshot(conn) == catalog


def test_the_first_run_against_the_site_database_adopts_it(db_url, monkeypatch, capsys) -> None:
    """ensure_schema (every entry point's first step) adopts a database the site runs; the
    command then finds nothing to do."""
    load_site_schema(db_url)
    with connect(db_url) as conn:
        load_old_views(conn)
        conn.execute("GRANT SELECT ON top_donors_mv, dashboard_aggregations TO PUBLIC")
        assert ensure_schema(conn) is True
        modes = dict(conn.execute(
            "SELECT view_name, mode FROM sunshine.view_last_refresh").fetchall())
        assert modes == dict.fromkeys(NINE, "swapped")
        assert live_definition(conn, "Names", "state") == "character varying(50) NOT NULL"
        assert live_definition(conn, "Transactions", "transaction_date") == "date"
        assert conn.execute("SELECT schema_hash FROM sunshine.schema_version").fetchone()[0] == (
            schema_hash())
        for view in ("top_donors_mv", "dashboard_aggregations"):
            assert conn.execute("SELECT has_table_privilege('public', %s, 'SELECT')",
                                [view]).fetchone()[0], view
        assert ensure_schema(conn) is False
    monkeypatch.setenv("SUNSHINE_DATABASE_URL", db_url)
    assert cli.main(["adopt"]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("already adopted: nothing to do")


def test_the_command_adopts_a_site_database(db_url, monkeypatch, capsys) -> None:
    load_site_schema(db_url)
    with connect(db_url) as conn:
        load_old_views(conn)
    monkeypatch.setenv("SUNSHINE_DATABASE_URL", db_url)
    # A health check does not take the database over: it says what to run.
    assert cli.main(["status"]) == 2
    assert "run `sunshine adopt --dry-run`" in capsys.readouterr().err
    with connect(db_url) as conn:
        assert conn.execute("SELECT to_regnamespace('sunshine')").fetchone() == (None,)
    assert cli.main(["adopt", "--dry-run"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert ("Names.state: widened in place (state spellings longer than two characters "
            "('AZ ', 'az.', 'Arizona')): character varying(2) NOT NULL -> character varying(50) "
            "NOT NULL, once the old views are replaced (top_donors_mv reads it); 0 existing rows "
            "need it") in out
    assert out[-1] == ("dry run, nothing changed: no blocking incompatibility: "
                       "`sunshine adopt` would adopt this database")
    assert cli.main(["adopt"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "Names.state: character varying(2) NOT NULL -> character varying(50) NOT NULL " \
           "applied, 0 rows needed it" in out
    assert out[-1].startswith("adopted in ")
    assert out[-1].endswith("replaced " + ", ".join(NINE))
