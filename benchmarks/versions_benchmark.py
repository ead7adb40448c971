"""What the pipeline's fallbacks cost on an older PostgreSQL, at production scale, side by side.

Two features differ between the supported majors (README, "PostgreSQL versions"):

- Statistics of a rebuilt view. On 18, `sunshine.copy_statistics` gives a view rebuilt beside
  the live one the column statistics of the version it replaces (pg_restore_attribute_stats);
  on 15-17 the build runs ANALYZE instead. Measured per view on the production-scale views:
  ANALYZE, and (18) the copy.
- Value validity. A file whose numbers do not all cast is converted again with each number
  tested first: by pg_input_is_valid on 16 and later, by pattern and range on 15. Measured over
  the 10.1M "Transactions" ids and amounts as text, beside the plain cast every good file
  takes. Dates are parsed by one portable function on every version (release 0.1's used
  pg_input_is_valid); measured over a million distinct spellings, beside release 0.1's (the
  importer parses each distinct spelling of a file once).

Each server named gets a fresh database, the generated batch imported and the nine views
built; then the measurements run on it. By default: the embedded PostgreSQL 18 under --data,
and every server given with --server (e.g. Debian 12's PostgreSQL 15).

    python benchmarks/versions_benchmark.py --server postgresql://postgres@127.0.0.1:5433/postgres
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import psycopg
from psycopg import sql

from benchmarks.common import drop_database, ensure_batch, fresh_database, server_url
from benchmarks.import_benchmark import server_facts
from benchmarks.report import publish
from sunshine_pipeline.imports.catalog import AMOUNT, INT, Column
from sunshine_pipeline.imports.loader import import_batch
from sunshine_pipeline.imports.validate import CAST, PATTERN, VALIDATED, _convert
from sunshine_pipeline.views.catalog import VIEWS
from sunshine_pipeline.views.refresh import STATISTICS_REUSE_DRIFT, materialize_view

ROOT = Path(__file__).resolve().parent.parent
RELEASE_0_1_PARSE_DATE = ROOT / "tests" / "fixtures" / "release_0_1" / "sql" / "schema" / \
    "03_parse_date.sql"
DATABASE = "versions_bench"

def timed(conn: psycopg.Connection, query: sql.Composable | str) -> float:
    started = time.perf_counter()
    conn.execute(query)
    return time.perf_counter() - started


def best_of(conn: psycopg.Connection, query: sql.Composable | str, rounds: int = 3) -> float:
    return min(timed(conn, query) for _ in range(rounds))


def build(url: str, batch: Path) -> dict[str, float]:
    with psycopg.connect(url, autocommit=True) as conn:
        started = time.perf_counter()
        import_batch(conn, batch)
        imported = time.perf_counter() - started
        started = time.perf_counter()
        for view in VIEWS:
            materialize_view(conn, view, force=True)
        return {"import": imported, "views": time.perf_counter() - started}


def statistics(conn: psycopg.Connection, version: int) -> dict[str, tuple[float, float | None]]:
    """Per view: (ANALYZE seconds, copy_statistics seconds or None before 18), on a copy of
    the view in a scratch schema (what a rebuild beside the live view gets)."""
    conn.execute("DROP SCHEMA IF EXISTS bench_copy CASCADE")
    conn.execute("CREATE SCHEMA bench_copy")
    out = {}
    for view in VIEWS:
        live, copy = sql.Identifier(view.name), sql.Identifier("bench_copy", view.name)
        rows = conn.execute(sql.SQL("CREATE MATERIALIZED VIEW {} AS SELECT * FROM {}").format(
            copy, live)).rowcount
        for column, target in view.statistics:
            conn.execute(sql.SQL(
                "ALTER MATERIALIZED VIEW {} ALTER COLUMN {} SET STATISTICS {}").format(
                copy, sql.Identifier(column), sql.Literal(target)))
        conn.execute(sql.SQL("ANALYZE {}").format(live))
        analyze = best_of(conn, sql.SQL("ANALYZE {}").format(copy))
        copied = None
        if version >= 180000:
            copied = best_of(conn, sql.SQL("SELECT sunshine.copy_statistics({}, {}, {}, {}, {})"
                                           ).format(sql.Literal("public"),
                                                    sql.Literal("bench_copy"),
                                                    sql.Literal(view.name), sql.Literal(rows),
                                                    sql.Literal(STATISTICS_REUSE_DRIFT)))
        out[view.name] = (analyze, copied)
    conn.execute("DROP SCHEMA bench_copy CASCADE")
    return out


def validity(conn: psycopg.Connection, version: int) -> dict[str, float | None]:
    """Seconds to convert the 10.1M ids and amounts of "Transactions", held as text."""
    conn.execute("DROP TABLE IF EXISTS bench_values")
    conn.execute('CREATE UNLOGGED TABLE bench_values AS SELECT transaction_id::text AS id, '
                 'amount::text AS amount FROM "Transactions"')
    conn.execute("VACUUM ANALYZE bench_values")
    id_col, amount_col = Column("id", "id", INT), Column("amount", "amount", AMOUNT)

    def convert(numbers: str) -> sql.Composable:
        return sql.SQL("SELECT count({}), count({}) FROM bench_values").format(
            _convert(id_col, sql.Identifier("id"), None, numbers=numbers),
            _convert(amount_col, sql.Identifier("amount"), None, numbers=numbers))

    return_: dict[str, float | None] = {
        "cast (every good file)": best_of(conn, convert(CAST)),
        "tested with pg_input_is_valid (16+)": (best_of(conn, convert(VALIDATED))
                                                 if version >= 160000 else None),
        "tested by pattern and range (the fallback)": best_of(conn, convert(PATTERN)),
    }
    conn.execute("DROP TABLE bench_values")
    return return_


def date_parsing(conn: psycopg.Connection, version: int) -> dict[str, float | None]:
    """Seconds to parse one million distinct date spellings (ISO and mdb-export's)."""
    conn.execute("DROP TABLE IF EXISTS bench_dates")
    conn.execute(
        "CREATE UNLOGGED TABLE bench_dates AS SELECT CASE WHEN i % 2 = 0 "
        "THEN to_char(d, 'YYYY-MM-DD HH24:MI:SS') ELSE to_char(d, 'MM/DD/YY HH24:MI:SS') END "
        "AS v FROM generate_series(1, 1000000) AS i, "
        "LATERAL (SELECT timestamp '1990-01-01' + i * interval '17 minutes') AS t(d)")
    distinct = conn.execute(
        'SELECT count(DISTINCT transaction_date) FROM "Transactions"').fetchone()[0]
    out: dict[str, float | None] = {
        "distinct transaction dates in this batch (spellings parsed per file)": distinct,
        "portable parse_date": best_of(conn, "SELECT count(sunshine.parse_date(v)) "
                                             "FROM bench_dates"),
        "release 0.1 parse_date (pg_input_is_valid)": None,
    }
    if version >= 160000:
        conn.execute("DROP SCHEMA IF EXISTS bench_old CASCADE")
        conn.execute("CREATE SCHEMA bench_old")
        conn.execute(RELEASE_0_1_PARSE_DATE.read_text(encoding="utf-8").replace(
            "sunshine.parse_date", "bench_old.parse_date"))
        out["release 0.1 parse_date (pg_input_is_valid)"] = best_of(
            conn, "SELECT count(bench_old.parse_date(v)) FROM bench_dates")
        conn.execute("DROP SCHEMA bench_old CASCADE")
    conn.execute("DROP TABLE bench_dates")
    return out


def _s(x: float | None) -> str:
    if isinstance(x, int):
        return f"{x:,}"
    return "n/a" if x is None else f"{x:.2f} s"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--transactions", type=int, default=10_100_000)
    p.add_argument("--names", type=int, default=2_330_000)
    p.add_argument("--data", type=Path, default=ROOT / "benchmarks" / "data")
    p.add_argument("--server", action="append", default=[],
                   help="another server's maintenance-database URL (repeatable)")
    p.add_argument("--no-embedded", action="store_true", help="only the --server ones")
    p.add_argument("--no-report", action="store_true", help="do not touch BENCHMARKS.md")
    args = p.parse_args()
    command = "python benchmarks/versions_benchmark.py " + " ".join(sys.argv[1:])
    batch = ensure_batch(args.data, args.transactions, args.names)
    servers = ([] if args.no_embedded else [server_url(args.data)]) + args.server

    results = []
    for server in servers:
        url = fresh_database(server, DATABASE)
        facts = server_facts(url)
        print(f"{facts}: import and views ...", flush=True)
        built = build(url, batch)
        with psycopg.connect(url, autocommit=True) as conn:
            version = int(conn.execute("SHOW server_version_num").fetchone()[0])
            print("  statistics ...", flush=True)
            stats = statistics(conn, version)
            print("  validity rules ...", flush=True)
            rules = validity(conn, version)
            print("  date parsing ...", flush=True)
            dates = date_parsing(conn, version)
        drop_database(server, DATABASE)
        results.append((facts, version, built, stats, rules, dates))

    heads = [f"PostgreSQL {r[1] // 10000}" for r in results]
    lines = [f"Command: `{command}`", "",
             f"{args.transactions:,} transactions, {args.names:,} names, the generated batch "
             "(seed 1). Servers, each with a fresh database:", ""]
    lines += [f"- {r[0]}" for r in results]
    lines += ["", "### The same work on each", "",
              "| step | " + " | ".join(heads) + " |", "|---|" + "---:|" * len(heads)]
    lines.append("| first import (site schema) | " + " | ".join(_s(r[2]["import"])
                                                              for r in results) + " |")
    lines.append("| build the nine views | " + " | ".join(_s(r[2]["views"])
                                                         for r in results) + " |")
    lines += ["", "### Statistics of a rebuilt view (best of 3)", "",
              "ANALYZE is what 15-17 run after a rebuild; 18 copies the replaced version's "
              "statistics instead.", "",
              "| view | " + " | ".join(f"{h} ANALYZE" for h in heads) + " | PostgreSQL 18 copy |",
              "|---|" + "---:|" * (len(heads) + 1)]
    for view in VIEWS:
        copies = [r[3][view.name][1] for r in results if r[3][view.name][1] is not None]
        lines.append(f"| {view.name} | " + " | ".join(_s(r[3][view.name][0]) for r in results)
                     + f" | {_s(copies[0] if copies else None)} |")
    totals = [sum(a for a, _ in r[3].values()) for r in results]
    copy_total = [sum(c for _, c in r[3].values() if c is not None) for r in results
                  if r[1] >= 180000]
    lines.append("| all nine | " + " | ".join(_s(t) for t in totals)
                 + f" | {_s(copy_total[0] if copy_total else None)} |")
    lines += ["", "### Value validity, 10.1M ids and amounts as text (best of 3)", "",
              "| rule | " + " | ".join(heads) + " |", "|---|" + "---:|" * len(heads)]
    for rule in results[0][4]:
        lines.append(f"| {rule} | " + " | ".join(_s(r[4][rule]) for r in results) + " |")
    lines += ["", "### Date parsing, 1M distinct spellings (best of 3)", "",
              "| parser | " + " | ".join(heads) + " |", "|---|" + "---:|" * len(heads)]
    for parser in results[0][5]:
        lines.append(f"| {parser} | " + " | ".join(_s(r[5][parser]) for r in results) + " |")
    publish("PostgreSQL versions: what the fallbacks cost", "\n".join(lines),
            write=not args.no_report)


if __name__ == "__main__":
    main()
