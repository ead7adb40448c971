"""The two sensors, scenario by scenario, with build_sensor_context on a real instance and a
real PostgreSQL: landing batches (first tick, nothing new, one batch, half-copied, failing,
repeat, restart) and direct writes to each base table (committed, rolled back, our own)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import psycopg
import pytest
from psycopg import sql

from sunshine_pipeline.definitions import build_definitions
from sunshine_pipeline.imports.assets import REJECTED_TAG
from sunshine_pipeline.imports.catalog import SOURCES, SOURCES_BY_TABLE
from sunshine_pipeline.imports.loader import import_batch
from sunshine_pipeline.jobs import REFRESH_TAGS
from sunshine_pipeline.resources import WarehouseResource
from sunshine_pipeline.sensors import (
    AFTER_BATCH_TAG,
    BATCH_TAG,
    landing_batch_sensor,
    source_change_sensor,
    views_after_import_sensor,
)
from sunshine_pipeline.views.catalog import BASE_TABLES, VIEWS, downstream_views
from tests.batches import write_handmade_batch
from tests.oracle import landed_rows
from tests.pipeline import execute, tick

# A statement of interest the hand-made batch does not hold (a batch appends it).
NEWCOMER = "Newcomer,Mayor,IND,,,2024-03-01,https://example.org/9\n"


def batch_tables(batch: Path) -> list[str]:
    """The tables whose files the batch holds, in the catalog's order."""
    return [s.table for s in SOURCES if (batch / s.file).exists()]


def soi_total(conn: psycopg.Connection) -> int:
    return conn.execute("SELECT soi_total FROM dashboard_aggregations").fetchone()[0]


def soi_rows(conn: psycopg.Connection) -> int:
    return conn.execute("SELECT count(*) FROM candidate_soi").fetchone()[0]


def after_import(instance: dg.DagsterInstance, result: dg.ExecuteInProcessResult):
    """What views_after_import_sensor asks for once the ingest run `result` succeeded."""
    (record,) = instance.get_records_for_run(
        result.run_id, of_type=dg.DagsterEventType.RUN_SUCCESS).records
    context = dg.build_run_status_sensor_context(
        sensor_name="views_after_import_sensor", dagster_instance=instance,
        dagster_run=instance.get_run_by_id(result.run_id),
        dagster_event=record.event_log_entry.dagster_event)
    return views_after_import_sensor(context)


def ingest_and_follow(defs: dg.Definitions, request: dg.RunRequest,
                      instance: dg.DagsterInstance) -> dg.ExecuteInProcessResult:
    """The ingest run, then the refresh run views_after_import_sensor requests for it."""
    ingest = execute(defs, "ingest_batch_job", request, instance)
    assert ingest.success
    follow = after_import(instance, ingest)
    assert isinstance(follow, dg.RunRequest), follow
    assert follow.tags == {**REFRESH_TAGS, AFTER_BATCH_TAG: request.tags[BATCH_TAG]}
    assert follow.run_key == f"after:{ingest.run_id}"
    refresh = execute(defs, "refresh_views_job", follow, instance)
    assert refresh.success
    return refresh


def batches(cursor: str) -> list[str]:
    """The batch names the landing sensor's cursor records."""
    return sorted(json.loads(cursor)["batches"])


def make_ready(batch: Path) -> Path:
    (batch / "_READY").touch()
    return batch


@pytest.fixture
def landing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "landing"
    path.mkdir()
    monkeypatch.setenv("SUNSHINE_LANDING", str(path))
    monkeypatch.setenv("SUNSHINE_LANDING_SETTLE_SECONDS", "0")
    return path


@pytest.fixture
def defs(warehouse: WarehouseResource, instance: dg.DagsterInstance) -> dg.Definitions:
    """Resolved while a test instance is current (Dagster looks one up when loading)."""
    return build_definitions(warehouse)


def test_definitions_hold_the_sensors_running(defs) -> None:
    sensors = {s.name: s for s in defs.get_repository_def().sensor_defs}
    assert {"alert_sensor", "landing_batch_sensor", "source_change_sensor",
            "views_after_import_sensor", "view_freshness_sensor"} <= set(sensors)
    for sensor in sensors.values():
        assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    assert sensors["landing_batch_sensor"].minimum_interval_seconds == 10
    assert sensors["views_after_import_sensor"].minimum_interval_seconds == 5
    assert sensors["source_change_sensor"].minimum_interval_seconds == 30
    assert sensors["view_freshness_sensor"].minimum_interval_seconds == 60
    assert sensors["landing_batch_sensor"].job_name == "ingest_batch_job"
    assert sensors["views_after_import_sensor"].job_name == "refresh_views_job"
    assert sensors["source_change_sensor"].job_name == "refresh_views_job"
    assert sensors["alert_sensor"].minimum_interval_seconds == 60
    dg.Definitions.validate_loadable(defs)


# Landing batches


def test_first_tick_with_no_batch_requests_nothing(landing, instance, defs, warehouse) -> None:
    landing.rmdir()
    data = tick(landing_batch_sensor, instance, defs, warehouse, None)
    assert data.run_requests == []
    assert data.skip_message == f"no new ready batch in {landing}"
    assert batches(data.cursor) == []
    landing.mkdir()
    data = tick(landing_batch_sensor, instance, defs, warehouse, data.cursor)
    assert data.run_requests == []
    assert batches(data.cursor) == []


def test_one_batch_is_requested_once_across_repeats_and_restarts(
        landing, instance, defs, warehouse, conn) -> None:
    first = tick(landing_batch_sensor, instance, defs, warehouse, None)
    batch = make_ready(write_handmade_batch(landing / "batch-001"))

    data = tick(landing_batch_sensor, instance, defs, warehouse, first.cursor)
    (request,) = data.run_requests
    assert request.run_key == "batch:batch-001"
    assert request.run_config == {"ops": {"import_batch": {"config": {
        "batch_dir": str(batch)}}}}
    assert request.tags == {**REFRESH_TAGS, BATCH_TAG: "batch-001",
                            "dagster/sensor_name": "landing_batch_sensor"}
    assert request.asset_selection == [dg.AssetKey(t) for t in batch_tables(batch)]
    assert batches(data.cursor) == ["batch-001"]
    refresh = ingest_and_follow(defs, request, instance)
    assert {e.asset_key for e in refresh.get_asset_materialization_events()} == {
        dg.AssetKey(v.name) for v in VIEWS}
    assert soi_total(conn) == soi_rows(conn) == len(landed_rows(batch)["candidate_soi"])

    repeat = tick(landing_batch_sensor, instance, defs, warehouse, data.cursor)
    assert repeat.run_requests == []
    assert repeat.cursor == data.cursor

    with dg.instance_for_test() as restarted:
        again = tick(landing_batch_sensor, restarted, build_definitions(warehouse), warehouse,
                     repeat.cursor)
    assert again.run_requests == []
    assert again.cursor == data.cursor


def test_batch_selects_only_its_tables_and_the_views_downstream(
        landing, instance, defs, warehouse, conn) -> None:
    base = make_ready(write_handmade_batch(landing / "base"))
    data = tick(landing_batch_sensor, instance, defs, warehouse, None)
    ingest_and_follow(defs, data.run_requests[0], instance)
    before = soi_total(conn)
    soi = landing / "soi-only"
    soi.mkdir()
    shutil.copy(base / "candidate_soi.csv", soi / "CANDIDATE_SOI.CSV")
    with (soi / "CANDIDATE_SOI.CSV").open("a", encoding="utf-8") as f:
        f.write(NEWCOMER)
    make_ready(soi)

    data = tick(landing_batch_sensor, instance, defs, warehouse, data.cursor)
    (request,) = data.run_requests
    assert request.asset_selection == [dg.AssetKey("candidate_soi")]
    assert batches(data.cursor) == ["base", "soi-only"]
    refresh = ingest_and_follow(defs, request, instance)
    assert {e.asset_key for e in refresh.get_asset_materialization_events()} == {
        dg.AssetKey("dashboard_aggregations")}
    assert soi_total(conn) == before + 1 == soi_rows(conn)

    # The same batch content again, under a new name: nothing changes, nothing to refresh.
    again = landing / "soi-again"
    shutil.copytree(soi, again)
    data = tick(landing_batch_sensor, instance, defs, warehouse, data.cursor)
    (request,) = data.run_requests
    ingest = execute(defs, "ingest_batch_job", request, instance)
    assert ingest.success
    skipped = after_import(instance, ingest)
    assert isinstance(skipped, dg.SkipReason)
    assert "changed no table a view reads" in skipped.skip_message


def test_half_copied_batch_waits_for_ready(landing, instance, defs, warehouse) -> None:
    first = tick(landing_batch_sensor, instance, defs, warehouse, None)
    copying = write_handmade_batch(landing / "batch-002")
    (landing / "not-a-batch.csv").write_text("x\n")
    (landing / "unknown").mkdir()
    # An export table the site does not model: no known file.
    (landing / "unknown" / "IncomeExpenseNeutral.csv").write_text(
        "IncomeExpenseNeutralID\n1\n")

    data = tick(landing_batch_sensor, instance, defs, warehouse, first.cursor)
    assert data.run_requests == []
    assert batches(data.cursor) == []

    make_ready(landing / "unknown")
    data = tick(landing_batch_sensor, instance, defs, warehouse, data.cursor)
    assert data.run_requests == []
    assert data.skip_message == ("batch unknown holds no known CSV file; ignored until its "
                                 "files change")
    assert batches(data.cursor) == ["unknown"]

    make_ready(copying)
    data = tick(landing_batch_sensor, instance, defs, warehouse, data.cursor)
    assert [r.run_key for r in data.run_requests] == ["batch:batch-002"]
    assert batches(data.cursor) == ["batch-002", "unknown"]


def test_failed_batch_is_reported_and_not_retried(landing, instance, defs, warehouse) -> None:
    bad = write_handmade_batch(landing / "bad")
    header, *rows = (bad / "Transactions.csv").read_text(encoding="utf-8").splitlines(True)
    (bad / "Transactions.csv").write_text(
        header.replace("TransactionID,", "TxnID,", 1) + "".join(rows), encoding="utf-8")
    make_ready(bad)

    data = tick(landing_batch_sensor, instance, defs, warehouse, None)
    (request,) = data.run_requests
    result = execute(defs, "ingest_batch_job", request, instance)
    assert not result.success
    # The import's step fails with the reason as its headline; the run is tagged with it; no
    # view was part of the run (its health is untouched) and the files are recorded.
    reason = "Transactions.csv: required column TransactionID is missing from the header"
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    assert failure.step_failure_data.user_failure_data.description == (
        f"Batch bad rejected, nothing imported: {reason}")
    assert instance.get_run_by_id(result.run_id).tags[REJECTED_TAG] == reason
    assert {k.path[-1] for k in instance.get_run_by_id(result.run_id).asset_selection} == set(
        batch_tables(bad))
    observed = {e.asset_observation_data.asset_observation.asset_key.to_user_string():
                e.asset_observation_data.asset_observation.metadata
                for e in result.all_events if e.event_type_value == "ASSET_OBSERVATION"}
    assert sorted(observed) == sorted(f"landing/{s.file}" for s in SOURCES
                                      if (bad / s.file).exists())
    assert observed["landing/Transactions.csv"]["outcome"].value == (
        f"rejected, nothing imported: {reason}")
    # What the UI colours an asset by: the latest run that planned it. The import's tables
    # were planned in the failed run; no view was.
    records = {r.asset_entry.asset_key.to_user_string(): r.asset_entry
               for r in instance.get_asset_records()}
    assert records["Transactions"].last_run_id == result.run_id
    assert [v.name for v in VIEWS
            if v.name in records and records[v.name].last_run_id == result.run_id] == []

    for cursor in (data.cursor, data.cursor):
        again = tick(landing_batch_sensor, instance, defs, warehouse, cursor)
        assert again.run_requests == []
        assert batches(again.cursor) == batches(data.cursor)
        assert again.cursor.startswith('{"failed": ["bad"], "batches": ')  # in sight in the UI
        assert again.skip_message == (
            f"batch bad failed in run {result.run_id}; not retried until its files change: "
            "fix them in place, drop the batch under a new folder name, or re-execute the run")

    fixed = make_ready(write_handmade_batch(landing / "bad-fixed"))
    data = tick(landing_batch_sensor, instance, defs, warehouse, data.cursor)
    (request,) = data.run_requests
    assert request.run_key == "batch:bad-fixed"
    assert request.run_config["ops"]["import_batch"]["config"]["batch_dir"] == str(fixed)
    assert execute(defs, "ingest_batch_job", request, instance).success
    data = tick(landing_batch_sensor, instance, defs, warehouse, data.cursor)
    assert data.skip_message.startswith("batch bad failed in run ")


def test_failed_batch_fixed_in_place_is_tried_again(landing, instance, defs, warehouse,
                                                    conn) -> None:
    bad = write_handmade_batch(landing / "bad")
    good = (bad / "Transactions.csv").read_text(encoding="utf-8")
    (bad / "Transactions.csv").write_text(good.replace("TransactionID,", "TxnID,", 1),
                                          encoding="utf-8")
    make_ready(bad)
    data = tick(landing_batch_sensor, instance, defs, warehouse, None)
    (request,) = data.run_requests
    assert not execute(defs, "ingest_batch_job", request, instance).success

    (bad / "Transactions.csv").write_text(good, encoding="utf-8")
    data = tick(landing_batch_sensor, instance, defs, warehouse, data.cursor)
    (retry,) = data.run_requests
    assert retry.run_key.startswith("batch:bad@") and retry.run_key != request.run_key
    assert execute(defs, "ingest_batch_job", retry, instance).success
    assert conn.execute('SELECT count(*) FROM "Transactions"').fetchone()[0] == len(
        landed_rows(bad)["Transactions"])
    again = tick(landing_batch_sensor, instance, defs, warehouse, data.cursor)
    assert again.run_requests == []
    assert again.skip_message == f"no new ready batch in {landing}"


def test_ready_before_its_files_waits(landing, instance, defs, warehouse) -> None:
    early = landing / "early"
    early.mkdir()
    make_ready(early)
    for _ in range(2):
        data = tick(landing_batch_sensor, instance, defs, warehouse, None)
        assert data.run_requests == []
        assert data.skip_message == "batch early waits: _READY is there, no file yet"
        assert batches(data.cursor) == []
        assert json.loads(data.cursor)["waiting"] == ["early"]
    write_handmade_batch(early)
    data = tick(landing_batch_sensor, instance, defs, warehouse, data.cursor)
    assert [r.run_key for r in data.run_requests] == ["batch:early"]


def test_files_still_changing_wait_until_they_settle(landing, instance, defs, warehouse,
                                                     monkeypatch) -> None:
    monkeypatch.setenv("SUNSHINE_LANDING_SETTLE_SECONDS", "60")
    batch = make_ready(write_handmade_batch(landing / "copying"))
    data = tick(landing_batch_sensor, instance, defs, warehouse, None)
    assert data.run_requests == []
    assert data.skip_message.startswith("batch copying waits: ")
    assert data.skip_message.endswith(" changed in the last 60 s")
    assert "Transactions.csv" in data.skip_message
    settled = time.time() - 61
    for file in batch.iterdir():
        os.utime(file, (settled, settled))
    data = tick(landing_batch_sensor, instance, defs, warehouse, data.cursor)
    assert [r.run_key for r in data.run_requests] == ["batch:copying"]


def sha256sum(batch: Path, names: list[str]) -> str:
    """What `sha256sum <names>` prints in the batch folder."""
    return "".join(f"{hashlib.sha256((batch / n).read_bytes()).hexdigest()}  {n}\n"
                   for n in names)


def test_a_manifest_makes_the_batch_wait_for_every_listed_file(
        landing, instance, defs, warehouse) -> None:
    outgoing = write_handmade_batch(landing.parent / "outgoing")
    names = sorted(p.name for p in outgoing.iterdir())
    batch = landing / "listed"
    batch.mkdir()
    (batch / "_READY").write_text(sha256sum(outgoing, names))
    for name in names[:-1]:
        shutil.copy(outgoing / name, batch / name)
    data = tick(landing_batch_sensor, instance, defs, warehouse, None)
    assert data.skip_message == f"batch listed waits: {names[-1]} listed in _READY not there yet"
    shutil.copy(outgoing / names[-1], batch / names[-1])
    (batch / "_READY").write_text(sha256sum(outgoing, names[:-1]) + "0123abc")  # cut short
    data = tick(landing_batch_sensor, instance, defs, warehouse, data.cursor)
    assert data.skip_message == (f"batch listed waits: _READY line {len(names)} is not "
                                 "'<sha256>  <file name>'; waiting for the manifest to be "
                                 "complete")
    (batch / "_READY").write_text(sha256sum(outgoing, names[:-1]))
    data = tick(landing_batch_sensor, instance, defs, warehouse, data.cursor)
    assert data.skip_message == f"batch listed waits: {names[-1]} not listed in _READY"
    (batch / "_READY").write_text(sha256sum(outgoing, names))
    data = tick(landing_batch_sensor, instance, defs, warehouse, data.cursor)
    (request,) = data.run_requests
    assert execute(defs, "ingest_batch_job", request, instance).success


def test_a_file_unlike_its_manifest_rejects_the_batch(landing, instance, defs, warehouse,
                                                       conn) -> None:
    batch = write_handmade_batch(landing / "truncated")
    names = sorted(p.name for p in batch.iterdir())
    (batch / "_READY").write_text(sha256sum(batch, names))
    with (batch / "Transactions.csv").open("r+b") as f:  # the copy lost its last bytes
        f.truncate(f.seek(0, 2) - 40)
    data = tick(landing_batch_sensor, instance, defs, warehouse, None)
    (request,) = data.run_requests
    result = execute(defs, "ingest_batch_job", request, instance)
    assert not result.success
    assert conn.execute('SELECT count(*) FROM "Transactions"').fetchone()[0] == 0
    (error,) = conn.execute("SELECT error FROM sunshine.import_batch WHERE outcome = 'rejected'"
                            ).fetchone()
    assert error.startswith("Transactions.csv: its SHA-256 is ")
    assert error.endswith("the file is incomplete or not the one listed")


def test_symbolic_links_are_refused(landing, instance, defs, warehouse, tmp_path) -> None:
    secret = tmp_path / "elsewhere.csv"
    secret.write_text("NameID,LastName\n1,secret\n")
    linked = write_handmade_batch(landing / "linked")
    (linked / "Names.csv").unlink()
    (linked / "Names.csv").symlink_to(secret)
    make_ready(linked)
    outside = make_ready(write_handmade_batch(tmp_path / "outside"))
    (landing / "folder-link").symlink_to(outside, target_is_directory=True)
    for cursor in (None, None):
        data = tick(landing_batch_sensor, instance, defs, warehouse, cursor)
        assert data.run_requests == []
        assert data.skip_message == (
            "batch folder-link refused: batch folder folder-link is a symbolic link; the "
            "landing folder takes real folders only; batch linked refused: linked/Names.csv "
            "is a symbolic link; a landing batch takes regular files only")
        assert batches(data.cursor) == []
        assert json.loads(data.cursor)["refused"] == ["folder-link", "linked"]


# Direct writes to the base tables

# Per table: key column, a new key value, a column to write with its inserted and updated
# values, and the other columns an inserted row needs (the site's NOT NULL columns; references
# to rows of the hand-made batch, or of REPORT_LOOKUPS).
NOW = datetime(2026, 1, 2, tzinfo=UTC)
NAME_TEXT = dict.fromkeys(("first_name", "middle_name", "suffix", "address1", "address2",
                           "city", "state", "zip_code", "occupation", "employer"), "")
COMMITTEE_TEXT = dict.fromkeys((
    "sponsor_type", "physical_address1", "physical_address2", "physical_city",
    "physical_state", "physical_zip_code", "financial_institution1", "financial_institution2",
    "financial_institution3"), "")
NEW_ROWS: dict[str, tuple[str, int, str, object, object, dict]] = {
    "EntityTypes": ("entity_type_id", 90, "name", "inserted", "updated", {}),
    "TransactionTypes": ("transaction_type_id", 90, "name", "inserted", "updated",
                         {"income_expense_neutral": 1}),
    "Counties": ("county_id", 90, "name", "inserted", "updated", {}),
    "Parties": ("party_id", 90, "name", "inserted", "updated", {"abbreviation": ""}),
    "Offices": ("office_id", 90, "name", "inserted", "updated", {"office_type": ""}),
    "Cycles": ("cycle_id", 90, "name", "inserted", "updated", {}),
    "Categories": ("category_id", 90, "name", "inserted", "updated", {}),
    "BallotMeasures": ("ballot_measure_id", 90, "short_title", "inserted", "updated",
                       {"sos_identifier": "I-90-2026"}),
    "ReportTypes": ("report_type_id", 90, "name", "inserted", "updated", {"is_active": True}),
    "ReportNames": ("report_name_id", 90, "name", "inserted", "updated", {}),
    "Names": ("name_id", 9000, "last_name", "inserted", "updated",
              {"name_group_id": 9000, "entity_type_id": 1, **NAME_TEXT}),
    "Committees": ("committee_id", 9000, "sponsor_relationship", "inserted", "updated",
                   {"name_id": 501, "is_incumbent": False, "benefits_ballot_measure": False,
                    **COMMITTEE_TEXT}),
    "Reports": ("report_id", 9000, "filing_datetime", NOW, NOW.replace(day=3),
                {"committee_id": 4, "cycle_id": 1, "report_type_id": 80, "report_name_id": 80,
                 "report_period_begin": NOW, "report_period_end": NOW,
                 "filing_period_begin": NOW, "filing_period_end": NOW}),
    "Transactions": ("transaction_id", 900_000, "memo", "inserted", "updated",
                     {"committee_id": 4, "transaction_type_id": 10, "amount": 12,
                      "entity_id": 101, "account_type": "", "deleted": False}),
    "candidate_soi": ("id", 9000, "candidate_name", "inserted", "updated",
                      {"office_id": 1, "email": "", "phone": "", "filing_date": NOW.date(),
                       "contact_status": "uncontacted", "contacted_by": "",
                       "pledge_received": False, "notes": "", "created_at": NOW,
                       "updated_at": NOW}),
}
# The report type and name a new report refers to (the hand-made batch holds no reports).
REPORT_LOOKUPS = {"ReportTypes": ("report_type_id", 80, {"name": "Quarterly",
                                                         "is_active": True}),
                  "ReportNames": ("report_name_id", 80, {"name": "Q1"})}


def insert_values(conn: psycopg.Connection, table: str, columns: dict) -> None:
    conn.execute(sql.SQL("INSERT INTO {} ({}) VALUES ({})").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns)),
        sql.SQL(", ").join(sql.Placeholder() * len(columns))), list(columns.values()))


def insert_row(conn: psycopg.Connection, table: str) -> None:
    key, value, column, inserted, _, others = NEW_ROWS[table]
    insert_values(conn, table, {key: value, column: inserted, **others})


def update_row(conn: psycopg.Connection, table: str) -> None:
    key, value, column, _, updated, _ = NEW_ROWS[table]
    conn.execute(sql.SQL("UPDATE {} SET {} = %s WHERE {} = %s").format(
        sql.Identifier(table), sql.Identifier(column), sql.Identifier(key)), [updated, value])


def delete_row(conn: psycopg.Connection, table: str) -> None:
    key, value, *_ = NEW_ROWS[table]
    conn.execute(sql.SQL("DELETE FROM {} WHERE {} = %s").format(
        sql.Identifier(table), sql.Identifier(key)), [value])


@pytest.fixture
def watched(tmp_path, conn, instance, defs, warehouse) -> str:
    """A warehouse holding the handmade batch (and REPORT_LOOKUPS), and the cursor of the
    sensor's first tick."""
    import_batch(conn, write_handmade_batch(tmp_path / "handmade"))
    for table, (key, value, others) in REPORT_LOOKUPS.items():
        if not conn.execute(sql.SQL("SELECT FROM {} WHERE {} = %s").format(
                sql.Identifier(table), sql.Identifier(key)), [value]).fetchone():
            insert_values(conn, table, {key: value, **others})
    conn.commit()
    data = tick(source_change_sensor, instance, defs, warehouse, None)
    assert data.run_requests == []
    assert data.skip_message.startswith("first tick: watching changes after snapshot ")
    return data.cursor


def requested_views(data) -> list[str] | None:
    if not data.run_requests:
        return None
    (request,) = data.run_requests
    assert request.job_name in (None, "refresh_views_job")
    assert request.tags == {**REFRESH_TAGS, "dagster/sensor_name": "source_change_sensor"}
    assert request.run_key == f"changes:{data.cursor}"
    return [key.to_user_string() for key in request.asset_selection]


def test_every_base_table_is_watched() -> None:
    assert set(NEW_ROWS) == set(BASE_TABLES) == set(SOURCES_BY_TABLE)


def test_direct_writes_request_exactly_the_downstream_views(
        watched, conn, instance, defs, warehouse) -> None:
    """Each base table in turn (one database): INSERT, UPDATE, DELETE, then a rollback."""
    cursor = watched
    for table in BASE_TABLES:
        expected = [v.name for v in downstream_views({table})] or None
        for write in (insert_row, update_row, delete_row):
            with conn.transaction():
                write(conn, table)
            data = tick(source_change_sensor, instance, defs, warehouse, cursor)
            assert requested_views(data) == expected, (table, write.__name__)
            if expected is None:
                assert data.skip_message == f"{table} (1 rows) changed; no view reads them"
            assert data.cursor != cursor
            cursor = data.cursor

        with conn.transaction() as tx:
            insert_row(conn, table)
            raise psycopg.Rollback(tx)
        data = tick(source_change_sensor, instance, defs, warehouse, cursor)
        assert data.run_requests == [], table
        assert data.skip_message == "no base table changed"
        cursor = data.cursor


def test_writes_to_several_tables_request_one_run_of_their_downstream_views(
        watched, conn, instance, defs, warehouse) -> None:
    with conn.transaction():
        insert_row(conn, "TransactionTypes")
    with conn.transaction():
        insert_row(conn, "candidate_soi")
        update_row(conn, "candidate_soi")
    data = tick(source_change_sensor, instance, defs, warehouse, watched)
    assert requested_views(data) == [
        "top_donors_mv", "mv_dashboard_top_donors", "dashboard_aggregations"]
    repeat = tick(source_change_sensor, instance, defs, warehouse, data.cursor)
    assert repeat.run_requests == []
    assert repeat.skip_message == "no base table changed"


def test_write_in_progress_during_a_tick_is_requested_once_it_commits(
        watched, db_url, conn, instance, defs, warehouse) -> None:
    with psycopg.connect(db_url) as writer:
        insert_row(writer, "candidate_soi")
        during = tick(source_change_sensor, instance, defs, warehouse, watched)
        assert during.run_requests == []
        writer.commit()
    after = tick(source_change_sensor, instance, defs, warehouse, during.cursor)
    assert requested_views(after) == ["dashboard_aggregations"]
    again = tick(source_change_sensor, instance, defs, warehouse, after.cursor)
    assert again.run_requests == []


def test_dagster_imports_request_nothing_cli_imports_do(
        tmp_path, conn, instance, defs, warehouse) -> None:
    """An ingest run refreshes after its own import; `sunshine import` refreshes nothing."""
    first = tick(source_change_sensor, instance, defs, warehouse, None)
    empty = tick(source_change_sensor, instance, defs, warehouse, first.cursor)
    assert empty.skip_message == "no base table changed"

    batch = write_handmade_batch(tmp_path / "handmade")
    import_batch(conn, batch)
    conn.commit()
    data = tick(source_change_sensor, instance, defs, warehouse, empty.cursor)
    assert requested_views(data) == [v.name for v in VIEWS]

    with (batch / "candidate_soi.csv").open("a", encoding="utf-8") as f:
        f.write(NEWCOMER)
    result = defs.resolve_job_def("ingest_batch_job").execute_in_process(
        instance=instance,
        run_config={"ops": {"import_batch": {"config": {"batch_dir": str(batch)}}}})
    assert result.success
    assert conn.execute(
        "SELECT count(*) FROM sunshine.change_log WHERE relation = 'candidate_soi' "
        "AND writer LIKE %s", [f"dagster run {result.run_id}%"]).fetchone() == (1,)
    data = tick(source_change_sensor, instance, defs, warehouse, data.cursor)
    assert data.run_requests == []
    assert data.skip_message == "no base table changed"


def test_requested_refresh_brings_the_views_up_to_date(
        tmp_path, conn, instance, defs, warehouse) -> None:
    batch = write_handmade_batch(tmp_path / "handmade")
    assert defs.resolve_job_def("ingest_batch_job").execute_in_process(
        instance=instance,
        run_config={"ops": {"import_batch": {"config": {"batch_dir": str(batch)}}}}).success
    cursor = tick(source_change_sensor, instance, defs, warehouse, None).cursor
    before = soi_total(conn)
    with conn.transaction():
        insert_row(conn, "candidate_soi")
    data = tick(source_change_sensor, instance, defs, warehouse, cursor)
    (request,) = data.run_requests
    result = execute(defs, "refresh_views_job", request, instance)
    assert result.success
    assert [e.asset_key.to_user_string() for e in result.get_asset_materialization_events()] == [
        "dashboard_aggregations"]
    assert soi_total(conn) == before + 1 == soi_rows(conn)
    assert tick(source_change_sensor, instance, defs, warehouse, data.cursor).run_requests == []
