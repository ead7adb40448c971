"""Asset checks on a real PostgreSQL through real Dagster: every check passes on a clean import
and fails when its condition is broken (rows deleted from a source, a rollup that disagrees
with its inputs, a stale timestamp, a bad batch); a failing blocking check stops the
downstream views in the same run, and a refresh whose new rows do not reconcile (a corrupted
rollup) is refused, so no view below it shows them. The two incremental Transactions checks
pass without their query after an importer batch, and count in full when a write since
their last count could have made them fail (another tool's orphan, a deleted name, a
TRUNCATE, a large change) or that count is too old."""

from __future__ import annotations

import csv
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import dagster as dg
import psycopg
import pytest
from psycopg import sql

from sunshine_pipeline.check_results import Outcome
from sunshine_pipeline.definitions import build_definitions
from sunshine_pipeline.imports import checks as source_checks_module
from sunshine_pipeline.imports.catalog import SOURCES, SOURCES_BY_TABLE
from sunshine_pipeline.imports.checks import (
    AUDIT_REASON,
    DUPLICATE_CHECK,
    ORPHAN_CHECK,
    ORPHAN_FIGURES,
    check_duplicate_income_share,
    check_orphan_references,
    check_quarantine_rate,
    evaluate_source_checks,
)
from sunshine_pipeline.imports.loader import import_batch
from sunshine_pipeline.resources import WarehouseResource
from sunshine_pipeline.sqlfiles import sql_path, sql_text
from sunshine_pipeline.views.catalog import VIEWS, VIEWS_BY_NAME
from sunshine_pipeline.views.checks import (
    check_fresh,
    check_reconciles,
    check_row_count,
    check_row_count_steady,
    evaluate_view_checks,
)
from sunshine_pipeline.views.refresh import is_stale, materialize_view
from tests.pipeline import run_job, view_rows

TRANSACTIONS = SOURCES_BY_TABLE["Transactions"]


def without_change_log(conn: psycopg.Connection, table: str, statement: str,
                       params: list | None = None) -> None:
    """Change a base table with its change triggers disabled: a change the staleness model
    never hears of, so a view that disagrees with its inputs is not stale."""
    ident = sql.Identifier(table)
    with conn.transaction():
        # The site's foreign keys are deferred: checked now, so that no trigger event is
        # pending when the triggers are enabled again.
        conn.execute("SET CONSTRAINTS ALL IMMEDIATE")
        conn.execute(sql.SQL("ALTER TABLE {} DISABLE TRIGGER USER").format(ident))
        conn.execute(statement, params)
        conn.execute(sql.SQL("ALTER TABLE {} ENABLE TRIGGER USER").format(ident))


def past_foreign_keys(conn: psycopg.Connection, table: str, statement: str,
                      params: list | None = None) -> None:
    """Write a base table with its foreign keys' triggers disabled (a superuser's tool can),
    the only way another tool can leave an orphan in the site's tables; the change log (user
    triggers, still enabled) hears of the write as of any other."""
    ident = sql.Identifier(table)
    with conn.transaction():
        conn.execute(sql.SQL("ALTER TABLE {} DISABLE TRIGGER ALL").format(ident))
        conn.execute(sql.SQL("ALTER TABLE {} ENABLE TRIGGER USER").format(ident))
        conn.execute(statement, params)
        conn.execute(sql.SQL("ALTER TABLE {} ENABLE TRIGGER ALL").format(ident))


def insert_transactions(conn: psycopg.Connection,
                        rows: list[tuple[int, int, int, int | None]]) -> None:
    """Insert (transaction_id, committee_id, entity_id, subject_committee_id) rows past the
    foreign keys: 1.00 of the smallest type, the site's other NOT NULL columns empty."""
    values = sql.SQL(", ").join(
        sql.SQL("(%s::integer, %s::integer, %s::integer, %s::integer)") for _ in rows)
    past_foreign_keys(conn, "Transactions", sql.SQL(
        'INSERT INTO "Transactions" (transaction_id, committee_id, transaction_type_id, '
        "amount, entity_id, subject_committee_id, memo, account_type, deleted) SELECT v.id, "
        'v.committee, (SELECT min(transaction_type_id) FROM "TransactionTypes"), 1, v.entity, '
        "v.subject, '', '', false FROM (VALUES {}) AS v (id, committee, entity, subject)"
    ).format(values), [x for row in rows for x in row])


def insert_name(conn: psycopg.Connection, name_id: int, last_name: str) -> None:
    """A name record with the site's NOT NULL columns (empty text where nothing is known)."""
    conn.execute(
        'INSERT INTO "Names" (name_id, name_group_id, entity_type_id, last_name, first_name, '
        "middle_name, suffix, address1, address2, city, state, zip_code, occupation, employer) "
        "SELECT %s, %s, min(entity_type_id), %s, '', '', '', '', '', '', '', '', '', '' "
        'FROM "EntityTypes"', [name_id, name_id, last_name])


def test_checks_are_generated_for_every_view_and_table() -> None:
    defs = build_definitions(WarehouseResource())
    graph = defs.resolve_asset_graph()
    specs = {key.name: graph.get_check_spec(key) for key in graph.asset_check_keys}
    for view in VIEWS:
        for suffix in ("has_expected_row_count", "row_count_is_steady", "is_fresh"):
            assert not specs[f"{view.name}_{suffix}"].blocking
            assert specs[f"{view.name}_{suffix}"].asset_key == dg.AssetKey(view.name)
        reconciliation = specs[view.reconciliation]
        assert reconciliation.blocking and reconciliation.asset_key == dg.AssetKey(view.name)
        assert sql_path(f"checks/{view.reconciliation}.sql").is_file()
        # The reconciliation is evaluated by the view's own asset (inside its refresh).
        assert reconciliation.key in defs.get_assets_def(view.name).check_keys
        if view.shape.non_empty_when:
            assert sql_path(f"checks/{view.shape.non_empty_when}.sql").is_file()
    for source in SOURCES:
        assert specs[f"{source.table}_quarantine_rate_is_low"].asset_key == dg.AssetKey(
            source.table)
    assert {"Transactions_duplicate_income_share_is_normal",
            "Transactions_has_no_orphan_references"} <= set(specs)
    assert len(specs) == 4 * len(VIEWS) + len(SOURCES) + 2
    assert {c.node_def.name for c in defs.asset_checks or []} == {
        *(f"{v.name}_checks" for v in VIEWS), *(f"{s.table}_checks" for s in SOURCES)}
    dg.Definitions.validate_loadable(defs)


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
            assert metadata["mode"].value == "created"
    recorded = wconn.execute(
        "SELECT count(*), count(*) FILTER (WHERE passed) FROM sunshine.check_result").fetchone()
    assert recorded == (len(evaluations), len(evaluations))
    # Freshness is the <view>_is_fresh check (views/freshness.py), not a time window on
    # materializations, which would call a quiet view late.
    spec = build_definitions(warehouse).get_assets_def("top_donors_mv").specs_by_key[
        dg.AssetKey("top_donors_mv")]
    assert spec.freshness_policy is None


def test_rows_deleted_from_a_source_make_its_views_stale_and_unreconciled(loaded) -> None:
    conn = loaded
    conn.execute(
        'DELETE FROM "Transactions" WHERE transaction_id IN (SELECT transaction_id FROM '
        '"Transactions" WHERE NOT deleted AND subject_committee_id IS NOT NULL '
        "ORDER BY transaction_id LIMIT 5)")
    summary, donors = VIEWS_BY_NAME["mv_committee_ie_summary"], VIEWS_BY_NAME["top_donors_mv"]
    # Stale, but within the SLA: fresh, and it says a change waits.
    fresh = check_fresh(conn, summary)
    assert fresh.passed and not fresh.metadata["current"]
    assert fresh.description.startswith("an input changed 0 min ago, not read yet")
    assert not check_fresh(conn, summary, sla=timedelta(0)).passed
    reconciled = check_reconciles(conn, summary)
    assert not reconciled.passed and reconciled.severity == dg.AssetCheckSeverity.WARN
    assert "expenditure_count is" in reconciled.description
    # Transactions feeds the donor view too (it is stale), but its totals still match.
    assert not check_fresh(conn, donors).metadata["current"]
    assert check_reconciles(conn, donors).passed

    materialize_view(conn, summary)
    assert check_fresh(conn, summary).passed and check_reconciles(conn, summary).passed
    # The rollup below the summary now disagrees with it until it is refreshed in turn.
    breakdown = VIEWS_BY_NAME["ie_benefit_breakdown"]
    assert not check_fresh(conn, breakdown).metadata["current"]
    assert not check_reconciles(conn, breakdown).passed
    for view in VIEWS:
        materialize_view(conn, view)
    failed = [o.check for v in VIEWS for o in evaluate_view_checks(conn, v) if not o.passed]
    assert failed == []


def test_freshness_is_current_with_inputs_not_a_recent_timestamp(loaded, monkeypatch) -> None:
    conn = loaded
    view = VIEWS_BY_NAME["dashboard_aggregations"]
    assert check_fresh(conn, view).passed
    # Refreshed three hours ago and nothing changed since: fresh (a quiet view is not late).
    conn.execute("UPDATE sunshine.view_refresh SET finished_at = now() - interval '3 hours'")
    assert check_fresh(conn, view).passed
    # An input change three hours old that the view has not read: late.
    conn.execute("DELETE FROM candidate_soi WHERE id = (SELECT min(id) FROM candidate_soi)")
    conn.execute("UPDATE sunshine.change_log SET changed_at = now() - interval '3 hours' "
                 "WHERE relation = 'candidate_soi'")
    outcome = check_fresh(conn, view)
    assert not outcome.passed and not outcome.metadata["current"]
    assert outcome.description == ("an input changed 3.0 h ago and dashboard_aggregations has "
                                   "not been refreshed since (SLA 2 h)")
    monkeypatch.setenv("SUNSHINE_VIEW_SLA_HOURS", "4")
    assert check_fresh(conn, view).passed
    monkeypatch.delenv("SUNSHINE_VIEW_SLA_HOURS")
    assert materialize_view(conn, view).mode == "concurrent"
    assert check_fresh(conn, view).passed and check_fresh(conn, view).metadata["current"]


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
    assert outcome.description.startswith(
        f"total_contributed is {actual}, expected {expected}; total_by_donor_id is ")


def test_a_corrupted_rollup_never_reaches_the_views_below_it(small_batch, warehouse,
                                                              wconn) -> None:
    """The front card is protected: a swap for new data reconciles the rebuilt views inside
    its transaction and refuses rows that differ, so no view shows them; the check is ERROR,
    recorded, and the rollup flagged, so the next refresh rebuilds it and passes."""
    donors, check = VIEWS_BY_NAME["top_donors_mv"], "top_donors_mv_matches_source_totals"
    with dg.DagsterInstance.ephemeral() as instance:
        assert run_job(warehouse, "ingest_batch_job", instance, small_batch).success
        before = {v.name: view_rows(wconn, v.name) for v in VIEWS}
        # The front card's first donor, a million richer in the rollup (no trigger hears of
        # it), then a logged no-op write: top_donors_mv is stale.
        donor = wconn.execute("SELECT entity_id FROM mv_dashboard_top_donors "
                              "ORDER BY total_contributed DESC LIMIT 1").fetchone()[0]
        wconn.execute("UPDATE sunshine.donor_totals SET total_contributed = "
                      "total_contributed + 1000000 WHERE entity_id = %s", [donor])
        wconn.execute('UPDATE "Transactions" SET amount = amount WHERE transaction_id = '
                      '(SELECT min(transaction_id) FROM "Transactions")')
        assert is_stale(wconn, donors)

        result = run_job(warehouse, "refresh_views_job", instance)
        assert not result.success
        failure = next(e for e in result.all_events if e.is_step_failure)
        assert failure.step_key == "top_donors_mv"
        message = failure.event_specific_data.error.to_string()
        assert "the new rows of top_donors_mv were not swapped in" in message
        assert f"{check}: total_contributed is " in message
        failed = [(e.asset_key.to_user_string(), e.check_name, e.severity)
                  for e in result.get_asset_check_evaluations() if not e.passed]
        assert failed == [("top_donors_mv", check, dg.AssetCheckSeverity.ERROR)]
        materialized = {e.asset_key.to_user_string()
                        for e in result.get_asset_materialization_events()}
        assert materialized.isdisjoint({"top_donors_mv", "mv_dashboard_top_donors"})
        assert "mv_committee_ie_summary" in materialized
        # Every view as it was: the front card never listed the corrupted donor.
        assert {v.name: view_rows(wconn, v.name) for v in VIEWS} == before
        # Recorded after the rollback, once; the rollup flagged for a rebuild.
        assert wconn.execute(
            "SELECT passed, severity FROM sunshine.check_result WHERE check_name = %s "
            "AND run_id = %s", [check, result.run_id]).fetchall() == [(False, "ERROR")]
        assert wconn.execute("SELECT needs_rebuild, starts_with(rebuild_reason, %s) "
                             "FROM sunshine.rollup_state WHERE rollup = 'donor_totals'",
                             [check]).fetchone() == (True, True)

        again = run_job(warehouse, "refresh_views_job", instance)
        assert again.success
        evaluations = {e.check_name: e for e in again.get_asset_check_evaluations()}
        assert evaluations[check].passed
        front = "mv_dashboard_top_donors_is_head_of_top_donors_mv"
        assert evaluations[front].passed
        modes = {name: again.asset_materializations_for_node(name)[0].metadata["mode"].value
                 for name in ("top_donors_mv", "mv_dashboard_top_donors")}
        assert modes == {"top_donors_mv": "swapped",
                         "mv_dashboard_top_donors": "swapped with top_donors_mv"}
    # Each reconciliation evaluated once in the run: in the swap's transaction (the front
    # card's reported from there, not evaluated again).
    assert wconn.execute(
        "SELECT check_name, count(*) FROM sunshine.check_result WHERE run_id = %s "
        "AND check_name IN (%s, %s) GROUP BY 1 ORDER BY 1",
        [again.run_id, check, front]).fetchall() == [(front, 1), (check, 1)]
    assert {v.name: view_rows(wconn, v.name) for v in VIEWS} == before
    assert not wconn.execute("SELECT needs_rebuild FROM sunshine.rollup_state "
                             "WHERE rollup = 'donor_totals'").fetchone()[0]


def test_a_contribution_counted_for_the_wrong_donor_fails_the_reconciliation(loaded) -> None:
    """Plain sums cannot see a contribution moved from one donor to another (the rollup row
    of each is wrong, the totals are not); the sums weighted by donor id do."""
    conn, view = loaded, VIEWS_BY_NAME["top_donors_mv"]
    assert check_reconciles(conn, view).passed
    first, last = conn.execute("SELECT min(entity_id), max(entity_id) FROM top_donors_mv"
                               ).fetchone()
    moved = conn.execute(
        'SELECT t.transaction_id FROM "Transactions" AS t JOIN "TransactionTypes" AS tt '
        "USING (transaction_type_id) WHERE NOT t.deleted AND t.subject_committee_id IS NULL "
        "AND tt.income_expense_neutral = 1 AND t.entity_id = %s LIMIT 1", [first]).fetchone()[0]
    without_change_log(conn, "Transactions",
                       'UPDATE "Transactions" SET entity_id = %s WHERE transaction_id = %s',
                       [last, moved])
    outcome = check_reconciles(conn, view)
    assert not outcome.passed and outcome.severity == dg.AssetCheckSeverity.ERROR
    assert outcome.description.startswith("total_by_donor_id is ")
    assert "total_contributed" not in outcome.description


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
    assert outcome.description == ("empty although the base tables hold a live "
                                   "independent expenditure for the IE views to show")
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
    referencing = conn.execute('SELECT count(*) FROM "Transactions" WHERE entity_id = %s',
                               [entity]).fetchone()[0]
    past_foreign_keys(conn, "Names", 'DELETE FROM "Names" WHERE name_id = %s', [entity])
    orphans = check_orphan_references(conn)
    assert not orphans.passed and orphans.metadata["unknown_entity"] == referencing
    assert orphans.metadata["unknown_committee"] == 0


# --- the incremental Transactions checks -------------------------------------------------

HEAVY_QUERIES = {"checks/duplicate_income_share.sql", "checks/orphan_references.sql",
                 "checks/orphan_references_by_join.sql"}
# The orphan counts as the check computed them before it was one pass (three anti-joins).
ORPHANS_ORACLE = """
SELECT
    (SELECT count(*) FROM "Transactions" AS t WHERE NOT EXISTS (
        SELECT FROM "Committees" AS c WHERE c.committee_id = t.committee_id)),
    (SELECT count(*) FROM "Transactions" AS t WHERE t.entity_id IS NOT NULL AND NOT EXISTS (
        SELECT FROM "Names" AS n WHERE n.name_id = t.entity_id)),
    (SELECT count(*) FROM "Transactions" AS t WHERE t.subject_committee_id IS NOT NULL
        AND NOT EXISTS (SELECT FROM "Committees" AS c
                        WHERE c.committee_id = t.subject_committee_id))
"""


def evaluate(conn: psycopg.Connection) -> dict[str, Outcome]:
    """Evaluate and record the two incremental checks, as a run does: {check: outcome}."""
    return {o.check: o for o in evaluate_source_checks(
        conn, TRANSACTIONS, {DUPLICATE_CHECK, ORPHAN_CHECK})}


def methods(outcomes: dict[str, Outcome]) -> dict[str, str]:
    return {check: o.metadata["method"] for check, o in outcomes.items()}


def forbid_heavy_queries(monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on, reading the query of a full count fails the test."""
    def guarded(name: str) -> str:
        assert name not in HEAVY_QUERIES, f"{name} ran"
        return sql_text(name)
    monkeypatch.setattr(source_checks_module, "sql_text", guarded)


def delta_batch(small_batch: Path, out: Path, updated: int = 10, inserted: int = 5) -> Path:
    """A small batch of Transactions as the next export carries it: `updated` rows with a new
    amount and `inserted` new rows, copies (with new ids) of existing ones."""
    with (small_batch / "Transactions.csv").open(newline="", encoding="utf-8") as f:
        header, *rows = list(csv.reader(f))
    tid, amount = header.index("TransactionID"), header.index("Amount")
    rows = [r for r in rows if r[amount]]
    changed = [[*r[:amount], str(Decimal(r[amount]) + 1), *r[amount + 1:]]
               for r in rows[:updated]]
    top = max(int(r[tid]) for r in rows)
    new = [[*r[:tid], str(top + k), *r[tid + 1:]]
           for k, r in enumerate(rows[updated:updated + inserted], 1)]
    out.mkdir(parents=True)
    with (out / "Transactions.csv").open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([header, *changed, *new])
    return out


def test_an_importer_batch_after_a_full_count_is_bounded_without_the_heavy_queries(
        loaded, small_batch, tmp_path, monkeypatch) -> None:
    conn = loaded
    first = evaluate(conn)
    assert methods(first) == {DUPLICATE_CHECK: "full", ORPHAN_CHECK: "full"}
    assert all(o.passed for o in first.values())
    assert first[DUPLICATE_CHECK].metadata["full_reason"] == "no full evaluation on record"
    income = first[DUPLICATE_CHECK].metadata["income_rows"]
    duplicates = first[DUPLICATE_CHECK].metadata["duplicate_rows"]

    import_batch(conn, delta_batch(small_batch, tmp_path / "delta"))
    forbid_heavy_queries(monkeypatch)
    bound = evaluate(conn)
    assert methods(bound) == {DUPLICATE_CHECK: "bound", ORPHAN_CHECK: "bound"}
    assert all(o.passed for o in bound.values())
    share = bound[DUPLICATE_CHECK].metadata
    assert share["rows_changed_since"] == 15
    # 10 updates (each may remove a row and add one) and 5 inserts (each may add one).
    assert (share["duplicate_rows_low"], share["duplicate_rows_high"]) == (
        duplicates - 10, duplicates + 15)
    assert (share["income_rows_low"], share["income_rows_high"]) == (income - 10, income + 15)
    assert share["duplicate_share_low"] <= first[DUPLICATE_CHECK].metadata[
        "duplicate_share"] <= share["duplicate_share_high"]
    assert share["last_full_at"] == first[DUPLICATE_CHECK].metadata["evaluated_at"]
    orphans = bound[ORPHAN_CHECK].metadata
    assert orphans["rows_changed_since"] == 15
    assert [orphans[k] for k in ORPHAN_FIGURES] == [0, 0, 0]
    # The guard is live: a full count now would fail the test.
    monkeypatch.setenv("SUNSHINE_SOURCE_AUDIT_HOURS", "0")
    with pytest.raises(AssertionError, match=r"duplicate_income_share\.sql ran"):
        check_duplicate_income_share(conn)
    monkeypatch.undo()

    # An orphan written by another tool: the orphan check counts again, and finds it; one row
    # cannot move the duplicate share out of its bound.
    entity = conn.execute('SELECT min(name_id) FROM "Names"').fetchone()[0]
    insert_transactions(conn, [(99000001, 987654, entity, None)])
    planted = evaluate(conn)
    assert methods(planted) == {DUPLICATE_CHECK: "bound", ORPHAN_CHECK: "full"}
    assert not planted[ORPHAN_CHECK].passed
    assert planted[ORPHAN_CHECK].metadata["unknown_committee"] == 1
    assert "not the importer" in planted[ORPHAN_CHECK].metadata["full_reason"]
    # Having found an orphan, it counts in full until none is left.
    assert methods(evaluate(conn))[ORPHAN_CHECK] == "full"
    conn.execute('DELETE FROM "Transactions" WHERE transaction_id = 99000001')
    healed = evaluate(conn)
    assert healed[ORPHAN_CHECK].passed and methods(healed)[ORPHAN_CHECK] == "full"
    assert methods(evaluate(conn))[ORPHAN_CHECK] == "bound"


def test_an_import_run_evaluates_the_bound_in_dagster(small_batch, warehouse, wconn,
                                                      tmp_path) -> None:
    with dg.DagsterInstance.ephemeral() as instance:
        assert run_job(warehouse, "ingest_batch_job", instance, small_batch).success
        result = run_job(warehouse, "ingest_batch_job", instance,
                         delta_batch(small_batch, tmp_path / "delta"))
        assert result.success
        evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    for check in (DUPLICATE_CHECK, ORPHAN_CHECK):
        assert evaluations[check].passed
        assert evaluations[check].metadata["method"].value == "bound"
    writers = [r[0] for r in wconn.execute(
        "SELECT DISTINCT writer FROM sunshine.change_log WHERE relation = 'Transactions'")]
    assert len(writers) == 2 and all(w.startswith("dagster run ") for w in writers)


def test_a_referenced_name_deleted_by_another_tool_recounts_and_fails(loaded) -> None:
    conn = loaded
    assert all(o.passed for o in evaluate(conn).values())
    # Another tool inserting a name cannot orphan anything; updating one could change its
    # key: counted again (and still passing).
    insert_name(conn, 99000001, "New")
    assert methods(evaluate(conn))[ORPHAN_CHECK] == "bound"
    conn.execute('UPDATE "Names" SET city = city WHERE name_id = 99000001')
    updated = evaluate(conn)[ORPHAN_CHECK]
    assert updated.passed and updated.metadata["method"] == "full"
    assert updated.metadata["full_reason"].startswith("1 Names rows written (UPDATE)")

    entity = conn.execute('SELECT entity_id FROM "Transactions" WHERE entity_id > 0 '
                          "ORDER BY transaction_id LIMIT 1").fetchone()[0]
    referencing = conn.execute('SELECT count(*) FROM "Transactions" WHERE entity_id = %s',
                               [entity]).fetchone()[0]
    past_foreign_keys(conn, "Names", 'DELETE FROM "Names" WHERE name_id = %s', [entity])
    deleted = evaluate(conn)[ORPHAN_CHECK]
    assert deleted.metadata["method"] == "full" and not deleted.passed
    assert deleted.metadata["unknown_entity"] == referencing
    assert "(DELETE)" in deleted.metadata["full_reason"]


def test_a_truncate_the_change_log_misses_recounts(loaded) -> None:
    conn = loaded
    assert all(o.passed for o in evaluate(conn).values())
    # A rewrite of Committees alone leaves no change_log entry: counted again.
    conn.execute('VACUUM FULL "Committees"')
    rewritten = evaluate(conn)[ORPHAN_CHECK]
    assert rewritten.metadata["method"] == "full" and rewritten.passed
    assert rewritten.metadata["full_reason"] == (
        "Committees was truncated or rewritten since the last full evaluation")
    # The site's foreign keys let Committees be truncated only with the tables that reference
    # it (Transactions, Reports): no change_log entry, and a count of what is left.
    conn.execute('TRUNCATE "Committees" CASCADE')
    assert conn.execute("SELECT count(*) FROM sunshine.change_log "
                        "WHERE relation IN ('Committees', 'Transactions', 'Reports') "
                        "AND operation <> 'INSERT'").fetchone()[0] == 0
    assert conn.execute('SELECT count(*) FROM "Transactions"').fetchone() == (0,)
    outcome = evaluate(conn)[ORPHAN_CHECK]
    assert outcome.metadata["method"] == "full" and outcome.passed
    assert [outcome.metadata[k] for k in ORPHAN_FIGURES] == [0, 0, 0]
    assert outcome.metadata["full_reason"] == (
        "Transactions was truncated or rewritten since the last full evaluation")


def test_a_change_larger_than_the_bound_recounts_the_duplicate_share(loaded) -> None:
    conn = loaded
    first = evaluate(conn)[DUPLICATE_CHECK]
    assert first.passed and first.metadata["method"] == "full"
    # A few copies by another tool stay within the bound...
    copy = ('INSERT INTO "Transactions" SELECT t.transaction_id + %s, t.committee_id, '
            "t.transaction_type_id, t.transaction_date, t.amount, t.entity_id, "
            "t.subject_committee_id, t.is_for_benefit, t.category_id, t.memo, t.account_type, "
            't.modifies_transaction_id, t.deleted FROM "Transactions" AS t '
            "WHERE t.transaction_id < 10000000 AND t.transaction_id %% %s = 0")
    conn.execute(copy, [10_000_000, 1000])
    small = evaluate(conn)[DUPLICATE_CHECK]
    assert small.passed and small.metadata["method"] == "bound"
    # ...a tenth of the table copied does not: counted again, it moved too far.
    conn.execute(copy, [20_000_000, 10])
    large = evaluate(conn)[DUPLICATE_CHECK]
    assert large.metadata["method"] == "full" and not large.passed
    assert "could be anywhere in" in large.metadata["full_reason"]
    assert "the duplicate share moved from 7." in large.description
    assert large.metadata["previous_share"] == first.metadata["duplicate_share"]
    # Above 15% it is counted again each time, failing, until the copies are gone; then it
    # warns once about the move back, and is bounded again from there.
    again = evaluate(conn)[DUPLICATE_CHECK]
    assert again.metadata["method"] == "full" and not again.passed
    assert "more than 15%" in again.metadata["full_reason"]
    conn.execute('DELETE FROM "Transactions" WHERE transaction_id >= 10000000')
    back = evaluate(conn)[DUPLICATE_CHECK]
    assert back.metadata["method"] == "full" and not back.passed
    assert back.metadata["duplicate_share"] == first.metadata["duplicate_share"]
    assert evaluate(conn)[DUPLICATE_CHECK].metadata["method"] == "bound"
    # A TransactionTypes write can make any rows income: counted again.
    conn.execute('UPDATE "TransactionTypes" SET name = name WHERE transaction_type_id = '
                 '(SELECT min(transaction_type_id) FROM "TransactionTypes")')
    types = evaluate(conn)[DUPLICATE_CHECK]
    assert types.metadata["method"] == "full" and types.passed
    assert types.metadata["full_reason"].startswith("1 TransactionTypes rows written")
    # Deleting a twentieth of the rows could have removed every duplicate among them: too
    # far from the last share to settle without a count, which finds the share steady.
    # (Not those an amendment points at: the site's foreign key keeps them.)
    conn.execute('DELETE FROM "Transactions" AS t WHERE t.transaction_id % 20 = 0 AND NOT '
                 'EXISTS (SELECT FROM "Transactions" AS m '
                 "WHERE m.modifies_transaction_id = t.transaction_id)")
    deleted = evaluate(conn)[DUPLICATE_CHECK]
    assert deleted.metadata["method"] == "full" and deleted.passed
    assert "more than 5 points from the" in deleted.metadata["full_reason"]


def test_the_audit_age_forces_a_full_count(loaded, monkeypatch) -> None:
    conn = loaded
    assert methods(evaluate(conn)) == {DUPLICATE_CHECK: "full", ORPHAN_CHECK: "full"}
    assert methods(evaluate(conn)) == {DUPLICATE_CHECK: "bound", ORPHAN_CHECK: "bound"}
    monkeypatch.setenv("SUNSHINE_SOURCE_AUDIT_HOURS", "0")
    audited = evaluate(conn)
    assert methods(audited) == {DUPLICATE_CHECK: "full", ORPHAN_CHECK: "full"}
    assert all("SUNSHINE_SOURCE_AUDIT_HOURS 0)" in o.metadata["full_reason"]
               for o in audited.values())
    monkeypatch.delenv("SUNSHINE_SOURCE_AUDIT_HOURS")
    assert methods(evaluate(conn)) == {DUPLICATE_CHECK: "bound", ORPHAN_CHECK: "bound"}
    # A full count more than 26 hours old is too old by default.
    conn.execute("UPDATE sunshine.check_result SET metadata = jsonb_set(metadata, "
                 "'{evaluated_at}', to_jsonb(now() - interval '27 hours')) "
                 "WHERE metadata ->> 'method' = 'full'")
    assert methods(evaluate(conn)) == {DUPLICATE_CHECK: "full", ORPHAN_CHECK: "full"}


def test_the_audit_job_counts_in_full_and_materializes_nothing(loaded, warehouse) -> None:
    conn = loaded
    assert methods(evaluate(conn)) == {DUPLICATE_CHECK: "full", ORPHAN_CHECK: "full"}
    assert methods(evaluate(conn)) == {DUPLICATE_CHECK: "bound", ORPHAN_CHECK: "bound"}
    with dg.DagsterInstance.ephemeral() as instance:
        result = run_job(warehouse, "audit_sources_job", instance)
        assert result.success
        assert not result.get_asset_materialization_events()
        evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
        assert set(evaluations) == {DUPLICATE_CHECK, ORPHAN_CHECK}
        assert all(e.passed for e in evaluations.values())
        assert {n: e.metadata["method"].value for n, e in evaluations.items()} == {
            DUPLICATE_CHECK: "full", ORPHAN_CHECK: "full"}
        assert all(e.metadata["full_reason"].value == AUDIT_REASON
                   for e in evaluations.values())
    # The audit's count is the new baseline: the next import run passes on its bound.
    assert methods(evaluate(conn)) == {DUPLICATE_CHECK: "bound", ORPHAN_CHECK: "bound"}


@pytest.mark.parametrize("bitmap", [True, False])
def test_the_one_pass_orphan_count_matches_the_anti_joins(loaded, monkeypatch, bitmap) -> None:
    conn = loaded
    if not bitmap:
        monkeypatch.setattr(source_checks_module, "BITMAP_MAX_KEYS", 0)
    lo, hi = conn.execute('SELECT min(name_id), max(name_id) FROM "Names"').fetchone()
    middle = conn.execute('SELECT entity_id FROM "Transactions" WHERE entity_id > %s '
                          "ORDER BY entity_id LIMIT 1", [(lo + hi) // 2]).fetchone()[0]
    # A hole in the bitmap.
    past_foreign_keys(conn, "Names", 'DELETE FROM "Names" WHERE name_id = %s', [middle])
    committee = conn.execute('SELECT min(committee_id) FROM "Committees"').fetchone()[0]
    # Two unknown filers (the site's committee_id is NOT NULL: both are ids no committee
    # has), names below and above every key, one unknown IE target.
    insert_transactions(conn, [
        (99000001, 987655, lo - 1, None), (99000002, 987654, hi + 1, None),
        (99000003, committee, hi, 987654), (99000004, committee, lo, None)])
    expected = conn.execute(ORPHANS_ORACLE).fetchone()
    assert expected[0] == 2 and expected[1] > 2 and expected[2] == 1
    outcome = check_orphan_references(conn)
    assert tuple(outcome.metadata[k] for k in ORPHAN_FIGURES) == expected
    # Keys spread out between the span query and the bitmap query: no bitmap is built, and
    # the count of unknown names is NULL (the check then counts by join).
    assert conn.execute(sql_text("checks/orphan_references.sql"),
                        {"bitmap_max_keys": 0}).fetchone() == (expected[0], None)
