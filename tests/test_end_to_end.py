"""End to end on a real PostgreSQL through real Dagster: import a batch, materialize every
view, and compare each view with the independent pandas computation in tests/oracle.py; then
read the base tables the way the site's pages read them (its Django ORM: joins along the
foreign keys, timestamps with time zone, '' in NOT NULL text columns)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import psycopg
import pytest
from psycopg import sql

from sunshine_pipeline.definitions import build_definitions
from sunshine_pipeline.views.catalog import VIEWS, downstream_views
from tests.batches import write_handmade_batch
from tests.oracle import VIEW_COLUMNS, expected_views
from tests.pipeline import ingest, view_rows


@pytest.fixture(params=["handmade", "generated"])
def batch(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    if request.param == "handmade":
        return write_handmade_batch(tmp_path / "handmade")
    return request.getfixturevalue("small_batch")


def test_every_view_equals_the_pandas_computation(batch, warehouse, conn) -> None:
    with dg.DagsterInstance.ephemeral() as instance:
        assert ingest(warehouse, batch, instance).success
    expected = expected_views(batch)
    assert sorted(expected) == sorted(v.name for v in VIEWS)
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
    # The front card is rebuilt in top_donors_mv's swap, once.
    swapped = {"top_donors_mv", *(v.name for v in downstream_views({"top_donors_mv"}))}
    assert modes == {v.name: "swapped" if v.name in swapped else "concurrent" for v in VIEWS}
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


def test_materializations_report_row_count_size_and_duration(small_batch, warehouse,
                                                            conn) -> None:
    with dg.DagsterInstance.ephemeral() as instance:
        result = ingest(warehouse, small_batch, instance)
        assert result.success
        for view in VIEWS:
            event = instance.get_latest_materialization_event(dg.AssetKey(view.name))
            metadata = event.asset_materialization.metadata
            rows = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(
                sql.Identifier(view.name))).fetchone()[0]
            assert metadata["dagster/row_count"].value == rows >= 1, view.name
            assert metadata["size"].value.endswith((" kB", " MB"))
            assert metadata["duration_s"].value > 0
            assert metadata["mode"].value == "created"
            assert metadata["rows_rebuilt"].value == metadata["dagster/row_count"].value
            assert "rows_changed" not in metadata  # a rebuild does not know what differs


def test_each_materialization_says_what_happened(small_batch, warehouse, conn) -> None:
    """A refresh counts the rows it wrote; a view rebuilt with the view above it says so (and
    is not rebuilt twice, even when forced); a view with no new input says it is current."""
    def modes(result: dg.ExecuteInProcessResult) -> dict[str, dict]:
        return {e.asset_key.path[-1]: {k: v.value for k, v in
                                       e.step_materialization_data.materialization.metadata
                                       .items()}
                for e in result.get_asset_materialization_events()}

    with dg.DagsterInstance.ephemeral() as instance:
        assert ingest(warehouse, small_batch, instance).success
        defs = build_definitions(warehouse)
        donor = conn.execute("SELECT entity_id FROM top_donors_mv ORDER BY total_contributed "
                             "DESC LIMIT 1").fetchone()[0]
        conn.execute('UPDATE "Names" SET city = \'Bisbee\' WHERE name_id = %s', [donor])
        conn.commit()
        result = defs.resolve_job_def("refresh_views_job").execute_in_process(
            instance=instance)
        seen = modes(result)
        assert seen["top_donors_mv"]["mode"] == "swapped"
        assert seen["mv_dashboard_top_donors"]["mode"] == "swapped with top_donors_mv"
        assert seen["mv_committee_ie_summary"]["mode"] == "concurrent"
        assert seen["mv_committee_ie_summary"]["rows_changed"] == 0  # its rows did not change
        assert seen["dashboard_aggregations"]["mode"] == (
            "current: no input changed since its last refresh")

        forced = defs.resolve_job_def("force_refresh_views_job").execute_in_process(
            instance=instance)
        seen = modes(forced)
        assert seen["mv_dashboard_top_donors"]["mode"] == "swapped with top_donors_mv"
        assert conn.execute("SELECT count(*) FROM sunshine.view_refresh WHERE run_id = %s "
                            "AND view_name = 'mv_dashboard_top_donors'", [forced.run_id]
                            ).fetchone()[0] == 1
        assert seen["dashboard_aggregations"]["mode"] == "concurrent"


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


# --- the site's pages read the base tables ----------------------------------------------------

ARIZONA = ZoneInfo("America/Phoenix")

# A transaction list page: select_related("committee__name", "entity", "transaction_type",
# "subject_committee__name", "category"): INNER JOIN along the NOT NULL foreign keys, LEFT
# OUTER JOIN along the nullable ones.
TRANSACTION_LIST = """
SELECT t.transaction_id, cn.last_name AS committee_name, e.last_name, e.first_name,
       tt.name AS transaction_type, t.amount, t.transaction_date, t.memo, t.account_type,
       sn.last_name AS subject_committee_name, cat.name AS category, t.deleted
FROM "Transactions" AS t
INNER JOIN "Committees" AS c ON t.committee_id = c.committee_id
INNER JOIN "Names" AS cn ON c.name_id = cn.name_id
INNER JOIN "Names" AS e ON t.entity_id = e.name_id
INNER JOIN "TransactionTypes" AS tt ON t.transaction_type_id = tt.transaction_type_id
LEFT OUTER JOIN "Committees" AS s ON t.subject_committee_id = s.committee_id
LEFT OUTER JOIN "Names" AS sn ON s.name_id = sn.name_id
LEFT OUTER JOIN "Categories" AS cat ON t.category_id = cat.category_id
"""

# A committee page: select_related("name", "candidate", "candidate_party", "candidate_office",
# "election_cycle", "ballot_measure", "treasurer").
COMMITTEE_PAGE = """
SELECT c.committee_id, n.last_name, cand.last_name, cand.first_name, p.abbreviation,
       o.name, cy.name, cy.begin_date, c.is_incumbent, bm.short_title,
       c.benefits_ballot_measure, tr.last_name, c.sponsor_type, c.physical_city,
       c.physical_state, c.organization_date
FROM "Committees" AS c
INNER JOIN "Names" AS n ON c.name_id = n.name_id
LEFT OUTER JOIN "Names" AS cand ON c.candidate_id = cand.name_id
LEFT OUTER JOIN "Parties" AS p ON c.candidate_party_id = p.party_id
LEFT OUTER JOIN "Offices" AS o ON c.candidate_office_id = o.office_id
LEFT OUTER JOIN "Cycles" AS cy ON c.election_cycle_id = cy.cycle_id
LEFT OUTER JOIN "BallotMeasures" AS bm ON c.ballot_measure_id = bm.ballot_measure_id
LEFT OUTER JOIN "Names" AS tr ON c.treasurer_id = tr.name_id
"""

STATEMENTS = """
SELECT soi.candidate_name, o.name, soi.party, soi.phone, soi.email, soi.filing_date,
       soi.source_url, soi.contact_status, soi.contact_date, soi.contacted_by,
       soi.pledge_received, soi.pledge_date, soi.notes, soi.entity_id
FROM candidate_soi AS soi
INNER JOIN "Offices" AS o ON soi.office_id = o.office_id
ORDER BY soi.candidate_name, soi.filing_date
"""


def count(conn: psycopg.Connection, query: str) -> int:
    return conn.execute(sql.SQL("SELECT count(*) FROM ({}) AS q").format(sql.SQL(query))
                        ).fetchone()[0]


def test_the_site_pages_read_every_row_along_its_foreign_keys(batch, warehouse, conn) -> None:
    """Every row the pipeline wrote is reachable the way the site joins: no transaction,
    committee, report or statement of interest drops out of a select_related join, every IE
    target is a committee with a name, and the timestamps come back with their time zone."""
    with dg.DagsterInstance.ephemeral() as instance:
        assert ingest(warehouse, batch, instance).success
    transactions = conn.execute('SELECT count(*) FROM "Transactions"').fetchone()[0]
    assert transactions > 0 and count(conn, TRANSACTION_LIST) == transactions
    assert conn.execute(sql.SQL(
        "SELECT count(*) FROM ({}) AS q JOIN \"Transactions\" AS t USING (transaction_id) "
        "WHERE t.subject_committee_id IS NOT NULL AND q.subject_committee_name IS NULL"
    ).format(sql.SQL(TRANSACTION_LIST))).fetchone() == (0,)
    committees = conn.execute('SELECT count(*) FROM "Committees"').fetchone()[0]
    assert count(conn, COMMITTEE_PAGE) == committees
    statements = conn.execute("SELECT count(*) FROM candidate_soi").fetchone()[0]
    assert statements > 0 and count(conn, STATEMENTS) == statements
    reports = conn.execute('SELECT count(*) FROM "Reports"').fetchone()[0]
    assert count(conn, """
        SELECT r.report_id FROM "Reports" AS r
        INNER JOIN "Committees" AS c ON r.committee_id = c.committee_id
        INNER JOIN "Cycles" AS cy ON r.cycle_id = cy.cycle_id
        INNER JOIN "ReportTypes" AS rt ON r.report_type_id = rt.report_type_id
        INNER JOIN "ReportNames" AS rn ON r.report_name_id = rn.report_name_id
        LEFT OUTER JOIN "Reports" AS o ON r.original_report_id = o.report_id
        WHERE r.original_report_id IS NULL OR o.report_id IS NOT NULL""") == reports
    for begin, end in conn.execute('SELECT begin_date, end_date FROM "Cycles"'):
        for moment in (begin, end):
            assert moment is None or moment.utcoffset() is not None
    # The site's own columns of a new statement of interest.
    assert conn.execute(
        "SELECT DISTINCT contact_status, pledge_received, contacted_by, notes, "
        "created_at IS NOT NULL, updated_at IS NOT NULL FROM candidate_soi").fetchall() == [
        ("uncontacted", False, "", "", True, True)]
    # Every foreign key of the site's tables is in place and validated after the load.
    foreign_keys = conn.execute(
        "SELECT count(*), count(*) FILTER (WHERE convalidated) FROM pg_constraint "
        "WHERE contype = 'f' AND connamespace = 'public'::regnamespace").fetchone()
    assert foreign_keys == (25, 25)


def test_the_site_reads_the_handmade_batch_as_it_stores_it(tmp_path, warehouse, conn) -> None:
    """Values as the site's pages show them: '' (never NULL, which a page prints as 'None')
    in NOT NULL text columns, NULL where the column allows it, false for an empty NOT NULL
    boolean, Arizona-time timestamps, office_id for a statement's office, synthesized
    committees as plain rows of the site's table."""
    batch = write_handmade_batch(tmp_path / "handmade")
    with dg.DagsterInstance.ephemeral() as instance:
        assert ingest(warehouse, batch, instance).success

    listing = conn.execute(TRANSACTION_LIST + "WHERE t.transaction_id IN "
                           "(1001, 1002, 1013, 1022, 2002, 2003, 2004, 2009) "
                           "ORDER BY t.transaction_id").fetchall()
    assert listing == [
        (1001, "Smith for Senate", "Peña", "José", "Contribution from Individuals",
         Decimal("100.00"), date(2024, 1, 5), "", "Checking", None, None, False),
        (1002, "Smith for Senate", "Peña", "José", "Contribution from Individuals",
         Decimal("-25.50"), date(2024, 1, 6), "Refund", "Checking", None, None, False),
        (1013, "Smith for Senate", "", "Cher", "Contribution from Individuals",
         Decimal("7.00"), None, "", "", None, None, False),
        (1022, "Smith for Senate", "Navarro", "Luz", "Contribution from Individuals",
         Decimal("15.00"), date(2024, 1, 15), "", "", None, None, False),
        (2002, "Committee A", "Multiple Vendors", "", "Independent Expenditure",
         Decimal("-500.00"), date(2024, 3, 2), "", "", "Smith for Senate", None, False),
        (2003, "Committee A", "Multiple Vendors", "", "Independent Expenditure",
         Decimal("-250.25"), date(2024, 3, 5), "TV\nspot", "", "Smith for Senate",
         "Printing, Postage & Mailing", False),
        (2004, "Committee A", "Multiple Vendors", "", "Independent Expenditure",
         Decimal("-100.00"), date(1999, 12, 31), "", "", "Legacy Group", None, False),
        (2009, "Citizens \"for\" Good", "Multiple Vendors", "", "Independent Expenditure",
         Decimal("-60.00"), date(2024, 2, 4), "Against a committee left out", "",
         "Orphan Treasurer PAC", None, False),
    ]  # fmt: skip
    assert conn.execute('SELECT modifies_transaction_id FROM "Transactions" '
                        'WHERE transaction_id = 1005').fetchone() == (1004,)

    names = conn.execute(
        'SELECT name_id, name_group_id, entity_type_id, last_name, first_name, middle_name, '
        'suffix, address1, address2, city, state, zip_code, county_id, occupation, employer '
        'FROM "Names" WHERE name_id IN (101, 105, 108, 109) ORDER BY name_id').fetchall()
    assert names == [
        (101, 101, 1, "Peña", "José", "", "", "100 N Central Ave", "", "Phoenix", "AZ",
         "85001", 8, "Teacher", "Phoenix Union, HSD"),
        (105, 105, 1, "", "", "", "", "", "", "", "", "", None, "", ""),
        (108, 108, 1, "Navarro", "Luz", "", "", "", "", "Chandler", "Arizona", "85224", 8,
         "", ""),
        (109, 109, 1, "Shifted", "Sam", "", "", "Phoenix", "", "AZ", "85", "$7.00", None,
         "", ""),
    ]  # fmt: skip

    page = {row[0]: row[1:] for row in conn.execute(COMMITTEE_PAGE)}
    begin = datetime(2023, 1, 1, tzinfo=ARIZONA)
    assert page == {
        -700: ("Legacy Group", None, None, None, None, None, None, False, None, False, None,
               "", "", "", None),
        -506: ("Orphan Treasurer PAC", None, None, None, None, None, None, False, None, False,
               None, "", "", "", None),
        1: ("Committee A", None, None, None, None, None, None, False, None, False, "Smith",
            "", "Phoenix", "AZ", date(2023, 2, 1)),
        3: ("Committee B PAC", None, None, None, None, None, None, False, None, False, None,
            "", "", "", None),
        4: ("Smith for Senate", "Smith", "Jane", "REP", "State Senator - District No. 1",
            "2024", begin, True, None, False, None, "", "Phoenix", "Az ", date(2023, 1, 15)),
        5: ('Citizens "for" Good', None, None, None, None, None, None, False, "Clean Air Act",
            True, None, "", "Tucson", "az.", None),
        6: ("Doe 2024", "Doe", "John", None, None, "2024", begin, False, None, False, None,
            "", "", "", None),
        7: ("Committee B PAC", None, None, None, None, None, None, False, None, False, None,
            "", "", "", None),
    }  # fmt: skip
    assert conn.execute("SELECT committee_id, name_id FROM sunshine.synthesized_committee "
                        "ORDER BY committee_id").fetchall() == [(-700, 700), (-506, 506)]
    assert conn.execute('SELECT chairperson_id, sponsor_id FROM "Committees" '
                        "WHERE committee_id IN (4, 5) ORDER BY committee_id").fetchall() == [
        (602, None), (None, 104)]
    # DesigneeNameID and CandidateOtherPartyName have no column in the site's table.
    assert conn.execute("SELECT row_number, data FROM sunshine.unmapped_data "
                        "WHERE file_name = 'Committees.csv' ORDER BY row_number").fetchall() == [
        (6, {"DesigneeNameID": "601"}), (7, {"CandidateOtherPartyName": "Green"})]

    ((cycle_id, name, cycle_begin, cycle_end),) = conn.execute(
        'SELECT cycle_id, name, begin_date, end_date FROM "Cycles"').fetchall()
    assert (cycle_id, name, cycle_begin, cycle_end) == (
        1, "2024", begin, datetime(2024, 12, 31, 23, 59, 59, tzinfo=ARIZONA))
    # (No naive datetime equals an aware one: both columns are timestamp with time zone.)
    assert conn.execute('SELECT sos_identifier, measure_number, short_title, official_title '
                        'FROM "BallotMeasures"').fetchall() == [
        ("I-01-2024", None, "Clean Air Act", None)]
    assert conn.execute('SELECT office_id, name, office_type FROM "Offices" '
                        "ORDER BY office_id").fetchall() == [
        (1, "Mayor", "Local"), (2, "State Senator - District No. 1", "Legislative"),
        (3, "Justice of the Peace, Precinct 3", "")]

    statements = conn.execute(STATEMENTS).fetchall()
    common = ("uncontacted", None, "", False, None, "", None)
    assert statements == [
        ("Doe, Jane", "Mayor", "IND", "602-555-0101", "", date(2024, 2, 5),
         "https://example.org/6", *common),
        ("Lee", "Justice of the Peace, Precinct 3", None, "", "lee@example.org",
         date(2024, 1, 4), None, *common),
        ("Peña, José", "State Senator - District No. 1", "DEM", "", "", date(2024, 1, 2),
         "https://example.org/1", *common),
        ('Smith, "Jim"', "Mayor", "REP", "", "", date(2024, 1, 3), "https://example.org/2",
         *common),
    ]  # fmt: skip
    created = conn.execute("SELECT DISTINCT created_at, updated_at FROM candidate_soi"
                           ).fetchall()
    assert all(c.utcoffset() is not None and u.utcoffset() is not None for c, u in created)
