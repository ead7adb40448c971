"""A changed view definition is built beside the live view and swapped in (views/refresh.py):
readers never error and keep reading, the views built on it are rebuilt and survive, a new
version that does not reconcile is refused, and a dependent we do not know is never dropped.
A slow reader of one view delays the swap but never stalls the readers of another, and a
swap keeps each view's owner and grants whoever runs it."""

from __future__ import annotations

import shutil
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import psycopg
import pytest
from psycopg import sql

from sunshine_pipeline import sqlfiles
from sunshine_pipeline.resources import connect
from sunshine_pipeline.status import status_exit_code, view_status
from sunshine_pipeline.views import refresh
from sunshine_pipeline.views.catalog import VIEWS, VIEWS_BY_NAME, downstream_views
from sunshine_pipeline.views.checks import refused_outcomes
from sunshine_pipeline.views.reconciliation import reconcile
from sunshine_pipeline.views.refresh import (
    RefreshRefused,
    SwapNotPermitted,
    SwapTimedOut,
    definition_current,
    is_stale,
    materialize_view,
)
from tests.pipeline import load, run_job, view_rows
from tests.readers import Readers
from tests.roles import Roles
from tests.waiting import wait_for

SUMMARY = VIEWS_BY_NAME["mv_committee_ie_summary"]
REBUILT = [SUMMARY.name, *(v.name for v in downstream_views({SUMMARY.name}))]
LAST_COLUMN = "    ie.last_expenditure_date\nFROM ie"
NEW_COLUMN = ("    ie.last_expenditure_date,\n"
              "    ie.expenditure_count - ie.support_count - ie.oppose_count AS unsided_count\n"
              "FROM ie")


@pytest.fixture
def sql_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of sql/ that the code reads instead of the real one (sql_text is cached)."""
    target = tmp_path / "sql"
    shutil.copytree(sqlfiles.sql_dir(), target)
    monkeypatch.setattr(sqlfiles, "sql_dir", lambda: target)
    sqlfiles.sql_text.cache_clear()
    yield target
    sqlfiles.sql_text.cache_clear()


def edit(sql_root: Path, name: str, old: str, new: str) -> None:
    path = sql_root / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    sqlfiles.sql_text.cache_clear()


def live_schema_objects(conn: psycopg.Connection, schema: str) -> list[str]:
    return [r[0] for r in conn.execute(
        "SELECT relname FROM pg_class WHERE relnamespace = %s::regnamespace ORDER BY 1",
        [schema]).fetchall()]


def test_a_changed_definition_is_swapped_in_while_readers_keep_reading(
        small_batch, db_url, warehouse, wconn, sql_copy) -> None:
    load(wconn, small_batch)
    before = {v.name: view_rows(wconn, v.name) for v in VIEWS}
    edit(sql_copy, SUMMARY.sql_file, LAST_COLUMN, NEW_COLUMN)
    assert not definition_current(wconn, SUMMARY)

    with Readers(db_url, REBUILT) as readers, dg.DagsterInstance.ephemeral() as instance:
        result = run_job(warehouse, "refresh_views_job", instance)
    assert readers.errors == []
    assert set(readers.reads) == set(REBUILT)
    assert result.success

    metadata = result.asset_materializations_for_node(SUMMARY.name)[0].metadata
    assert metadata["mode"].value == "swapped"
    assert metadata["rebuilt_with_it"].value == ", ".join(REBUILT[1:])
    assert metadata["dagster/column_schema"].value.columns[-1] == dg.TableColumn(
        "unsided_count", "bigint")
    modes = dict(wconn.execute(
        "SELECT DISTINCT ON (view_name) view_name, mode || ' for ' || swapped_for "
        "FROM sunshine.view_refresh WHERE mode <> 'skipped' AND swapped_for IS NOT NULL "
        "ORDER BY view_name, refresh_id DESC").fetchall())
    assert modes == {name: f"swapped for {SUMMARY.name}" for name in REBUILT}

    assert {v.name: view_rows(wconn, v.name) for v in VIEWS} == before
    unsided = wconn.execute("SELECT sum(unsided_count) FROM mv_committee_ie_summary").fetchone()
    assert unsided[0] == wconn.execute(
        'SELECT count(*) FROM "Transactions" WHERE subject_committee_id IS NOT NULL '
        "AND NOT deleted AND is_for_benefit IS NULL").fetchone()[0]
    indexes = {r[0] for r in wconn.execute(
        "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()").fetchall()}
    assert {f"{v}_key" for v in REBUILT} | {"top_ie_committees_mv_by_total"} <= indexes
    assert live_schema_objects(wconn, "sunshine_next") == []
    assert all(definition_current(wconn, v) for v in VIEWS)
    assert status_exit_code(view_status(wconn)) == 0
    # The rebuilt views keep their unique indexes: a concurrent refresh works.
    assert materialize_view(wconn, SUMMARY, force=True).mode == "concurrent"


def test_a_new_version_that_does_not_reconcile_is_refused(
        small_batch, warehouse, wconn, sql_copy) -> None:
    load(wconn, small_batch)
    before = {v.name: view_rows(wconn, v.name) for v in VIEWS}
    edit(sql_copy, SUMMARY.sql_file, "coalesce(sum(abs(amount)), 0) AS total_amount",
         "2 * coalesce(sum(abs(amount)), 0) AS total_amount")
    with dg.DagsterInstance.ephemeral() as instance:
        result = run_job(warehouse, "refresh_views_job", instance)
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure)
    assert failure.step_key == SUMMARY.name
    message = failure.event_specific_data.error.to_string()
    assert "mv_committee_ie_summary was not swapped in" in message
    assert "mv_committee_ie_summary_matches_source_totals: total_amount is" in message
    materialized = {e.asset_key.to_user_string()
                    for e in result.get_asset_materialization_events()}
    assert materialized.isdisjoint(REBUILT)
    assert {v.name: view_rows(wconn, v.name) for v in VIEWS} == before
    assert not definition_current(wconn, SUMMARY)
    assert live_schema_objects(wconn, "sunshine_next") == []
    with pytest.raises(RefreshRefused, match="total_amount is"):
        materialize_view(wconn, SUMMARY)


def test_a_concurrent_refresh_that_does_not_reconcile_is_rolled_back(
        small_batch, wconn, sql_copy) -> None:
    """The same rule for REFRESH ... CONCURRENTLY: its reconciliation runs in its transaction,
    and rows that differ are never committed."""
    load(wconn, small_batch)
    before = view_rows(wconn, SUMMARY.name)
    logged = ("SELECT (SELECT count(*) FROM sunshine.view_refresh), "
              "(SELECT count(*) FROM sunshine.check_result)")
    refreshes = wconn.execute(logged).fetchone()
    (sql_copy / f"checks/{SUMMARY.reconciliation}.sql").write_text(
        "SELECT 'total_amount', 1, 2", encoding="utf-8")
    sqlfiles.sql_text.cache_clear()
    wconn.execute('DELETE FROM "Transactions" WHERE transaction_id IN (SELECT transaction_id '
                  'FROM "Transactions" WHERE subject_committee_id IS NOT NULL AND NOT deleted '
                  "ORDER BY transaction_id LIMIT 5)")
    with pytest.raises(RefreshRefused, match=(
            f"mv_committee_ie_summary was not refreshed .*: {SUMMARY.reconciliation}: "
            "total_amount is 1, expected 2")) as refused:
        materialize_view(wconn, SUMMARY)
    assert [r.view for r in refused.value.failed] == [SUMMARY.name]
    assert view_rows(wconn, SUMMARY.name) == before
    # Nothing logged or recorded (the asset records the refusal: views/assets.py).
    assert wconn.execute(logged).fetchone() == refreshes


def test_the_reconciliation_after_a_build_runs_with_the_servers_settings(
        small_batch, wconn, sql_copy) -> None:
    """A build runs serially (BUILD_SETTINGS, to keep its rows' order); the reconciliation
    after it, in the same transaction, scans with the session's settings again (in parallel
    where the server allows), so a forced swap of top_donors_mv is refused if they leak."""
    load(wconn, small_batch)
    top = VIEWS_BY_NAME["top_donors_mv"]
    wconn.execute("SET max_parallel_workers_per_gather = 3")
    wconn.execute("SET maintenance_work_mem = '77MB'")
    (sql_copy / f"checks/{top.reconciliation}.sql").write_text(
        "SELECT 'workers', current_setting('max_parallel_workers_per_gather'), '3' UNION ALL "
        "SELECT 'memory', current_setting('maintenance_work_mem'), '77MB'", encoding="utf-8")
    sqlfiles.sql_text.cache_clear()
    result = materialize_view(wconn, top, force=True)
    assert result.mode == "swapped"
    assert wconn.execute("SELECT current_setting('max_parallel_workers_per_gather')"
                         ).fetchone() == ("3",)


def test_a_refusal_while_an_input_changed_does_not_blame_the_rollup(
        small_batch, db_url, wconn, sql_copy) -> None:
    """A write committed to an input while a refresh runs can make the view and its
    reconciliation differ: the refresh is refused (nothing wrong is shown), but the rollup is
    not flagged for a rebuild, as for a stale view; the write keeps the view stale."""
    load(wconn, small_batch)
    (sql_copy / f"checks/{DONORS.reconciliation}.sql").write_text(
        "SELECT 'total_contributed', 1, 2", encoding="utf-8")
    sqlfiles.sql_text.cache_clear()
    outcome: dict = {}

    def refresh() -> None:
        with connect(db_url) as conn:
            try:
                materialize_view(conn, DONORS, force=True)
            except RefreshRefused as refused:
                outcome["refused"] = refused_outcomes(conn, refused)

    with connect(db_url) as writer, writer.transaction():
        # The refresh takes its snapshot, then waits for the rollup to build from.
        writer.execute("LOCK TABLE sunshine.donor_totals IN ACCESS EXCLUSIVE MODE")
        thread = threading.Thread(target=refresh)
        thread.start()
        wait_for(lambda: swap_waits_for(wconn, "sunshine.donor_totals"), "the refresh")
        writer.execute('UPDATE "Transactions" SET amount = amount WHERE transaction_id = '
                       '(SELECT min(transaction_id) FROM "Transactions")')
    thread.join(60)
    [refused] = outcome["refused"]
    assert not refused.passed and refused.severity == dg.AssetCheckSeverity.ERROR
    assert refused.description.endswith(
        "an input of top_donors_mv changed while it was refreshed: the next refresh tries "
        "again")
    assert "rollups_flagged_for_rebuild" not in refused.metadata
    assert not wconn.execute("SELECT needs_rebuild FROM sunshine.rollup_state "
                             "WHERE rollup = 'donor_totals'").fetchone()[0]
    assert is_stale(wconn, DONORS)


def test_a_dependent_we_do_not_know_is_never_dropped(small_batch, wconn, sql_copy) -> None:
    load(wconn, small_batch)
    wconn.execute("CREATE VIEW site_ie_committees AS "
                  "SELECT DISTINCT committee_id FROM mv_committee_ie_summary")
    committees = wconn.execute(
        "SELECT count(DISTINCT committee_id) FROM mv_committee_ie_summary").fetchone()[0]
    edit(sql_copy, SUMMARY.sql_file, LAST_COLUMN, NEW_COLUMN)
    with pytest.raises(psycopg.errors.DependentObjectsStillExist):
        materialize_view(wconn, SUMMARY)
    assert wconn.execute("SELECT count(*) FROM site_ie_committees").fetchone()[0] == committees
    columns = [r[0] for r in wconn.execute(
        "SELECT attname FROM pg_attribute WHERE attrelid = 'mv_committee_ie_summary'::regclass "
        "AND attnum > 0").fetchall()]
    assert "unsided_count" not in columns
    assert live_schema_objects(wconn, "sunshine_next") == []


def test_a_swap_keeps_the_privileges_of_the_live_views(small_batch, wconn, sql_copy) -> None:
    load(wconn, small_batch)
    role = f"dashboard_{uuid.uuid4().hex[:8]}"
    wconn.execute(sql.SQL("CREATE ROLE {}").format(sql.Identifier(role)))
    try:
        for name in REBUILT:
            wconn.execute(sql.SQL("GRANT SELECT ON {} TO {}").format(
                sql.Identifier(name), sql.Identifier(role)))
        edit(sql_copy, SUMMARY.sql_file, LAST_COLUMN, NEW_COLUMN)
        assert materialize_view(wconn, SUMMARY).mode == "swapped"
        for name in REBUILT:
            assert wconn.execute("SELECT has_table_privilege(%s, %s, 'SELECT')",
                                 [role, name]).fetchone()[0], name
        assert not wconn.execute("SELECT has_table_privilege(%s, %s, 'SELECT')",
                                 [role, "top_donors_mv"]).fetchone()[0]
    finally:
        wconn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
        wconn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


def test_a_view_made_by_hand_is_adopted_by_a_swap(small_batch, wconn) -> None:
    from sunshine_pipeline.imports.loader import import_batch

    import_batch(wconn, small_batch)
    donors = VIEWS_BY_NAME["top_donors_mv"]
    wconn.execute(sql.SQL("CREATE MATERIALIZED VIEW top_donors_mv AS {}").format(
        sql.SQL(sqlfiles.sql_text(donors.sql_file))))
    result = materialize_view(wconn, donors)
    assert (result.mode, result.swapped_views) == ("swapped", ("mv_dashboard_top_donors",))
    assert wconn.execute("SELECT to_regclass('top_donors_mv_key') IS NOT NULL").fetchone()[0]
    assert materialize_view(wconn, VIEWS_BY_NAME["mv_dashboard_top_donors"]).mode == "skipped"
    assert [reconcile(wconn, v).mismatches
            for v in (donors, VIEWS_BY_NAME["mv_dashboard_top_donors"])] == [[], []]


DONORS = VIEWS_BY_NAME["top_donors_mv"]
FRONT_CARD = VIEWS_BY_NAME["mv_dashboard_top_donors"]


def swap_waits_for(conn: psycopg.Connection, view: str) -> bool:
    """Some session is waiting for a lock on the live `view`."""
    return conn.execute("SELECT EXISTS (SELECT FROM pg_locks WHERE NOT granted "
                        "AND relation = to_regclass(%s))", [view]).fetchone()[0]


def test_a_slow_reader_of_one_view_never_stalls_the_front_card(
        small_batch, db_url, wconn) -> None:
    load(wconn, small_batch)
    outcome: dict[str, object] = {}

    def swap() -> None:
        with connect(db_url, autocommit=True) as c:
            try:
                outcome["result"] = materialize_view(c, DONORS, force=True)
            except Exception as exc:  # kept for the assertion below
                outcome["error"] = exc

    # The front card's readers give up after 200 ms, as a dashboard would; the donor list's
    # slow reader (a report) holds top_donors_mv for a few seconds while the swap runs.
    with Readers(db_url, [FRONT_CARD.name], settings={"lock_timeout": "200ms"}) as readers:
        with connect(db_url, autocommit=False) as slow:
            slow.execute("SELECT count(*) FROM top_donors_mv").fetchone()
            swapper = threading.Thread(target=swap)
            swapper.start()
            with connect(db_url, autocommit=True) as watcher:
                wait_for(lambda: swap_waits_for(watcher, DONORS.name) or not swapper.is_alive(),
                         "the swap to wait for the slow reader")
            assert swapper.is_alive(), outcome
            time.sleep(2)  # the swap keeps trying meanwhile
            slow.rollback()
        swapper.join(timeout=120)
        assert not swapper.is_alive()
    assert readers.errors == []
    assert readers.reads[FRONT_CARD.name] > 0
    assert "error" not in outcome, outcome.get("error")
    assert outcome["result"].mode == "swapped"
    assert outcome["result"].swapped_views == (FRONT_CARD.name,)
    assert live_schema_objects(wconn, "sunshine_next") == []


def test_a_reader_that_outlasts_the_swaps_patience_fails_it_cleanly(
        small_batch, db_url, wconn, monkeypatch) -> None:
    load(wconn, small_batch)
    before = view_rows(wconn, DONORS.name)
    monkeypatch.setattr(refresh, "SWAP_WAIT_S", 0.5)
    with connect(db_url, autocommit=False) as slow:
        slow.execute("SELECT count(*) FROM top_donors_mv").fetchone()
        with pytest.raises(SwapTimedOut, match=r"top_donors_mv was in use for more than 0\.5 s"):
            materialize_view(wconn, DONORS, force=True)
    assert view_rows(wconn, DONORS.name) == before
    assert live_schema_objects(wconn, "sunshine_next") == []
    assert materialize_view(wconn, DONORS, force=True).mode == "swapped"


def owner_of(conn: psycopg.Connection, name: str) -> str:
    return conn.execute("SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = %s::regclass",
                        [name]).fetchone()[0]


@pytest.fixture
def pipeline_loaded(roles: Roles, small_batch: Path) -> Roles:
    """Every view built by the pipeline's role (owner of the database); the site writer role
    stands for the dashboard's, with SELECT on the two donor views."""
    with connect(roles.pipeline_url, autocommit=True) as pipeline:
        load(pipeline, small_batch)
        for name in (DONORS.name, FRONT_CARD.name):
            pipeline.execute(sql.SQL("GRANT SELECT ON {} TO {}").format(
                sql.Identifier(name), sql.Identifier(roles.writer)))
    return roles


@pytest.fixture
def other_role(db_url: str) -> Iterator[str]:
    """A login role of no privileges, dropped afterwards (roles are cluster-wide)."""
    name = f"operator_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(db_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(name)))
    try:
        yield name
    finally:
        with psycopg.connect(db_url, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(name)))
            admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))


@pytest.mark.parametrize("runner", ["superuser", "member of the owner's role"])
def test_a_swap_run_by_another_role_keeps_each_views_owner_and_grants(
        pipeline_loaded, other_role, db_url, runner) -> None:
    names = pipeline_loaded
    url = db_url
    if runner != "superuser":
        with psycopg.connect(db_url, autocommit=True) as admin:
            admin.execute(sql.SQL("GRANT {} TO {}").format(
                sql.Identifier(names.pipeline), sql.Identifier(other_role)))
        url = psycopg.conninfo.make_conninfo(db_url, user=other_role)
    with connect(url, autocommit=True) as other:
        result = materialize_view(other, DONORS, force=True)
        assert (result.mode, result.swapped_views) == ("swapped", (FRONT_CARD.name,))
    with connect(names.pipeline_url, autocommit=True) as pipeline:
        for name in (DONORS.name, FRONT_CARD.name):
            assert owner_of(pipeline, name) == names.pipeline, name
            assert pipeline.execute("SELECT has_table_privilege(%s, %s, 'SELECT')",
                                    [names.writer, name]).fetchone()[0], name
        # The pipeline's own role goes on refreshing both (REFRESH and DROP need the owner).
        assert materialize_view(pipeline, FRONT_CARD, force=True).mode == "concurrent"
        assert materialize_view(pipeline, DONORS, force=True).mode == "swapped"


def test_a_swap_by_a_role_that_cannot_act_as_the_owner_changes_nothing(
        pipeline_loaded, other_role, db_url) -> None:
    names = pipeline_loaded
    with psycopg.connect(db_url, autocommit=True) as admin:
        # Reads everything, so it gets as far as the swap, but is no member of the owner.
        admin.execute(sql.SQL("GRANT pg_read_all_data TO {}").format(
            sql.Identifier(other_role)))
        before = admin.execute("SELECT oid FROM pg_class WHERE oid = 'top_donors_mv'::regclass"
                               ).fetchone()[0]
    with (connect(psycopg.conninfo.make_conninfo(db_url, user=other_role)) as other,
          pytest.raises(SwapNotPermitted, match=f"owned by {names.pipeline}")):
        materialize_view(other, DONORS, force=True)
    with connect(names.pipeline_url, autocommit=True) as pipeline:
        assert pipeline.execute("SELECT oid FROM pg_class WHERE oid = 'top_donors_mv'::regclass"
                                ).fetchone()[0] == before
        assert owner_of(pipeline, DONORS.name) == names.pipeline
        assert live_schema_objects(pipeline, "sunshine_next") == []
