"""Atomicity of a refresh: a subprocess refreshing a view is killed with SIGKILL at each phase
(building the new version of a swapped view, waiting to swap it in, refreshing a view
CONCURRENTLY); every view keeps exactly its old rows, nothing is left in the swap schema or
held, and the next refresh succeeds with every view equal to its definition evaluated on the
same data (the fault-free reference).

The refresh is held at a precise moment by a lock this test holds (the rollup the build
reads, a reader of the live view, the base table the refresh reads), not killed after a
guessed delay."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from sunshine_pipeline.imports.loader import import_batch
from sunshine_pipeline.resources import connect
from sunshine_pipeline.sqlfiles import sql_text
from sunshine_pipeline.views.catalog import VIEWS, VIEWS_BY_NAME
from sunshine_pipeline.views.refresh import SWAP_SCHEMA, materialize_view
from tests.batches import write_handmade_batch
from tests.waiting import wait_for

pytestmark = pytest.mark.processes

CHILD = textwrap.dedent("""
    import sys
    from sunshine_pipeline.resources import connect
    from sunshine_pipeline.views.catalog import VIEWS_BY_NAME
    from sunshine_pipeline.views.refresh import materialize_view

    with connect(sys.argv[1]) as conn:
        print(conn.info.backend_pid, flush=True)
        materialize_view(conn, VIEWS_BY_NAME[sys.argv[2]])
    print("finished", flush=True)
""")

# phase: (view refreshed, how the test holds it there)
PHASES = {
    "build": ("top_donors_mv", "LOCK TABLE sunshine.donor_totals IN ACCESS EXCLUSIVE MODE"),
    "swap": ("top_donors_mv", "SELECT count(*) FROM top_donors_mv"),
    "concurrent": ("mv_committee_ie_summary",
                   'LOCK TABLE "Transactions" IN ACCESS EXCLUSIVE MODE'),
}


def view_digests(conn: psycopg.Connection) -> dict[str, tuple[int, int]]:
    """Row count and a hash of every row, per view."""
    digests = {v.name: conn.execute(sql.SQL(
        "SELECT count(*), coalesce(sum(hashtext(x::text)), 0) FROM {} AS x").format(
        sql.Identifier(v.name))).fetchone() for v in VIEWS}
    conn.commit()
    return digests


def differs_from_definition(conn: psycopg.Connection, name: str) -> int:
    """Rows in which the view and its SELECT, evaluated now, differ (both ways)."""
    query = sql.SQL(sql_text(f"views/{name}.sql").rstrip().rstrip(";"))
    return conn.execute(sql.SQL(
        "SELECT (SELECT count(*) FROM (SELECT * FROM {v} EXCEPT ALL ({q})) AS a) "
        "+ (SELECT count(*) FROM (({q}) EXCEPT ALL SELECT * FROM {v}) AS b)").format(
        v=sql.Identifier(name), q=query)).fetchone()[0]


def add_contribution(conn: psycopg.Connection) -> None:
    """A new live contribution of an existing donor: top_donors_mv and the IE summary's
    inputs change."""
    conn.execute(
        'INSERT INTO "Transactions" (transaction_id, committee_id, transaction_type_id, '
        "amount, entity_id, account_type, memo, deleted) "
        "SELECT max(transaction_id) + 1, 4, 10, 1234.56, 101, '', 'fault test', false "
        'FROM "Transactions"')
    conn.commit()


@pytest.mark.parametrize("phase", sorted(PHASES))
def test_a_killed_refresh_changes_no_view_and_the_next_one_succeeds(
        phase: str, db_url: str, conn: psycopg.Connection, tmp_path: Path) -> None:
    import_batch(conn, write_handmade_batch(tmp_path / "handmade"))
    for view in VIEWS:
        materialize_view(conn, view)
    add_contribution(conn)
    before = view_digests(conn)
    name, hold = PHASES[phase]

    with connect(db_url, autocommit=False) as admin:
        admin.execute(hold)
        child = subprocess.Popen([sys.executable, "-c", CHILD, db_url, name],
                                 stdout=subprocess.PIPE, text=True)
        try:
            pid = int(child.stdout.readline())

            def held() -> bool:
                admin.execute("SELECT pg_stat_clear_snapshot()")
                row = admin.execute(
                    "SELECT wait_event_type, query FROM pg_stat_activity WHERE pid = %s",
                    [pid]).fetchone()
                if row is None or row[0] != "Lock":
                    return False
                if phase == "swap":  # waiting for the reader of the live view to go
                    return any(word in row[1].upper() for word in ("DROP", "LOCK", "RENAME"))
                return True
            wait_for(held, f"the refresh to be held at {phase}")
            os.kill(child.pid, signal.SIGKILL)
            child.wait(timeout=30)
        finally:
            if child.poll() is None:
                child.kill()
            child.stdout.close()
            admin.rollback()

        def backend_gone() -> bool:
            gone = admin.execute(
                "SELECT NOT EXISTS (SELECT FROM pg_stat_activity WHERE pid = %s)",
                [pid]).fetchone()[0]
            admin.rollback()
            return gone
        wait_for(backend_gone, "the killed refresh's session to end")

    assert view_digests(conn) == before
    assert conn.execute("SELECT count(*) FROM pg_class "
                        "WHERE relnamespace = to_regnamespace(%s)", [SWAP_SCHEMA]
                        ).fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
                        ).fetchone()[0] == 0
    conn.commit()

    result = materialize_view(conn, VIEWS_BY_NAME[name])
    assert result.mode == ("swapped" if VIEWS_BY_NAME[name].refresh == "swap"
                           else "concurrent")
    for view in VIEWS:
        materialize_view(conn, view)
    assert {v.name: differs_from_definition(conn, v.name) for v in VIEWS} == dict.fromkeys(
        (v.name for v in VIEWS), 0)
    assert view_digests(conn) != before  # the contribution is on the dashboard now
