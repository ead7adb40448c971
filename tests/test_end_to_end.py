"""End to end on a real PostgreSQL through real Dagster: import a batch, materialize every
view, and compare each view with the independent pandas computation in tests/oracle.py."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import psycopg
import pytest
from psycopg import sql

from sunshine_pipeline.definitions import build_definitions
from sunshine_pipeline.resources import WarehouseResource
from sunshine_pipeline.views.catalog import VIEWS
from tests.oracle import VIEW_COLUMNS, VIEW_SORT_KEYS, expected_views
from tests.test_oracle import write_handmade_batch


def ingest(warehouse: WarehouseResource, batch: Path, instance: dg.DagsterInstance,
           tags: dict | None = None) -> dg.ExecuteInProcessResult:
    job = build_definitions(warehouse).resolve_job_def("ingest_batch_job")
    return job.execute_in_process(
        instance=instance, tags=tags or {},
        run_config={"ops": {"import_batch": {"config": {"batch_dir": str(batch)}}}})


def view_rows(conn: psycopg.Connection, view: str) -> list[tuple]:
    columns = VIEW_COLUMNS[view]
    order = VIEW_SORT_KEYS[view] or columns
    return conn.execute(sql.SQL("SELECT {} FROM {} ORDER BY {}").format(
        sql.SQL(", ").join(map(sql.Identifier, columns)), sql.Identifier(view),
        sql.SQL(", ").join(map(sql.Identifier, order)))).fetchall()


@pytest.fixture(params=["handmade", "generated"])
def batch(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    if request.param == "handmade":
        return write_handmade_batch(tmp_path / "handmade")
    return request.getfixturevalue("small_batch")


def test_every_view_equals_the_pandas_computation(batch, warehouse, conn) -> None:
    with dg.DagsterInstance.ephemeral() as instance:
        assert ingest(warehouse, batch, instance).success
    expected = expected_views(batch)
    assert [v.name for v in VIEWS] == list(expected) or set(expected) == {v.name for v in VIEWS}
    for view in VIEWS:
        assert view_rows(conn, view.name) == expected[view.name], view.name
    columns = conn.execute(
        "SELECT attname FROM pg_attribute WHERE attrelid = 'dashboard_aggregations'::regclass "
        "AND attnum > 0 ORDER BY attnum").fetchall()
    assert [c[0] for c in columns] == list(VIEW_COLUMNS["dashboard_aggregations"])


def test_views_keep_the_dashboard_column_order(small_batch, warehouse, conn) -> None:
    with dg.DagsterInstance.ephemeral() as instance:
        assert ingest(warehouse, small_batch, instance).success
    for view in VIEWS:
        columns = conn.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
            "AND NOT attisdropped ORDER BY attnum", [view.name]).fetchall()
        assert tuple(c[0] for c in columns) == VIEW_COLUMNS[view.name], view.name


def test_second_materialization_refreshes_every_view_with_identical_rows(
        small_batch, warehouse, conn) -> None:
    """Each view refreshes the way its declaration says (CONCURRENTLY, or rebuilt and swapped
    for the large donor view), and keeps identical contents."""
    with dg.DagsterInstance.ephemeral() as instance:
        assert ingest(warehouse, small_batch, instance).success
        before = {v.name: view_rows(conn, v.name) for v in VIEWS}
        job = build_definitions(warehouse).resolve_job_def("refresh_views_job")
        result = job.execute_in_process(instance=instance, tags={"sunshine/force": "true"})
        assert result.success
    modes = dict(conn.execute(
        "SELECT DISTINCT ON (view_name) view_name, mode FROM sunshine.view_refresh "
        "ORDER BY view_name, refresh_id DESC").fetchall())
    assert modes == {v.name: "swapped" if v.refresh == "swap" else "concurrent" for v in VIEWS}
    assert [v.name for v in VIEWS if v.refresh == "swap"] == ["top_donors_mv"]
    assert {v.name: view_rows(conn, v.name) for v in VIEWS} == before


def test_every_view_can_be_refreshed_concurrently(small_batch, warehouse, conn) -> None:
    """The unique index on plain columns that REFRESH … CONCURRENTLY needs, on all nine."""
    with dg.DagsterInstance.ephemeral() as instance:
        assert ingest(warehouse, small_batch, instance).success
    for view in VIEWS:
        before = view_rows(conn, view.name)
        conn.execute(sql.SQL("REFRESH MATERIALIZED VIEW CONCURRENTLY {}").format(
            sql.Identifier(view.name)))
        assert view_rows(conn, view.name) == before, view.name


def test_materializations_report_row_count_size_and_duration(small_batch, warehouse) -> None:
    with dg.DagsterInstance.ephemeral() as instance:
        result = ingest(warehouse, small_batch, instance)
        assert result.success
        for view in VIEWS:
            event = instance.get_latest_materialization_event(dg.AssetKey(view.name))
            metadata = event.asset_materialization.metadata
            assert metadata["dagster/row_count"].value >= 1, view.name
            assert metadata["size_bytes"].value > 0
            assert metadata["duration_s"].value >= 0
            assert metadata["mode"].value == "created"


def test_dashboard_queries_return_the_expected_rows(small_batch, warehouse, conn) -> None:
    with dg.DagsterInstance.ephemeral() as instance:
        assert ingest(warehouse, small_batch, instance).success
    expected = expected_views(small_batch)
    donors = sorted(expected["top_donors_mv"], key=lambda r: (-r[5], r[0]))

    page = conn.execute(
        "SELECT entity_id FROM top_donors_mv ORDER BY total_contributed DESC, entity_id "
        "LIMIT 25 OFFSET 25").fetchall()
    assert [r[0] for r in page] == [r[0] for r in donors[25:50]]

    term = donors[0][1].split(",")[0][:4]
    found = conn.execute(
        "SELECT entity_id FROM top_donors_mv WHERE entity_name ILIKE %s ORDER BY entity_id",
        [f"%{term}%"]).fetchall()
    assert [r[0] for r in found] == sorted(
        r[0] for r in expected["top_donors_mv"] if term.lower() in r[1].lower())
    count = conn.execute("SELECT count(*) FROM top_donors_mv WHERE entity_name ILIKE %s",
                         [f"%{term}%"]).fetchone()[0]
    assert count == len(found)

    top10 = conn.execute("SELECT entity_id FROM mv_dashboard_top_donors "
                         "ORDER BY total_contributed DESC LIMIT 10").fetchall()
    assert [r[0] for r in top10] == [r[0] for r in donors[:10]]

    ie_top = conn.execute("SELECT committee_id FROM mv_dashboard_top_ie_committees "
                          "ORDER BY total_spent DESC LIMIT 10").fetchall()
    ranked = sorted(expected["top_ie_committees_mv"], key=lambda r: (-r[2], r[0]))[:10]
    assert [r[0] for r in ie_top] == [r[0] for r in ranked]

    breakdown = conn.execute("SELECT is_for_benefit FROM ie_benefit_breakdown "
                             "ORDER BY is_for_benefit DESC").fetchall()
    assert breakdown == [(True,), (False,)]

    recent = conn.execute("SELECT id FROM mv_dashboard_recent_expenditures "
                          "ORDER BY expenditure_date DESC NULLS LAST LIMIT 10").fetchall()
    latest = sorted(expected["mv_dashboard_recent_expenditures"],
                    key=lambda r: (r[2] is None, -(r[2].toordinal() if r[2] else 0), -r[0]))
    assert {r[0] for r in recent} <= {r[0] for r in latest[:10]} | {
        r[0] for r in latest if r[2] == latest[9][2]}

    (aggregations,) = conn.execute("SELECT * FROM dashboard_aggregations").fetchall()
    assert aggregations == expected["dashboard_aggregations"][0]
