"""The oracle against figures worked out by hand on a batch small enough to read."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from tests.oracle import (
    VIEW_COLUMNS,
    VIEW_SORT_KEYS,
    BadValue,
    expected_views,
    parse_bool,
    parse_cents,
    parse_date,
)

ENTITY_TYPES = """\
EntityTypeID,EntityTypeName
1,Individual
2,"Business, Corp"
"""

TRANSACTION_TYPES = """\
incomeexpenseneutralid,TransactionTypeName,TRANSACTIONTYPEID
1,Contribution from Individuals,10
2,Independent Expenditure,20
3,Transfer,30
"""

NAMES = """\
NameID,NameGroupID,EntityTypeID,LastName,FirstName,MiddleName,City,State,ZipCode
-7,,,Multiple Vendors,,,,,
-1,,1,Multiple Contributors,,,,,
0,,1,Invalid Name,,,,,
101,,1,Peña,José,,Phoenix,AZ,85001
102,,1,O'Brien,Mary,Q,Tucson,"Az ",85701
103,,2,"Smith, Jones & Co.",,,Mesa,az.,
104,,1,"The ""Big"" Donor",Al,,Flagstaff,AZ,
105,,,,,,,,
106,,1,"",Cher,,,,
501,,3,Committee A,,,,,
502,,3,Committee B PAC,,,,,
503,,3,Smith for Senate,,,,,
504,,3,"Citizens ""for"" Good",,,,,
505,,3,Doe 2024,,,,,
601,,1,Smith,Jane,,,,
602,,1,Doe,John,,,,
700,,3,Legacy Group,,,,,
"""

COMMITTEES = """\
CommitteeID,NameID,CandidateNameID,CandidatePartyID
1,501,,
7,502,,
3,502,,
4,503,601,2
5,504,,
6,505,602,
"""

TRANSACTIONS_HEADER = (
    "TransactionID,CommitteeID,TransactionTypeID,TransactionDate,Amount,NameID,"
    "SubjectCommitteeID,IsForBenefit,Memo,ModifiesTransactionID,Deleted\n"
)

TRANSACTIONS = '''\
1001,4,10,2024-01-05,100.00,101,,,,,0
1002,4,10,2024-01-06,-25.50,101,,,Refund,,false
1003,4,10,2024-01-07,500.00,102,,,,,TRUE
1004,4,10,2024-01-07,300.00,102,,,,,1
1005,4,10,2024-01-08,350,102,,,Amended,1004,0
1006,4,10,2024-01-09,40.00,103,,,,,0
1007,4,10,2024-01-09,40.00,103,,,,,0
1008,4,10,2024-01-10,1000.00,-1,,,,,0
1009,4,10,2024-01-10,10.00,0,,,,,0
1010,4,30,2024-01-10,999.00,104,,,,,0
1011,4,10,2024-01-11,20.00,104,,,,,0
1012,4,10,2024-01-11,5.00,105,,,,,0
1013,4,10,,7.00,106,,,,,0
1014,99,10,2024-01-11,1.00,101,,,,,0
1015,4,10,2024-01-12,3.00,999,,,,,0
2001,1,20,2024-03-01,-1000.00,-7,503,1,"Mailers, ""round 1""",,0
2002,1,20,2024-03-02 00:00:00,-500.00,-7,503,0,,,0
2003,1,20,03/05/24 00:00:00,-250.25,-7,503,,"TV
spot",,0
2004,1,20,12/31/99 00:00:00,-100.00,-7,700,true,,,0
2005,5,20,2024-02-01,-300.00,-7,502,FALSE,,,0
2006,5,20,,-50.00,-7,502,TRUE,No date,,0
2007,5,20,2024-02-02,-999.00,-7,502,1,,,1
2008,5,20,2024-02-03,25.00,-7,502, True ,Positive IE,,0
'''

CANDIDATE_SOI = '''\
Name,Office,Party,Phone,Email,FilingDate,SourceURL
"Peña, José",State Senator - District No. 1,DEM,,,2024-01-02,https://example.org/1
"Smith, ""Jim""",Mayor,REP,,,,https://example.org/2
Lee,"Justice of the Peace,
Precinct 3",,,,,https://example.org/3
'''


def tie_rows() -> tuple[str, str]:
    """Donors 201-212: 201 gives 5000, each next 100 less, and 210-212 all give 4000."""
    names, transactions = "", ""
    amounts = {201 + i: 5000 - 100 * i for i in range(9)} | {210: 4000, 211: 4000, 212: 4000}
    for entity_id in sorted(amounts, reverse=True):
        names += f"{entity_id},,1,Donor,{entity_id - 200},,Yuma,AZ,\n"
        amount = amounts[entity_id]
        if entity_id == 210:
            transactions += f"3{entity_id},4,10,2024-01-20,1000.00,{entity_id},,,,,0\n"
            amount -= 1000
        transactions += f"4{entity_id},4,10,2024-01-20,{amount}.00,{entity_id},,,,,0\n"
    return names, transactions


def write_batch(directory: Path, files: dict[str, str]) -> Path:
    directory.mkdir(exist_ok=True)
    for name, text in files.items():
        (directory / name).write_text(text, encoding="utf-8", newline="")
    return directory


def write_handmade_batch(directory: Path) -> Path:
    """The hand-made batch: every quirk of domain.md in a few rows (also used against SQL)."""
    tie_names, tie_transactions = tie_rows()
    return write_batch(
        directory,
        {
            "EntityTypes.csv": ENTITY_TYPES,
            "TransactionTypes.csv": TRANSACTION_TYPES,
            "Names.csv": NAMES + tie_names,
            "Committees.csv": COMMITTEES,
            "Transactions.csv": TRANSACTIONS_HEADER + TRANSACTIONS + tie_transactions,
            "candidate_soi.csv": CANDIDATE_SOI,
            "Offices.csv": "OfficeID,OfficeName\n1,Mayor\n",
        },
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


def test_top_donors(batch: Path) -> None:
    assert expected_views(batch)["top_donors_mv"] == [
        (101, "Peña, José", "Phoenix", "AZ", "Individual", money("74.50"), 2),
        (102, "O'Brien, Mary", "Tucson", "Az ", "Individual", money("350.00"), 1),
        (103, "Smith, Jones & Co.", "Mesa", "az.", "Business, Corp", money("80.00"), 2),
        (104, 'The "Big" Donor, Al', "Flagstaff", "AZ", "Individual", money("20.00"), 1),
        (105, "Unknown", None, None, None, money("5.00"), 1),
        (106, "Cher", None, None, "Individual", money("7.00"), 1),
        *TIE_DONORS,
    ]  # 999 gave too, but has no name record: that row is quarantined


def test_dashboard_top_donors_breaks_ties_on_smaller_id(batch: Path) -> None:
    assert expected_views(batch)["mv_dashboard_top_donors"] == [
        (entity_id, name, entity_type, total, count)
        for entity_id, name, _, _, entity_type, total, count in TIE_DONORS[:10]
    ]


def test_committee_ie_summary(batch: Path) -> None:
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
            5, 'Citizens "for" Good', 3, "Committee B PAC",
            money("75.00"), money("300.00"), money("375.00"), 2, 1, 3,
            date(2024, 2, 1), date(2024, 2, 3),
        ),
    ]  # fmt: skip


def test_ie_committee_rankings(batch: Path) -> None:
    views = expected_views(batch)
    expected = [
        (1, "Committee A", money("1850.25"), 4),
        (5, 'Citizens "for" Good', money("375.00"), 3),
    ]
    assert views["top_ie_committees_mv"] == expected
    assert views["mv_dashboard_top_ie_committees"] == expected


def test_support_and_oppose(batch: Path) -> None:
    views = expected_views(batch)
    assert views["ie_benefit_breakdown"] == [
        (False, 2, money("800.00"), Decimal("40.5")),
        (True, 4, money("1175.00"), Decimal("59.5")),
    ]
    assert views["mv_dashboard_support_oppose"] == [(money("1175.00"), money("800.00"), 4, 2)]


def test_recent_expenditures(batch: Path) -> None:
    tv_spot = "TV\nspot"
    assert expected_views(batch)["mv_dashboard_recent_expenditures"] == [
        (2001, money("-1000.00"), date(2024, 3, 1), 'Mailers, "round 1"', True,
         "Committee A", "Smith for Senate", "Smith, Jane"),
        (2002, money("-500.00"), date(2024, 3, 2), None, False,
         "Committee A", "Smith for Senate", "Smith, Jane"),
        (2003, money("-250.25"), date(2024, 3, 5), tv_spot, None,
         "Committee A", "Smith for Senate", "Smith, Jane"),
        (2004, money("-100.00"), date(1999, 12, 31), None, True,
         "Committee A", "Legacy Group", "Legacy Group"),
        (2005, money("-300.00"), date(2024, 2, 1), None, False,
         'Citizens "for" Good', "Committee B PAC", "Committee B PAC"),
        (2006, money("-50.00"), None, "No date", True,
         'Citizens "for" Good', "Committee B PAC", "Committee B PAC"),
        (2008, money("25.00"), date(2024, 2, 3), "Positive IE", True,
         'Citizens "for" Good', "Committee B PAC", "Committee B PAC"),
    ]  # fmt: skip


def test_dashboard_aggregations(batch: Path) -> None:
    assert expected_views(batch)["dashboard_aggregations"] == [(money("2225.25"), 2, 7, 3, 3, 0)]


def test_recent_expenditures_keep_the_50_latest_undated_last(tmp_path: Path) -> None:
    """52 IE: id 1 undated, ids 2 and 3 on the same earliest day, ids 4-52 later days."""
    rows = ["1,1,20,,-1.00,-7,503,1,,,0\n"]
    rows += [f"{i},1,20,2024-01-01,-1.00,-7,503,1,,,0\n" for i in (2, 3)]
    rows += [f"{i},1,20,2024-02-{i - 3:02d},-1.00,-7,503,1,,,0\n" for i in range(4, 30)]
    rows += [f"{i},1,20,03/{i - 29:02d}/24 00:00:00,-1.00,-7,503,1,,,0\n" for i in range(30, 53)]
    batch = write_batch(
        tmp_path / "recent",
        {
            "TransactionTypes.csv": TRANSACTION_TYPES,
            "Names.csv": NAMES,
            "Committees.csv": COMMITTEES,
            "Transactions.csv": TRANSACTIONS_HEADER + "".join(rows),
        },
    )
    views = expected_views(batch)
    recent = views["mv_dashboard_recent_expenditures"]
    assert [row[0] for row in recent] == list(range(3, 53))
    assert recent[0] == (
        3,
        money("-1.00"),
        date(2024, 1, 1),
        None,
        True,
        "Committee A",
        "Smith for Senate",
        "Smith, Jane",
    )
    assert views["dashboard_aggregations"] == [(money("52.00"), 2, 52, 0, 0, 0)]


def test_percentage_rounds_halves_away_from_zero(tmp_path: Path) -> None:
    """1 for, 15 against: 6.25 % and 93.75 %, which banker's rounding would make 6.2."""
    batch = write_batch(
        tmp_path / "halves",
        {
            "TransactionTypes.csv": TRANSACTION_TYPES,
            "Names.csv": NAMES,
            "Committees.csv": COMMITTEES,
            "Transactions.csv": TRANSACTIONS_HEADER
            + "1,1,20,2024-01-01,-1.00,-7,503,1,,,0\n"
            + "2,1,20,2024-01-01,-15.00,-7,501,0,,,0\n",
        },
    )
    assert expected_views(batch)["ie_benefit_breakdown"] == [
        (False, 1, money("15.00"), Decimal("93.8")),
        (True, 1, money("1.00"), Decimal("6.3")),
    ]


def test_batch_without_transactions_has_zero_filled_rows(tmp_path: Path) -> None:
    batch = write_batch(tmp_path / "empty", {"Committees.csv": COMMITTEES, "Names.csv": NAMES})
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
    batch = write_batch(
        tmp_path / "bad",
        {
            "EntityTypes.csv": ENTITY_TYPES,
            "TransactionTypes.csv": TRANSACTION_TYPES,
            "Names.csv": NAMES,
            "Committees.csv": COMMITTEES,
            "Transactions.csv": TRANSACTIONS_HEADER
            + "1,4,10,2024-02-30,5.00,101,,,,,0\n"
            + "2,4,10,2024-02-01,5.001,101,,,,,0\n"
            + "3,4,10,2024-02-01,5.00,101,,,,,maybe\n"
            + "4,4,10,2024-02-01,7.00,101,,,,,0\n",
        },
    )
    assert expected_views(batch)["top_donors_mv"] == [
        (101, "Peña, José", "Phoenix", "AZ", "Individual", money("7.00"), 1)
    ]


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
def test_parse_date(text: str, expected: date | None) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["2024-02-30", "13/01/24 00:00:00", "yesterday"])
def test_parse_date_rejects_impossible_dates(text: str) -> None:
    with pytest.raises(BadValue):
        parse_date(text)


def test_parse_amount_and_boolean() -> None:
    assert [parse_cents(text) for text in ("-25.5", "100", "0.07", "-0.10", "")] == [
        -2550, 10000, 7, -10, None,
    ]  # fmt: skip
    assert [parse_bool(text) for text in ("1", "0", "true", "FALSE", " True ", "")] == [
        True, False, True, False, True, None,
    ]  # fmt: skip
    for bad in ("1.234", "abc", "10000000000.00", "-"):
        with pytest.raises(BadValue):
            parse_cents(bad)
