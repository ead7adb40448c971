"""The oracle against figures worked out by hand on a batch small enough to read.

The hand-made batch lives in tests/batches/handmade/ (one CSV file per table, as mdb-export
writes them); `tests.batches.write_handmade_batch` copies it where a test wants it. Every row
of it is valid under the site's schema except the ones that are there to be left out; what
each row tests:

Names: sentinels -7, -5, -1, 0 (not donors); 101 non-ASCII with a county; 102 'Az ' and a
middle name; 103 a business with a comma and 'az.'; 104 quotes; 105 every text field empty
('' in the site's NOT NULL columns, 'Unknown' as a name); 106 an empty quoted last name; 107 an
unknown EntityTypeID (left out, and its contribution 1016 with it); 108 'Arizona' (7 characters,
fits the widened state); 109 a shifted address (city 'AZ', state '85', ZIP '$7.00'); 110 an
unknown CountyID (left out, with contribution 1024); 201-212 donors for the top-10 ties.
Committees: 3 and 7 share name 502 (IE targets resolve to 3); 4 and 6 have candidates; 5 has
a sponsor, a ballot measure and an unmapped DesigneeNameID; 6 an unmapped
CandidateOtherPartyName; 8 an unknown TreasurerNameID (left out: its contribution 1020 goes,
and IE 2009 against its name 506 gets the synthesized committee -506).
Transactions: 1002 a refund; 1003/1004 deleted; 1005 an amendment of 1004; 1006/1007
duplicates but for the id (both count); 1008/1009 sentinel donors; 1010 a neutral type; 1013
no date and no Deleted; left out: 1014 (unknown committee), 1015 (unknown name), 1016 (name
left out), 1017 (no NameID), 1018 (amends a missing row), 1019 (amends 1018), 1020 (committee
left out), 1021 (unknown category), 1024 (name left out). IE: 2001 quotes, 2002 no memo
(purpose ''), 2003 mdb-export date and a memo with a newline, no IsForBenefit, 2004 a 1999
date and a legacy target with no committee (-700), 2006 no date, 2007 deleted, 2008 a positive
amount and ' True ', 2010 a sentinel target no committee has (left out).
candidate_soi: 'mayor ' finds Mayor (trimmed, any case); the two 'Doe, Jane' of 2024-01-05
(Mayor and MAYOR: the same office_id) share a key, so both are left out, her 2024-02-05 one
stays; 'Dogcatcher' is no office; 'Nobody, Ned' has no FilingDate. Four statements land.
"""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from tests.batches import (
    HANDMADE,
    TRANSACTIONS_HEADER,
    handmade_with,
    write_handmade_batch,
)
from tests.oracle import (
    VIEW_COLUMNS,
    VIEW_SORT_KEYS,
    BadValue,
    expected_views,
    landed_rows,
    parse_bool,
    parse_cents,
    parse_date,
    parse_int,
    parse_timestamp,
)


@pytest.fixture
def batch(tmp_path: Path) -> Path:
    return write_handmade_batch(tmp_path / "batch")


def money(text: str) -> Decimal:
    return Decimal(text)


TIE_DONORS = [
    (201 + i, f"Donor, {1 + i}", "Yuma", "AZ", "Individual", money(f"{5000 - 100 * i}.00"), 1)
    for i in range(9)
] + [
    (210, "Donor, 10", "Yuma", "AZ", "Individual", money("4000.00"), 2),
    (211, "Donor, 11", "Yuma", "AZ", "Individual", money("4000.00"), 1),
    (212, "Donor, 12", "Yuma", "AZ", "Individual", money("4000.00"), 1),
]


def test_every_view_has_columns_and_sort_key(batch: Path) -> None:
    views = expected_views(batch)
    assert list(views) == list(VIEW_COLUMNS) == list(VIEW_SORT_KEYS)
    assert len(views) == 9
    for view, rows in views.items():
        assert all(len(row) == len(VIEW_COLUMNS[view]) for row in rows), view
        assert set(VIEW_SORT_KEYS[view]) <= set(VIEW_COLUMNS[view]), view


def test_only_valid_rows_and_rows_whose_references_landed_land(batch: Path) -> None:
    landed = landed_rows(batch)
    assert {table: len(rows) for table, rows in landed.items()} == {
        "EntityTypes": 4, "TransactionTypes": 3, "Counties": 2, "Parties": 2, "Offices": 3,
        "Cycles": 1, "Categories": 2, "BallotMeasures": 1, "Names": 33, "Committees": 6,
        "Transactions": 37, "candidate_soi": 4,
    }  # fmt: skip
    assert {r["NameID"] for r in landed["Names"]} >= {-7, -5, -1, 0, 105, 106, 108, 109}
    assert {107, 110} & {r["NameID"] for r in landed["Names"]} == set()
    assert sorted(r["CommitteeID"] for r in landed["Committees"]) == [1, 3, 4, 5, 6, 7]
    left_out = set(range(1014, 1022)) | {1024, 2010}
    assert left_out & {r["TransactionID"] for r in landed["Transactions"]} == set()
    assert sorted((r["Name"], r["Office"], r["FilingDate"]) for r in landed["candidate_soi"]) == [
        ("Doe, Jane", 1, date(2024, 2, 5)),
        ("Lee", 3, date(2024, 1, 4)),
        ("Peña, José", 2, date(2024, 1, 2)),
        ('Smith, "Jim"', 1, date(2024, 1, 3)),
    ]


def test_values_as_the_site_stores_them(batch: Path) -> None:
    landed = landed_rows(batch)
    names = {r["NameID"]: r for r in landed["Names"]}
    assert (names[105]["LastName"], names[105]["City"], names[105]["CountyID"]) == ("", "", None)
    assert (names[106]["LastName"], names[106]["FirstName"]) == ("", "Cher")
    assert (names[109]["City"], names[109]["State"], names[109]["ZipCode"]) == ("AZ", "85", "$7.00")
    committees = {r["CommitteeID"]: r for r in landed["Committees"]}
    assert committees[6]["CandidateIsIncumbent"] is False
    assert committees[4]["CandidateIsIncumbent"] is True
    assert committees[7]["PhysicalCity"] == "" and committees[7]["OrganizationDate"] is None
    transactions = {r["TransactionID"]: r for r in landed["Transactions"]}
    assert transactions[1013]["Deleted"] is False and transactions[1013]["Memo"] == ""
    assert transactions[2003]["IsForBenefit"] is None
    soi = {r["Name"]: r for r in landed["candidate_soi"]}
    assert (soi["Lee"]["Party"], soi["Lee"]["Phone"], soi["Lee"]["SourceURL"]) == (None, "", None)
    (cycle,) = landed["Cycles"]
    assert cycle["CycleBeginDate"] == parse_timestamp("2023-01-01 00:00:00")
    (measure,) = landed["BallotMeasures"]
    assert (measure["MeasureNumber"], measure["OfficialTitle"]) == (None, None)


def test_top_donors_are_the_contributors_with_a_name_record(batch: Path) -> None:
    assert expected_views(batch)["top_donors_mv"] == [
        (101, "Peña, José", "Phoenix", "AZ", "Individual", money("74.50"), 2),
        (102, "O'Brien, Mary", "Tucson", "Az ", "Individual", money("350.00"), 1),
        (103, "Smith, Jones & Co.", "Mesa", "az.", "Business, Corp", money("80.00"), 2),
        (104, 'The "Big" Donor, Al', "Flagstaff", "AZ", "Individual", money("20.00"), 1),
        (105, "Unknown", "", "", "Individual", money("5.00"), 1),
        (106, "Cher", "", "", "Individual", money("7.00"), 1),
        (108, "Navarro, Luz", "Chandler", "Arizona", "Individual", money("15.00"), 1),
        (109, "Shifted, Sam", "AZ", "85", "Individual", money("9.00"), 1),
        *TIE_DONORS,
    ]  # 107, 110 and 999 gave too, but their name records are not in Names: left out


def test_dashboard_top_donors_breaks_ties_on_smaller_id(batch: Path) -> None:
    assert expected_views(batch)["mv_dashboard_top_donors"] == [
        (entity_id, name, entity_type, total, count)
        for entity_id, name, _, _, entity_type, total, count in TIE_DONORS[:10]
    ]


def test_ie_summary_totals_each_committee_against_each_resolved_target(batch: Path) -> None:
    assert expected_views(batch)["mv_committee_ie_summary"] == [
        (
            1, "Committee A", -700, "Legacy Group",
            money("100.00"), money("0.00"), money("100.00"), 1, 0, 1,
            date(1999, 12, 31), date(1999, 12, 31),
        ),
        (
            1, "Committee A", 4, "Smith for Senate",
            money("1000.00"), money("500.00"), money("1750.25"), 1, 1, 3,
            date(2024, 3, 1), date(2024, 3, 5),
        ),
        (
            5, 'Citizens "for" Good', -506, "Orphan Treasurer PAC",
            money("0.00"), money("60.00"), money("60.00"), 0, 1, 1,
            date(2024, 2, 4), date(2024, 2, 4),
        ),
        (
            5, 'Citizens "for" Good', 3, "Committee B PAC",
            money("75.00"), money("300.00"), money("375.00"), 2, 1, 3,
            date(2024, 2, 1), date(2024, 2, 3),
        ),
    ]  # fmt: skip


def test_ie_committee_rankings_total_each_committees_ie(batch: Path) -> None:
    views = expected_views(batch)
    expected = [
        (1, "Committee A", money("1850.25"), 4),
        (5, 'Citizens "for" Good', money("435.00"), 4),
    ]
    assert views["top_ie_committees_mv"] == expected
    assert views["mv_dashboard_top_ie_committees"] == expected


def test_support_and_oppose_split_live_ie_by_benefit(batch: Path) -> None:
    """Support 1000 + 100 + 50 + 25 = 1175 (4), oppose 500 + 300 + 60 = 860 (3):
    860 / 2035 = 42.26 %, 1175 / 2035 = 57.74 %."""
    views = expected_views(batch)
    assert views["ie_benefit_breakdown"] == [
        (False, 3, money("860.00"), Decimal("42.3")),
        (True, 4, money("1175.00"), Decimal("57.7")),
    ]
    assert views["mv_dashboard_support_oppose"] == [(money("1175.00"), money("860.00"), 4, 3)]


def test_recent_expenditures_list_live_ie_with_committee_and_target(batch: Path) -> None:
    tv_spot = "TV\nspot"
    assert expected_views(batch)["mv_dashboard_recent_expenditures"] == [
        (2001, money("-1000.00"), date(2024, 3, 1), 'Mailers, "round 1"', True,
         "Committee A", "Smith for Senate", "Smith, Jane"),
        (2002, money("-500.00"), date(2024, 3, 2), "", False,
         "Committee A", "Smith for Senate", "Smith, Jane"),
        (2003, money("-250.25"), date(2024, 3, 5), tv_spot, None,
         "Committee A", "Smith for Senate", "Smith, Jane"),
        (2004, money("-100.00"), date(1999, 12, 31), "", True,
         "Committee A", "Legacy Group", "Legacy Group"),
        (2005, money("-300.00"), date(2024, 2, 1), "", False,
         'Citizens "for" Good', "Committee B PAC", "Committee B PAC"),
        (2006, money("-50.00"), None, "No date", True,
         'Citizens "for" Good', "Committee B PAC", "Committee B PAC"),
        (2008, money("25.00"), date(2024, 2, 3), "Positive IE", True,
         'Citizens "for" Good', "Committee B PAC", "Committee B PAC"),
        (2009, money("-60.00"), date(2024, 2, 4), "Against a committee left out", False,
         'Citizens "for" Good', "Orphan Treasurer PAC", "Orphan Treasurer PAC"),
    ]  # fmt: skip


def test_dashboard_aggregations_count_ie_candidates_and_statements(batch: Path) -> None:
    """1750.25 + 100 + 375 + 60 of IE; committees 4 and 6 have a candidate; 4 statements."""
    assert expected_views(batch)["dashboard_aggregations"] == [(money("2285.25"), 2, 8, 4, 4, 0)]


def test_recent_expenditures_keep_the_50_latest_undated_last(tmp_path: Path) -> None:
    """52 IE: id 1 undated, ids 2 and 3 on the same earliest day, ids 4-52 later days."""
    rows = ["1,1,20,,-1.00,-7,503,1,,,,,0\n"]
    rows += [f"{i},1,20,2024-01-01,-1.00,-7,503,1,,,,,0\n" for i in (2, 3)]
    rows += [f"{i},1,20,2024-02-{i - 3:02d},-1.00,-7,503,1,,,,,0\n" for i in range(4, 30)]
    rows += [f"{i},1,20,03/{i - 29:02d}/24 00:00:00,-1.00,-7,503,1,,,,,0\n"
             for i in range(30, 53)]
    batch = handmade_with(tmp_path / "recent", {
        "Transactions.csv": TRANSACTIONS_HEADER + "".join(rows), "candidate_soi.csv": None})
    views = expected_views(batch)
    recent = views["mv_dashboard_recent_expenditures"]
    assert [row[0] for row in recent] == list(range(3, 53))
    assert recent[0] == (
        3, money("-1.00"), date(2024, 1, 1), "", True,
        "Committee A", "Smith for Senate", "Smith, Jane",
    )  # fmt: skip
    assert views["dashboard_aggregations"] == [(money("52.00"), 2, 52, 0, 0, 0)]


def test_percentage_rounds_halves_away_from_zero(tmp_path: Path) -> None:
    """1 for, 15 against: 6.25 % and 93.75 %, which banker's rounding would make 6.2."""
    batch = handmade_with(tmp_path / "halves", {
        "Transactions.csv": TRANSACTIONS_HEADER
        + "1,1,20,2024-01-01,-1.00,-7,503,1,,,,,0\n"
        + "2,1,20,2024-01-01,-15.00,-7,501,0,,,,,0\n"})
    assert expected_views(batch)["ie_benefit_breakdown"] == [
        (False, 1, money("15.00"), Decimal("93.8")),
        (True, 1, money("1.00"), Decimal("6.3")),
    ]


def test_batch_without_transactions_has_zero_filled_rows(tmp_path: Path) -> None:
    batch = handmade_with(tmp_path / "empty",
                          {"Transactions.csv": None, "candidate_soi.csv": None})
    views = expected_views(batch)
    assert views["ie_benefit_breakdown"] == [
        (False, 0, money("0.00"), None),
        (True, 0, money("0.00"), None),
    ]
    assert views["mv_dashboard_support_oppose"] == [(money("0.00"), money("0.00"), 0, 0)]
    assert views["dashboard_aggregations"] == [(money("0.00"), 2, 0, 0, 0, 0)]
    for view in (
        "top_donors_mv",
        "mv_dashboard_top_donors",
        "mv_committee_ie_summary",
        "top_ie_committees_mv",
        "mv_dashboard_top_ie_committees",
        "mv_dashboard_recent_expenditures",
    ):
        assert views[view] == [], view


def test_rows_with_bad_values_are_left_out(tmp_path: Path) -> None:
    batch = handmade_with(tmp_path / "bad", {
        "Transactions.csv": TRANSACTIONS_HEADER
        + "1,4,10,2024-02-30,5.00,101,,,,,,,0\n"
        + "2,4,10,2024-02-01,5.001,101,,,,,,,0\n"
        + "3,4,10,2024-02-01,5.00,101,,,,,,,maybe\n"
        + "4,4,10,2024-02-01,7.00,101,,,,,,,0\n"
        + "5,4,10,2024-02-01, 5.00,101,,,,,,,0\n"
        + "6,4,10,2/1/2024,5.00,101,,,,,,,0\n"
        + "7,4,10,2024-02-01,5.00,101,,,,," + "x" * 51 + ",,0\n"
        + "8,4,10,2024-02-01,5.00,101,,,,,,, \n"})
    assert expected_views(batch)["top_donors_mv"] == [
        (101, "Peña, José", "Phoenix", "AZ", "Individual", money("7.00"), 1)
    ]


def test_a_state_longer_than_the_widened_column_leaves_the_name_out(tmp_path: Path) -> None:
    names = (HANDMADE / "Names.csv").read_text(encoding="utf-8")
    names = names.replace(",Chandler,Arizona,", ",Chandler," + "A" * 51 + ",")
    batch = handmade_with(tmp_path / "long", {"Names.csv": names})
    assert 108 not in {row[0] for row in expected_views(batch)["top_donors_mv"]}


def test_a_committee_left_out_takes_its_transactions(tmp_path: Path) -> None:
    """Committee 4 without its party: its contributions go, and the IE against Smith for
    Senate (name 503) now targets the committee synthesized for the name, -503."""
    batch = handmade_with(tmp_path / "party", {"Parties.csv": None})
    views = expected_views(batch)
    assert views["top_donors_mv"] == []
    assert [row[:4] for row in views["mv_committee_ie_summary"]][1] == (
        1, "Committee A", -503, "Smith for Senate")
    assert views["dashboard_aggregations"][0][1] == 1  # only committee 6 has a candidate


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-01", date(2024, 3, 1)),
        ("2024-03-01 00:00:00", date(2024, 3, 1)),
        ("03/01/24 00:00:00", date(2024, 3, 1)),
        ("01/02/69 00:00:00", date(2069, 1, 2)),
        ("01/02/70 00:00:00", date(1970, 1, 2)),
        ("12/31/00 00:00:00", date(2000, 12, 31)),
        ("", None),
    ],
)
def test_parse_date_reads_every_spelling_of_the_export(text: str, expected: date | None) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "text", ["2024-02-30", "13/01/24 00:00:00", "yesterday", "3/1/2024", "2024-3-1", " "])
def test_parse_date_rejects_impossible_dates_and_unknown_spellings(text: str) -> None:
    with pytest.raises(BadValue):
        parse_date(text)


def test_parse_timestamp_is_arizona_time() -> None:
    begin = parse_timestamp("2023-01-01 00:00:00")
    assert begin.isoformat() == "2023-01-01T00:00:00-07:00"
    assert parse_timestamp("12/31/24 23:59:59").isoformat() == "2024-12-31T23:59:59-07:00"
    assert parse_timestamp("2024-07-01").isoformat() == "2024-07-01T00:00:00-07:00"
    with pytest.raises(BadValue):
        parse_timestamp("2024-07-01 25:00")


def test_amounts_integers_and_booleans_parse_strictly() -> None:
    assert [parse_cents(text) for text in ("-25.5", "100", "0.07", "-0.10", "")] == [
        -2550, 10000, 7, -10, None,
    ]  # fmt: skip
    assert [parse_bool(text) for text in ("1", "0", "true", "FALSE", " True ", "")] == [
        True, False, True, False, True, None,
    ]  # fmt: skip
    assert [parse_int(text) for text in ("7", " -7 ", "+7", "")] == [7, -7, 7, None]
    for bad in ("1.234", "abc", "10000000000.00", "-", "+5", " 5", ".5"):
        with pytest.raises(BadValue):
            parse_cents(bad)
    for bad in ("yes", " "):
        with pytest.raises(BadValue):
            parse_bool(bad)
    for bad in ("1.0", "2147483648", "x"):
        with pytest.raises(BadValue):
            parse_int(bad)
