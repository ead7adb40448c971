"""An Access file imported as it arrives (imports/access.py), on the real Access files in
../shared/fixtures/mdb/ (or $SUNSHINE_SHARED_DIR/fixtures/mdb/) and a real server: known
tables matched (Northwind's Categories is one, by its name and header), every other table
kept whole, memo fields with newlines and non-ASCII names intact, the file itself the batch
(imported once), and a missing mdbtools named."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import psycopg
import pytest

from sunshine_pipeline.imports import access
from sunshine_pipeline.imports.plan import BatchRejected
from sunshine_pipeline.resources import one
from tests.site import SHARED

MDB = SHARED / "fixtures" / "mdb"
pytestmark = pytest.mark.skipif(shutil.which("mdb-export") is None,
                                reason="mdbtools is not installed (.ci/run installs it)")


def exported_rows(path: Path, table: str) -> int:
    """Records mdb-export writes for the table (its own count, read back with csv)."""
    import csv
    import io

    out = subprocess.run(["mdb-export", *access.EXPORT_OPTIONS, str(path), table],
                         capture_output=True, check=True).stdout.decode("utf-8")
    return sum(1 for _ in csv.reader(io.StringIO(out, newline=""))) - 1


def test_northwind_lands_its_categories_and_keeps_every_other_table(
        conn: psycopg.Connection) -> None:
    path = MDB / "nwind.mdb"
    seen: list[str] = []
    result = access.import_access_file(conn, path, on_table=lambda t, _: seen.append(t))
    assert seen == access.tables(path) and "Umsätze" in seen and "Order Details" in seen
    assert result.outcome == "landed"
    assert conn.execute(
        "SELECT path, content_hash, size_bytes, outcome FROM sunshine.import_batch "
        "WHERE batch_id = %s", [result.batch_id]).fetchone() == (
        str(path.resolve()), access.file_hash(path), path.stat().st_size, "landed")

    names = conn.execute('SELECT category_id, name FROM "Categories" ORDER BY 1').fetchall()
    assert len(names) == exported_rows(path, "Categories") == 8
    assert names[0] == (1, "Beverages")
    kept: dict[str, int] = dict(conn.execute(
        "SELECT file_name, count(*) FROM sunshine.unmapped_data GROUP BY 1").fetchall())
    for table in seen:
        if table != "Categories":  # every row of every other table, nothing lost
            assert kept[f"{table}.csv"] == exported_rows(path, table), table
    # Categories' own extra columns are kept beside the row that landed.
    extra = one(conn.execute("SELECT data FROM sunshine.unmapped_data WHERE "
                             "file_name = 'Categories.csv' ORDER BY row_number LIMIT 1"))
    assert extra["Description"].startswith("Soft drinks") and len(extra["Picture"]) > 1000
    davolio = one(conn.execute("SELECT data FROM sunshine.unmapped_data WHERE "
                               "file_name = 'Employees.csv' AND data->>'EmployeeID' = '1'"))
    assert davolio["Address"] == "507 - 20th Ave. E.\r\nApt. 2A"  # a memo with a newline
    # ISO dates keep the century: mdb-export's default, 12/08/48, would read as 2048.
    assert davolio["BirthDate"] == "1948-12-08 00:00:00"

    again = access.import_access_file(conn, path, on_table=lambda t, _: seen.append(t))
    assert again.outcome == "skipped" and len(seen) == 9  # not even exported again


def test_dates_at_the_edges_and_an_accdb_are_kept_as_exported(
        conn: psycopg.Connection) -> None:
    dates = MDB / "DateTestDatabase.mdb"
    assert access.import_access_file(conn, dates).outcome == "landed"
    rows = [r[0] for r in conn.execute(
        "SELECT data FROM sunshine.unmapped_data WHERE file_name = 'DateTest.csv' "
        "ORDER BY row_number")]
    assert len(rows) == exported_rows(dates, "DateTest")
    assert rows[0]["DateTimeCol"] == "2021-12-02 00:00:00"  # ISO: the century is kept
    assert "New line\r\nin field" in {r["LongTextCol"] for r in rows}

    accdb = MDB / "ASampleDatabase.accdb"
    assert access.import_access_file(conn, accdb).outcome == "landed"
    assert one(conn.execute("SELECT count(*) FROM sunshine.unmapped_data "
                            "WHERE file_name = 'Asset Items.csv'")) == exported_rows(
        accdb, "Asset Items")


def test_without_mdbtools_the_command_names_the_package(monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str],
                                                        db_url: str) -> None:
    from sunshine_pipeline import cli

    monkeypatch.setattr(access.shutil, "which", lambda name: None)
    with pytest.raises(BatchRejected, match="install the mdbtools package"):
        access.tables(MDB / "nwind.mdb")
    monkeypatch.setenv("SUNSHINE_DATABASE_URL", db_url)
    assert cli.main(["import", str(MDB / "nwind.mdb")]) == 2
    assert capsys.readouterr().err == (
        "rejected: nwind.mdb: mdb-tables is not installed: install the mdbtools package "
        "(apt-get install mdbtools)\n")


def test_an_access_file_dropped_in_the_landing_folder_is_imported(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, warehouse, conn) -> None:
    """A batch folder holding an .mdb and `_READY`: the landing sensor requests its known
    tables (Northwind's Categories) and the views below them; the run imports the file."""
    import dagster as dg

    from sunshine_pipeline.definitions import build_definitions
    from sunshine_pipeline.sensors import landing_batch_sensor
    from tests.pipeline import execute, tick

    landing = tmp_path / "landing"
    batch = landing / "sos-2025-06"
    batch.mkdir(parents=True)
    shutil.copy(MDB / "nwind.mdb", batch / "CFS_Export_2025.mdb")
    monkeypatch.setenv("SUNSHINE_LANDING", str(landing))
    monkeypatch.setenv("SUNSHINE_LANDING_SETTLE_SECONDS", "0")
    with dg.instance_for_test() as instance:
        defs = build_definitions(warehouse)
        assert tick(landing_batch_sensor, instance, defs, warehouse, None).run_requests == []
        (batch / "_READY").touch()
        with monkeypatch.context() as m:  # mdbtools missing: reported, tried again later
            m.setattr(access.shutil, "which", lambda name: None)
            data = tick(landing_batch_sensor, instance, defs, warehouse, None)
            assert data.run_requests == []
            assert "batch sos-2025-06 cannot be read" in data.skip_message
            assert "install the mdbtools package" in data.skip_message
        data = tick(landing_batch_sensor, instance, defs, warehouse, data.cursor)
        (request,) = data.run_requests
        assert dg.AssetKey("Categories") in request.asset_selection
        result = execute(defs, "ingest_batch_job", request, instance)
        assert result.success
    assert conn.execute('SELECT count(*) FROM "Categories"').fetchone()[0] == 8
    assert conn.execute("SELECT path FROM sunshine.import_batch WHERE outcome = 'landed'"
                        ).fetchone()[0] == str((batch / "CFS_Export_2025.mdb").resolve())
