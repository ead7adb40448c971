"""Import benchmark: the production-scale batch into the site's own schema (its 30 indexes on
"Transactions", 27 on "Names", its foreign keys), against the physical floor.

    python benchmarks/import_benchmark.py --transactions 10100000 --names 2330000

One run, one PostgreSQL (an embedded server under --data, or SUNSHINE_BENCH_DATABASE_URL),
the same generated files (cached in --data):
(a) the floor: a bare COPY of every file into unindexed text tables (no validation, no
    keys; logged tables, like the base tables);
(b) `import_batch` into an empty database: the site's tables are created, and each large
    table is loaded before its indexes and foreign keys are built (the importer's way);
(b') the same load straight into the indexed tables, for comparison (--indexed-load;
    stopped after --indexed-timeout seconds);
(c) a forced re-import of the identical batch: every row compared, and the rows written
    counted from PostgreSQL's own counters (pg_stat_user_tables), which must be 0;
(d) a snapshot with 1% of its rows changed: 1% of Transactions with a new amount, 0.2%
    flipped to deleted, 0.1% new; 1% of Names with a new employer.
Each import runs in a child process whose peak RSS is reported, with the peak RSS of its
server backend (sampled; it includes the shared buffers the backend touched). The figures
go to stdout and to BENCHMARKS.md (section "Import").
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import (  # noqa: E402
    drop_database,
    ensure_batch,
    fresh_database,
    link_into,
    server_url,
)
from benchmarks.report import publish  # noqa: E402
from sunshine_pipeline.imports.catalog import SITE_TABLES  # noqa: E402

CHILD = """
import json, sys, time
from pathlib import Path
import psycopg
from sunshine_pipeline.imports import apply
from sunshine_pipeline.imports.loader import import_batch
if sys.argv[4] == "indexed":
    apply.REBUILD_ROWS = 1 << 62  # never drop indexes and keys: load into the indexed tables
with psycopg.connect(sys.argv[1], autocommit=True) as conn:
    print(conn.info.backend_pid, flush=True)
    started = time.perf_counter()
    result = import_batch(conn, Path(sys.argv[2]), force=sys.argv[3] == "force")
    seconds = time.perf_counter() - started
status = Path("/proc/self/status").read_text().splitlines()
peak_kb = int(next(x for x in status if x.startswith("VmHWM:")).split()[1])
print(json.dumps({"seconds": seconds, "outcome": result.outcome, "peak_kb": peak_kb, "files": {
    f.file: {"counts": f.counts(), "timings": f.timings} for f in result.files}}), flush=True)
"""


NEW_IDS = 1_000_000_000  # keys of the delta's new rows start here, above every generated one


def bare_copy(url: str, batch: Path) -> float:
    """(a) Every file COPYed into a table of text columns with no key and no index."""
    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        for path in sorted(batch.glob("*.csv")):
            with path.open(encoding="utf-8", newline="") as f:
                header = next(csv.reader(f))
            table = sql.Identifier(path.stem)
            conn.execute(sql.SQL("CREATE TABLE {} ({})").format(table, sql.SQL(", ").join(
                sql.SQL("{} text").format(sql.Identifier(h)) for h in header)))
            copy = sql.SQL("COPY {} FROM STDIN (FORMAT csv, HEADER true)").format(table)
            with conn.cursor() as cur, cur.copy(copy) as cp, path.open("rb") as f:
                while chunk := f.read(1 << 20):
                    cp.write(chunk)
    return time.perf_counter() - started


def rows_written(url: str) -> int:
    """Rows inserted, updated and deleted in the site's tables so far (statistics counters)."""
    with psycopg.connect(url) as conn:
        conn.execute("SELECT pg_stat_force_next_flush()")
        return conn.execute(
            "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) "
            "FROM pg_stat_user_tables WHERE schemaname = 'public' AND relname = ANY(%s)",
            [list(SITE_TABLES)]).fetchone()[0]


def run_import(url: str, batch: Path, *, force: bool, indexed: bool = False,
               timeout: float | None = None) -> dict | None:
    """An import in a child process: its result, seconds, the rows it wrote, and the peak RSS
    of the child (its own VmHWM) and of its server backend (sampled), in MB. None when it
    was stopped after `timeout` seconds."""
    written_before = rows_written(url)
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-c", CHILD, url, str(batch),
                              "force" if force else "once", "indexed" if indexed else "drop"],
                             stdout=subprocess.PIPE, text=True, cwd=ROOT)
    backend = int(child.stdout.readline())
    if timeout is not None:
        threading.Timer(max(0.0, timeout - (time.perf_counter() - started)),
                        child.kill).start()
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], rss_bytes(backend))
            done.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output = child.stdout.read()
    child.wait()
    done.set()
    sampler.join()
    if child.returncode and timeout is not None and time.perf_counter() - started >= timeout:
        return None
    if child.returncode:
        raise SystemExit(f"import failed (exit {child.returncode})")
    result = json.loads(output.strip().splitlines()[-1])
    result["rows_written"] = rows_written(url) - written_before
    result["client_rss_mb"] = result["peak_kb"] / 1024
    result["backend_rss_mb"] = peak[0] / 2**20
    return result


def rss_bytes(pid: int) -> int:
    """Resident set size of a process (Linux /proc), 0 once it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    line = next((x for x in status.splitlines() if x.startswith("VmRSS:")), "VmRSS: 0 kB")
    return int(line.split()[1]) * 1024


def make_delta(batch: Path, out: Path) -> dict[str, int]:
    """A copy of `batch` (other files hard-linked: a landing batch takes no symbolic link)
    with 1% of its rows changed: in Transactions.csv 1% of rows with a new amount, 0.2%
    flipped to deleted and 0.1% new rows; in Names.csv 1% of rows with a new employer."""
    out.mkdir(parents=True, exist_ok=True)
    for path in batch.glob("*.csv"):
        if path.name not in ("Transactions.csv", "Names.csv"):
            link_into(path, out)
    counts = {"amount": 0, "deleted": 0, "new": 0, "employer": 0}
    with (batch / "Transactions.csv").open(encoding="utf-8", newline="") as src, \
            (out / "Transactions.csv").open("w", encoding="utf-8", newline="") as dst:
        reader, writer = csv.reader(src), csv.writer(dst, lineterminator="\n")
        header = next(reader)
        writer.writerow(header)
        tid, amount, deleted = (header.index(h) for h in ("TransactionID", "Amount", "Deleted"))
        for i, row in enumerate(reader):
            if i % 100 == 7:
                row[amount] = f"{Decimal(row[amount]) + 1:.2f}"
                counts["amount"] += 1
            elif i % 500 == 11 and row[deleted].strip().lower() in ("", "0", "false"):
                row[deleted] = "1"
                counts["deleted"] += 1
            writer.writerow(row)
            if i % 1000 == 13:
                counts["new"] += 1
                new = list(row)
                new[tid] = str(NEW_IDS + i)
                writer.writerow(new)
    with (batch / "Names.csv").open(encoding="utf-8", newline="") as src, \
            (out / "Names.csv").open("w", encoding="utf-8", newline="") as dst:
        reader, writer = csv.reader(src), csv.writer(dst, lineterminator="\n")
        header = next(reader)
        writer.writerow(header)
        employer = header.index("Employer")
        for i, row in enumerate(reader):
            if i % 100 == 3:
                row[employer] = f"{row[employer]} (new employer)"
                counts["employer"] += 1
            writer.writerow(row)
    return counts


def server_facts(url: str) -> str:
    with psycopg.connect(url) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
        settings = dict(conn.execute(
            "SELECT name, current_setting(name) FROM pg_settings WHERE name IN "
            "('shared_buffers', 'max_wal_size', 'wal_level', 'max_parallel_workers_per_gather')"))
    return (f"PostgreSQL {version} ({', '.join(f'{k} {v}' for k, v in sorted(settings.items()))})")


def phase_table(result: dict, files: list[str]) -> list[str]:
    phases = ["copy", "convert and check", "quarantine", "apply", "indexes and keys",
              "synthesize committees"]
    lines = ["| file | rows | " + " | ".join(phases) + " |",
             "|---|---:|" + "---:|" * len(phases)]
    for name in files:
        f = result["files"].get(name)
        if f:
            lines.append(f"| {name} | {f['counts']['read']:,} | " + " | ".join(
                f"{f['timings'][p]:.1f}" if p in f["timings"] else "" for p in phases) + " |")
    return lines


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--transactions", type=int, default=10_100_000)
    p.add_argument("--names", type=int, default=2_330_000)
    p.add_argument("--data", type=Path, default=ROOT / "benchmarks" / "data",
                   help="generated batch, delta and embedded server (several GB at full scale)")
    p.add_argument("--no-delta", action="store_true", help="skip (d)")
    p.add_argument("--indexed-load", action="store_true",
                   help="also (b'): the first load straight into the indexed tables")
    p.add_argument("--indexed-timeout", type=float, default=3600,
                   help="stop (b') after this many seconds")
    p.add_argument("--no-report", action="store_true", help="do not touch BENCHMARKS.md")
    args = p.parse_args()
    command = "python benchmarks/import_benchmark.py " + " ".join(sys.argv[1:])

    batch = ensure_batch(args.data, args.transactions, args.names)
    size = sum(f.stat().st_size for f in batch.glob("*.csv"))
    server = server_url(args.data)
    load_before = os.getloadavg()

    print("(a) bare COPY into unindexed text tables ...", flush=True)
    floor = bare_copy(fresh_database(server, "import_floor"), batch)
    drop_database(server, "import_floor")
    steps: list[tuple[str, float | None, dict | None]] = [
        ("(a) bare COPY, unindexed text tables (the floor)", floor, None)]
    url = fresh_database(server, "import_bench")
    print(f"    {floor:.1f}s\n(b) import into an empty database ...", flush=True)
    first = run_import(url, batch, force=False)
    assert first is not None
    print(f"    {first['seconds']:.1f}s\n(c) forced re-import of the identical batch ...",
          flush=True)
    again = run_import(url, batch, force=True)
    assert again is not None
    print(f"    {again['seconds']:.1f}s, {again['rows_written']} rows written", flush=True)
    steps += [("(b) first load: each large table loaded, then indexed and keyed",
               first["seconds"], first),
              ("(c) forced re-import, identical batch", again["seconds"], again)]
    delta_note = ""
    if not args.no_delta:
        print("(d) 1% delta ...", flush=True)
        changed = make_delta(batch, args.data / f"delta-{args.transactions}")
        delta = run_import(url, args.data / f"delta-{args.transactions}", force=False)
        assert delta is not None
        print(f"    {delta['seconds']:.1f}s", flush=True)
        steps.append(("(d) 1% of the rows changed", delta["seconds"], delta))
        t = delta["files"]["Transactions.csv"]["counts"]
        n = delta["files"]["Names.csv"]["counts"]
        delta_note = (f" The delta changed {changed['amount']:,} amounts, flipped "
                      f"{changed['deleted']:,} rows to deleted, added {changed['new']:,} "
                      f"transactions and gave {changed['employer']:,} names a new employer; "
                      f"the import found {t['updated']:,} updated, {t['deleted']:,} "
                      f"flipped, {t['inserted']:,} inserted and {t['quarantined']:,} "
                      f"quarantined transactions, and {n['updated']:,} updated names.")
    if args.indexed_load:
        print("(b') import into the indexed tables ...", flush=True)
        indexed_url = fresh_database(server, "import_indexed")
        indexed = run_import(indexed_url, batch, force=False, indexed=True,
                             timeout=args.indexed_timeout)
        drop_database(server, "import_indexed")
        print(f"    {indexed['seconds']:.1f}s" if indexed else "    stopped", flush=True)
        steps.insert(2, ("(b') first load straight into the site's indexed tables",
                         indexed["seconds"] if indexed else None, indexed))
    facts = server_facts(url)
    drop_database(server, "import_bench")
    load_after = os.getloadavg()
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")

    lines = [
        f"Command: `{command}`; {args.transactions:,} transactions, {args.names:,} names, "
        f"{first['files'].get('Reports.csv', {'counts': {'read': 0}})['counts']['read']:,} "
        f"reports, {size / 2**20:,.0f} MiB of CSV, into the "
        "site's own schema (30 indexes on \"Transactions\", 27 on \"Names\", 25 foreign "
        f"keys). Machine: {os.cpu_count()} cores, {ram / 2**30:.0f} GiB RAM, load average "
        f"{load_before[0]:.1f} before and {load_after[0]:.1f} after (other work shares the "
        f"machine). {facts}.{delta_note}",
        "",
        "| step | seconds | x floor | rows written | import process peak RSS (MB) | "
        "its server backend peak RSS (MB) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for label, seconds, result in steps:
        rss = (f"{result['client_rss_mb']:.0f} | {result['backend_rss_mb']:.0f}" if result
               else "- | -")
        written = f"{result['rows_written']:,}" if result else "-"
        shown = (f"{seconds:.1f} | {seconds / floor:.2f}" if seconds is not None else
                 f"> {args.indexed_timeout:.0f} (stopped) | > {args.indexed_timeout / floor:.1f}")
        lines.append(f"| {label} | {shown} | {written} | {rss} |")
    files = ["Names.csv", "Committees.csv", "Reports.csv", "Transactions.csv"]
    lines += ["", "Phases of (b), seconds:", "", *phase_table(first, files),
              "", "Phases of (c), seconds:", "", *phase_table(again, files)]
    if not args.no_delta:
        lines += ["", "Phases of (d), seconds:", "", *phase_table(delta, files)]
    publish("Import", "\n".join(lines), write=not args.no_report)


if __name__ == "__main__":
    main()
