"""Operators are told (alerts.py): the alert sensor, evaluated against a real instance and
warehouse, sends through apprise to a real HTTP receiver on loopback exactly one message when
an incident opens and one when it clears, and nothing on the ticks between, or at all when
SUNSHINE_ALERT_URL is not set."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import dagster as dg
import psycopg
import pytest

from sunshine_pipeline.alerts import alert_sensor
from sunshine_pipeline.check_results import Outcome, record
from sunshine_pipeline.definitions import build_definitions
from sunshine_pipeline.resources import WarehouseResource, connect
from sunshine_pipeline.views.catalog import VIEWS
from tests.batches import write_handmade_batch
from tests.pipeline import execute, load, tick


class Receiver:
    """An HTTP endpoint apprise's json:// posts to; keeps each message's JSON."""

    def __init__(self) -> None:
        received = self.messages = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                received.append(json.loads(self.rfile.read(length)))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"json://127.0.0.1:{self.server.server_port}/alerts"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def take(self) -> list[tuple[str, str]]:
        """(title, message) of everything received since the last take."""
        out = [(m["title"], m["message"]) for m in self.messages]
        self.messages.clear()
        return out


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    r = Receiver()
    monkeypatch.setenv("SUNSHINE_ALERT_URL", r.url)
    monkeypatch.setenv("SUNSHINE_UI_URL", "http://dagster.example:3000/")
    yield r
    r.server.shutdown()


@pytest.fixture
def setting(db_url: str, tmp_path: Path) -> Iterator[tuple[psycopg.Connection, Path]]:
    with connect(db_url, autocommit=True) as conn:
        load(conn, write_handmade_batch(tmp_path / "batch"))
        yield conn, tmp_path


def test_a_failing_blocking_check_is_told_once_and_its_recovery_once(
        receiver: Receiver, setting, warehouse: WarehouseResource) -> None:
    conn, _ = setting
    with dg.instance_for_test() as instance:
        defs = build_definitions(warehouse)
        data = tick(alert_sensor, instance, defs, warehouse, None)
        assert receiver.take() == [] and data.skip_message == "no incident"

        record(conn, Outcome("top_donors_mv", "top_donors_mv_matches_source_totals", False,
                             description="3 donors differ from their contributions"))
        data = tick(alert_sensor, instance, defs, warehouse, data.cursor)
        ((title, body),) = receiver.take()
        assert title == ("sunshine: blocking check top_donors_mv_matches_source_totals failed "
                         "on top_donors_mv")
        assert body.startswith("3 donors differ from their contributions\n")
        assert "http://dagster.example:3000/assets/top_donors_mv?view=checks" in body
        for _ in range(2):  # still failing: nothing more
            data = tick(alert_sensor, instance, defs, warehouse, data.cursor)
            assert receiver.take() == []

        record(conn, Outcome("top_donors_mv", "top_donors_mv_matches_source_totals", True))
        data = tick(alert_sensor, instance, defs, warehouse, data.cursor)
        assert [t for t, _ in receiver.take()] == [
            "sunshine: resolved: blocking check top_donors_mv_matches_source_totals failed "
            "on top_donors_mv"]
        data = tick(alert_sensor, instance, defs, warehouse, data.cursor)
        assert receiver.take() == [] and data.skip_message == "no incident"


def test_a_failed_run_and_its_rejected_batch_then_a_good_one(
        receiver: Receiver, setting, warehouse: WarehouseResource) -> None:
    _, tmp_path = setting
    bad = write_handmade_batch(tmp_path / "bad")
    header, *rows = (bad / "Transactions.csv").read_text(encoding="utf-8").splitlines(True)
    (bad / "Transactions.csv").write_text(
        header.replace("TransactionID,", "TxnID,", 1) + "".join(rows), encoding="utf-8")
    with dg.instance_for_test() as instance:
        defs = build_definitions(warehouse)
        cursor = tick(alert_sensor, instance, defs, warehouse, None).cursor
        request = dg.RunRequest(
            run_config={"ops": {"import_batch": {"config": {"batch_dir": str(bad)}}}},
            tags={"sunshine/batch": "bad"})
        failed = execute(defs, "ingest_batch_job", request, instance)
        assert not failed.success
        cursor = tick(alert_sensor, instance, defs, warehouse, cursor).cursor
        told = dict(receiver.take())
        assert set(told) == {"sunshine: ingest_batch_job failed (batch bad)",
                             f"sunshine: batch 2 rejected: {bad}"}
        run_body = told["sunshine: ingest_batch_job failed (batch bad)"]
        assert "required column TransactionID is missing from the header" in run_body
        assert run_body.endswith(f"http://dagster.example:3000/runs/{failed.run_id}")
        assert "nothing of it was written" in told[f"sunshine: batch 2 rejected: {bad}"]
        cursor = tick(alert_sensor, instance, defs, warehouse, cursor).cursor
        assert receiver.take() == []

        good = write_handmade_batch(tmp_path / "good")  # the content that landed: forced
        request = dg.RunRequest(run_config={"ops": {"import_batch": {"config": {
            "batch_dir": str(good), "force": True}}}})
        assert execute(defs, "ingest_batch_job", request, instance).success
        cursor = tick(alert_sensor, instance, defs, warehouse, cursor).cursor
        assert sorted(t for t, _ in receiver.take()) == [
            f"sunshine: resolved: batch 2 rejected: {bad}",
            "sunshine: resolved: ingest_batch_job failed (batch bad)"]


def test_views_late_with_their_inputs_and_no_url_no_message(
        receiver: Receiver, setting, warehouse: WarehouseResource,
        monkeypatch: pytest.MonkeyPatch) -> None:
    conn, _ = setting
    with dg.instance_for_test() as instance:
        defs = build_definitions(warehouse)
        cursor = tick(alert_sensor, instance, defs, warehouse, None).cursor
        monkeypatch.setenv("SUNSHINE_VIEW_SLA_HOURS", "0.0001")  # 0.36 s
        time.sleep(0.5)
        cursor = tick(alert_sensor, instance, defs, warehouse, cursor).cursor
        assert receiver.take() == []  # quiet views are current, however old their refresh

        conn.execute("UPDATE \"Transactions\" SET memo = memo || ' ' WHERE transaction_id = "
                     "(SELECT min(transaction_id) FROM \"Transactions\")")
        time.sleep(0.5)
        cursor = tick(alert_sensor, instance, defs, warehouse, cursor).cursor
        # The views reading Transactions are late; those below them are current with their
        # (late) inputs: one incident per root cause.
        late = sorted(v.name for v in VIEWS if "Transactions" in v.deps)
        told = dict(receiver.take())
        assert sorted(told) == [f"sunshine: {name} is late" for name in late]
        assert "changed at " in told[f"sunshine: {late[0]} is late"]
        monkeypatch.setenv("SUNSHINE_VIEW_SLA_HOURS", "2")
        cursor = tick(alert_sensor, instance, defs, warehouse, cursor).cursor
        assert len(receiver.take()) == len(late)  # each one resolved, once

        monkeypatch.delenv("SUNSHINE_ALERT_URL")
        monkeypatch.setenv("SUNSHINE_VIEW_SLA_HOURS", "0.0001")
        time.sleep(0.5)
        data = tick(alert_sensor, instance, defs, warehouse, cursor)
        assert data.skip_message == "SUNSHINE_ALERT_URL is not set: nothing is sent"
        assert receiver.take() == []
