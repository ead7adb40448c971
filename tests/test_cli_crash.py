"""A crashed or stopped CLI leaves nothing stuck: runs of dead `sunshine` processes
are marked failed and their pool slots freed by the next CLI run and by the reaper sensor; a
refresh's backend ends when its client is killed; a CLI waiting for a pool slot sleeps and
stops on SIGTERM; and the CLI's small faults (a printed password, a refresh judged on views
nobody asked for, a traceback for an unreachable server).

The CLI runs against a Dagster instance configured by the project's dagster.yaml (PostgreSQL
storage in a fresh database, pools of one slot) and a warehouse holding the hand-made batch.
A CLI is held at a precise moment rather than killed after a guessed delay: inside its
refresh step, waiting for the view's advisory lock this test holds, or waiting for the
view's pool slot that a run of this test holds."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import psycopg
import pytest
from dagster._core.execution.plan.instance_concurrency_context import (  # no public name
    InstanceConcurrencyContext,
)
from dagster._core.utils import make_new_run_id

from sunshine_pipeline import cli, runs
from sunshine_pipeline.definitions import build_definitions
from sunshine_pipeline.resources import connect
from tests.batches import write_handmade_batch
from tests.databases import storage_url
from tests.pipeline import load
from tests.waiting import wait_for

pytestmark = pytest.mark.processes

REPO = Path(__file__).resolve().parent.parent
VIEW = "top_donors_mv"
POOL = f"view_{VIEW}"
# Bounds on waits for things that take a few seconds; a test only fails on them when the
# fault is back (a CLI that never finishes, a backend that never ends).
CLI_TIMEOUT_S = 180
WAIT_S = 90


@pytest.fixture
def env(tmp_path: Path, db_url: str, dagster_db: str, conn: psycopg.Connection,
        monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The CLI's environment (also set in this process): the project's dagster.yaml in a
    fresh DAGSTER_HOME, and a warehouse with the hand-made batch and every view."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPO / "dagster.yaml", home / "dagster.yaml")
    values = {"DAGSTER_HOME": str(home), "SUNSHINE_DAGSTER_PG_URL": storage_url(dagster_db),
              "SUNSHINE_DATABASE_URL": db_url, "SUNSHINE_HOME": str(tmp_path / "sunshine")}
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    load(conn, write_handmade_batch(tmp_path / "batch"))
    return {**os.environ, **values}


@pytest.fixture
def instance(env: dict[str, str]) -> Iterator[dg.DagsterInstance]:
    with dg.DagsterInstance.from_config(env["DAGSTER_HOME"]) as instance:
        yield instance


def start_cli(env: dict[str, str], *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "sunshine_pipeline.cli", *args], cwd=REPO,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)


def cli_runs(instance: dg.DagsterInstance, pid: int) -> list[dg.DagsterRun]:
    return instance.get_runs(filters=dg.RunsFilter(tags={runs.PID_TAG: str(pid)}))


def holder_run(instance: dg.DagsterInstance, tags: dict[str, str] | None = None,
               pool: str = POOL) -> str:
    """A STARTED run holding `pool`'s one slot, as a refresh in progress does."""
    run_id = make_new_run_id()
    instance.add_run(dg.DagsterRun(job_name="refresh_views_job", run_id=run_id,
                                   status=dg.DagsterRunStatus.STARTED, tags=tags or {}))
    storage = instance.event_log_storage
    if pool not in {limit.name for limit in storage.get_pool_limits()}:
        storage.initialize_concurrency_limit_to_default(pool)  # twice fails on PostgreSQL
    assert storage.claim_concurrency_slot(pool, run_id, pool.removeprefix("view_")).is_claimed
    return run_id


def slot_holders(instance: dg.DagsterInstance) -> set[str]:
    """Runs holding or queued for a pool slot."""
    return instance.event_log_storage.get_concurrency_run_ids()


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_the_reaper_fails_runs_of_dead_cli_processes_and_frees_their_slots(
        instance: dg.DagsterInstance) -> None:
    """Runs tagged with a process that is gone, or with a pid now used by another process,
    are marked failed and their slots freed; the run of a live process is left alone; the
    sensor does the same in the daemon."""
    live_tags = runs.cli_run_tags()
    dead = holder_run(instance, {**live_tags, runs.PID_TAG: str(dead_pid())})
    reused = holder_run(instance, {**live_tags, runs.PROCESS_TAG: "another-boot:1"},
                        pool="view_mv_dashboard_top_donors")
    live = holder_run(instance, live_tags, pool="view_mv_committee_ie_summary")
    other_host = holder_run(instance, {**live_tags, runs.HOST_TAG: "elsewhere",
                                       runs.PID_TAG: str(dead_pid())},
                            pool="view_top_ie_committees_mv")

    assert sorted(runs.reap_dead_runs(instance)) == sorted([dead, reused])
    for run_id in (dead, reused):
        run = instance.get_run_by_id(run_id)
        assert run.status == dg.DagsterRunStatus.FAILURE
        assert run.tags["dagster/failure_reason"] == "UNEXPECTED_TERMINATION"
    failure = instance.get_records_for_run(
        dead, of_type=dg.DagsterEventType.RUN_FAILURE).records[0].event_log_entry
    assert "is gone" in failure.message and "pool slots freed" in failure.message
    assert slot_holders(instance) == {live, other_host}
    assert instance.get_run_by_id(live).status == dg.DagsterRunStatus.STARTED

    # A dead run a person already canceled keeps its slot until the reaper sees it ended
    # more than FREE_SLOTS_AFTER_END_SECONDS ago; the sensor frees it (and reports nothing).
    canceled = holder_run(instance, {**live_tags, runs.PID_TAG: str(dead_pid())})
    instance.report_run_canceled(instance.get_run_by_id(canceled))
    defs = build_definitions()
    sensor = defs.resolve_sensor_def("run_reaper_sensor")
    assert sensor.minimum_interval_seconds == 30
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    assert runs.reap_dead_runs(instance) == []
    assert canceled in slot_holders(instance)
    later = time.time() + runs.FREE_SLOTS_AFTER_END_SECONDS + 1
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(runs.time, "time", lambda: later)
        result = sensor.evaluate_tick(dg.build_sensor_context(instance=instance,
                                                              definitions=defs))
    assert result.run_requests == []
    assert slot_holders(instance) == {live, other_host}

    # A dead process's run the sensor finds first.
    dead_again = holder_run(instance, {**live_tags, runs.PID_TAG: str(dead_pid())})
    result = sensor.evaluate_tick(dg.build_sensor_context(instance=instance, definitions=defs))
    assert dead_again in result.skip_message
    assert instance.get_run_by_id(dead_again).status == dg.DagsterRunStatus.FAILURE
    assert dead_again not in slot_holders(instance)


def test_a_blocked_step_sleeps_until_its_next_claim(instance: dg.DagsterInstance) -> None:
    """Dagster 1.13 computes the time to a blocked step's next claim as min(0, ...): never
    positive, so the in-process executor re-checked in a busy loop (100% of a CPU while a
    refresh waited for its slot). Patched (as every build of the definitions does), it is the
    back-off Dagster meant."""
    build_definitions()
    holder_run(instance)
    waiting = dg.DagsterRun(job_name="refresh_views_job", run_id=make_new_run_id())
    instance.add_run(waiting)
    with InstanceConcurrencyContext(instance, waiting) as context:
        assert not context.claim(POOL, VIEW)
        assert context.has_pending_claims()
        assert context.interval_to_next_pending_claim_check() > 0
    assert waiting.run_id not in slot_holders(instance)


def test_after_a_kill_9_of_sunshine_refresh_the_next_refresh_succeeds(
        env: dict[str, str], instance: dg.DagsterInstance, conn: psycopg.Connection) -> None:
    """kill -9 of `sunshine refresh VIEW` inside its step (slot claimed, run STARTED): its
    backend ends within seconds although the lock it waits for is still held
    (client_connection_check_interval), and the next `sunshine refresh VIEW` marks the dead
    run failed, frees its slot and succeeds, with no one's help."""
    with connect(env["SUNSHINE_DATABASE_URL"]) as admin:
        admin.execute("SELECT pg_advisory_lock(hashtext(%s))", [f"sunshine.view.{VIEW}"])

        def backends() -> list[int]:
            return [pid for (pid,) in admin.execute(
                "SELECT pid FROM pg_stat_activity WHERE application_name = 'sunshine_pipeline' "
                "AND wait_event_type = 'Lock' AND wait_event = 'advisory' "
                "AND datname = current_database()").fetchall()]

        child = start_cli(env, "refresh", VIEW)
        try:
            wait_for(lambda: backends(), "the refresh to wait for the view's lock",
                     timeout=CLI_TIMEOUT_S, child=child, interval=0.1)
            (backend,) = backends()
            (run,) = cli_runs(instance, child.pid)
            assert run.status == dg.DagsterRunStatus.STARTED
            assert run.run_id in slot_holders(instance)
            os.kill(child.pid, signal.SIGKILL)
            child.wait(timeout=30)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
            child.stdout.close()

        def backend_gone() -> bool:
            return admin.execute("SELECT NOT EXISTS (SELECT FROM pg_stat_activity "
                                 "WHERE pid = %s)", [backend]).fetchone()[0]
        wait_for(backend_gone, "the killed refresh's backend to end", timeout=WAIT_S,
                 interval=0.1)
        admin.execute("SELECT pg_advisory_unlock_all()")

    assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.STARTED
    done = subprocess.run([sys.executable, "-m", "sunshine_pipeline.cli", "refresh", VIEW],
                          cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=CLI_TIMEOUT_S)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"run {run.run_id}: its process is gone" in done.stderr
    assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.FAILURE
    assert slot_holders(instance) == set()
    others = [r for r in instance.get_runs() if r.run_id != run.run_id]
    assert [r.status for r in others] == [dg.DagsterRunStatus.SUCCESS]


def test_sigterm_stops_a_refresh_waiting_for_its_pool_slot(
        env: dict[str, str], instance: dg.DagsterInstance) -> None:
    """`sunshine refresh VIEW` waiting for the view's slot (held by a live run) stops on
    SIGTERM: exit non-zero, its run marked failed, its place in the slot queue dropped, the
    holder's slot untouched."""
    holder = holder_run(instance)
    child = start_cli(env, "refresh", VIEW)
    try:
        def waiting() -> bool:
            return len(slot_holders(instance) - {holder}) == 1
        wait_for(waiting, "the refresh to wait for its pool slot", timeout=CLI_TIMEOUT_S,
                 child=child, interval=0.1)
        (run,) = cli_runs(instance, child.pid)
        assert run.status == dg.DagsterRunStatus.STARTED
        child.send_signal(signal.SIGTERM)
        output, _ = child.communicate(timeout=WAIT_S)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
    assert child.returncode != 0, output
    assert f"stopped: run {run.run_id}" in output
    assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.FAILURE
    assert slot_holders(instance) == {holder}


def test_refresh_of_one_view_is_judged_on_it_and_its_upstream(
        env: dict[str, str], instance: dg.DagsterInstance, conn: psycopg.Connection,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A stale view elsewhere in the graph does not fail `sunshine refresh VIEW`; a stale
    upstream view does."""
    conn.execute("DELETE FROM candidate_soi WHERE id = (SELECT min(id) FROM candidate_soi)")
    assert cli.main(["refresh", "mv_dashboard_top_donors"]) == 0
    out = capsys.readouterr().out
    assert [line.split()[-3] for line in out.splitlines()
            if line.startswith("dashboard_aggregations")] == ["stale"]
    assert cli.main(["status"]) == 1
    capsys.readouterr()
    assert cli.main(["refresh", "mv_dashboard_support_oppose"]) == 0  # not fed by candidate_soi
    assert cli.main(["refresh", "dashboard_aggregations"]) == 0
    assert cli.main(["status"]) == 0


def test_cli_runs_are_runs_of_the_code_location(
        env: dict[str, str], instance: dg.DagsterInstance,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A `sunshine refresh` run carries the code location's origin (the UI lists it on the
    timeline and under the location) and, for a subset, the whole job's snapshot as its
    parent, as a run the daemon launches does (so re-execution does not warn)."""
    assert cli.main(["refresh", "dashboard_aggregations"]) == 0
    assert cli.main(["refresh", "--all"]) == 0
    capsys.readouterr()
    whole, subset = instance.get_runs(filters=dg.RunsFilter(job_name="refresh_views_job"),
                                      limit=2)  # newest first
    job = build_definitions().resolve_job_def("refresh_views_job")
    for run in (subset, whole):
        origin = run.remote_job_origin
        assert origin is not None
        assert origin.repository_origin.get_label() == "__repository__@sunshine_pipeline"
        assert run.tags_for_storage()[".dagster/repository"] == "__repository__@sunshine_pipeline"
        assert run.tags[runs.PID_TAG] == str(os.getpid())
    assert subset.asset_selection == {dg.AssetKey("dashboard_aggregations")}
    lineage = instance.get_job_snapshot(subset.job_snapshot_id).lineage_snapshot
    assert lineage.parent_snapshot_id == whole.job_snapshot_id == job.get_job_snapshot_id()


def test_an_unreachable_server_is_one_line_without_password(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        tmp_path: Path) -> None:
    monkeypatch.setenv("SUNSHINE_DATABASE_URL",
                       f"postgresql://bob:s3cret@/sunshine?host={tmp_path}/nowhere")
    for command in (["status"], ["refresh"], ["import", str(tmp_path)]):
        assert cli.main(command) == 2
        captured = capsys.readouterr()
        assert "s3cret" not in captured.out + captured.err
        (line,) = captured.err.splitlines()
        assert line.startswith(f"error: cannot use the warehouse at {tmp_path}/nowhere, "
                               "database sunshine, user bob: ")


def test_sunshine_dev_prints_no_password(env: dict[str, str], tmp_path: Path) -> None:
    url = psycopg.conninfo.make_conninfo(env["SUNSHINE_DATABASE_URL"], password="s3cret")
    child = subprocess.Popen(
        [sys.executable, "-m", "sunshine_pipeline.cli", "dev", "--port", "3997"], cwd=tmp_path,
        env={**env, "SUNSHINE_DATABASE_URL": url}, stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, text=True, start_new_session=True)
    try:
        first = child.stdout.readline()
    finally:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait()
        child.stdout.close()
    assert first.startswith("warehouse: ")
    assert "s3cret" not in first and "password=***" in first
