"""The donor_totals rollup on a real PostgreSQL: whatever writes the base tables (row by row,
in bulk, Names and EntityTypes included), the rollup equals a full recomputation row for row,
top_donors_mv equals the rollup after a refresh, a rebuilt rollup is in name order (which the
view keeps), and a view rebuilt for new data reuses its statistics instead of ANALYZE."""

from __future__ import annotations

import itertools

import psycopg
import pytest
from psycopg import sql

from sunshine_pipeline.views.catalog import VIEWS_BY_NAME
from sunshine_pipeline.views.refresh import materialize_view
from tests.rollups import RECOMPUTED, ROLLUP

DONORS = VIEWS_BY_NAME["top_donors_mv"]

def needs_rebuild(conn: psycopg.Connection) -> bool:
    return conn.execute("SELECT needs_rebuild FROM sunshine.rollup_state "
                        "WHERE rollup = 'donor_totals'").fetchone()[0]


def assert_rollup_is_exact(conn: psycopg.Connection) -> None:
    assert not needs_rebuild(conn), "a small change must be applied, not deferred to a rebuild"
    assert conn.execute(ROLLUP).fetchall() == conn.execute(RECOMPUTED).fetchall()


def a_donor(conn: psycopg.Connection, offset: int = 0) -> int:
    return conn.execute("SELECT entity_id FROM sunshine.donor_totals ORDER BY entity_id "
                        "OFFSET %s LIMIT 1", [offset]).fetchone()[0]


def insert_name(conn: psycopg.Connection, name_id: int, entity_type: int) -> None:
    """A name record with the site's NOT NULL columns (empty text where nothing is known)."""
    conn.execute(
        'INSERT INTO "Names" (name_id, name_group_id, entity_type_id, last_name, first_name, '
        "middle_name, suffix, address1, address2, city, state, zip_code, occupation, employer) "
        "VALUES (%s, %s, %s, 'Newcomer', 'Ada', '', '', '', '', 'Tucson', 'AZ', '', '', '')",
        [name_id, name_id, entity_type])


def test_the_rollup_follows_every_kind_of_write(loaded) -> None:
    conn = loaded
    assert_rollup_is_exact(conn)
    income_type = conn.execute('SELECT transaction_type_id FROM "TransactionTypes" '
                               "WHERE income_expense_neutral = 1 LIMIT 1").fetchone()[0]
    committee = conn.execute('SELECT min(committee_id) FROM "Committees"').fetchone()[0]
    donor, other = a_donor(conn), a_donor(conn, 5)
    # Transactions: amounts changed, contributions deleted and undeleted, rows removed.
    conn.execute('UPDATE "Transactions" SET amount = amount + 1.50 WHERE entity_id = %s',
                 [donor])
    conn.execute('UPDATE "Transactions" SET deleted = NOT deleted WHERE transaction_id IN ('
                 'SELECT transaction_id FROM "Transactions" ORDER BY transaction_id LIMIT 40)')
    conn.execute('DELETE FROM "Transactions" WHERE entity_id = %s', [other])
    assert_rollup_is_exact(conn)
    # A new donor whose name record arrives after the contribution, then changes, then goes.
    # The site's foreign keys are checked at commit: the name arrives later in the
    # contribution's own transaction, and goes in the same transaction as its last reference
    # (the rollup is exact at every step in between).
    new_id = conn.execute('SELECT max(name_id) + 1 FROM "Names"').fetchone()[0]
    entity_type = conn.execute('SELECT min(entity_type_id) FROM "EntityTypes"').fetchone()[0]
    with conn.transaction():
        conn.execute(
            'INSERT INTO "Transactions" (transaction_id, committee_id, transaction_type_id, '
            "transaction_date, amount, entity_id, memo, account_type, deleted) SELECT "
            "max(transaction_id) + 1, %s, %s, DATE '2026-01-02', 75.00, %s, '', '', false "
            'FROM "Transactions"', [committee, income_type, new_id])
        assert_rollup_is_exact(conn)
        insert_name(conn, new_id, entity_type)
        assert_rollup_is_exact(conn)
    conn.execute('UPDATE "Names" SET city = \'Flagstaff\', last_name = \'Renamed\' '
                 "WHERE name_id IN (%s, %s)", [new_id, donor])
    assert_rollup_is_exact(conn)
    # EntityTypes: a type renamed, and one removed (a type of its own, held by the new donor
    # alone, so that it can go: the type, then the name, then the contribution).
    conn.execute('UPDATE "EntityTypes" SET name = name || \' (renamed)\' '
                 "WHERE entity_type_id = %s", [entity_type])
    assert_rollup_is_exact(conn)
    own_type = conn.execute('INSERT INTO "EntityTypes" (entity_type_id, name) SELECT '
                            "max(entity_type_id) + 1, 'Newcomers' FROM \"EntityTypes\" "
                            "RETURNING entity_type_id").fetchone()[0]
    conn.execute('UPDATE "Names" SET entity_type_id = %s WHERE name_id = %s',
                 [own_type, new_id])
    assert_rollup_is_exact(conn)
    with conn.transaction():
        conn.execute('DELETE FROM "EntityTypes" WHERE entity_type_id = %s', [own_type])
        assert_rollup_is_exact(conn)
        conn.execute('DELETE FROM "Names" WHERE name_id = %s', [new_id])
        assert_rollup_is_exact(conn)
        conn.execute('DELETE FROM "Transactions" WHERE entity_id = %s', [new_id])
        assert_rollup_is_exact(conn)
    # A type many donors hold can go only with them (the foreign keys); inside such a
    # transaction, rolled back here, every one of them has lost its type's name.
    with conn.transaction() as tx:
        conn.execute('DELETE FROM "EntityTypes" WHERE entity_type_id = %s', [entity_type])
        assert_rollup_is_exact(conn)
        raise psycopg.Rollback(tx)
    assert_rollup_is_exact(conn)
    # A rolled-back write leaves the rollup as it was.
    with pytest.raises(psycopg.errors.DivisionByZero), conn.transaction():
        conn.execute('UPDATE "Names" SET last_name = \'Ghost\' WHERE name_id = %s', [donor])
        conn.execute("SELECT 1 / 0")
    assert_rollup_is_exact(conn)
    # The view shows exactly the rollup once refreshed.
    assert materialize_view(conn, DONORS).mode == "swapped"
    assert (conn.execute("SELECT * FROM top_donors_mv ORDER BY entity_id").fetchall()
            == conn.execute(RECOMPUTED).fetchall())


def test_a_large_change_flags_a_rebuild_that_restores_name_order(loaded) -> None:
    conn = loaded
    conn.execute('UPDATE "Transactions" SET amount = amount + 1')
    assert needs_rebuild(conn)
    conn.execute('UPDATE "Names" SET city = upper(city)')
    result = materialize_view(conn, DONORS)
    assert result.mode == "swapped"
    assert_rollup_is_exact(conn)
    # The rebuilt rollup is in name order, and the view, a scan of it, keeps that order: rows
    # with the same name sit together, so a search reads few pages. (Not strictly: a heap
    # insert may put a row into the room left on an earlier page.)
    for relation in (sql.Identifier("sunshine", "donor_totals"), sql.Identifier("top_donors_mv")):
        names = [r[0].encode() for r in conn.execute(sql.SQL(
            "SELECT entity_name FROM {} ORDER BY ctid").format(relation)).fetchall()]
        assert len(names) > 1000
        out_of_order = sum(a > b for a, b in itertools.pairwise(names))
        assert out_of_order < 0.01 * len(names), (relation, out_of_order)


def test_a_view_rebuilt_for_new_data_keeps_its_statistics(loaded) -> None:
    conn = loaded
    before = conn.execute(
        "SELECT attname, n_distinct, histogram_bounds::text FROM pg_stats "
        "WHERE schemaname = 'public' AND tablename = 'top_donors_mv' ORDER BY 1").fetchall()
    assert {r[0] for r in before} >= {"entity_name", "total_contributed"}
    conn.execute('UPDATE "Transactions" SET amount = amount + 0.01 WHERE transaction_id IN ('
                 'SELECT transaction_id FROM "Transactions" ORDER BY transaction_id LIMIT 50)')
    assert materialize_view(conn, DONORS).mode == "swapped"
    after = conn.execute(
        "SELECT attname, n_distinct, histogram_bounds::text FROM pg_stats "
        "WHERE schemaname = 'public' AND tablename = 'top_donors_mv' ORDER BY 1").fetchall()
    # PostgreSQL 18 copies the statistics (pg_restore_attribute_stats); 15-17 analyze.
    copies = conn.info.server_version >= 180000
    if copies:
        assert after == before
    else:
        assert [r[0] for r in after] == [r[0] for r in before]
    analyzed = 0 if copies else 1
    assert conn.execute("SELECT analyze_count FROM pg_stat_user_tables "
                        "WHERE relid = 'top_donors_mv'::regclass").fetchone()[0] == analyzed
    # Past the drift allowed (a third of the donors gone), the new version is analyzed.
    conn.execute('DELETE FROM "Transactions" WHERE entity_id IN (SELECT entity_id FROM '
                 "sunshine.donor_totals WHERE entity_id % 3 = 0)")
    materialize_view(conn, DONORS)
    rows = conn.execute("SELECT count(*) FROM top_donors_mv").fetchone()[0]
    reltuples = conn.execute("SELECT reltuples FROM pg_class "
                             "WHERE oid = 'top_donors_mv'::regclass").fetchone()[0]
    assert reltuples == rows
    assert conn.execute("SELECT analyze_count FROM pg_stat_user_tables "
                        "WHERE relid = 'top_donors_mv'::regclass").fetchone()[0] == 1
