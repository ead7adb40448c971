"""End to end through the real daemon: a 1% delta batch dropped into the
landing folder, and the time until every affected view is fresh with its checks green.

First the daily audit (audit_sources_job's work, timed in-process): the two
Transactions-wide checks count in full. Then two batches, one after the other: their import
runs pass those checks on their bound from the change log, as every import between two
audits does.

    python benchmarks/daemon_latency.py --transactions 10100000

Runs after benchmarks/refresh_benchmark.py, on the warehouse it leaves (database
`bench_site` on the same server: the site's schema at production scale): starts
`dagster-daemon run -w workspace.yaml` with a temporary DAGSTER_HOME (storage in database
`dagster` beside it), waits for the sensors' first tick, drops the batch (only the changed
Transactions rows, `_READY` last) and polls.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import dagster as dg
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import server_url, wait_for_batch  # noqa: E402
from benchmarks.refresh_benchmark import make_deltas  # noqa: E402
from benchmarks.report import publish  # noqa: E402
from sunshine_pipeline.imports.catalog import SOURCES_BY_TABLE  # noqa: E402
from sunshine_pipeline.imports.checks import (  # noqa: E402
    INCREMENTAL_CHECKS,
    evaluate_source_checks,
)
from sunshine_pipeline.resources import connect, dagster_storage_url  # noqa: E402
from sunshine_pipeline.sensors import LANDING_TICK_SECONDS  # noqa: E402
from sunshine_pipeline.views.catalog import downstream_views  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--transactions", type=int, default=10_100_000)
    p.add_argument("--data", type=Path, default=ROOT / "benchmarks" / "data")
    p.add_argument("--delta", type=float, default=0.01)
    p.add_argument("--timeout", type=float, default=600)
    p.add_argument("--no-report", action="store_true")
    args = p.parse_args()
    command = "python benchmarks/daemon_latency.py " + " ".join(sys.argv[1:])

    server = server_url(args.data)
    warehouse = psycopg.conninfo.make_conninfo(server, dbname="bench_site")
    work = Path(tempfile.mkdtemp(prefix="sunshine-daemon-"))
    home, landing = work / "dagster_home", work / "landing"
    home.mkdir()
    landing.mkdir()
    shutil.copy(ROOT / "dagster.yaml", home / "dagster.yaml")
    env = {**os.environ, "DAGSTER_HOME": str(home), "SUNSHINE_DATABASE_URL": warehouse,
           "SUNSHINE_LANDING": str(landing), "SUNSHINE_REFRESH_CRON": "0 0 1 1 *"}
    os.environ["SUNSHINE_DATABASE_URL"] = warehouse
    os.environ["SUNSHINE_DAGSTER_PG_URL"] = env["SUNSHINE_DAGSTER_PG_URL"] = dagster_storage_url()
    base = args.data / f"batch-{args.transactions}"
    names, seed = [f"daemon-delta-{i}" for i in range(2)], int(time.time())
    for name in names:
        shutil.rmtree(args.data / name, ignore_errors=True)
    written = make_deltas(base, args.data,
                          [(name, args.delta, seed + i) for i, name in enumerate(names)])
    deltas = [(args.data / name, written[name]) for name in names]

    log = (work / "daemon.log").open("wb")
    daemon = subprocess.Popen([sys.executable, "-m", "dagster._daemon", "run", "-w",
                               str(ROOT / "workspace.yaml")], env=env, stdout=log,
                              stderr=subprocess.STDOUT, start_new_session=True, cwd=work)
    try:
        instance = dg.DagsterInstance.from_config(str(home))
        time.sleep(45)  # the sensors' first tick (the source-change cursor starts there)
        with connect(warehouse, autocommit=True) as conn:
            started = time.monotonic()
            audit = list(evaluate_source_checks(conn, SOURCES_BY_TABLE["Transactions"],
                                                set(INCREMENTAL_CHECKS), audit=True))
            audit_seconds = time.monotonic() - started
        rows = [drop_and_wait(instance, warehouse, landing, src, i, args.timeout)
                for i, (src, _) in enumerate(deltas)]
    finally:
        os.killpg(daemon.pid, signal.SIGKILL)
        log.close()

    affected = [v.name for v in downstream_views({"Transactions"})]
    labels = ("a batch after the daily audit", "the next batch")
    lines = [
        f"Command: `{command}`. Two deltas, each {deltas[0][1]:,} / {deltas[1][1]:,} changed "
        f"Transactions rows ({args.delta:.0%}), dropped one after the other into the landing "
        f"folder of a running `dagster-daemon` (landing sensor interval "
        f"{LANDING_TICK_SECONDS} s, queue polled every 2 s).",
        "",
        f"The daily audit before them (the two Transactions-wide checks counted in full, "
        f"off the landing path): {audit_seconds:.1f} s, "
        f"{'all passed' if all(o.passed for o in audit) else 'FAILED'}.",
        "",
        "| batch | `_READY` → refresh run finished, views fresh (s) | import run start → "
        "refresh run end (s) | import (s) "
        "| Transactions checks (s, method) | top_donors_mv (s) | status | failing blocking "
        f"checks | views refreshed (of {len(affected)}) |",
        "|---|---:|---:|---:|---:|---:|---|---:|---:|",
    ]
    for label, r in zip(labels, rows, strict=True):
        lines.append(
            f"| {label} | {r['elapsed']:.1f} | {r['run']:.1f} | {r['steps']['import_batch']:.1f} "
            f"| {r['steps']['Transactions_checks']:.1f} ({r['methods']}) | "
            f"{r['steps']['top_donors_mv']:.1f} | {r['status']} | {r['failing']} | "
            f"{r['refreshed']} |")
    publish("Daemon end to end", "\n".join(lines), write=not args.no_report)


def drop_and_wait(instance: dg.DagsterInstance, warehouse: str, landing: Path, src: Path,
                  i: int, timeout: float) -> dict:
    """Drop one batch (`_READY` last) and wait for its import run and the refresh run after
    it; what they took and did."""
    drop = landing / f"delta-{int(time.time())}-{i}"
    shutil.copytree(src, drop)
    started = time.monotonic()
    (drop / "_READY").touch()
    ingest, refresh = wait_for_batch(instance, drop.name, started, timeout)
    elapsed = time.monotonic() - started
    if ingest is None:
        raise SystemExit(f"no finished run within {timeout}s")
    runs = [r for r in (ingest, refresh) if r is not None]
    ids = [r.run_id for r in runs]
    with psycopg.connect(warehouse) as conn:
        failing = conn.execute(
            "SELECT count(*) FROM sunshine.check_result WHERE run_id = ANY(%s) "
            "AND NOT passed AND severity = 'ERROR'", [ids]).fetchone()[0]
        refreshed = conn.execute(
            "SELECT count(DISTINCT view_name) FROM sunshine.view_refresh WHERE run_id = ANY(%s) "
            "AND mode <> 'skipped'", [ids]).fetchone()[0]
        methods = conn.execute(
            "SELECT string_agg(DISTINCT metadata ->> 'method', '/') FROM sunshine.check_result "
            "WHERE run_id = ANY(%s) AND asset = 'Transactions'", [ids]).fetchone()[0]
    stats = [instance.get_run_stats(i) for i in ids]
    steps = {s.step_key: (s.end_time or 0) - (s.start_time or 0)
             for i in ids for s in instance.get_run_step_stats(i)}
    # The import run's start to the refresh run's end: both runs and the sensor between.
    return {"elapsed": elapsed, "run": (stats[-1].end_time or 0) - (stats[0].start_time or 0),
            "status": runs[-1].status.value, "failing": failing, "refreshed": refreshed,
            "methods": methods, "steps": steps}


if __name__ == "__main__":
    main()
