"""Refresh and read benchmark: the old system against sunshine_pipeline, in one run, on the same
generated data (issue #6).

    python benchmarks/refresh_benchmark.py --transactions 10100000 --names 2330000

Steps, all against one PostgreSQL (an embedded server under --data, or
SUNSHINE_BENCH_DATABASE_URL):
1. generate a batch (cached in --data) and import it with sunshine_pipeline's importer;
2. create the old system's nine views (benchmarks/baseline/, schema `baseline`);
3. full rebuild: the old cron (REFRESH … CONCURRENTLY of all nine, one by one) against ours
   (rollup rebuilt from Transactions, then the nine views refreshed in dependency order);
4. a 1% delta import (1% of Transactions rows changed: amounts and deleted flags), then the old
   cron again against ours (only what changed);
5. a tick with nothing new (ours: every view checks its inputs and skips);
6. the dashboard's read queries, p50/p95 over repeated runs, on both;
7. a reader loop (lock_timeout 50 ms) during a second full refresh of ours and a second delta
   (another 1% of rows): p99 and timeouts. The timed refreshes of steps 3 and 4 run alone,
   so a ratio is never one side slowed by the readers;
8. peak RSS of a `sunshine refresh --all` process (a Dagster run in-process).
Figures go to stdout and to BENCHMARKS.md (section "Refresh and reads").
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
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

from benchmarks.common import ensure_batch, fresh_database, server_url  # noqa: E402
from benchmarks.report import publish  # noqa: E402
from sunshine_pipeline.imports.loader import import_batch  # noqa: E402
from sunshine_pipeline.views.catalog import VIEWS  # noqa: E402
from sunshine_pipeline.views.refresh import materialize_view  # noqa: E402

BASELINE_DIR = ROOT / "benchmarks" / "baseline"

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


def make_delta(base: Path, out: Path, share: float, seed: int) -> int:
    """A batch of `share` of the Transactions rows, changed (amount, or the deleted flag):
    what a day of amendments looks like. Only the changed rows are in it."""
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    changed = 0
    with (base / "Transactions.csv").open(newline="", encoding="utf-8") as src, \
            (out / "Transactions.csv").open("w", newline="", encoding="utf-8") as dst:
        reader, writer = csv.reader(src), csv.writer(dst, lineterminator="\n")
        header = next(reader)
        writer.writerow(header)
        amount, deleted = header.index("Amount"), header.index("Deleted")
        for row in reader:
            if rng.random() < share:
                changed += 1
                if rng.random() < 0.8:
                    row[amount] = f"{float(row[amount]) + 1.0:.2f}"
                else:
                    row[deleted] = "0" if row[deleted].lower() in ("1", "true") else "1"
                writer.writerow(row)
    return changed


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def baseline_create(conn: psycopg.Connection) -> None:
    conn.execute("DROP SCHEMA IF EXISTS baseline CASCADE")
    conn.execute("CREATE SCHEMA baseline")
    for path in sorted(BASELINE_DIR.glob("*.sql")):
        conn.execute(path.read_text())
    conn.commit()


def baseline_refresh(url: str) -> dict[str, float]:
    """The old cron: every view, one after another, CONCURRENTLY, each in its own commit."""
    times = {}
    with psycopg.connect(url, autocommit=True) as conn:
        for view in VIEWS:
            times[view.name] = timed(lambda v=view: conn.execute(sql.SQL(
                "REFRESH MATERIALIZED VIEW CONCURRENTLY baseline.{}").format(
                sql.Identifier(v.name))))
    return times


def ours_refresh(url: str, *, force: bool) -> dict[str, tuple[float, str]]:
    out = {}
    with psycopg.connect(url) as conn:
        for view in VIEWS:
            started = time.perf_counter()
            result = materialize_view(conn, view, force=force)
            out[view.name] = (time.perf_counter() - started, result.mode)
    return out


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
    """Dashboard reads in a loop with lock_timeout 50 ms, while something else runs: as fast
    as they go, or `rate` a second. A view not there yet (a first load) is counted and
    waited for."""

    def __init__(self, url: str, rate: float | None = None):
        super().__init__(daemon=True)
        self.url, self.stop, self.samples, self.timeouts = url, threading.Event(), [], 0
        self.pause, self.missing = (1 / rate if rate else 0.0), 0

    def run(self) -> None:
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute("SET lock_timeout = '50ms'")
            queries = [sql.SQL(t.replace("{s}", "public")) for t in READS.values()]
            i = 0
            while not self.stop.is_set():
                started = time.perf_counter()
                try:
                    conn.execute(queries[i % len(queries)],
                                 {"term": "%smith%", "committee": 1}).fetchall()
                    self.samples.append((time.perf_counter() - started) * 1000)
                except psycopg.errors.LockNotAvailable:
                    self.timeouts += 1
                except psycopg.errors.UndefinedTable:
                    self.missing += 1
                    self.stop.wait(0.2)
                i += 1
                if self.pause:
                    self.stop.wait(max(0.0, self.pause - (time.perf_counter() - started)))

    def take(self) -> tuple[float, int, int]:
        """(p99 ms, reads, lock timeouts) since the last take."""
        samples, timeouts = sorted(self.samples), self.timeouts
        self.samples, self.timeouts = [], 0
        return (samples[int(0.99 * (len(samples) - 1))] if samples else 0.0, len(samples),
                timeouts)

    def finish(self) -> tuple[float, float, int, int]:
        self.stop.set()
        self.join()
        s = sorted(self.samples)
        return (s[int(0.99 * (len(s) - 1))] if s else 0.0, max(s, default=0.0), len(s),
                self.timeouts)


def peak_rss_of_refresh(url: str, home: Path) -> float:
    env = {**os.environ, "SUNSHINE_DATABASE_URL": url, "SUNSHINE_HOME": str(home)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    subprocess.run([sys.executable, "-m", "sunshine_pipeline.cli", "refresh", "--all"],
                   env=env, check=True, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(after, before) / 1024


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--transactions", type=int, default=10_100_000)
    p.add_argument("--names", type=int, default=2_330_000)
    p.add_argument("--data", type=Path, default=ROOT / "benchmarks" / "data")
    p.add_argument("--delta", type=float, default=0.01)
    p.add_argument("--read-rounds", type=int, default=200)
    p.add_argument("--no-report", action="store_true", help="do not touch BENCHMARKS.md")
    args = p.parse_args()
    command = "python benchmarks/refresh_benchmark.py " + " ".join(sys.argv[1:])

    batch = ensure_batch(args.data, args.transactions, args.names)
    delta = args.data / f"delta-{args.transactions}"
    changed = make_delta(batch, delta, args.delta, seed=2)

    url = fresh_database(server_url(args.data), "bench_refresh")
    with psycopg.connect(url) as conn:
        print("importing ...", flush=True)
        t_import = timed(lambda: import_batch(conn, batch))
        print(f"  import {t_import:.1f}s; creating views ...", flush=True)
        ours_refresh(url, force=False)
        baseline_create(conn)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")

    # Ratios compare both systems alone on the machine; the reader loop then runs during a
    # second refresh of each kind, so its load does not slow one side of a ratio only.
    print("full rebuild ...", flush=True)
    old_full = baseline_refresh(url)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("UPDATE sunshine.rollup_state SET needs_rebuild = true")
        t_rollup = timed(lambda: conn.execute("SELECT sunshine.refresh_donor_totals()"))
    new_full = ours_refresh(url, force=True)
    reader = ReaderLoop(url)
    reader.start()
    ours_refresh(url, force=True)
    full_reader = reader.finish()

    print("1% delta ...", flush=True)
    with psycopg.connect(url) as conn:
        t_delta_import = timed(lambda: import_batch(conn, delta, force=True))
    new_delta = ours_refresh(url, force=False)
    old_delta = baseline_refresh(url)
    second = args.data / f"delta2-{args.transactions}"
    make_delta(batch, second, args.delta, seed=3)
    with psycopg.connect(url) as conn:
        import_batch(conn, second, force=True)
    reader = ReaderLoop(url)
    reader.start()
    ours_refresh(url, force=False)
    delta_reader = reader.finish()

    print("no-change tick ...", flush=True)
    new_idle = ours_refresh(url, force=False)

    print("reads ...", flush=True)
    old_reads = read_latencies(url, "baseline", args.read_rounds)
    new_reads = read_latencies(url, "public", args.read_rounds)

    print("peak RSS of a refresh run ...", flush=True)
    rss = peak_rss_of_refresh(url, args.data / "home")

    def total(d: dict) -> float:
        return sum(v[0] if isinstance(v, tuple) else v for v in d.values())

    lines = [
        f"Command: `{command}` ({args.transactions:,} transactions, {args.names:,} names; "
        f"delta: {changed:,} Transactions rows changed). Machine: {os.cpu_count()} cores. "
        f"Import of the batch: {t_import:.1f} s; delta import: {t_delta_import:.1f} s.",
        "",
        "| refresh | old system (s) | sunshine_pipeline (s) | ratio |",
        "|---|---:|---:|---:|",
        f"| full rebuild, all nine | {total(old_full):.2f} | {total(new_full):.2f} | "
        f"{total(old_full) / total(new_full):.1f}x |",
        f"| full rebuild, all nine, donor_totals rollup rebuilt from Transactions first | "
        f"{total(old_full):.2f} | {t_rollup + total(new_full):.2f} | "
        f"{total(old_full) / (t_rollup + total(new_full)):.1f}x |",
        f"| after a {args.delta:.0%} delta | {total(old_delta):.2f} | {total(new_delta):.2f} | "
        f"{total(old_delta) / total(new_delta):.1f}x |",
        f"| tick with nothing new | {total(old_delta):.2f} | {total(new_idle):.3f} | "
        f"{total(old_delta) / total(new_idle):.0f}x |",
        "",
        "| view | old full | ours full | old delta | ours delta (mode) | ours idle (mode) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for view in VIEWS:
        n = view.name
        lines.append(
            f"| {n} | {old_full[n]:.2f} | {new_full[n][0]:.2f} | {old_delta[n]:.2f} | "
            f"{new_delta[n][0]:.2f} ({new_delta[n][1]}) | {new_idle[n][0]:.3f} "
            f"({new_idle[n][1]}) |")
    lines += ["", "| read query | old p50 / p95 (ms) | ours p50 / p95 (ms) |", "|---|---:|---:|"]
    for label in READS:
        o, s = old_reads[label], new_reads[label]
        lines.append(f"| {label} | {o[0]:.2f} / {o[1]:.2f} | {s[0]:.2f} / {s[1]:.2f} |")
    lines += [
        "",
        "| reader loop (lock_timeout 50 ms) | p99 (ms) | max (ms) | reads | lock timeouts |",
        "|---|---:|---:|---:|---:|",
        f"| during our full refresh | {full_reader[0]:.1f} | {full_reader[1]:.1f} | "
        f"{full_reader[2]} | {full_reader[3]} |",
        f"| during our delta refresh | {delta_reader[0]:.1f} | {delta_reader[1]:.1f} | "
        f"{delta_reader[2]} | {delta_reader[3]} |",
        "",
        f"Peak RSS of `sunshine refresh --all` (a Dagster run in-process): {rss:.0f} MB.",
    ]
    publish("Refresh and reads", "\n".join(lines), write=not args.no_report)


if __name__ == "__main__":
    main()
