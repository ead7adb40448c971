"""The code location loads as `dagster dev` loads it, and its graph is the declaration's."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import psycopg
import pytest
from dagster._core.definitions.run_request import InstigatorType  # no public name (1.13)
from dagster._core.scheduler.instigation import TickStatus

from sunshine_pipeline.definitions import build_definitions
from sunshine_pipeline.imports.catalog import SOURCES
from sunshine_pipeline.views.catalog import BASE_TABLES, VIEWS, downstream_views

ROOT = Path(__file__).resolve().parent.parent


# Resolving definitions looks up the current Dagster instance: each test gets its own,
# whatever an earlier test module left current.
pytestmark = pytest.mark.usefixtures("instance")


def test_workspace_loads_with_the_dagster_cli(tmp_path: Path) -> None:
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path)}
    (tmp_path / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    for args in (["-w", "workspace.yaml"], []):  # workspace.yaml, then [tool.dagster]
        done = subprocess.run(
            [sys.executable, "-m", "dagster", "definitions", "validate", *args],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        assert "Validation successful for code location sunshine_pipeline" in (
            done.stdout + done.stderr)


def test_importing_the_package_touches_no_database() -> None:
    code = ("import sunshine_pipeline.definitions, sunshine_pipeline.cli, "
            "sunshine_pipeline.resources; print('ok')")
    env = {**os.environ, "SUNSHINE_DATABASE_URL": "postgresql://nobody@/x?host=/nonexistent",
           "SUNSHINE_HOME": "/nonexistent/home"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.stdout.strip() == "ok", done.stderr


def test_asset_graph_matches_the_declaration() -> None:
    graph = build_definitions().resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    views = {v.name for v in VIEWS}
    tables = {s.table for s in SOURCES}
    landing = {f"landing/{s.file}" for s in SOURCES}
    assert keys == views | tables | landing
    assert tables == set(BASE_TABLES)
    for view in VIEWS:
        parents = {k.to_user_string() for k in graph.get(dg.AssetKey(view.name)).parent_keys}
        assert parents == set(view.deps), view.name
    for source in SOURCES:
        parents = {k.to_user_string() for k in graph.get(dg.AssetKey(source.table)).parent_keys}
        assert parents == {f"landing/{source.file}"}


def test_views_are_declared_upstream_first() -> None:
    seen: set[str] = set(BASE_TABLES)
    for view in VIEWS:
        assert set(view.deps) <= seen, view.name
        seen.add(view.name)


def test_downstream_views_follow_the_declared_dependencies() -> None:
    names = lambda tables: [v.name for v in downstream_views(tables)]  # noqa: E731
    assert names({"candidate_soi"}) == ["dashboard_aggregations"]
    assert names({"EntityTypes"}) == ["top_donors_mv", "mv_dashboard_top_donors"]
    assert len(names({"Names"})) == 9
    assert names({"Counties"}) == []


def test_jobs_and_resources_resolve() -> None:
    defs = build_definitions()
    refresh = defs.resolve_job_def("refresh_views_job")
    assert {k.to_user_string() for k in refresh.asset_layer.executable_asset_keys} == {
        v.name for v in VIEWS}
    assert defs.resolve_job_def("ingest_batch_job").tags["sunshine/refresh"] == "views"


@pytest.mark.usefixtures("db_url")
def test_dagster_yaml_runs_on_postgres_storage(pg_server: str, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """dagster.yaml as shipped: runs, events and schedules in PostgreSQL via dagster-postgres."""
    with psycopg.connect(pg_server, autocommit=True) as c:
        c.execute("DROP DATABASE IF EXISTS dagster_yaml_test")
        c.execute("CREATE DATABASE dagster_yaml_test")
    info = psycopg.conninfo.conninfo_to_dict(pg_server)
    url = f"postgresql+psycopg2://{info.get('user', 'postgres')}@/dagster_yaml_test"
    if info.get("host", "").startswith("/"):
        url += f"?host={info['host']}"
    else:
        url = (f"postgresql+psycopg2://{info.get('user', 'postgres')}:{info.get('password', '')}"
               f"@{info.get('host', 'localhost')}:{info.get('port', 5432)}/dagster_yaml_test")
    (tmp_path / "dagster.yaml").write_text((ROOT / "dagster.yaml").read_text())
    monkeypatch.setenv("SUNSHINE_DAGSTER_PG_URL", url)
    with dg.DagsterInstance.from_config(str(tmp_path)) as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert instance.run_coordinator.dequeue_interval_seconds == 2
        assert instance.run_monitoring_enabled
        assert instance.run_monitoring_poll_interval_seconds == 30
        assert instance.run_monitoring_settings["free_slots_after_run_end_seconds"] == 30
        sensor_ticks = instance.get_tick_retention_settings(InstigatorType.SENSOR)
        assert sensor_ticks[TickStatus.SKIPPED] == 1 and sensor_ticks[TickStatus.FAILURE] == 30
        assert set(instance.get_tick_retention_settings(InstigatorType.SCHEDULE).values()) == {
            90}
        result = dg.materialize([_probe_asset()], instance=instance)
        assert result.success
        event = instance.get_latest_materialization_event(dg.AssetKey("probe"))
        assert event is not None and event.run_id == result.run_id


def _probe_asset() -> dg.AssetsDefinition:
    @dg.asset(name="probe")
    def probe() -> None:
        return None

    return probe


def test_service_units_verify_and_point_at_this_installation(tmp_path: Path) -> None:
    """`sunshine service-units` writes units systemd accepts (systemd-analyze verify: syntax,
    and that the commands they start exist), for this virtual environment: one code server
    that the daemon and the webserver load through DAGSTER_HOME/workspace.yaml."""
    import getpass
    import shutil

    from sunshine_pipeline import cli, deploy

    env_file = tmp_path / "sunshine.env"
    env_file.write_text("SUNSHINE_DATABASE_URL=postgresql:///sunshine\n")
    assert cli.main(["service-units", "--out", str(tmp_path / "units"), "--user",
                     getpass.getuser(), "--env-file", str(env_file), "--dagster-home",
                     str(tmp_path / "home"), "--port", "3111"]) == 0
    units = [tmp_path / "units" / name for name in deploy.SERVICE_UNITS]
    code_server, daemon, webserver = (u.read_text() for u in units)
    assert f"ExecStart={Path(sys.executable).parent}/dagster-webserver " in webserver
    assert "-h 127.0.0.1 -p 3111" in webserver and "Restart=on-failure" in webserver
    assert f"Environment=DAGSTER_HOME={tmp_path / 'home'}" in daemon
    assert "api grpc -m sunshine_pipeline.definitions -h 127.0.0.1 -p 4266" in code_server
    for unit in (daemon, webserver):
        assert f"-w {tmp_path / 'home' / 'workspace.yaml'}" in unit
        assert "Requires=sunshine-dagster-code-server.service" in unit
    assert "port: 4266" in (tmp_path / "home" / "workspace.yaml").read_text()
    assert (tmp_path / "home" / "dagster.yaml").read_text() == (ROOT / "dagster.yaml").read_text()
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed")
    verify = subprocess.run(["systemd-analyze", "verify", *map(str, units)],
                            capture_output=True, text=True)
    assert verify.returncode == 0, verify.stderr


def test_prune_history_deletes_finished_runs_older_than_the_retention() -> None:
    from sunshine_pipeline.history import prune_history_job

    with dg.instance_for_test() as instance:
        kept_by_age = [prune_history_job.execute_in_process(
            instance=instance, run_config={"ops": {"prune_run_history": {"config": {
                "days": 90}}}}) for _ in range(2)]
        assert [r.output_for_node("prune_run_history") for r in kept_by_age] == [0, 0]
        everything = prune_history_job.execute_in_process(
            instance=instance, run_config={"ops": {"prune_run_history": {"config": {
                "days": 0}}}})
        assert everything.output_for_node("prune_run_history") == 2
        assert [r.run_id for r in instance.get_runs()] == [everything.run_id]
        schedules = {s.name: s for s in build_definitions().get_repository_def().schedule_defs}
        assert schedules["prune_history_schedule"].job_name == "prune_history_job"
        assert schedules["prune_history_schedule"].cron_schedule == "15 4 * * *"
