"""What users and alerting depend on in the definitions, as one JSON document: asset keys
with their group and upstream, check names with their blocking flag, jobs with their
selections and tags, schedules with their crons, sensors with their intervals and targets.

`tests/test_definitions_snapshot.py` compares the loaded definitions against the committed
`tests/fixtures/definitions_snapshot.json`, so a rename or an unwired check fails a test.
After a deliberate change: `python -m tests.definitions_snapshot --write`, and commit it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import dagster as dg

SNAPSHOT = Path(__file__).resolve().parent / "fixtures" / "definitions_snapshot.json"


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


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        raise SystemExit("usage: python -m tests.definitions_snapshot --write")
    SNAPSHOT.write_text(json.dumps(current(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {SNAPSHOT}")
