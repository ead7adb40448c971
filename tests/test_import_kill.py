"""Atomicity: a subprocess importing a large batch is killed with SIGKILL in the middle; the
base tables are exactly as they were, nothing of the batch is left behind, and the next
import succeeds (marking the dead run's ledger row 'abandoned').

The importer is held at a precise moment rather than killed after a guessed delay: in the
middle of streaming Transactions.csv (its progress callback blocks), or waiting for a table
lock this test holds, either before Transactions is written or after every other table
was (only candidate_soi, the last file, is left)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from sunshine_pipeline.generate import generate_batch
from sunshine_pipeline.imports.loader import import_batch
from sunshine_pipeline.resources import connect, one
from tests.pipeline import checksums
from tests.waiting import wait_for

pytestmark = pytest.mark.processes
# Transactions of the batch that is killed: enough for its COPY to be caught in the middle
# (the importer is held there by its progress callback, not by the file's size).
LARGE = 100_000

CHILD = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from sunshine_pipeline.imports.loader import import_batch
    from sunshine_pipeline.resources import connect

    def hold_mid_transactions(file, done, total):
        if file == "Transactions.csv" and done >= total // 2:
            print("holding", flush=True)
            time.sleep(3600)

    with connect(sys.argv[1]) as conn:
        print(conn.info.backend_pid, flush=True)
        progress = hold_mid_transactions if sys.argv[3] == "copy" else None
        import_batch(conn, Path(sys.argv[2]), progress=progress)
    print("finished", flush=True)
""")


@pytest.fixture(scope="module")
def large_batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("large") / "batch"
    generate_batch(out, transactions=LARGE, seed=12, ie_share=0.01)
    return out


@pytest.fixture
def admin(db_url: str) -> Iterator[psycopg.Connection]:
    """A second session (not autocommit): holds locks and watches the importer."""
    with connect(db_url, autocommit=False) as c:
        yield c


def staging_tables(conn: psycopg.Connection) -> list[str]:
    """The importer's scratch tables (unlogged, sunshine.import_*) that exist."""
    rows = conn.execute("SELECT relname FROM pg_class "
                        "WHERE relnamespace = 'sunshine'::regnamespace "
                        "AND relpersistence = 'u' AND relname LIKE 'import%'").fetchall()
    conn.commit()
    return [r[0] for r in rows]


@pytest.mark.parametrize("moment", ["copy", "before Transactions", "before the last table"])
def test_a_killed_import_changes_nothing_and_the_next_one_succeeds(
        moment: str, db_url: str, conn: psycopg.Connection, admin: psycopg.Connection,
        small_batch: Path, large_batch: Path) -> None:
    import_batch(conn, small_batch)
    before = checksums(conn)
    conn.commit()

    locked = {"before Transactions": "Transactions",
              "before the last table": "candidate_soi"}.get(moment)
    if locked:
        admin.execute(sql.SQL("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE").format(
            sql.Identifier(locked)))
    child = subprocess.Popen([sys.executable, "-c", CHILD, db_url, str(large_batch), moment],
                             stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    try:
        pid = int(child.stdout.readline())
        if moment == "copy":
            assert child.stdout.readline().strip() == "holding"
            activity = one(admin.execute("SELECT query FROM pg_stat_activity WHERE pid = %s",
                                         [pid]))
            assert activity.startswith("COPY") and "TransactionID" in activity
        else:
            def waiting() -> bool:
                # The lock is held in admin's open transaction, which sees one snapshot of
                # the activity statistics unless it clears it.
                admin.execute("SELECT pg_stat_clear_snapshot()")
                row = admin.execute("SELECT wait_event_type FROM pg_stat_activity "
                                    "WHERE pid = %s", [pid]).fetchone()
                return row is not None and row[0] == "Lock"
            wait_for(waiting, f"the importer to wait for the lock on {locked}")
        running = admin.execute("SELECT batch_id, outcome FROM sunshine.import_batch "
                                "ORDER BY batch_id DESC LIMIT 1").fetchall()[0]
        assert running[1] == "running"
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
        child.stdout.close()
        admin.rollback()  # releases the table lock, if any

    def backend_gone() -> bool:
        gone: bool = one(admin.execute(
            "SELECT NOT EXISTS (SELECT FROM pg_stat_activity WHERE pid = %s)", [pid]))
        admin.commit()
        return gone
    wait_for(backend_gone, "the killed importer's session to end")

    assert checksums(conn) == before
    conn.commit()
    assert staging_tables(conn) == []
    result = import_batch(conn, large_batch)
    assert result.outcome == "landed"
    assert result.counts()["Transactions.csv"]["read"] == LARGE
    assert conn.execute("SELECT outcome FROM sunshine.import_batch WHERE batch_id = %s",
                        [running[0]]).fetchone() == ("abandoned",)
