"""What users and alerting depend on in the definitions, as two committed JSON documents.

`tests/fixtures/definitions_snapshot.json`, read from the definitions alone: asset keys with
their group and upstream, check names with their blocking flag, jobs with their selections
and tags, schedules with their crons, sensors with their intervals and targets.

`tests/fixtures/metadata_snapshot.json`, the metadata keys (not their values): those each
asset declares, and those each run of a fixed sequence on the generated small batch reports
(`RUNS`: a first import with every view, the same batch again, a refresh with nothing
changed, a forced refresh, an audit, then the hand-made batch, which quarantines rows and
changes the views), per materialization of an import asset or a view, per
landing observation and per check evaluation. The UI's charts, the sensors and alerting read
these keys, so a renamed key fails a test. Writing it runs the jobs on a PostgreSQL server:
the one SUNSHINE_TEST_DATABASE_URL names, else an embedded one started for it (a minute).

`tests/test_definitions_snapshot.py` compares both with what the code builds now. After a
deliberate change: `python -m tests.definitions_snapshot --write` (both files), and commit.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import dagster as dg

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SNAPSHOT = FIXTURES / "definitions_snapshot.json"
METADATA_SNAPSHOT = FIXTURES / "metadata_snapshot.json"

# The runs whose metadata keys are recorded, in order, on one warehouse: (name, job, the
# batch it imports: the generated small batch, the hand-made one or none).
RUNS = [
    ("first_import", "ingest_batch_job", "small"),
    ("same_batch_again", "ingest_batch_job", "small"),
    ("refresh_nothing_changed", "refresh_views_job", None),
    ("forced_refresh", "force_refresh_views_job", None),
    ("audit", "audit_sources_job", None),
    ("handmade_import", "ingest_batch_job", "handmade"),
]


def snapshot(defs: dg.Definitions) -> dict[str, Any]:
    repo = defs.get_repository_def()
    graph = defs.resolve_asset_graph()
    assets = {}
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        assets[key.to_user_string()] = {
            "group": node.group_name,
            "upstream": sorted(k.to_user_string() for k in node.parent_keys),
            "executable": node.is_executable,
        }
    # From the asset graph: a check declared on its asset (a view's reconciliation) is not
    # in the repository's asset_checks_defs_by_key.
    checks = sorted({
        (spec.asset_key.to_user_string(), spec.name, spec.blocking)
        for spec in map(graph.get_check_spec, graph.asset_check_keys)})
    jobs = {}
    for job in sorted(repo.get_all_jobs(), key=lambda j: j.name):
        if job.name.startswith("__"):
            continue
        selected = job.asset_layer.executable_asset_keys if job.asset_layer else set()
        jobs[job.name] = {
            "assets": sorted(k.to_user_string() for k in selected),
            "checks": sorted(f"{k.asset_key.to_user_string()}:{k.name}"
                             for k in job.asset_layer.asset_graph.asset_check_keys)
            if job.asset_layer else [],
            "tags": dict(sorted(job.tags.items())),
        }
    schedules = {s.name: {"cron": s.cron_schedule, "job": s.job_name,
                          "timezone": s.execution_timezone,
                          "default_status": s.default_status.value}
                 for s in sorted(repo.schedule_defs, key=lambda s: s.name)}
    sensors = {s.name: {"minimum_interval_seconds": s.minimum_interval_seconds,
                        "job": s.job_name if s.has_jobs else None,
                        "default_status": s.default_status.value}
               for s in sorted(repo.sensor_defs, key=lambda s: s.name)}
    return {"assets": assets, "checks": checks, "jobs": jobs, "schedules": schedules,
            "sensors": sensors}


def current() -> dict[str, Any]:
    from sunshine_pipeline.definitions import build_definitions
    from sunshine_pipeline.resources import WarehouseResource

    # JSON round trip: tuples become lists, as in the committed file.
    return json.loads(json.dumps(snapshot(build_definitions(WarehouseResource()))))


def reported_keys(result: dg.ExecuteInProcessResult) -> dict[str, dict[str, list[str]]]:
    """The metadata keys a run reported: per asset materialized, per landing asset observed,
    per check evaluated (`asset:check`); the union where one reports more than once."""
    keys: dict[str, dict[str, set[str]]] = {
        "materializations": {}, "observations": {}, "check_evaluations": {}}
    for event in result.all_events:
        if event.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION:
            materialization = event.step_materialization_data.materialization
            kind, label, metadata = ("materializations",
                                     materialization.asset_key.to_user_string(),
                                     materialization.metadata)
        elif event.event_type == dg.DagsterEventType.ASSET_OBSERVATION:
            observation = event.asset_observation_data.asset_observation
            kind, label, metadata = ("observations", observation.asset_key.to_user_string(),
                                     observation.metadata)
        elif event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.asset_check_evaluation_data
            kind, label, metadata = (
                "check_evaluations",
                f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}",
                evaluation.metadata)
        else:
            continue
        keys[kind].setdefault(label, set()).update(metadata)
    return {kind: {label: sorted(found) for label, found in sorted(by_label.items())}
            for kind, by_label in keys.items()}


def metadata_snapshot(server_url: str, batches: dict[str, Path]) -> dict[str, Any]:
    """The metadata keys the definitions declare, and those `RUNS` report on `batches`
    ("small", "handmade") in a fresh database of `server_url` (dropped afterwards)."""
    from sunshine_pipeline.definitions import build_definitions
    from sunshine_pipeline.resources import WarehouseResource
    from tests.databases import scratch_database
    from tests.pipeline import run_job

    declared = {}
    defs = build_definitions(WarehouseResource())
    for assets_def in defs.resolve_asset_graph().assets_defs:
        for key, spec_metadata in assets_def.metadata_by_key.items():
            declared[key.to_user_string()] = sorted(spec_metadata)
    runs = {}
    with scratch_database(server_url, "metadata") as url, dg.instance_for_test() as instance:
        warehouse = WarehouseResource(database_url=url)
        for name, job, batch in RUNS:
            result = run_job(warehouse, job, instance, batches[batch] if batch else None)
            if not result.success:
                raise AssertionError(f"run {name} ({job}) failed")
            runs[name] = reported_keys(result)
    return {"declared": dict(sorted(declared.items())), "runs": runs}


def write(path: Path, document: dict[str, Any]) -> None:
    path.write_text(json.dumps(document, indent=1, sort_keys=True) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        raise SystemExit("usage: python -m tests.definitions_snapshot --write")
    write(SNAPSHOT, current())
    from tests.batches import write_handmade_batch, write_small_batch
    from tests.databases import postgres_server

    with tempfile.TemporaryDirectory() as folder, postgres_server() as server:
        write(METADATA_SNAPSHOT, metadata_snapshot(server, {
            "small": write_small_batch(Path(folder) / "batch-001"),
            "handmade": write_handmade_batch(Path(folder) / "handmade")}))
