"""Least privilege with the site (migration 0003): the pipeline runs as a non-superuser role
that owns the database, and a site writer holds SELECT / INSERT / UPDATE / DELETE on the
site's tables and nothing on schema sunshine. Its writes still reach the change log and the
donor rollup (the trigger functions are SECURITY DEFINER), its temporary tables cannot stand
in for the site's inside the triggers (fixed search_path, pg_temp last), and it cannot pass
for the importer by claiming the importer's writer tag. A rollup found wrong by its
reconciliation is rebuilt from the base tables by the next refresh, which follows by itself."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from sunshine_pipeline.check_results import ERROR
from sunshine_pipeline.imports.catalog import SITE_TABLES
from sunshine_pipeline.imports.ledger import IMPORTER_WRITER
from sunshine_pipeline.resources import connect
from sunshine_pipeline.schedules import stale_views
from sunshine_pipeline.sensors import changed_base_tables, current_snapshot
from sunshine_pipeline.views.catalog import VIEWS_BY_NAME
from sunshine_pipeline.views.checks import check_reconciles, refused_outcomes
from sunshine_pipeline.views.reconciliation import reconcile
from sunshine_pipeline.views.refresh import RefreshRefused, materialize_view
from tests.pipeline import load, view_rows
from tests.roles import Roles
from tests.rollups import rollup_is_exact

DONORS = VIEWS_BY_NAME["top_donors_mv"]
FRONT_CARD = VIEWS_BY_NAME["mv_dashboard_top_donors"]


@pytest.fixture
def site(roles: Roles, small_batch: Path) -> Iterator[tuple[psycopg.Connection,
                                                             psycopg.Connection]]:
    """(pipeline, writer) autocommit connections: the batch imported and every view built by
    the pipeline's role; the writer granted DML on the site's tables, nothing more."""
    with connect(roles.pipeline_url, autocommit=True) as pipeline:
        assert not pipeline.execute(
            "SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()[0]
        load(pipeline, small_batch)
        for table in SITE_TABLES:
            pipeline.execute(sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON {} TO {}").format(
                sql.Identifier(table), sql.Identifier(roles.writer)))
        with connect(roles.writer_url, autocommit=True) as writer:
            yield pipeline, writer


def a_donor(conn: psycopg.Connection) -> int:
    return conn.execute("SELECT entity_id FROM sunshine.donor_totals "
                        "ORDER BY total_contributed DESC, entity_id LIMIT 1").fetchone()[0]


def copy_contribution(conn: psycopg.Connection, transaction_id: int, entity_id: int,
                      amount: str, income: bool = True) -> None:
    """A new "Transactions" row copied from a live one (the site's NOT NULL columns filled),
    for `entity_id`, of an income (or, income=False, an expense) transaction type."""
    type_id = conn.execute(
        'SELECT transaction_type_id FROM public."TransactionTypes" '
        "WHERE income_expense_neutral = %s "
        "ORDER BY 1 LIMIT 1", [1 if income else 2]).fetchone()[0]
    conn.execute(
        'INSERT INTO "Transactions" SELECT (jsonb_populate_record(NULL::"Transactions", '
        "to_json(t)::jsonb || jsonb_build_object('transaction_id', %s::integer, "
        "'entity_id', %s::integer, 'amount', %s::numeric, 'transaction_type_id', %s::integer, "
        "'deleted', false, 'subject_committee_id', NULL))).* "
        'FROM "Transactions" AS t WHERE NOT t.deleted ORDER BY t.transaction_id LIMIT 1',
        [transaction_id, entity_id, amount, type_id])


def writers_of(conn: psycopg.Connection, relation: str, since: int) -> list[str]:
    return [r[0] for r in conn.execute(
        "SELECT DISTINCT writer FROM sunshine.change_log WHERE relation = %s "
        "AND change_id > %s ORDER BY 1", [relation, since]).fetchall()]


def last_change(conn: psycopg.Connection) -> int:
    return conn.execute("SELECT coalesce(max(change_id), 0) FROM sunshine.change_log"
                        ).fetchone()[0]


def test_a_site_writer_needs_no_grant_on_the_pipelines_schema(site, roles) -> None:
    pipeline, writer = site
    assert not writer.execute("SELECT has_schema_privilege('sunshine', 'USAGE')").fetchone()[0]
    before = last_change(pipeline)
    donor = a_donor(pipeline)
    top = pipeline.execute('SELECT max(transaction_id) FROM "Transactions"').fetchone()[0]

    copy_contribution(writer, top + 1, donor, "125.50")
    writer.execute('UPDATE "Transactions" SET amount = amount + 1 WHERE transaction_id = %s',
                   [top + 1])
    writer.execute('UPDATE "Names" SET city = %s WHERE name_id = %s', ["Flagstaff", donor])
    copy_contribution(writer, top + 2, donor, "10.00")
    writer.execute('DELETE FROM "Transactions" WHERE transaction_id = %s', [top + 2])

    assert writers_of(pipeline, "Transactions", before) == [roles.writer]
    assert writers_of(pipeline, "Names", before) == [roles.writer]
    assert rollup_is_exact(pipeline)
    assert pipeline.execute("SELECT city FROM sunshine.donor_totals WHERE entity_id = %s",
                            [donor]).fetchone()[0] == "Flagstaff"
    assert materialize_view(pipeline, DONORS).swapped_views == (FRONT_CARD.name,)
    assert [reconcile(pipeline, v).mismatches for v in (DONORS, FRONT_CARD)] == [[], []]


def test_a_writers_temporary_table_cannot_redirect_the_rollup(site) -> None:
    pipeline, writer = site
    donor = a_donor(pipeline)
    total = pipeline.execute("SELECT total_contributed FROM sunshine.donor_totals "
                             "WHERE entity_id = %s", [donor]).fetchone()[0]
    top = pipeline.execute('SELECT max(transaction_id) FROM "Transactions"').fetchone()[0]
    # Every transaction type an income, in the writer's session (pg_temp comes first in its
    # search_path): an expense would count as a contribution if the trigger read this table.
    writer.execute('CREATE TEMP TABLE "TransactionTypes" AS '
                   'SELECT transaction_type_id, name, 1 AS income_expense_neutral '
                   'FROM public."TransactionTypes"')
    copy_contribution(writer, top + 1, donor, "5000000.00", income=False)

    assert rollup_is_exact(pipeline)
    assert pipeline.execute("SELECT total_contributed FROM sunshine.donor_totals "
                            "WHERE entity_id = %s", [donor]).fetchone()[0] == total
    for view in (DONORS, FRONT_CARD):
        materialize_view(pipeline, view)
    assert [reconcile(pipeline, v).mismatches for v in (DONORS, FRONT_CARD)] == [[], []]
    assert pipeline.execute("SELECT total_contributed FROM mv_dashboard_top_donors "
                            "WHERE entity_id = %s", [donor]).fetchone()[0] == total


def test_a_writers_own_temporary_work_table_is_refused_not_used(site) -> None:
    pipeline, writer = site
    donor = a_donor(pipeline)
    top = pipeline.execute('SELECT max(transaction_id) FROM "Transactions"').fetchone()[0]
    # A table under the name the trigger's work table has, made first by the writer (who
    # could put a trigger on it that would then run with the pipeline's privileges).
    writer.execute("CREATE TEMP TABLE donor_delta (entity_id integer, amount numeric, "
                   "sign integer)")
    writer.execute("GRANT ALL ON donor_delta TO PUBLIC")
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match=r"pg_temp\.donor_delta"):
        copy_contribution(writer, top + 1, donor, "99.00")
    assert rollup_is_exact(pipeline)
    assert pipeline.execute('SELECT count(*) FROM "Transactions" WHERE transaction_id = %s',
                            [top + 1]).fetchone()[0] == 0


def test_a_writer_cannot_pass_for_the_importer(site, roles) -> None:
    pipeline, writer = site
    importer = [w for w in writers_of(pipeline, "Transactions", 0)
                if re.match(IMPORTER_WRITER, w)]
    assert importer, "the importer's own writes carry its tag"
    batch = int(re.match(IMPORTER_WRITER, importer[0]).group(1))
    before = last_change(pipeline)
    top = pipeline.execute('SELECT max(transaction_id) FROM "Transactions"').fetchone()[0]
    with writer.transaction():
        writer.execute("SELECT set_config('sunshine.writer', %s, true)", [importer[0]])
        copy_contribution(writer, top + 1, a_donor(pipeline), "1.00")
    assert writers_of(pipeline, "Transactions", before) == [roles.writer]
    rows = pipeline.execute(
        "SELECT writer ~ %s FROM sunshine.change_log WHERE change_id > %s",
        [IMPORTER_WRITER, before]).fetchall()
    assert rows == [(False,)]
    # Nor can it set the column that backs the tag.
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        writer.execute("UPDATE sunshine.import_batch SET writer_xid = pg_current_xact_id() "
                       "WHERE batch_id = %s", [batch])


def test_a_rollup_found_wrong_is_rebuilt_by_the_next_refresh(loaded, db_url) -> None:
    conn = loaded
    with connect(db_url) as watcher:
        since = current_snapshot(watcher)
    donor = a_donor(conn)
    # The rollup falsified (as a redirected trigger left it): the refresh that would
    # publish it is refused, and its refusal (as the view's asset reports it) flags the
    # rollup.
    published = view_rows(conn, DONORS.name)
    conn.execute("UPDATE sunshine.donor_totals SET total_contributed = total_contributed "
                 "+ 5000000 WHERE entity_id = %s", [donor])
    with pytest.raises(RefreshRefused, match="total_contributed is ") as refused:
        materialize_view(conn, DONORS, force=True)
    assert view_rows(conn, DONORS.name) == published
    [outcome] = refused_outcomes(conn, refused.value)
    assert (outcome.passed, outcome.severity) == (False, ERROR)
    assert "donor_totals flagged for a rebuild from the base tables" in outcome.description
    state = conn.execute("SELECT needs_rebuild, rebuild_reason FROM sunshine.rollup_state "
                         "WHERE rollup = 'donor_totals'").fetchone()
    assert state[0] and state[1].startswith("top_donors_mv_matches_source_totals: ")
    # A refresh follows: the source-change sensor hears of it, the schedule finds it stale.
    with connect(db_url) as sensor:
        assert changed_base_tables(sensor, since)[1] == {"Transactions": 0}
    assert DONORS in stale_views(conn)

    result = materialize_view(conn, DONORS)
    assert (result.mode, result.swapped_views) == ("swapped", (FRONT_CARD.name,))
    assert rollup_is_exact(conn)
    assert check_reconciles(conn, DONORS).passed
    assert conn.execute("SELECT NOT needs_rebuild AND rebuilt_at > flagged_at "
                        "FROM sunshine.rollup_state WHERE rollup = 'donor_totals'"
                        ).fetchone()[0]
    assert DONORS not in stale_views(conn)
    # Found wrong again right after the rebuild it asked for: the rollup is not rebuilt in
    # a loop (the failing check says why).
    conn.execute("UPDATE sunshine.donor_totals SET total_contributed = total_contributed "
                 "+ 1 WHERE entity_id = %s", [donor])
    with pytest.raises(RefreshRefused) as refused:
        materialize_view(conn, DONORS, force=True)
    [again] = refused_outcomes(conn, refused.value)
    assert not again.passed and "donor_totals not rebuilt again" in again.description
    assert DONORS not in stale_views(conn)
