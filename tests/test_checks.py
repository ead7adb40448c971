"""Asset checks on a real PostgreSQL through real Dagster: every check passes on a clean import
and fails when its condition is broken (rows deleted from a source, a rollup that disagrees
with its inputs, a stale timestamp, a bad batch); a failing blocking check stops the
downstream views in the same run."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import dagster as dg
import psycopg
import pytest
from psycopg import sql

from sunshine_pipeline.checks import (
    RECONCILIATIONS,
    build_checks,
    check_duplicate_income_share,
    check_fresh,
    check_orphan_references,
    check_quarantine_rate,
    check_reconciles,
    check_row_count,
    check_row_count_steady,
    evaluate_source_checks,
    evaluate_view_checks,
)
from sunshine_pipeline.definitions import build_definitions
from sunshine_pipeline.imports.catalog import SOURCES, SOURCES_BY_TABLE
from sunshine_pipeline.imports.loader import import_batch
from sunshine_pipeline.resources import WarehouseResource, connect
from sunshine_pipeline.sqlfiles import sql_path
from sunshine_pipeline.views.catalog import VIEWS, VIEWS_BY_NAME
from sunshine_pipeline.views.refresh import materialize_view

TRANSACTIONS = SOURCES_BY_TABLE["Transactions"]


def definitions(warehouse: WarehouseResource) -> dg.Definitions:
    """The code location's definitions with the checks, whether or not they are wired yet."""
    defs = build_definitions(warehouse)
    if not defs.asset_checks:
        defs = dg.Definitions.merge(defs, dg.Definitions(asset_checks=build_checks()))
    return defs


def run_job(warehouse: WarehouseResource, name: str, instance: dg.DagsterInstance,
            batch: Path | None = None) -> dg.ExecuteInProcessResult:
    run_config = ({"ops": {"import_batch": {"config": {"batch_dir": str(batch)}}}}
                  if batch else None)
    return definitions(warehouse).resolve_job_def(name).execute_in_process(
        instance=instance, run_config=run_config, raise_on_error=False)


def load(conn: psycopg.Connection, batch: Path) -> None:
    """Import the batch and materialize every view, without Dagster (fast set-up)."""
    import_batch(conn, batch)
    for view in VIEWS:
        materialize_view(conn, view)


@pytest.fixture
def wconn(db_url: str) -> Iterator[psycopg.Connection]:
    """An autocommit connection: each statement, and each materialization, commits."""
    with connect(db_url, autocommit=True) as c:
        yield c


@pytest.fixture
def loaded(wconn: psycopg.Connection, small_batch: Path) -> psycopg.Connection:
    load(wconn, small_batch)
    return wconn


def without_change_log(conn: psycopg.Connection, table: str, statement: str,
                       params: list | None = None) -> None:
    """Change a base table with its change triggers disabled: a change the staleness model
    never hears of, so a view that disagrees with its inputs is not stale."""
    ident = sql.Identifier(table)
    with conn.transaction():
        conn.execute(sql.SQL("ALTER TABLE {} DISABLE TRIGGER USER").format(ident))
        conn.execute(statement, params)
        conn.execute(sql.SQL("ALTER TABLE {} ENABLE TRIGGER USER").format(ident))


def test_checks_are_generated_for_every_view_and_table() -> None:
    checks = build_checks()
    specs = {spec.name: spec for c in checks for spec in c.check_specs}
    for view in VIEWS:
        for suffix in ("has_expected_row_count", "row_count_is_steady", "is_fresh"):
            assert not specs[f"{view.name}_{suffix}"].blocking
            assert specs[f"{view.name}_{suffix}"].asset_key == dg.AssetKey(view.name)
        reconciliation = specs[RECONCILIATIONS[view.name]]
        assert reconciliation.blocking and reconciliation.asset_key == dg.AssetKey(view.name)
        assert sql_path(f"checks/{RECONCILIATIONS[view.name]}.sql").is_file()
        if view.shape.non_empty_when:
            assert sql_path(f"checks/{view.shape.non_empty_when}.sql").is_file()
    for source in SOURCES:
        assert specs[f"{source.table}_quarantine_rate_is_low"].asset_key == dg.AssetKey(
            source.table)
    assert {"Transactions_duplicate_income_share_is_normal",
            "Transactions_has_no_orphan_references"} <= set(specs)
    assert len(specs) == 4 * len(VIEWS) + len(SOURCES) + 2
    assert {c.node_def.name for c in checks} == {
        *(f"{v.name}_checks" for v in VIEWS), *(f"{s.table}_checks" for s in SOURCES)}
    dg.Definitions.validate_loadable(definitions(WarehouseResource()))


def test_every_check_passes_on_a_clean_import(small_batch, warehouse, wconn) -> None:
    with dg.DagsterInstance.ephemeral() as instance:
        result = run_job(warehouse, "ingest_batch_job", instance, small_batch)
        assert result.success
        evaluations = result.get_asset_check_evaluations()
        failed = [(e.check_name, e.description) for e in evaluations if not e.passed]
        assert failed == []
        assert len(evaluations) == 4 * len(VIEWS) + len(SOURCES) + 2
        duplicates = next(e for e in evaluations
                          if e.check_name == "Transactions_duplicate_income_share_is_normal")
        assert 0.07 < duplicates.metadata["duplicate_share"].value < 0.085
        for view in VIEWS:
            event = instance.get_latest_materialization_event(dg.AssetKey(view.name))
            metadata = event.asset_materialization.metadata
            schema = metadata["dagster/column_schema"].value
            columns = [c[0] for c in wconn.execute(
                "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass "
                "AND attnum > 0 AND NOT attisdropped ORDER BY attnum", [view.name])]
            assert [c.name for c in schema.columns] == columns
            assert metadata["definition_hash"].value
    recorded = wconn.execute(
        "SELECT count(*), count(*) FILTER (WHERE passed) FROM sunshine.check_result").fetchone()
    assert recorded == (len(evaluations), len(evaluations))
    spec = definitions(warehouse).get_assets_def("top_donors_mv").specs_by_key[
        dg.AssetKey("top_donors_mv")]
    assert spec.freshness_policy == dg.FreshnessPolicy.time_window(
        fail_window=timedelta(hours=2))


def test_rows_deleted_from_a_source_make_its_views_stale_and_unreconciled(loaded) -> None:
    conn = loaded
    conn.execute(
        'DELETE FROM "Transactions" WHERE transaction_id IN (SELECT transaction_id FROM '
        '"Transactions" WHERE NOT deleted AND subject_committee_id IS NOT NULL '
        "ORDER BY transaction_id LIMIT 5)")
    summary, donors = VIEWS_BY_NAME["mv_committee_ie_summary"], VIEWS_BY_NAME["top_donors_mv"]
    fresh = check_fresh(conn, summary)
    assert not fresh.passed and fresh.metadata["stale"]
    assert fresh.description == "an input changed since its last refresh"
    reconciled = check_reconciles(conn, summary)
    assert not reconciled.passed and reconciled.severity == dg.AssetCheckSeverity.WARN
    assert "expenditure_count is" in reconciled.description
    # Transactions feeds the donor view too (it is stale), but its totals still match.
    assert not check_fresh(conn, donors).passed
    assert check_reconciles(conn, donors).passed

    materialize_view(conn, summary)
    assert check_fresh(conn, summary).passed and check_reconciles(conn, summary).passed
    # The rollup below the summary now disagrees with it until it is refreshed in turn.
    breakdown = VIEWS_BY_NAME["ie_benefit_breakdown"]
    assert not check_fresh(conn, breakdown).passed
    assert not check_reconciles(conn, breakdown).passed
    for view in VIEWS:
        materialize_view(conn, view)
    failed = [o.check for v in VIEWS for o in evaluate_view_checks(conn, v) if not o.passed]
    assert failed == []


def test_a_stale_timestamp_fails_freshness_against_the_sla(loaded, monkeypatch) -> None:
    conn = loaded
    view = VIEWS_BY_NAME["dashboard_aggregations"]
    assert check_fresh(conn, view).passed
    conn.execute("UPDATE sunshine.view_refresh SET finished_at = now() - interval '3 hours'")
    outcome = check_fresh(conn, view)
    assert not outcome.passed and not outcome.metadata["stale"]
    assert outcome.description.startswith("not refreshed or confirmed for 3.0 h (SLA 2 h)")
    monkeypatch.setenv("SUNSHINE_VIEW_SLA_HOURS", "4")
    assert check_fresh(conn, view).passed
    monkeypatch.delenv("SUNSHINE_VIEW_SLA_HOURS")
    # A skipped materialization confirms the view is current: fresh again.
    assert materialize_view(conn, view).mode == "skipped"
    assert check_fresh(conn, view).passed


def test_a_rollup_that_disagrees_with_its_inputs_fails_and_blocks_downstream(
        small_batch, warehouse, wconn) -> None:
    with dg.DagsterInstance.ephemeral() as instance:
        assert run_job(warehouse, "ingest_batch_job", instance, small_batch).success
        without_change_log(
            wconn, "Transactions",
            'UPDATE "Transactions" SET amount = amount + 1000 WHERE transaction_id = ('
            'SELECT t.transaction_id FROM "Transactions" AS t JOIN "TransactionTypes" AS tt '
            "USING (transaction_type_id) WHERE NOT t.deleted AND t.subject_committee_id IS NULL "
            "AND tt.income_expense_neutral = 1 AND t.entity_id > 0 "
            "ORDER BY t.transaction_id LIMIT 1)")
        result = run_job(warehouse, "refresh_views_job", instance)
        assert not result.success
        failed = [(e.check_name, e.severity) for e in result.get_asset_check_evaluations()
                  if not e.passed]
        assert failed == [("top_donors_mv_matches_source_totals", dg.AssetCheckSeverity.ERROR)]
        materialized = {e.asset_key.to_user_string()
                        for e in result.get_asset_materialization_events()}
        assert "top_donors_mv" in materialized
        assert "mv_dashboard_top_donors" not in materialized
        assert {"mv_committee_ie_summary", "top_ie_committees_mv",
                "mv_dashboard_top_ie_committees", "dashboard_aggregations"} <= materialized
        evaluated = {e.check_name for e in result.get_asset_check_evaluations()}
        assert "mv_dashboard_top_donors_is_head_of_top_donors_mv" not in evaluated
    outcome = check_reconciles(wconn, VIEWS_BY_NAME["top_donors_mv"])
    actual, expected = wconn.execute(
        "SELECT sum(total_contributed), sum(total_contributed) + 1000 FROM top_donors_mv"
    ).fetchone()
    assert outcome.description == f"total_contributed is {actual}, expected {expected}"


def test_a_hand_made_rollup_with_the_wrong_shape_fails(loaded) -> None:
    conn = loaded
    conn.execute("DROP MATERIALIZED VIEW mv_dashboard_support_oppose")
    conn.execute(
        "CREATE MATERIALIZED VIEW mv_dashboard_support_oppose AS SELECT "
        "total_amount AS total_for_benefit, total_amount AS total_not_for_benefit, "
        "transaction_count AS count_for_benefit, transaction_count AS count_not_for_benefit "
        "FROM ie_benefit_breakdown")
    view = VIEWS_BY_NAME["mv_dashboard_support_oppose"]
    shape = check_row_count(conn, view)
    assert not shape.passed and shape.description == "2 rows, expected exactly 1"
    reconciled = check_reconciles(conn, view)
    assert not reconciled.passed and reconciled.severity == dg.AssetCheckSeverity.ERROR
    assert reconciled.description.startswith("rows is 2, expected 1")


def test_an_empty_view_whose_sources_hold_rows_fails_its_row_count(loaded) -> None:
    conn = loaded
    conn.execute('UPDATE "Transactions" SET deleted = true WHERE subject_committee_id IS NOT NULL')
    summary = VIEWS_BY_NAME["mv_committee_ie_summary"]
    materialize_view(conn, summary)
    empty = check_row_count(conn, summary)
    assert empty.passed and not empty.metadata["sources_hold_rows"]
    steady = check_row_count_steady(conn, summary)
    assert not steady.passed and steady.severity == dg.AssetCheckSeverity.WARN
    assert steady.description.endswith("to 0 (100%), more than 50%")

    without_change_log(conn, "Transactions", 'UPDATE "Transactions" SET deleted = false '
                       "WHERE subject_committee_id IS NOT NULL")
    outcome = check_row_count(conn, summary)
    assert not outcome.passed and outcome.metadata["sources_hold_rows"]
    assert outcome.description == "empty although live_ie_exist"
    assert check_row_count_steady(conn, summary, tolerance=1.0).passed


def test_source_checks_warn_on_quarantine_duplicates_and_orphans(
        loaded, small_batch, tmp_path) -> None:
    conn = loaded
    assert [o.passed for o in evaluate_source_checks(conn, TRANSACTIONS)] == [True] * 3
    assert check_quarantine_rate(conn, SOURCES_BY_TABLE["Names"]).passed

    batch = tmp_path / "batch-bad"
    batch.mkdir()
    with (small_batch / "Transactions.csv").open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    amount = rows[0].index("Amount")
    for row in rows[1::20]:
        row[amount] = "twelve"
    with (batch / "Transactions.csv").open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    import_batch(conn, batch)
    quarantine = check_quarantine_rate(conn, TRANSACTIONS)
    assert not quarantine.passed and quarantine.severity == dg.AssetCheckSeverity.WARN
    assert quarantine.metadata["quarantined"] == len(rows[1::20])
    assert "not an amount" in quarantine.metadata["top_reasons"]
    assert check_quarantine_rate(conn, SOURCES_BY_TABLE["Names"]).passed

    conn.execute(
        'INSERT INTO "Transactions" SELECT t.transaction_id + 10000000, t.committee_id, '
        "t.transaction_type_id, t.transaction_date, t.amount, t.entity_id, "
        "t.subject_committee_id, t.is_for_benefit, t.category_id, t.memo, t.account_type, "
        't.modifies_transaction_id, t.deleted FROM "Transactions" AS t '
        "WHERE t.transaction_id % 10 = 0")
    duplicates = check_duplicate_income_share(conn)
    assert not duplicates.passed
    assert "the duplicate share moved from 7." in duplicates.description

    entity = conn.execute('SELECT entity_id FROM "Transactions" WHERE entity_id > 0 '
                          "ORDER BY transaction_id LIMIT 1").fetchone()[0]
    conn.execute('DELETE FROM "Names" WHERE name_id = %s', [entity])
    orphans = check_orphan_references(conn)
    assert not orphans.passed and orphans.metadata["unknown_entity"] > 0
    assert orphans.metadata["unknown_committee"] == 0
