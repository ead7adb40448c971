"""The hourly safety net selects only stale views (and what reads them); refreshes of one view
never overlap: run tags, pools and the advisory lock."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import dagster as dg
import psycopg
import pytest
import yaml

from sunshine_pipeline.definitions import build_definitions
from sunshine_pipeline.imports.loader import import_batch
from sunshine_pipeline.jobs import REFRESH_TAGS
from sunshine_pipeline.resources import WarehouseResource, connect
from sunshine_pipeline.schedules import NOTHING_STALE, build_schedules
from sunshine_pipeline.views.catalog import VIEWS, VIEWS_BY_NAME
from sunshine_pipeline.views.refresh import materialize_view
from tests.batches import write_handmade_batch

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def defs(warehouse: WarehouseResource, instance: dg.DagsterInstance) -> dg.Definitions:
    """Resolved while a test instance is current (Dagster looks one up when loading)."""
    return build_definitions(warehouse)


def insert_statement_of_interest(conn: psycopg.Connection) -> None:
    """A new statement of interest, as the site writes one (its NOT NULL columns set)."""
    conn.execute(
        "INSERT INTO candidate_soi (candidate_name, office_id, email, phone, filing_date, "
        "contact_status, contacted_by, pledge_received, notes, created_at, updated_at) "
        "SELECT 'New', office_id, '', '', DATE '2024-03-01', 'uncontacted', '', false, '', "
        "now(), now() FROM \"Offices\" WHERE name = 'Mayor'")


def soi_total(conn: psycopg.Connection) -> int:
    return conn.execute("SELECT soi_total FROM dashboard_aggregations").fetchone()[0]


def evaluate(defs: dg.Definitions, instance: dg.DagsterInstance,
             warehouse: WarehouseResource):
    schedule = defs.get_repository_def().get_schedule_def("refresh_views_schedule")
    context = dg.build_schedule_context(instance=instance, resources={"warehouse": warehouse})
    return schedule.evaluate_tick(context)


def selected(data) -> list[str]:
    (request,) = data.run_requests
    assert request.tags.items() >= REFRESH_TAGS.items()
    return [key.to_user_string() for key in request.asset_selection]


def test_schedule_defaults_to_the_old_cron_line(monkeypatch) -> None:
    monkeypatch.delenv("SUNSHINE_REFRESH_CRON", raising=False)
    monkeypatch.delenv("SUNSHINE_TIMEZONE", raising=False)
    schedule, _ = build_schedules()
    assert schedule.name == "refresh_views_schedule"
    assert schedule.job_name == "refresh_views_job"
    assert schedule.cron_schedule == "5 * * * *"
    assert schedule.execution_timezone == "UTC"
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING


def test_schedule_cron_and_timezone_come_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("SUNSHINE_REFRESH_CRON", "*/15 * * * *")
    monkeypatch.setenv("SUNSHINE_TIMEZONE", "America/Phoenix")
    schedule, _ = build_schedules()
    assert schedule.cron_schedule == "*/15 * * * *"
    assert schedule.execution_timezone == "America/Phoenix"


def test_the_daily_audit_counts_the_transactions_wide_checks(monkeypatch) -> None:
    monkeypatch.delenv("SUNSHINE_AUDIT_CRON", raising=False)
    _, audit = build_schedules()
    assert audit.name == "audit_sources_schedule"
    assert audit.job_name == "audit_sources_job"
    assert audit.cron_schedule == "15 3 * * *"
    assert audit.default_status == dg.DefaultScheduleStatus.RUNNING
    monkeypatch.setenv("SUNSHINE_AUDIT_CRON", "0 4 * * 1")
    assert build_schedules()[1].cron_schedule == "0 4 * * 1"


def test_schedule_on_an_empty_warehouse_selects_every_view(defs, instance, warehouse) -> None:
    assert selected(evaluate(defs, instance, warehouse)) == [v.name for v in VIEWS]


def test_schedule_selects_only_stale_views_and_what_reads_them(
        tmp_path, defs, instance, warehouse, conn) -> None:
    batch = write_handmade_batch(tmp_path / "handmade")
    job = defs.resolve_job_def("ingest_batch_job")
    assert job.execute_in_process(instance=instance, run_config={
        "ops": {"import_batch": {"config": {"batch_dir": str(batch)}}}}).success

    quiet = evaluate(defs, instance, warehouse)
    assert quiet.run_requests == []
    assert quiet.skip_message == NOTHING_STALE

    before = soi_total(conn)
    with conn.transaction():
        conn.execute("""UPDATE "TransactionTypes" SET name = 'Renamed' """
                     "WHERE transaction_type_id = 30")
        insert_statement_of_interest(conn)
    data = evaluate(defs, instance, warehouse)
    assert selected(data) == ["top_donors_mv", "mv_dashboard_top_donors",
                              "dashboard_aggregations"]

    (request,) = data.run_requests
    result = defs.resolve_job_def("refresh_views_job").execute_in_process(
        instance=instance, asset_selection=request.asset_selection, tags=request.tags)
    assert result.success
    assert soi_total(conn) == before + 1
    after = evaluate(defs, instance, warehouse)
    assert after.run_requests == []
    assert after.skip_message == NOTHING_STALE


def test_refresh_runs_are_limited_to_one_at_a_time_and_views_to_one_step(defs) -> None:
    for name in ("refresh_views_job", "ingest_batch_job"):
        assert defs.resolve_job_def(name).tags.items() >= REFRESH_TAGS.items()
    config = yaml.safe_load((REPO / "dagster.yaml").read_text())
    # One run at a time: a run launched from the UI carries no job tag, so the limit cannot
    # be a tag's.
    assert config["concurrency"]["runs"]["max_concurrent_runs"] == 1
    assert "tag_concurrency_limits" not in config["concurrency"]["runs"]
    assert config["concurrency"]["pools"]["default_limit"] == 1
    graph = defs.resolve_asset_graph()
    for view in VIEWS:
        assert graph.get(dg.AssetKey(view.name)).pools == {f"view_{view.name}"}


def _waiting_on_lock(conn: psycopg.Connection) -> int:
    return conn.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                        "AND NOT granted AND database = (SELECT oid FROM pg_database "
                        "WHERE datname = current_database())").fetchone()[0]


def test_two_refreshes_of_one_view_take_turns_and_the_second_skips(
        tmp_path, db_url, conn) -> None:
    import_batch(conn, write_handmade_batch(tmp_path / "handmade"))
    conn.commit()
    for view in VIEWS:
        materialize_view(conn, view)
    before = soi_total(conn)
    with conn.transaction():
        insert_statement_of_interest(conn)
    view = VIEWS_BY_NAME["dashboard_aggregations"]
    modes: list[str] = []
    errors: list[BaseException] = []

    def refresh() -> None:
        try:
            with connect(db_url) as own:
                modes.append(materialize_view(own, view).mode)
        except BaseException as exc:
            errors.append(exc)

    with conn.transaction():
        # The advisory lock views/refresh.py takes for a view.
        conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"sunshine.view.{view.name}"])
        threads = [threading.Thread(target=refresh) for _ in range(2)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 30
        while _waiting_on_lock(conn) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _waiting_on_lock(conn) == 2
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(modes) == ["concurrent", "skipped"]
    assert soi_total(conn) == before + 1
