"""The site learns of a refresh: a real LISTEN connection hears one notification on
sunshine_views per refresh that changed rows, at its commit, naming the views and when; a
skipped refresh, or one rolled back, sends nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from sunshine_pipeline.imports.loader import import_batch
from sunshine_pipeline.resources import connect
from sunshine_pipeline.views.catalog import VIEWS, VIEWS_BY_NAME
from sunshine_pipeline.views.refresh import NOTIFY_CHANNEL, materialize_view
from tests.batches import write_handmade_batch


@pytest.fixture
def listener(db_url: str) -> Iterator[psycopg.Connection]:
    with psycopg.connect(db_url, autocommit=True) as c:
        c.execute(sql.SQL("LISTEN {}").format(sql.Identifier(NOTIFY_CHANNEL)))
        yield c


def heard(listener: psycopg.Connection, timeout: float = 1.0) -> list[dict]:
    """Every notification delivered within `timeout` seconds of the last one."""
    return [json.loads(n.payload) for n in listener.notifies(timeout=timeout)
            if n.channel == NOTIFY_CHANNEL]


def test_a_refresh_that_changed_views_notifies_the_site(
        db_url: str, listener: psycopg.Connection, tmp_path: Path) -> None:
    with connect(db_url, autocommit=True) as conn:
        import_batch(conn, write_handmade_batch(tmp_path / "batch"))
        assert heard(listener, 0.5) == []  # an import alone changes no view

        started = datetime.now().astimezone()
        for view in VIEWS:
            materialize_view(conn, view)
        created = heard(listener)
        assert [n["views"] for n in created] == [[v.name] for v in VIEWS]
        assert all(datetime.fromisoformat(n["refreshed_at"]) >= started for n in created)

        for view in VIEWS:  # nothing changed: every view skipped, nothing sent
            assert materialize_view(conn, view).mode == "skipped"
        assert heard(listener, 0.5) == []

        # A contribution changes: the donor list is rebuilt with the front card, in one
        # transaction, and one notification names both.
        conn.execute('UPDATE "Transactions" SET amount = amount + 1 WHERE transaction_id = 1001')
        assert materialize_view(conn, VIEWS_BY_NAME["top_donors_mv"]).mode == "swapped"
        assert [n["views"] for n in heard(listener)] == [
            ["top_donors_mv", "mv_dashboard_top_donors"]]

        # An independent expenditure changes: its summary is refreshed concurrently.
        conn.execute('UPDATE "Transactions" SET amount = amount - 1 WHERE transaction_id = 2001')
        summary = VIEWS_BY_NAME["mv_committee_ie_summary"]
        assert materialize_view(conn, summary).mode == "concurrent"
        assert [n["views"] for n in heard(listener)] == [["mv_committee_ie_summary"]]

        # A refresh whose transaction rolls back tells nobody.
        conn.execute('UPDATE "Transactions" SET amount = amount - 1 WHERE transaction_id = 2001')
        with pytest.raises(RuntimeError), conn.transaction():
            materialize_view(conn, summary)
            raise RuntimeError("rolled back after the refresh")
        assert heard(listener, 0.5) == []
