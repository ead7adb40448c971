"""Versioned migrations (sunshine_pipeline/migrations.py) on a real server: a fresh database is
the declared schema; a database release 0.1 created, with data, is upgraded and then holds
exactly what a fresh one does; an edited applied migration, an unknown (newer) one and a
failing one are refused, naming themselves, with the database left as it was."""

from __future__ import annotations

import hashlib
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import psycopg
import pytest
from psycopg import sql

from sunshine_pipeline import migrations, sqlfiles
from sunshine_pipeline.imports import loader
from sunshine_pipeline.imports.catalog import SITE_TABLES, SOURCES, WIDENINGS
from sunshine_pipeline.migrations import MigrationFailed, SchemaConflict
from sunshine_pipeline.resources import WarehouseResource, connect
from sunshine_pipeline.schema import apply_widenings, create_change_triggers, ensure_schema
from sunshine_pipeline.status import schema_status
from sunshine_pipeline.views import assets as view_assets
from sunshine_pipeline.views.catalog import VIEWS
from tests.batches import handmade_with, write_handmade_batch
from tests.catalog import declared, describe
from tests.oracle import expected_views
from tests.pipeline import ingest, view_rows

RELEASE_0_1 = Path(__file__).parent / "fixtures" / "release_0_1" / "sql"


def _history(conn: psycopg.Connection) -> list[tuple[str, str]]:
    return conn.execute("SELECT name, how FROM sunshine.schema_migration ORDER BY name").fetchall()


def _server_version(conn: psycopg.Connection) -> int:
    return int(conn.execute("SHOW server_version_num").fetchone()[0])


# --- release 0.1, frozen: its schema files and what its ensure_schema did with them ----------

def _release_0_1_files() -> list[str]:
    return ([f"site/{t}.sql" for t in SITE_TABLES]
            + sorted(f"schema/{p.name}" for p in (RELEASE_0_1 / "schema").glob("*.sql")))


def _release_0_1_hash() -> str:
    """schema_hash as release 0.1 computed it."""
    digest = hashlib.sha256()
    for name in _release_0_1_files():
        text = (RELEASE_0_1 / name).read_text(encoding="utf-8")
        digest.update(name.encode() + b"\0" + text.encode() + b"\0")
    for source in SOURCES:
        digest.update(f"{source.table}:{source.change_key or source.key[0]}\n".encode())
    for w in WIDENINGS:
        digest.update(f"{w.table}.{w.column}:{w.to}\n".encode())
    return digest.hexdigest()


def create_release_0_1_database(conn: psycopg.Connection) -> None:
    """Replay release 0.1's ensure_schema on an empty database: its site tables and schema
    files in order, the widenings and change triggers (unchanged since), the recorded hash."""
    with conn.transaction():
        for name in _release_0_1_files():
            conn.execute((RELEASE_0_1 / name).read_text(encoding="utf-8"))
        apply_widenings(conn)
        create_change_triggers(conn)
        conn.execute("CREATE TABLE sunshine.schema_version (schema_hash text)")
        conn.execute("INSERT INTO sunshine.schema_version VALUES (%s)", [_release_0_1_hash()])


def test_the_frozen_fixture_is_release_0_1() -> None:
    """The fixture is byte for byte what release 0.1 shipped: its hash is the one that
    release recorded, which the runner recognises."""
    assert _release_0_1_hash() == migrations.RELEASE_0_1_SCHEMA_HASH


# --- a tree of SQL files the test can change -------------------------------------------------

@pytest.fixture
def sql_tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of sql/ the code reads instead of the real one (caches cleared around it)."""
    tree = tmp_path / "sql"
    shutil.copytree(sqlfiles.sql_dir(), tree)

    def clear() -> None:
        sqlfiles.sql_text.cache_clear()
        migrations.migrations.cache_clear()

    clear()
    monkeypatch.setattr(sqlfiles, "sql_dir", lambda: tree)
    monkeypatch.setattr(migrations, "sql_dir", lambda: tree)
    yield tree
    clear()


def _add_migration(tree: Path, name: str, files: dict[str, str]) -> None:
    folder = tree / "migrations" / name
    folder.mkdir()
    for file, text in files.items():
        (folder / file).write_text(text, encoding="utf-8")
    sqlfiles.sql_text.cache_clear()
    migrations.migrations.cache_clear()


# --- a fresh database --------------------------------------------------------------------------

def test_a_fresh_database_is_the_declared_schema(conn: psycopg.Connection) -> None:
    ensure_schema(conn)
    assert describe(conn) == declared()
    assert _history(conn) == [(m.name, "applied") for m in migrations.migrations()]
    recorded = dict(conn.execute("SELECT name, checksum FROM sunshine.schema_migration"))
    assert recorded == {m.name: m.checksum for m in migrations.migrations()}
    status = schema_status(conn)
    assert (status.version, status.pending) == (migrations.latest(), ())
    assert ensure_schema(conn) is False


def test_two_runs_at_once_migrate_once(db_url: str) -> None:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with connect(db_url) as c:
                ensure_schema(c)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with connect(db_url) as c:
        assert _history(c) == [(m.name, "applied") for m in migrations.migrations()]


# --- the upgrade of a release 0.1 database with data in it -------------------------------------

def test_a_release_0_1_database_with_data_is_upgraded(
        tmp_path: Path, db_url: str, warehouse: WarehouseResource,
        monkeypatch: pytest.MonkeyPatch, pg_server: str) -> None:
    with connect(db_url) as conn:
        if _server_version(conn) < 160000:
            pytest.skip("release 0.1 needed PostgreSQL 16 (pg_input_is_valid)")
        create_release_0_1_database(conn)
        # This release's importer and refresh stand in for release 0.1's below, and they use
        # the columns 0003 adds (IF NOT EXISTS, in this order): the writer's transaction,
        # and why a rollup was flagged for a rebuild.
        conn.execute("ALTER TABLE sunshine.import_batch ADD COLUMN writer_xid xid8")
        conn.execute("ALTER TABLE sunshine.rollup_state ADD COLUMN flagged_at timestamptz, "
                     "ADD COLUMN rebuild_reason text, ADD COLUMN base_table text")
        conn.commit()
    # Release 0.1 at work: an import (one contribution missing, one amount different) and
    # every view built, with nothing touching its schema.
    old = handmade_with(tmp_path / "old", {"Transactions.csv": _older_transactions()})
    with monkeypatch.context() as m:
        m.setattr(loader, "ensure_schema", lambda conn: False)
        m.setattr(view_assets, "ensure_schema", lambda conn: False)
        with dg.DagsterInstance.ephemeral() as instance:
            assert ingest(warehouse, old, instance).success
    with connect(db_url) as conn:
        status = schema_status(conn)
        assert status.version == migrations.BASELINE
        assert status.pending == tuple(m.name for m in migrations.migrations()[1:])

    # This release: the next import migrates first, then lands the batch and refreshes.
    batch = write_handmade_batch(tmp_path / "new")
    with dg.DagsterInstance.ephemeral() as instance:
        assert ingest(warehouse, batch, instance).success
    with connect(db_url) as conn:
        assert _history(conn) == [(migrations.BASELINE, "baseline")] + [
            (m.name, "applied") for m in migrations.migrations()[1:]]
        expected = expected_views(batch)
        for view in VIEWS:
            assert view_rows(conn, view.name) == expected[view.name], view.name
        latest = conn.execute(
            "SELECT DISTINCT ON (asset, check_name) asset, check_name, passed "
            "FROM sunshine.check_result WHERE severity = 'ERROR' "
            "ORDER BY asset, check_name, check_result_id DESC").fetchall()
        assert latest and [c for c in latest if not c[2]] == []
        assert describe(conn) == declared()
        upgraded = describe(conn, portable=False)

    fresh_name = psycopg.conninfo.conninfo_to_dict(db_url)["dbname"] + "_fresh"
    with psycopg.connect(pg_server, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(fresh_name)))
    try:
        with connect(psycopg.conninfo.make_conninfo(db_url, dbname=fresh_name)) as fresh:
            ensure_schema(fresh)
            assert describe(fresh, portable=False) == upgraded
    finally:
        with psycopg.connect(pg_server, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(
                sql.Identifier(fresh_name)))


def _older_transactions() -> str:
    lines = (Path(__file__).parent / "batches" / "handmade" / "Transactions.csv").read_text(
        encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if not line.startswith("1002,")]
    return "".join(line.replace("1001,4,10,2024-01-05,100.00,", "1001,4,10,2024-01-05,90.00,")
                   for line in kept)


def test_an_unknown_pre_migration_database_is_refused(conn: psycopg.Connection) -> None:
    ensure_schema(conn)
    conn.execute("DROP TABLE sunshine.schema_migration")
    conn.execute("UPDATE sunshine.schema_version SET schema_hash = 'from a development build'")
    with pytest.raises(SchemaConflict, match="before versioned migrations"):
        ensure_schema(conn)


# --- refusals ----------------------------------------------------------------------------------

def test_an_edited_applied_migration_is_refused(conn: psycopg.Connection, sql_tree: Path
                                                ) -> None:
    ensure_schema(conn)
    before = describe(conn)
    edited = sql_tree / "migrations" / "0001_initial" / "08_quarantine.sql"
    edited.write_text(edited.read_text(encoding="utf-8").replace(
        "reason text NOT NULL,", "reason text NOT NULL,\n    severity text,"), encoding="utf-8")
    sqlfiles.sql_text.cache_clear()
    migrations.migrations.cache_clear()
    with pytest.raises(SchemaConflict, match="migration 0001_initial was changed after it was "
                                             "applied"):
        ensure_schema(conn)
    with pytest.raises(SchemaConflict):
        schema_status(conn)
    assert describe(conn) == before


def test_a_database_newer_than_this_release_is_refused(conn: psycopg.Connection) -> None:
    ensure_schema(conn)
    conn.execute("INSERT INTO sunshine.schema_migration (name, checksum, how) "
                 "VALUES ('0099_from_a_newer_release', 'x', 'applied')")
    conn.execute("UPDATE sunshine.schema_version SET schema_hash = 'a newer release'")
    with pytest.raises(SchemaConflict, match=r"newer than this release knows.*"
                                             "0099_from_a_newer_release"):
        ensure_schema(conn)


def test_a_failing_migration_leaves_the_database_as_it_was(conn: psycopg.Connection,
                                                           sql_tree: Path) -> None:
    ensure_schema(conn)
    before = describe(conn)
    number = len(migrations.migrations()) + 1
    name = f"{number:04d}_add_a_ledger"
    _add_migration(sql_tree, name, {
        "01_ledger.sql": "CREATE TABLE sunshine.ledger (id integer PRIMARY KEY);\n",
        "02_ledger_note.sql": "-- a typo on line 3\nALTER TABLE sunshine.ledger\n"
                              "    ADD COLUMN note txet;\n",
    })
    status = schema_status(conn)
    assert status.pending == (name,) and "pending: " + name in status.line()
    with pytest.raises(MigrationFailed, match=rf"migration {name} failed at sql/migrations/"
                                              rf"{name}/02_ledger_note\.sql line 3: .*txet"):
        ensure_schema(conn)
    assert describe(conn) == before
    assert schema_status(conn).pending == (name,)

    (sql_tree / "migrations" / name / "02_ledger_note.sql").write_text(
        "ALTER TABLE sunshine.ledger ADD COLUMN note text;\n", encoding="utf-8")
    sqlfiles.sql_text.cache_clear()
    migrations.migrations.cache_clear()
    assert ensure_schema(conn) is True
    assert _history(conn)[-1] == (name, "applied")
    assert "column sunshine.ledger 002 note text" in describe(conn)
    assert schema_status(conn).pending == ()


def test_migration_numbers_run_without_gaps(sql_tree: Path) -> None:
    _add_migration(sql_tree, "0009_out_of_order", {"01_x.sql": "SELECT 1;\n"})
    with pytest.raises(migrations.MigrationError, match="expected number"):
        migrations.migrations()


# --- the commands ------------------------------------------------------------------------------

def test_status_shows_the_schema_and_migrate_applies_what_is_pending(
        db_url: str, sql_tree: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from sunshine_pipeline import cli

    monkeypatch.setenv("SUNSHINE_DATABASE_URL", db_url)
    assert cli.main(["status"]) == 1  # nothing there yet, and status creates nothing
    assert capsys.readouterr().out.splitlines()[0].startswith("schema: not created yet")
    assert cli.main(["migrate"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        f"schema: {migrations.latest()} ({len(migrations.migrations())} migrations); "
        "pending: none")

    name = f"{len(migrations.migrations()) + 1:04d}_add_a_note"
    _add_migration(sql_tree, name, {"01_note.sql": "CREATE TABLE sunshine.note (id integer);\n"})
    cli.main(["status"])
    assert capsys.readouterr().out.splitlines()[0].startswith(
        f"schema: {migrations.migrations()[-2].name} ({len(migrations.migrations()) - 1} "
        f"migrations); pending: {name} (the next import or refresh applies them")
    assert cli.main(["migrate", "--dry-run"]) == 0
    capsys.readouterr()
    with connect(db_url) as conn:
        assert schema_status(conn).pending == (name,)
    assert cli.main(["migrate"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == f"applied: {name}"

    (sql_tree / "migrations" / name / "01_note.sql").write_text(
        "CREATE TABLE sunshine.note (id bigint);\n", encoding="utf-8")
    sqlfiles.sql_text.cache_clear()
    migrations.migrations.cache_clear()
    assert cli.main(["status"]) == 2
    assert f"migration {name} was changed after it was applied" in capsys.readouterr().err
    assert cli.main(["import", str(write_handmade_batch(sql_tree.parent / "b"))]) == 2
    assert f"error: migration {name} was changed" in capsys.readouterr().err
