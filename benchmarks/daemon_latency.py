"""End to end through the real daemon (issue #6, target 5): a 1% delta batch dropped into the
landing folder, and the time until every affected view is fresh with its checks green.

    python benchmarks/daemon_latency.py --transactions 10100000

Runs after benchmarks/refresh_benchmark.py, on the warehouse it loaded (database
`bench_refresh` on the same server): starts `dagster-daemon run -w workspace.yaml` with a
temporary DAGSTER_HOME (storage in database `dagster` beside it), waits for the sensors' first
tick, drops the batch (only the changed Transactions rows, `_READY` last) and polls.
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

from benchmarks.common import server_url  # noqa: E402
from benchmarks.refresh_benchmark import make_delta  # noqa: E402
from benchmarks.report import update_section  # noqa: E402
from sunshine_pipeline.resources import dagster_storage_url  # noqa: E402
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
    warehouse = psycopg.conninfo.make_conninfo(server, dbname="bench_refresh")
    work = Path(tempfile.mkdtemp(prefix="sunshine-daemon-"))
    home, landing = work / "dagster_home", work / "landing"
    home.mkdir()
    landing.mkdir()
    shutil.copy(ROOT / "dagster.yaml", home / "dagster.yaml")
    env = {**os.environ, "DAGSTER_HOME": str(home), "SUNSHINE_DATABASE_URL": warehouse,
           "SUNSHINE_LANDING": str(landing), "SUNSHINE_REFRESH_CRON": "0 0 1 1 *"}
    os.environ["SUNSHINE_DATABASE_URL"] = warehouse
    os.environ["SUNSHINE_DAGSTER_PG_URL"] = env["SUNSHINE_DAGSTER_PG_URL"] = dagster_storage_url()
    delta_src = args.data / "daemon-delta"
    shutil.rmtree(delta_src, ignore_errors=True)
    changed = make_delta(args.data / f"batch-{args.transactions}", delta_src, args.delta,
                         seed=int(time.time()))

    log = (work / "daemon.log").open("wb")
    daemon = subprocess.Popen([sys.executable, "-m", "dagster._daemon", "run", "-w",
                               str(ROOT / "workspace.yaml")], env=env, stdout=log,
                              stderr=subprocess.STDOUT, start_new_session=True, cwd=work)
    try:
        instance = dg.DagsterInstance.from_config(str(home))
        time.sleep(45)  # the sensors' first tick (the source-change cursor starts there)
        drop = landing / f"delta-{int(time.time())}"
        shutil.copytree(delta_src, drop)
        started = time.monotonic()
        (drop / "_READY").touch()
        run = None
        while time.monotonic() - started < args.timeout:
            runs = instance.get_runs(filters=dg.RunsFilter(tags={"sunshine/batch": drop.name}))
            if runs and runs[0].is_finished:
                run = runs[0]
                break
            time.sleep(0.5)
        elapsed = time.monotonic() - started
        if run is None:
            raise SystemExit(f"no finished run within {args.timeout}s; see {work}/daemon.log")
        with psycopg.connect(warehouse) as conn:
            failing = conn.execute(
                "SELECT asset, check_name FROM sunshine.check_result WHERE run_id = %s "
                "AND NOT passed AND severity = 'ERROR'", [run.run_id]).fetchall()
            modes = conn.execute(
                "SELECT view_name, mode, round(duration_s::numeric, 2) FROM "
                "sunshine.view_refresh WHERE run_id = %s ORDER BY refresh_id",
                [run.run_id]).fetchall()
        stats = instance.get_run_stats(run.run_id)
        affected = [v.name for v in downstream_views({"Transactions"})]
        lines = [
            f"Command: `{command}`. Delta: {changed:,} changed Transactions rows "
            f"({args.delta:.0%}), dropped into the landing folder of a running "
            f"`dagster-daemon` (landing sensor interval {LANDING_TICK_SECONDS} s).",
            "",
            "| measure | value |",
            "|---|---:|",
            f"| `_READY` written → run finished, views fresh | {elapsed:.1f} s |",
            f"| of which the run itself (start → end) | "
            f"{(stats.end_time or 0) - (stats.start_time or 0):.1f} s |",
            f"| run status | {run.status.value} |",
            f"| failing blocking checks | {len(failing)} |",
            f"| views refreshed (affected: {len(affected)}) | "
            f"{sum(1 for _, m, _ in modes if m != 'skipped')} |",
            "",
            "Per view in that run: " + ", ".join(f"{v} {m} {d}s" for v, m, d in modes) + ".",
        ]
        report = "\n".join(lines)
        print(report)
        if not args.no_report:
            update_section(ROOT / "BENCHMARKS.md", "Daemon end to end", report)
    finally:
        os.killpg(daemon.pid, signal.SIGKILL)
        log.close()


if __name__ == "__main__":
    main()
