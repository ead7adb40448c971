"""End to end with the real daemon: a batch dropped into the landing folder shows in the views.

`dagster-daemon run` against a temporary instance (the project's dagster.yaml: PostgreSQL
storage in a fresh database on the test server, queued runs), a code location holding the
sensors and schedule, and the warehouse in another fresh database. The test only drops files
and waits (bounded) for the run and the views.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest

from sunshine_pipeline.sensors import AFTER_BATCH_TAG, BATCH_TAG
from tests.batches import write_handmade_batch
from tests.databases import storage_url
from tests.oracle import expected_views

pytestmark = pytest.mark.processes

REPO = Path(__file__).resolve().parent.parent
DEADLINE_S = 300  # generous: a loaded CI machine; a run takes about a minute


def stop(process: subprocess.Popen) -> None:
    """Stop the daemon and everything it started (its own process group)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=20)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        time.sleep(1)


def test_daemon_imports_a_dropped_batch_and_refreshes_the_views(
        tmp_path, db_url, dagster_db, conn, monkeypatch) -> None:
    home, landing = tmp_path / "dagster_home", tmp_path / "landing"
    home.mkdir()
    landing.mkdir()
    shutil.copy(REPO / "dagster.yaml", home / "dagster.yaml")
    env = {**os.environ, "DAGSTER_HOME": str(home), "SUNSHINE_DAGSTER_PG_URL":
           storage_url(dagster_db), "SUNSHINE_DATABASE_URL": db_url,
           "SUNSHINE_LANDING": str(landing), "SUNSHINE_LANDING_SETTLE_SECONDS": "0",
           "SUNSHINE_REFRESH_CRON": "0 0 1 1 *"}
    for key in ("DAGSTER_HOME", "SUNSHINE_DAGSTER_PG_URL"):
        monkeypatch.setenv(key, env[key])
    instance = dg.DagsterInstance.get()  # creates the storage schema before the daemon starts

    batch = write_handmade_batch(tmp_path / "outgoing")
    expected = expected_views(batch)["dashboard_aggregations"]
    log_path = tmp_path / "daemon.log"
    daemon = Path(sys.executable).with_name("dagster-daemon")
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(daemon), "run", "-w", str(REPO / "workspace.yaml")],
            cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
    try:
        drop = landing / "batch-2024-06-01"
        drop.mkdir()
        for file in sorted(batch.iterdir()):
            shutil.copy(file, drop / file.name)
        (drop / "_READY").touch()

        deadline = time.monotonic() + DEADLINE_S
        runs: list[dg.DagsterRun] = []
        follow: list[dg.DagsterRun] = []
        while time.monotonic() < deadline and process.poll() is None:
            runs = instance.get_runs(filters=dg.RunsFilter(tags={BATCH_TAG: drop.name}))
            follow = instance.get_runs(filters=dg.RunsFilter(tags={AFTER_BATCH_TAG: drop.name}))
            if runs and runs[0].status == dg.DagsterRunStatus.FAILURE:
                break
            if follow and follow[0].is_finished:
                break
            time.sleep(2)
        output = log_path.read_text(errors="replace")[-6000:]
        assert process.poll() is None, f"the daemon exited:\n{output}"
        assert runs, f"no run within {DEADLINE_S}s:\n{output}"
        (run,) = runs
        assert run.status == dg.DagsterRunStatus.SUCCESS, f"{run.status}:\n{output}"
        assert run.job_name == "ingest_batch_job"
        assert run.tags["dagster/run_key"] == f"batch:{drop.name}"
        assert run.tags["dagster/sensor_name"] == "landing_batch_sensor"
        assert follow, f"no refresh after the import within {DEADLINE_S}s:\n{output}"
        (refresh,) = follow
        assert refresh.status == dg.DagsterRunStatus.SUCCESS, f"{refresh.status}:\n{output}"
        assert refresh.job_name == "refresh_views_job"
        assert refresh.tags["dagster/sensor_name"] == "views_after_import_sensor"
        assert refresh.tags["dagster/run_key"] == f"after:{run.run_id}"

        ledger = conn.execute("SELECT batch_id, path, outcome, counts, error "
                              "FROM sunshine.import_batch ORDER BY batch_id").fetchall()
        assert conn.execute("SELECT * FROM dashboard_aggregations").fetchall() == expected, (
            f"import ledger: {ledger}")
        refreshed = conn.execute(
            "SELECT count(DISTINCT view_name) FROM sunshine.view_refresh WHERE run_id = %s",
            [refresh.run_id]).fetchone()[0]
        assert refreshed == 9
        # The import's writes are the import's refresh's: the source-change sensor left them.
        assert [r.run_id for r in instance.get_runs(
            filters=dg.RunsFilter(job_name="refresh_views_job"))] == [refresh.run_id]
        output = log_path.read_text(errors="replace")
        assert "Error occurred during the execution" not in output
        assert "Sensor daemon caught an error" not in output
    finally:
        stop(process)
        instance.dispose()
