"""Freshness means "the dashboard is current with its inputs" (views/freshness.py): a quiet
view stays fresh however old its last refresh, and a view whose input changed and was not
refreshed within the SLA is reported late as a failed `<view>_is_fresh`, then passed again
once refreshed. The clock is the data's: change and refresh times are set in the past."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import psycopg
import pytest

from sunshine_pipeline.definitions import build_definitions
from sunshine_pipeline.resources import WarehouseResource, connect
from sunshine_pipeline.views.catalog import VIEWS
from sunshine_pipeline.views.freshness import view_freshness_sensor
from sunshine_pipeline.views.refresh import materialize_view
from tests.batches import write_handmade_batch
from tests.pipeline import load, tick

READS_TRANSACTIONS = sorted(v.name for v in VIEWS if "Transactions" in v.deps)


@pytest.fixture
def loaded(db_url: str, tmp_path: Path) -> Iterator[psycopg.Connection]:
    with connect(db_url, autocommit=True) as conn:
        load(conn, write_handmade_batch(tmp_path / "batch"))
        yield conn


def evaluations(data) -> dict[str, tuple[bool, str]]:
    return {e.asset_key.to_user_string(): (e.passed, e.check_name) for e in data.asset_events}


def test_quiet_views_stay_fresh_and_late_ones_fail_until_refreshed(
        loaded: psycopg.Connection, warehouse: WarehouseResource) -> None:
    conn = loaded
    with dg.instance_for_test() as instance:
        defs = build_definitions(warehouse)
        checks = {key.name for key in defs.resolve_asset_graph().asset_check_keys}
        assert {f"{v.name}_is_fresh" for v in VIEWS} <= checks

        # Refreshed three hours ago (past the 2 h SLA) and nothing changed since: fresh.
        conn.execute("UPDATE sunshine.view_refresh "
                     "SET finished_at = finished_at - interval '3 hours'")
        data = tick(view_freshness_sensor, instance, defs, warehouse, None)
        assert data.asset_events == []
        assert data.skip_message == "every view is current with its inputs or within its SLA"

        # A change an hour old: within the SLA, nothing to report yet.
        conn.execute('UPDATE "Transactions" SET memo = memo || \' \' WHERE transaction_id = '
                     '(SELECT min(transaction_id) FROM "Transactions")')
        conn.execute("UPDATE sunshine.change_log SET changed_at = now() - interval '1 hour' "
                     "WHERE relation = 'Transactions'")
        data = tick(view_freshness_sensor, instance, defs, warehouse, data.cursor)
        assert data.asset_events == []

        # Three hours old and still unread: the views reading Transactions are late.
        conn.execute("UPDATE sunshine.change_log SET changed_at = now() - interval '3 hours' "
                     "WHERE relation = 'Transactions'")
        data = tick(view_freshness_sensor, instance, defs, warehouse, data.cursor)
        assert evaluations(data) == {name: (False, f"{name}_is_fresh")
                                     for name in READS_TRANSACTIONS}
        (late,) = [e for e in data.asset_events if e.asset_key.path == ["top_donors_mv"]]
        assert late.severity == dg.AssetCheckSeverity.ERROR
        assert late.description.startswith("an input changed 3.0 h ago and top_donors_mv "
                                            "has not been refreshed since (SLA 2 h)")
        again = tick(view_freshness_sensor, instance, defs, warehouse, data.cursor)
        assert again.asset_events == []  # reported once
        assert again.skip_message == "late: " + ", ".join(READS_TRANSACTIONS)

        for view in VIEWS:
            materialize_view(conn, view)
        data = tick(view_freshness_sensor, instance, defs, warehouse, again.cursor)
        assert evaluations(data) == {name: (True, f"{name}_is_fresh")
                                     for name in READS_TRANSACTIONS}
