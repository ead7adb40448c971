"""Refresh and reads on the site's schema: the old system's own SQL against sunshine_pipeline,
in one run, on the same data.

    python benchmarks/refresh_benchmark.py --transactions 10100000 --names 2330000

The baseline is the old SQL as published: the nine materialized views of
`../shared/site/old_views.sql` (beside the repository; the run stops if it is missing),
created in their own schema `old` with `search_path = old, public`, so their unqualified
names ("Transactions", "Names", ...) resolve to the same base tables the pipeline imports into
(the site's tables, with all their indexes, created by migration 0001), and refreshed as the
old command did: one by one, in the order and with the CONCURRENTLY / plain split that file's
header gives, by one `psql` process (its wall time is the old figure). The pipeline's figures
are the wall time of `sunshine refresh` processes (a Dagster run in-process), against one
PostgreSQL (an embedded server under --data, or SUNSHINE_BENCH_DATABASE_URL):

0. the batch is imported once by the pipeline into a template database (kept in --data's
   server, reused by later runs); each run clones it, so (b) starts right after a full import;
(a) the old refresh of all nine;
(b) `sunshine refresh --all` right after the import (the donor_totals rollup built from
    nothing), then again with the rollup current;
(c) a snapshot with 1% of its rows changed (--delta-batch) imported, then `sunshine refresh`
    (the stale views, not forced) against the old refresh;
(d) nothing new: `sunshine refresh` (nothing to refresh), a refresh_views_job run in which
    every view skips, and one tick of the landing and source-change sensors evaluated through
    Dagster's sensor machinery;
(e) deltas of --shares of Transactions (amounts changed, some rows flipped to deleted) and
    `sunshine refresh` after each; the rollup is rebuilt in full, not patched, when a
    statement changes more than 15% of the table (sql/migrations/.../23_flag_rollup_if_large);
(reads) every dashboard query, p50/p95, on both; a reader loop during a delta refresh;
(f) the same at --small-transactions: import, old refresh against `sunshine refresh --all`.
For (b) and (c) the run's wall time is broken down from the run's own Dagster events
(process start, run start, each step), sunshine.view_refresh, and the server's log of every
statement over --log-statements-ms (embedded server only). Results go to --data/
refresh-results.json as they come (--report-only renders them again), and to stdout and
BENCHMARKS.md (section "Refresh and reads").
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import (  # noqa: E402
    drop_database,
    ensure_batch,
    fresh_database,
    landing_batch,
    server_url,
)
from benchmarks.import_benchmark import make_delta  # noqa: E402
from benchmarks.report import publish  # noqa: E402
from sunshine_pipeline.views.catalog import VIEWS  # noqa: E402

OLD_VIEWS_IN_SHARED = Path("shared", "site", "old_views.sql")
OLD_SCHEMA = "old"

READS = {
    "donor page (ORDER BY total DESC LIMIT 25 OFFSET 1000)":
        "SELECT * FROM {s}.top_donors_mv ORDER BY total_contributed DESC "
        "LIMIT 25 OFFSET 1000",
    "donor search (ILIKE '%term%' LIMIT 25)":
        "SELECT * FROM {s}.top_donors_mv WHERE entity_name ILIKE %(term)s "
        "ORDER BY total_contributed DESC LIMIT 25",
    "donor search count":
        "SELECT count(*) FROM {s}.top_donors_mv WHERE entity_name ILIKE %(term)s",
    "top 10 donors": "SELECT * FROM {s}.mv_dashboard_top_donors "
                     "ORDER BY total_contributed DESC LIMIT 10",
    "top 10 IE committees": "SELECT * FROM {s}.mv_dashboard_top_ie_committees "
                            "ORDER BY total_spent DESC LIMIT 10",
    "IE committees ranked": "SELECT * FROM {s}.top_ie_committees_mv "
                            "ORDER BY total_spending DESC LIMIT 25",
    "IE summary of a committee": "SELECT * FROM {s}.mv_committee_ie_summary "
                                 "WHERE committee_id = %(committee)s",
    "benefit breakdown": "SELECT * FROM {s}.ie_benefit_breakdown ORDER BY is_for_benefit DESC",
    "support/oppose": "SELECT * FROM {s}.mv_dashboard_support_oppose",
    "recent IE": "SELECT * FROM {s}.mv_dashboard_recent_expenditures "
                 "ORDER BY expenditure_date DESC NULLS LAST LIMIT 10",
    "aggregations": "SELECT * FROM {s}.dashboard_aggregations",
}
SEARCH_TERMS = ["smith", "garcia", "peña", "o'brien", "lee", "phoenix", "jones", "zzqx"]

# One tick of each polling sensor and a non-forced refresh run, in a fresh process (d).
IDLE_CHILD = """
import json, os, sys, tempfile, time
started = time.perf_counter()
import dagster as dg
from sunshine_pipeline import deploy, runs
from sunshine_pipeline.definitions import defs
from sunshine_pipeline.resources import WarehouseResource
from sunshine_pipeline.sensors import landing_batch_sensor, source_change_sensor
loaded = time.perf_counter() - started
instance = deploy.instance()
warehouse = WarehouseResource(database_url=os.environ["SUNSHINE_DATABASE_URL"])
out = {"load_definitions_s": loaded}
with warehouse.connection() as conn:
    snapshot = conn.execute("SELECT pg_current_snapshot()::text").fetchone()[0]
ticks = []
for _ in range(5):
    context = dg.build_sensor_context(instance=instance, cursor=snapshot,
                                      resources={"warehouse": warehouse})
    t = time.perf_counter()
    result = source_change_sensor(context)
    ticks.append(time.perf_counter() - t)
out["source_change_tick_s"] = sorted(ticks)[2]
out["source_change_skip"] = getattr(result.skip_reason, "skip_message", None)
ticks = []
with tempfile.TemporaryDirectory() as landing:
    os.environ["SUNSHINE_LANDING"] = landing
    for _ in range(5):
        context = dg.build_sensor_context(instance=instance, cursor=None)
        t = time.perf_counter()
        result = landing_batch_sensor(context)
        ticks.append(time.perf_counter() - t)
out["landing_tick_s"] = sorted(ticks)[2]
t = time.perf_counter()
result = runs.execute_cli_run(instance, "refresh_views_job", tags=runs.cli_run_tags(),
                              run_config={"loggers": {"console": {"config": {
                                  "log_level": "WARNING"}}}})
out["idle_run_s"] = time.perf_counter() - t
out["idle_run_id"] = result.run_id
out["idle_run_success"] = result.success
print(json.dumps(out))
"""


def old_views_path() -> Path:
    """../shared/site/old_views.sql beside the repository (for a git worktree elsewhere:
    beside its main checkout)."""
    roots = [ROOT]
    common = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--path-format=absolute",
                             "--git-common-dir"], capture_output=True, text=True)
    if common.returncode == 0:
        roots.append(Path(common.stdout.strip()).parent)
    for root in roots:
        if (root.parent / OLD_VIEWS_IN_SHARED).is_file():
            return root.parent / OLD_VIEWS_IN_SHARED
    raise SystemExit(
        f"{ROOT.parent / OLD_VIEWS_IN_SHARED} is missing: the baseline is the old system's "
        "own SQL, published beside the repository in ../shared/site/old_views.sql (the "
        "site's contract); put it there and run again")


def old_views_sql() -> str:
    return old_views_path().read_text(encoding="utf-8")


def old_refresh_order(text: str) -> list[tuple[str, bool]]:
    """[(view, concurrently)] as the header of old_views.sql gives the old command's order:
    "-- The old system refreshes them in this order:" then "CONCURRENTLY: a, b, ..." and
    "plain: c, d, ..." (continued on further comment lines)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if "refreshes them in this order" in line)
    body = []
    for line in lines[start + 1:]:
        if not line.startswith("--"):
            break
        body.append(line.removeprefix("--").strip())
    order: list[tuple[str, bool]] = []
    for kind, names in re.findall(r"(CONCURRENTLY|plain):\s*([^:]*?)(?=\s+\w+:|$)",
                                  " ".join(body)):
        order += [(n.strip(), kind == "CONCURRENTLY") for n in names.split(",") if n.strip()]
    if sorted(v for v, _ in order) != sorted(v.name for v in VIEWS):
        raise SystemExit(f"{old_views_path()}: its refresh order names {[v for v, _ in order]}, "
                         f"not the nine views {[v.name for v in VIEWS]}")
    return order


def create_old_views(url: str) -> float:
    """The nine old views in schema `old`, their unqualified names resolving to the site's
    tables in public (search_path old, public); populated as created."""
    text = old_views_sql()
    started = time.perf_counter()
    with psycopg.connect(url) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(
            sql.Identifier(OLD_SCHEMA)))
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(OLD_SCHEMA)))
        conn.execute(sql.SQL("SET search_path = {}, public").format(sql.Identifier(OLD_SCHEMA)))
        conn.execute(text)
    return time.perf_counter() - started


def old_refresh(url: str) -> dict:
    """The old command: one psql process refreshing the nine in the published order, each
    statement in its own transaction. {"wall_s": process wall time, "views": {view: s}}."""
    order = old_refresh_order(old_views_sql())
    refresh = {True: sql.SQL("REFRESH MATERIALIZED VIEW CONCURRENTLY {};\n"),
               False: sql.SQL("REFRESH MATERIALIZED VIEW {};\n")}
    script = "\\timing on\n" + "".join(
        refresh[bool(conc)].format(sql.Identifier(OLD_SCHEMA, view)).as_string()
        for view, conc in order)
    psql = os.environ.get("SUNSHINE_BENCH_PSQL") or shutil.which("psql") or "psql"
    started = time.perf_counter()
    done = subprocess.run([psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-f", "-"],
                          input=script, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - started
    times = [float(m) / 1000 for m in re.findall(r"^Time: ([\d.]+) ms", done.stdout, re.M)]
    return {"wall_s": wall, "views": {v: t for (v, _), t in zip(order, times, strict=True)}}


class Sunshine:
    """`sunshine` processes against one benchmark database (SUNSHINE_HOME under --data)."""

    def __init__(self, url: str, home: Path):
        self.url, self.home = url, home
        self.env = {**os.environ, "SUNSHINE_DATABASE_URL": url, "SUNSHINE_HOME": str(home)}
        for name in ("DAGSTER_HOME", "SUNSHINE_DAGSTER_PG_URL"):
            self.env.pop(name, None)

    def run(self, *args: str) -> dict:
        """{"wall_s", "rss_mb", "launched_at", "exit", "output"} of one `sunshine` command."""
        launched_at = time.time()
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "sunshine_pipeline.cli", *args],
                                env=self.env, cwd=ROOT, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
        output = proc.stdout.read() if proc.stdout else ""
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        return {"wall_s": time.perf_counter() - started, "rss_mb": usage.ru_maxrss / 1024,
                "launched_at": launched_at, "ended_at": time.time(),
                "exit": proc.returncode, "output": output[-3000:]}

    def child(self, code: str) -> dict:
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", code], env=self.env, cwd=ROOT,
                              capture_output=True, text=True, check=True)
        out = json.loads(done.stdout.strip().splitlines()[-1])
        out["wall_s"] = time.perf_counter() - started
        return out

    def instance(self):
        os.environ.update({k: self.env[k] for k in ("SUNSHINE_DATABASE_URL", "SUNSHINE_HOME")})
        for name in ("DAGSTER_HOME", "SUNSHINE_DAGSTER_PG_URL"):
            os.environ.pop(name, None)
        from sunshine_pipeline import deploy

        return deploy.instance()

    def last_run_id(self, since: float) -> str | None:
        import dagster as dg

        records = self.instance().get_run_records(
            filters=dg.RunsFilter(created_after=_utc(since)), limit=1)
        return records[0].dagster_run.run_id if records else None


def _utc(timestamp: float):
    from datetime import UTC, datetime

    return datetime.fromtimestamp(timestamp, UTC)


def run_breakdown(runner: Sunshine, url: str, proc: dict) -> dict:
    """Where a `sunshine refresh` process's wall time went, from its run's Dagster events and
    sunshine.view_refresh: {"phases": [(label, s)], "steps": [(step, s)], "views": ...}."""
    run_id = runner.last_run_id(proc["launched_at"])
    if run_id is None:
        return {}
    import dagster as dg

    instance = runner.instance()
    record = instance.get_run_records(filters=dg.RunsFilter(run_ids=[run_id]))[0]
    events = instance.all_logs(run_id)

    def first(kind: dg.DagsterEventType) -> float | None:
        return next((e.timestamp for e in events if e.dagster_event_type == kind), None)

    created = record.create_timestamp.timestamp()
    run_start = first(dg.DagsterEventType.RUN_START)
    run_end = first(dg.DagsterEventType.RUN_SUCCESS) or first(dg.DagsterEventType.RUN_FAILURE)
    starts: dict[str, float] = {}
    steps: list[tuple[str, float]] = []
    for e in events:
        if e.dagster_event_type == dg.DagsterEventType.STEP_START and e.step_key:
            starts[e.step_key] = e.timestamp
        elif e.dagster_event_type in (dg.DagsterEventType.STEP_SUCCESS,
                                      dg.DagsterEventType.STEP_FAILURE) and e.step_key:
            steps.append((e.step_key, e.timestamp - starts.get(e.step_key, e.timestamp)))
    step_starts = sorted(starts.values())
    step_total = sum(s for _, s in steps)
    phases = [("process start, definitions loaded, run created", created - proc["launched_at"])]
    if run_start:
        phases.append(("run created → RUN_START", run_start - created))
        if step_starts:
            phases.append(("RUN_START → first step", step_starts[0] - run_start))
    phases.append(("the steps (views and their checks)", step_total))
    if run_end and step_starts:
        phases.append(("between steps and to RUN_SUCCESS",
                       run_end - step_starts[0] - step_total))
    if run_end:
        phases.append(("RUN_SUCCESS → process exit (status printed)",
                       proc["ended_at"] - run_end))
    with psycopg.connect(url) as conn:
        views = conn.execute(
            "SELECT view_name, mode, duration_s, row_count FROM sunshine.view_refresh "
            "WHERE run_id = %s ORDER BY refresh_id", [run_id]).fetchall()
        checks = conn.execute(
            "SELECT asset || '.' || check_name, passed, severity, metadata->>'method' "
            "FROM sunshine.check_result WHERE run_id = %s ORDER BY check_result_id",
            [run_id]).fetchall()
    return {"run_id": run_id, "status": record.dagster_run.status.value, "phases": phases,
            "steps": steps, "views": [list(v) for v in views],
            "checks_failed": [c[0] for c in checks if not c[1] and c[2] == "ERROR"],
            "checks": len(checks)}


class ServerLog:
    """Statements the server logged (log_min_duration_statement, set on the database) while
    something ran: [(label, seconds)] by duration. The embedded server's stderr is its
    data directory's `log` file."""

    PREFIX = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ \w+ \[\d+\] ")
    DURATION = re.compile(r"LOG:  duration: ([\d.]+) ms  (?:statement|execute [^:]*): (.*)")

    def __init__(self, path: Path | None):
        self.path, self.offset = path, 0

    def mark(self) -> None:
        if self.path and self.path.exists():
            self.offset = self.path.stat().st_size

    def _entries(self) -> list[list[str]]:
        if not (self.path and self.path.exists()):
            return []
        with self.path.open("rb") as f:
            f.seek(self.offset)
            text = f.read().decode("utf-8", "replace")
        entries: list[list[str]] = []
        for line in text.splitlines():
            if self.PREFIX.match(line):
                entries.append([line])
            elif entries:
                entries[-1].append(line)
        return entries

    def plans(self, at_least: float = 0.0) -> list[tuple[float, list[str]]]:
        """auto_explain's entries: (seconds, the plan's lines)."""
        out = []
        for entry in self._entries():
            m = re.search(r"LOG:  duration: ([\d.]+) ms  plan:", entry[0])
            if m and float(m.group(1)) / 1000 >= at_least:
                out.append((float(m.group(1)) / 1000, [x.rstrip() for x in entry[1:]]))
        return out

    def statements(self, at_least: float = 0.0) -> list[tuple[str, float]]:
        out = []
        for entry in self._entries():
            m = self.DURATION.search(entry[0])
            if not m:
                continue
            body = [m.group(2), *entry[1:]]
            code = " ".join(x.strip() for x in body if x.strip() and
                            not x.strip().startswith("--"))
            seconds = float(m.group(1)) / 1000
            if seconds >= at_least:
                out.append((re.sub(r"\s+", " ", code)[:110], seconds))
        return sorted(out, key=lambda x: -x[1])


def import_snapshot(url: str, batch: Path, *, force: bool = False) -> dict:
    from sunshine_pipeline.imports.loader import import_batch

    started = time.perf_counter()
    with psycopg.connect(url) as conn:
        result = import_batch(conn, batch, force=force)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "outcome": result.outcome,
            "counts": {f.file: f.counts() for f in result.files}}


def vacuum_analyze(url: str) -> float:
    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return time.perf_counter() - started


def imported_template(server: str, batch: Path, transactions: int, *,
                      reimport: bool) -> tuple[str, dict | None]:
    """The database the pipeline imported `batch` into (and vacuumed), kept as a template:
    (its name, the import's figures when this run made it)."""
    name = f"bench_site_{transactions}_imported"
    with psycopg.connect(server, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                              [name]).fetchone()
    if exists and not reimport:
        return name, _ledger(psycopg.conninfo.make_conninfo(server, dbname=name))
    print(f"importing {batch} into {name} (the pipeline's importer) ...", flush=True)
    url = fresh_database(server, name)
    figures = import_snapshot(url, batch)
    figures["vacuum_s"] = vacuum_analyze(url)
    return name, figures


def _ledger(url: str) -> dict | None:
    """The first import's own record (sunshine.import_batch) of a template made earlier."""
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT extract(epoch FROM finished_at - started_at)::float, outcome, "
            "finished_at::text FROM sunshine.import_batch ORDER BY batch_id LIMIT 1").fetchone()
    return {"seconds": row[0], "outcome": row[1], "at": row[2], "counts": {}} if row else None


def clone(server: str, template: str, name: str) -> tuple[str, float]:
    drop_database(server, name)
    started = time.perf_counter()
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {} STRATEGY FILE_COPY").format(
            sql.Identifier(name), sql.Identifier(template)))
    return psycopg.conninfo.make_conninfo(server, dbname=name), time.perf_counter() - started


def make_deltas(base: Path, out_root: Path,
                specs: list[tuple[str, float, int]]) -> dict[str, int]:
    """Batches holding only the Transactions rows a delta changes (the importer upserts: a
    row absent from a batch is left as it is), one per (name, share, seed), written in one
    pass over the base file (a batch already there is kept): each row picked with
    probability `share`; nine in ten picked get a new amount (base + 1 + seed % 100, so
    successive deltas keep changing the rows they share), one in ten has its deleted flag
    flipped. Returns {name: rows in its file}."""
    todo = [(out_root / n, s, seed) for n, s, seed in specs
            if not (out_root / n / "Transactions.csv").exists()]
    if todo:
        _write_deltas(base, todo)
    rows = {}
    for name, _, _ in specs:
        with (out_root / name / "Transactions.csv").open("rb") as f:
            rows[name] = sum(1 for _ in f) - 1
    return rows


def _write_deltas(base: Path, todo: list[tuple[Path, float, int]]) -> None:
    print(f"writing deltas {', '.join(p.name for p, _, _ in todo)} ...", flush=True)
    files, writers, rngs = [], [], []
    for path, _, seed in todo:
        path.mkdir(parents=True, exist_ok=True)
        f = (path / "Transactions.csv.part").open("w", newline="", encoding="utf-8")
        files.append(f)
        writers.append(csv.writer(f, lineterminator="\n"))
        rngs.append(random.Random(seed))
    with (base / "Transactions.csv").open(newline="", encoding="utf-8") as src:
        reader = csv.reader(src)
        header = next(reader)
        for w in writers:
            w.writerow(header)
        amount, deleted = header.index("Amount"), header.index("Deleted")
        for row in reader:
            for (_, share, seed), w, rng in zip(todo, writers, rngs, strict=True):
                if rng.random() < share:
                    new = list(row)
                    if rng.random() < 0.9:
                        new[amount] = f"{float(row[amount]) + 1 + seed % 100:.2f}"
                    else:
                        new[deleted] = "0" if row[deleted].lower() in ("1", "true") else "1"
                    w.writerow(new)
    for f, (path, _, _) in zip(files, todo, strict=True):
        f.close()
        (path / "Transactions.csv.part").rename(path / "Transactions.csv")


def read_latencies(url: str, schema: str, rounds: int) -> dict[str, tuple[float, float]]:
    out = {}
    with psycopg.connect(url, autocommit=True) as conn:
        committee = conn.execute(
            sql.SQL("SELECT committee_id FROM {}.top_ie_committees_mv "
                    "ORDER BY total_spending DESC LIMIT 1").format(sql.Identifier(schema))
        ).fetchone()
        for label, template in READS.items():
            query = sql.SQL(template.replace("{s}", "{schema}")).format(
                schema=sql.Identifier(schema))
            samples = []
            for i in range(rounds + 3):
                params = {"term": f"%{SEARCH_TERMS[i % len(SEARCH_TERMS)]}%",
                          "committee": committee[0] if committee else 0}
                started = time.perf_counter()
                conn.execute(query, params).fetchall()
                if i >= 3:
                    samples.append((time.perf_counter() - started) * 1000)
            samples.sort()
            out[label] = (statistics.median(samples), samples[int(0.95 * (len(samples) - 1))])
    return out


class ReaderLoop(threading.Thread):
    """Every dashboard read in turn, in a loop, lock_timeout 50 ms, while a refresh runs:
    per query p95, and lock timeouts."""

    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.url, self.stop = url, threading.Event()
        self.samples: dict[str, list[float]] = {label: [] for label in READS}
        self.timeouts = self.missing = 0

    def run(self) -> None:
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute("SET lock_timeout = '50ms'")
            queries = [(label, sql.SQL(t.replace("{s}", "public"))) for label, t in READS.items()]
            i = 0
            while not self.stop.is_set():
                label, query = queries[i % len(queries)]
                term = SEARCH_TERMS[(i // len(queries)) % len(SEARCH_TERMS)]
                started = time.perf_counter()
                try:
                    conn.execute(query, {"term": f"%{term}%", "committee": 1}).fetchall()
                    self.samples[label].append((time.perf_counter() - started) * 1000)
                except psycopg.errors.LockNotAvailable:
                    self.timeouts += 1
                except psycopg.errors.UndefinedTable:
                    self.missing += 1
                    self.stop.wait(0.2)
                i += 1

    def finish(self) -> dict:
        self.stop.set()
        self.join()
        return {"p95_ms": {label: sorted(s)[int(0.95 * (len(s) - 1))] if s else None
                           for label, s in self.samples.items()},
                "reads": sum(len(s) for s in self.samples.values()),
                "timeouts": self.timeouts, "missing": self.missing}


class Results(dict):
    """The figures so far, saved after each step (a later step failing keeps them)."""

    def __init__(self, path: Path, fresh: bool):
        super().__init__(json.loads(path.read_text()) if path.exists() and not fresh else {})
        self.path = path

    def put(self, key: str, value) -> None:
        self[key] = value
        self.path.write_text(json.dumps(self, indent=1, default=str))


def refresh_rows(url: str, run_id: str) -> list:
    with psycopg.connect(url) as conn:
        return [list(r) for r in conn.execute(
            "SELECT view_name, mode FROM sunshine.view_refresh WHERE run_id = %s "
            "ORDER BY refresh_id", [run_id]).fetchall()]


def rollup_state(url: str) -> list:
    with psycopg.connect(url) as conn:
        return [list(r) for r in conn.execute(
            "SELECT rollup, needs_rebuild, rebuilt_at::text FROM sunshine.rollup_state "
            "ORDER BY rollup").fetchall()]


def measure_large(args, r: Results, server: str, log: ServerLog) -> tuple[str, Sunshine]:
    batch = ensure_batch(args.data, args.transactions, args.names)
    template, figures = imported_template(server, batch, args.transactions,
                                          reimport=args.reimport)
    r.put("import", figures)
    url, seconds = clone(server, template, "bench_site")
    r.put("clone_s", seconds)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("ALTER DATABASE bench_site SET log_min_duration_statement = {}")
                     .format(sql.Literal(args.log_statements_ms)))
        r.put("database", conn.execute(
            "SELECT (SELECT count(*) FROM \"Transactions\"), (SELECT count(*) FROM \"Names\"), "
            "(SELECT count(*) FROM pg_indexes WHERE schemaname = 'public' "
            "AND tablename = 'Transactions'), (SELECT count(*) FROM pg_indexes "
            "WHERE schemaname = 'public' AND tablename = 'Names'), "
            "pg_size_pretty(pg_database_size(current_database())), version()").fetchone())
    r.put("rollup_before_b", rollup_state(url))
    print("creating the old views from old_views.sql ...", flush=True)
    r.put("old_create_s", create_old_views(url))
    runner = Sunshine(url, args.data / "home-site")
    r.put("warm_up", runner.run("status"))  # Dagster's storage created, off the clock

    print("(a) old refresh ...", flush=True)
    r.put("a_old", old_refresh(url))
    print(f"  {r['a_old']['wall_s']:.1f}s; (b) sunshine refresh --all ...", flush=True)
    log.mark()
    proc = runner.run("refresh", "--all")
    r.put("b_full", {**proc, "breakdown": run_breakdown(runner, url, proc),
                     "statements": log.statements(args.log_statements_ms / 1000)})
    print(f"  {proc['wall_s']:.1f}s (exit {proc['exit']}); again, rollup current ...",
          flush=True)
    log.mark()
    proc = runner.run("refresh", "--all")
    r.put("b_forced", {**proc, "breakdown": run_breakdown(runner, url, proc),
                       "statements": log.statements(args.log_statements_ms / 1000)})

    print(f"(c) importing the delta snapshot {args.delta_batch} ...", flush=True)
    r.put("c_import", import_snapshot(url, landing_batch(args.delta_batch)))
    log.mark()
    proc = runner.run("refresh")
    r.put("c_delta", {**proc, "breakdown": run_breakdown(runner, url, proc),
                      "statements": log.statements(args.log_statements_ms / 1000)})
    print(f"  ours {proc['wall_s']:.1f}s; old refresh ...", flush=True)
    r.put("c_old", old_refresh(url))

    print("(d) nothing new ...", flush=True)
    r.put("d_cli", runner.run("refresh"))
    idle = runner.child(IDLE_CHILD)
    idle["modes"] = refresh_rows(url, idle["idle_run_id"])
    r.put("d_idle", idle)

    print("reads ...", flush=True)
    r.put("reads_old", read_latencies(url, OLD_SCHEMA, args.read_rounds))
    r.put("reads_ours", read_latencies(url, "public", args.read_rounds))
    return url, runner


def measure_deltas(args, r: Results, url: str, runner: Sunshine) -> None:
    """(e), then the reader loop during one more 1% delta's refresh."""
    batch = ensure_batch(args.data, args.transactions, args.names)
    specs = [(f"delta-{args.transactions}-{share:g}", share, i + 1)
             for i, share in enumerate(args.shares)]
    specs.append((f"delta-{args.transactions}-reader", 0.01, len(specs) + 1))
    make_deltas(batch, args.data, specs)
    e = []
    for name, share, _ in specs[:-1]:
        print(f"(e) delta {share:.1%} ...", flush=True)
        before = rollup_state(url)
        imported = import_snapshot(url, args.data / name)
        proc = runner.run("refresh")
        breakdown = run_breakdown(runner, url, proc)
        e.append({"share": share, "import": imported, **proc, "breakdown": breakdown,
                  "rollup_rebuilt": rollup_state(url) != before})
        r.put("e_deltas", e)

    print("reads during a delta refresh ...", flush=True)
    import_snapshot(url, args.data / specs[-1][0])
    reader = ReaderLoop(url)
    reader.start()
    proc = runner.run("refresh")
    r.put("reads_during_delta", {**reader.finish(), "refresh_s": proc["wall_s"]})


# The proposal for the blocking reconciliation, priced: recompute the donors a batch touched
# (through "Transactions"' entity_id index) and compare them with top_donors_mv.
TOUCHED_DONORS_PROOF = """
WITH touched AS (
    SELECT DISTINCT t.entity_id
    FROM sunshine.import_change AS c
    INNER JOIN "Transactions" AS t ON t.transaction_id = c.key
    WHERE c.batch_id = %(batch)s AND c.table_name = 'Transactions' AND t.entity_id > 0
),
source_side AS (
    SELECT t.entity_id, sum(t.amount) AS total, count(*) AS n
    FROM touched AS d
    INNER JOIN "Transactions" AS t ON t.entity_id = d.entity_id
    INNER JOIN "TransactionTypes" AS tt ON t.transaction_type_id = tt.transaction_type_id
    WHERE NOT t.deleted AND t.subject_committee_id IS NULL AND tt.income_expense_neutral = 1
    GROUP BY t.entity_id
)
SELECT count(*), count(*) FILTER (WHERE v.total_contributed IS DISTINCT FROM s.total
                                   OR v.contribution_count IS DISTINCT FROM s.n)
FROM touched AS d
LEFT JOIN source_side AS s ON s.entity_id = d.entity_id
LEFT JOIN top_donors_mv AS v ON v.entity_id = d.entity_id
"""


def _plan_nodes(lines: list[str]) -> list[str]:
    """An auto_explain plan without its query text: from the first plan node on."""
    first = next((i for i, x in enumerate(lines) if "(cost=" in x), 0)
    return lines[first:]


PROOF_MAX_KEYS = 200_000  # beyond this the touched-donor proof costs more than the full pass


def measure_floor(url: str, log: ServerLog) -> dict:
    """The two big items of a refresh, statement by statement, on the database as the run
    left it: a full rebuild of the donor_totals rollup (sunshine.refresh_donor_totals(),
    every statement inside it planned and timed by auto_explain; rolled back), the blocking
    reconciliation of top_donors_mv, and the proposed proof of only the donors each delta
    batch touched."""
    from sunshine_pipeline.sqlfiles import sql_text

    out: dict = {}
    with psycopg.connect(url) as conn:
        conn.execute("LOAD 'auto_explain'")
        for name, value in (("auto_explain.log_min_duration", "0"),
                            ("auto_explain.log_nested_statements", "on"),
                            ("auto_explain.log_analyze", "on"),
                            ("auto_explain.log_timing", "on")):
            conn.execute("SELECT set_config(%s, %s, true)", [name, value])
        conn.execute("UPDATE sunshine.rollup_state SET needs_rebuild = true "
                     "WHERE rollup = 'donor_totals'")
        log.mark()
        started = time.perf_counter()
        conn.execute("SELECT sunshine.refresh_donor_totals()")
        out["rollup_rebuild_s"] = time.perf_counter() - started
        out["rollup_plans"] = [(s, _plan_nodes(lines)[:32]) for s, lines in log.plans(0.05)]
        for key, table in (("analyze_transactions_s", sql.Identifier("Transactions")),
                           ("analyze_donor_totals_s", sql.Identifier("sunshine",
                                                                     "donor_totals"))):
            started = time.perf_counter()
            conn.execute(sql.SQL("ANALYZE {}").format(table))
            out[key] = time.perf_counter() - started
        conn.rollback()
        started = time.perf_counter()
        conn.execute(sql_text("checks/top_donors_mv_matches_source_totals.sql")).fetchall()
        out["reconciliation_s"] = time.perf_counter() - started
        conn.rollback()
        proofs: list[tuple[str, int | None, int | None, float | None]] = []
        for batch_id, path, keys in conn.execute(
                "SELECT c.batch_id, b.path, count(*) FROM sunshine.import_change AS c "
                "INNER JOIN sunshine.import_batch AS b ON b.batch_id = c.batch_id "
                "WHERE c.table_name = 'Transactions' AND c.op <> '*' "
                "GROUP BY c.batch_id, b.path ORDER BY c.batch_id").fetchall():
            if keys > PROOF_MAX_KEYS:
                proofs.append((Path(path).name, None, None, None))
                continue
            started = time.perf_counter()
            [(donors, mismatches)] = conn.execute(TOUCHED_DONORS_PROOF,
                                                  {"batch": batch_id}).fetchall()
            proofs.append((Path(path).name, donors, mismatches, time.perf_counter() - started))
        out["touched_proofs"] = proofs
    return out


def measure_small(args, r: Results, server: str) -> None:
    batch = ensure_batch(args.data, args.small_transactions, args.small_names)
    print(f"(f) {args.small_transactions:,} transactions: import ...", flush=True)
    url = fresh_database(server, "bench_site_small")
    imported = import_snapshot(url, batch)
    imported["vacuum_s"] = vacuum_analyze(url)
    old_create = create_old_views(url)
    old = old_refresh(url)
    runner = Sunshine(url, args.data / "home-site")
    full = runner.run("refresh", "--all")
    forced = runner.run("refresh", "--all")
    old_again = old_refresh(url)
    r.put("f_small", {"import": imported, "old_create_s": old_create, "old": old,
                      "old_again": old_again, "full": full, "forced": forced,
                      "breakdown": run_breakdown(runner, url, forced)})
    drop_database(server, "bench_site_small")


def fmt(x, digits: int = 1) -> str:
    return "-" if x is None else f"{x:.{digits}f}"


def render(r: dict, command: str) -> str:
    machine = r.get("machine", "what else it ran not recorded")
    lines = [f"Command: `{command}`. Machine: {os.cpu_count()} cores, {machine}: absolute "
             "times are noisy; the ratios compare the old SQL and the pipeline measured in "
             "the same run on the same data, one after the other."]
    if db := r.get("database"):
        lines.append(
            f"Database: the site's schema (migration 0001; {db[2]} indexes on "
            f"\"Transactions\", {db[3]} on \"Names\"), {db[0]:,} transactions and {db[1]:,} "
            f"names imported by the pipeline, {db[4]}; {db[5].split(' on ')[0]}. The old views: "
            f"`../shared/site/old_views.sql` run in schema `{OLD_SCHEMA}` with "
            f"`search_path = {OLD_SCHEMA}, public` (created and populated in "
            f"{fmt(r.get('old_create_s'))} s), refreshed by one `psql` process in the order "
            "of that file's header (six CONCURRENTLY, three plain).")
    if imp := r.get("import"):
        when = (f"imported earlier, at {imp['at']}, by the same code (its ledger row)"
                if "at" in imp else f"this run; VACUUM ANALYZE {imp['vacuum_s']:.1f} s")
        lines.append(f"The full import by the pipeline (into a template database each run "
                     f"clones, {when}): {imp['seconds']:.1f} s.")
    lines.append("")
    a, bf, bc = r.get("a_old"), r.get("b_full"), r.get("b_forced")
    cd, co = r.get("c_delta"), r.get("c_old")
    rows = ["| refresh of all nine | old SQL (s) | sunshine_pipeline (s) | old / ours | target |",
            "|---|---:|---:|---:|---|"]
    if a and bf:
        rows.append(f"| (b) `sunshine refresh --all` right after the full import (rollup built "
                    f"from nothing) | {a['wall_s']:.1f} | {bf['wall_s']:.1f} | "
                    f"{a['wall_s'] / bf['wall_s']:.1f}x | >= 4x |")
    if a and bc:
        rows.append(f"| `sunshine refresh --all` again (forced, rollup current) | "
                    f"{a['wall_s']:.1f} | {bc['wall_s']:.1f} | {a['wall_s'] / bc['wall_s']:.1f}x"
                    " | |")
    if co and cd:
        rows.append(f"| (c) `sunshine refresh` after the 1% delta snapshot | {co['wall_s']:.1f} "
                    f"| {cd['wall_s']:.1f} | {co['wall_s'] / cd['wall_s']:.1f}x | >= 20x |")
    if (dc := r.get("d_cli")) and co:
        rows.append(f"| (d) `sunshine refresh` with nothing new | {co['wall_s']:.1f} | "
                    f"{dc['wall_s']:.2f} | {co['wall_s'] / dc['wall_s']:.0f}x | <= 1 s |")
    lines += rows
    if (c := r.get("c_import")):
        t = c["counts"].get("Transactions.csv", {})
        n = c["counts"].get("Names.csv", {})
        lines += ["", f"The 1% delta snapshot (`{Path(r.get('delta_batch', '')).name}`, whole "
                  f"files): imported in {c['seconds']:.1f} s; Transactions {_counts(t)}; "
                  f"Names {_counts(n)}."]
    if a and co:
        lines += ["", "| old view (order of the old command) | (a) s | after the delta, s |",
                  "|---|---:|---:|"]
        lines += [f"| {v} | {s:.2f} | {co['views'].get(v, 0):.2f} |" for v, s in a["views"].items()]
        lines.append(f"| psql process, all nine | {a['wall_s']:.2f} | {co['wall_s']:.2f} |")
    if (d := r.get("d_idle")):
        skipped = sum(1 for _, mode in d.get("modes", []) if mode == "skipped")
        lines += ["", "(d) nothing new, in detail: `sunshine refresh` (stale views looked up, "
                  f"nothing to refresh, status printed) {fmt(r['d_cli']['wall_s'], 2)} s of "
                  f"process wall time; a `refresh_views_job` run (not forced) executed "
                  f"in-process: {fmt(d['idle_run_s'], 2)} s, {skipped} of 9 views skipped "
                  f"({'success' if d['idle_run_success'] else 'FAILED'}); one tick of "
                  f"`source_change_sensor` evaluated through Dagster's sensor context "
                  f"(`build_sensor_context`, a cursor at the current snapshot): "
                  f"{d['source_change_tick_s'] * 1000:.0f} ms (\"{d['source_change_skip']}\"); "
                  f"one tick of `landing_batch_sensor` on an empty landing folder: "
                  f"{d['landing_tick_s'] * 1000:.0f} ms; loading the definitions in a fresh "
                  f"process: {d['load_definitions_s']:.1f} s."]
    if e := r.get("e_deltas"):
        lines += ["", "(e) Cost against the size of the change (each delta a batch of the "
                  "changed Transactions rows only, imported, then `sunshine refresh`; the "
                  "old SQL recomputes everything whatever changed: (a)):", "",
                  "| delta | Transactions rows written | import (s) | `sunshine refresh` (s) "
                  "| top_donors_mv | donor_totals rebuilt in full | old / ours |",
                  "|---|---:|---:|---:|---|---|---:|"]
        def ratio(s: float) -> str:
            return f"{a['wall_s'] / s:.1f}x" if a else "-"

        for x in e:
            t = x["import"]["counts"].get("Transactions.csv", {})
            written = sum(t.get(k, 0) for k in ("inserted", "updated", "deleted"))
            modes = {v: m for v, m, *_ in x["breakdown"].get("views", [])}
            lines.append(
                f"| {x['share']:.1%} | {written:,} | {x['import']['seconds']:.1f} | "
                f"{x['wall_s']:.1f} | {modes.get('top_donors_mv', '-')} | "
                f"{'yes' if x['rollup_rebuilt'] else 'no (kept by the triggers)'} | "
                f"{ratio(x['wall_s'])} |")
        if bf:
            lines.append(f"| full rebuild (b), for comparison | | | {bf['wall_s']:.1f} | "
                         f"swapped | yes | {ratio(bf['wall_s'])} |")
    for key, title in (("b_full", "(b) right after the full import"),
                       ("b_forced", "forced, rollup current"),
                       ("c_delta", "(c) after the 1% delta snapshot")):
        if key in r and r[key].get("breakdown"):
            lines += ["", *breakdown_table(r[key], title)]
    if (ro := r.get("reads_old")) and (rn := r.get("reads_ours")):
        during = r.get("reads_during_delta", {})
        lines += ["", "Reads: p50 / p95 over repeated runs, alone; and p95 in a loop of all "
                  f"of them (lock_timeout 50 ms) during a 1% delta refresh "
                  f"({fmt(during.get('refresh_s'))} s; {during.get('reads', 0):,} reads, "
                  f"{during.get('timeouts', 0)} lock timeouts, {during.get('missing', 0)} "
                  "reads of a view not there):", "",
                  "| read query | old p50 / p95 (ms) | ours p50 / p95 (ms) | ours p95 during "
                  "a delta refresh (ms) | target p95 |", "|---|---:|---:|---:|---|"]
        for label in READS:
            o, s = ro[label], rn[label]
            target = "20 ms" if "search" in label else "5 ms"
            lines.append(f"| {label} | {o[0]:.2f} / {o[1]:.2f} | {s[0]:.2f} / {s[1]:.2f} | "
                         f"{fmt(during.get('p95_ms', {}).get(label), 2)} | {target} |")
    if f := r.get("f_small"):
        t = f["import"]["counts"].get("Transactions.csv", {})
        lines += ["", f"(f) Small data: {t.get('read', 0):,} transactions, same steps in a "
                  "database of its own:", "",
                  "| at small scale | old SQL (s) | sunshine_pipeline (s) | old / ours |",
                  "|---|---:|---:|---:|",
                  f"| `sunshine refresh --all` right after the import | "
                  f"{f['old']['wall_s']:.2f} | {f['full']['wall_s']:.2f} | "
                  f"{f['old']['wall_s'] / f['full']['wall_s']:.2f}x |",
                  f"| `sunshine refresh --all` again (rollup current) | "
                  f"{f['old_again']['wall_s']:.2f} | {f['forced']['wall_s']:.2f} | "
                  f"{f['old_again']['wall_s'] / f['forced']['wall_s']:.2f}x |"]
        if f.get("breakdown"):
            lines += ["", *breakdown_table({**f["forced"], "breakdown": f["breakdown"],
                                            "statements": []}, "small, forced")]
    if fl := r.get("floor"):
        lines += ["", *floor_lines(fl, r.get("floor_command"))]
    if bf:
        lines += ["", f"Peak RSS of the `sunshine refresh --all` process (b): "
                  f"{bf['rss_mb']:.0f} MB."]
    return "\n".join(lines)


def _counts(c: dict) -> str:
    return ", ".join(f"{c.get(k, 0):,} {k}" for k in ("read", "inserted", "updated", "deleted",
                                                      "unchanged"))


def breakdown_table(proc: dict, title: str) -> list[str]:
    b = proc["breakdown"]
    out = [f"Where the time of `sunshine refresh` went, {title} (run {b['run_id'][:8]}, "
           f"{b['status']}, {proc['wall_s']:.1f} s of process wall time; {b['checks']} check "
           f"evaluations, {len(b['checks_failed'])} failing at ERROR):", "",
           "| part | seconds |", "|---|---:|"]
    out += [f"| {label} | {s:.2f} |" for label, s in b["phases"]]
    out += [f"| step `{step}` | {s:.2f} |" for step, s in sorted(b["steps"], key=lambda x: -x[1])
            if s >= 0.05]
    out += [f"| view_refresh: {v} ({mode}, {rows:,} rows) | {s:.2f} |"
            for v, mode, s, rows in b["views"] if s >= 0.05]
    statements = proc.get("statements") or []
    if statements:
        out += ["", "Its statements over the logging threshold (the server's log):", "",
                "| statement | seconds |", "|---|---:|"]
        out += [f"| `{text.replace('|', '/')}` | {s:.2f} |" for text, s in statements[:14]]
    return out


def floor_lines(fl: dict, command: str | None) -> list[str]:
    out = [f"The floor of the big items, measured after the run on the same database"
           f"{f' (`{command}`)' if command else ''}: a full rebuild of the donor_totals rollup "
           f"(`sunshine.refresh_donor_totals()`, rolled back) {fl['rollup_rebuild_s']:.1f} s, "
           f"of which `ANALYZE \"Transactions\"` {fl['analyze_transactions_s']:.1f} s and "
           f"`ANALYZE sunshine.donor_totals` {fl['analyze_donor_totals_s']:.1f} s "
           f"(timed again alone); the blocking reconciliation of top_donors_mv "
           f"(`sql/checks/top_donors_mv_matches_source_totals.sql`, one pass over "
           f"Transactions) {fl['reconciliation_s']:.1f} s.", ""]
    if fl.get("touched_proofs"):
        out += ["A candidate for replacing the full pass, priced: a proof of only the donors a "
                "batch touched (recomputed through the entity_id index and compared with "
                "top_donors_mv), per delta batch of the run:",
                "", "| batch | donors touched | mismatches | seconds |", "|---|---:|---:|---:|"]
        out += [f"| {name} | {donors:,} | {bad} | {s:.2f} |" if s is not None else
                f"| {name} | not run: over {PROOF_MAX_KEYS:,} changed keys | | |"
                for name, donors, bad, s in fl["touched_proofs"]]
        out.append("")
    plans = [p for p in fl.get("rollup_plans", []) if p[0] >= 0.5]
    if plans:
        out += ["The rollup rebuild's statements over 0.5 s (auto_explain, ANALYZE timing):",
                "", "```"]
        for seconds, lines in plans:
            out += [f"-- {seconds:.1f} s", *lines]
        out.append("```")
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--transactions", type=int, default=10_100_000)
    p.add_argument("--names", type=int, default=2_330_000)
    p.add_argument("--small-transactions", type=int, default=1_000_000)
    p.add_argument("--small-names", type=int, default=230_000)
    p.add_argument("--data", type=Path, default=ROOT / "benchmarks" / "data")
    p.add_argument("--delta-batch", type=Path, default=None,
                   help="a whole snapshot with 1%% of its rows changed (default: --data/"
                   "delta-<transactions>, import_benchmark.py's)")
    p.add_argument("--shares", type=lambda s: [float(x) for x in s.split(",")],
                   default=[0.001, 0.01, 0.1])
    p.add_argument("--read-rounds", type=int, default=200)
    p.add_argument("--log-statements-ms", type=int, default=200)
    p.add_argument("--reimport", action="store_true", help="import the template again")
    p.add_argument("--skip-small", action="store_true")
    p.add_argument("--skip-large", action="store_true")
    p.add_argument("--floor-only", action="store_true",
                   help="only the floor measurements, on the database a run left")
    p.add_argument("--report-only", action="store_true",
                   help="render --data/refresh-results.json again")
    p.add_argument("--no-report", action="store_true", help="do not touch BENCHMARKS.md")
    p.add_argument("--machine", help="what else the machine ran meanwhile, for the report "
                   "(kept in the results; with --report-only, says it after the fact)")
    args = p.parse_args()
    command = shlex.join(["python", "benchmarks/refresh_benchmark.py", *sys.argv[1:]])
    if args.delta_batch is None:
        args.delta_batch = args.data / f"delta-{args.transactions}"
        if not (args.delta_batch / "Names.csv").exists() and not args.report_only:
            make_delta(ensure_batch(args.data, args.transactions, args.names), args.delta_batch)
    old_views_sql()
    r = Results(args.data / "refresh-results.json",
                fresh=not (args.report_only or args.floor_only))
    if args.floor_only:
        server = server_url(args.data)
        r.put("floor", measure_floor(psycopg.conninfo.make_conninfo(server, dbname="bench_site"),
                                     ServerLog(None if os.environ.get("SUNSHINE_BENCH_DATABASE_URL")
                                               else args.data / "pgdata" / "log")))
        r.put("floor_command", command)
    elif not args.report_only:
        r.put("delta_batch", str(args.delta_batch))
        r.put("command", command)
        server = server_url(args.data)
        log = ServerLog(None if os.environ.get("SUNSHINE_BENCH_DATABASE_URL")
                        else args.data / "pgdata" / "log")
        # The small database goes before the deltas (the longest part), so a run cut short
        # still has every target but (e).
        large = None if args.skip_large else measure_large(args, r, server, log)
        if not args.skip_small:
            measure_small(args, r, server)
        if large:
            measure_deltas(args, r, *large)
            r.put("floor", measure_floor(large[0], log))
    if args.machine:
        r.put("machine", args.machine)
    publish("Refresh and reads", render(r, r.get("command", command)),
            write=not args.no_report)


if __name__ == "__main__":
    main()
