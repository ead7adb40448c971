"""The synthetic batch is valid landing data with the real export's quirks (no database)."""

from __future__ import annotations

import csv
import re
from collections import Counter
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from sunshine_pipeline.generate import (
    BALLOT_MEASURES,
    HEADERS,
    IE_TRANSACTION_TYPE_ID,
    LONG_ZIP_SHARE,
    PERSON_ENTITY_TYPE_IDS,
    REPORT_AMENDMENT_SHARE,
    REPORT_NAMES,
    REPORT_TYPES,
    SENTINEL_NAMES,
    SOI_REFILING_SHARE,
    generate_batch,
)

TRANSACTIONS = 20_000
SEED = 7
TRUE = {"1", "true", "TRUE"}
FALSE = {"0", "false", "FALSE"}
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2} 00:00:00$")
MDB_DATE = re.compile(r"^\d{2}/\d{2}/\d{2} 00:00:00$")
ISO_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
MDB_TIMESTAMP = re.compile(r"^\d{2}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}$")
NAMES = round(TRANSACTIONS * 2.33 / 10.1)
REPORTS = round(TRANSACTIONS * 190_000 / 10.1e6)
AMOUNT = re.compile(r"^-?\d{1,10}\.\d{2}$")


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    out = tmp_path_factory.mktemp("batch")
    return out, generate_batch(out, transactions=TRANSACTIONS, seed=SEED)


def read(folder: Path, name: str) -> tuple[list[str], list[list[str]]]:
    with (folder / name).open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


@pytest.fixture(scope="module")
def tables(batch: tuple[Path, dict[str, int]]) -> dict[str, list[dict[str, str]]]:
    folder, _ = batch
    out = {}
    for name in HEADERS:
        header, rows = read(folder, name)
        out[name] = [dict(zip(header, row, strict=True)) for row in rows]
    return out


def parse_date(text: str) -> date:
    return parse_timestamp(text).date()


def parse_timestamp(text: str) -> datetime:
    """Any of the export's date spellings; a two-digit year 00-69 is 20xx."""
    if MDB_TIMESTAMP.match(text):
        return datetime.strptime(text, "%m/%d/%y %H:%M:%S")
    assert ISO_DATE.match(text) or ISO_TIMESTAMP.match(text), text
    return datetime.fromisoformat(text)


def is_ie(row: dict[str, str]) -> bool:
    return row["SubjectCommitteeID"] != ""


def test_files_headers_and_counts(batch: tuple[Path, dict[str, int]]) -> None:
    folder, counts = batch
    assert sorted(p.name for p in folder.iterdir()) == sorted(HEADERS)
    assert counts["Transactions.csv"] == TRANSACTIONS
    assert counts["Names.csv"] == NAMES + len(SENTINEL_NAMES)
    assert counts["Committees.csv"] == 300
    assert (counts["EntityTypes.csv"], counts["Counties.csv"], counts["Parties.csv"],
            counts["Offices.csv"], counts["Cycles.csv"], counts["Categories.csv"]) == (
        43, 15, 8, 70, 19, 71)
    assert counts["TransactionTypes.csv"] >= 40 and 100 <= counts["candidate_soi.csv"] <= 1000
    assert (counts["BallotMeasures.csv"], counts["ReportTypes.csv"],
            counts["ReportNames.csv"]) == (BALLOT_MEASURES, 15, 25) == (
        60, len(REPORT_TYPES), len(REPORT_NAMES))
    assert counts["Reports.csv"] == REPORTS == 376
    assert counts["candidate_soi.csv"] == 300 + round(300 * SOI_REFILING_SHARE)
    assert list(counts)[-1] == "candidate_soi.csv", "written last: it marks a complete batch"
    for name, expected in HEADERS.items():
        header, rows = read(folder, name)
        assert header == expected, name
        assert len(rows) == counts[name], name
        assert all(len(row) == len(header) for row in rows), name


def test_raw_format_is_mdb_export_like(batch: tuple[Path, dict[str, int]]) -> None:
    folder, _ = batch
    raw = (folder / "Names.csv").read_bytes()
    raw.decode("utf-8")
    assert b"\r\n" not in raw and raw.endswith(b"\n")
    assert b',"",' in raw, "an empty string is written as a quoted empty field"
    assert b",,," in raw, "NULL is written as nothing"
    assert b'"Smith, Jones & Co."' in raw and b'"Robert ""Bob"""' in raw
    _, rows = read(folder, "Names.csv")
    assert not {"nan", "NaN", "None", "NULL"} & {v for row in rows for v in row}


def test_ids_unique(tables: dict[str, list[dict[str, str]]]) -> None:
    for name, key in [("Names.csv", "NameID"), ("Committees.csv", "CommitteeID"),
                      ("Transactions.csv", "TransactionID"), ("EntityTypes.csv", "EntityTypeID"),
                      ("TransactionTypes.csv", "TransactionTypeID"),
                      ("Categories.csv", "CategoryID"), ("BallotMeasures.csv", "BallotMeasureID"),
                      ("ReportTypes.csv", "ReportTypeID"), ("ReportNames.csv", "ReportNameID"),
                      ("Reports.csv", "ReportID")]:
        ids = [int(r[key]) for r in tables[name]]
        assert len(ids) == len(set(ids)), name
    for name, key in [("Transactions.csv", "TransactionID"), ("Reports.csv", "ReportID")]:
        ids = [int(r[key]) for r in tables[name]]
        assert ids == sorted(ids) and ids[0] > 0, name
        assert ids[-1] - ids[0] + 1 > len(ids), f"{name}: ids have gaps"


def test_soi_keys(tables: dict[str, list[dict[str, str]]]) -> None:
    """Unique on the site's key (Name, Office, FilingDate as a date, whatever its spelling);
    an exact few candidates filed a second statement for the same office."""
    rows = tables["candidate_soi.csv"]
    offices = {r["OfficeName"] for r in tables["Offices.csv"]}
    assert all(r["Name"] and r["Office"] in offices and r["FilingDate"] for r in rows)
    keys = [(r["Name"], r["Office"], parse_date(r["FilingDate"])) for r in rows]
    assert len(keys) == len(set(keys))
    pairs = Counter((r["Name"], r["Office"]) for r in rows)
    assert sum(c - 1 for c in pairs.values()) == round(300 * SOI_REFILING_SHARE) == 6
    assert any(r["Email"] == "" for r in rows) and any(r["Phone"] == "" for r in rows)
    assert len({r["SourceURL"] for r in rows}) == len(rows)


def test_references_resolve(tables: dict[str, list[dict[str, str]]]) -> None:
    names = {int(r["NameID"]) for r in tables["Names.csv"]}
    committees = {int(r["CommitteeID"]) for r in tables["Committees.csv"]}
    types = {int(r["TransactionTypeID"]) for r in tables["TransactionTypes.csv"]}
    entity_types = {int(r["EntityTypeID"]) for r in tables["EntityTypes.csv"]}
    categories = {int(r["CategoryID"]) for r in tables["Categories.csv"]}
    counties = {int(r["CountyID"]) for r in tables["Counties.csv"]}
    parties = {int(r["PartyID"]) for r in tables["Parties.csv"]}
    offices = {int(r["OfficeID"]) for r in tables["Offices.csv"]}
    cycles = {int(r["CycleID"]) for r in tables["Cycles.csv"]}
    measures = {int(r["BallotMeasureID"]) for r in tables["BallotMeasures.csv"]}
    transactions = {int(r["TransactionID"]) for r in tables["Transactions.csv"]}
    assert committees == set(range(1, 301))
    for r in tables["Names.csv"]:
        assert int(r["EntityTypeID"]) in entity_types
        assert int(r["NameGroupID"]) in names
        assert r["CountyID"] == "" or int(r["CountyID"]) in counties
    for r in tables["Committees.csv"]:
        assert int(r["NameID"]) in names
        for col in ["CandidateNameID", "ChairpersonNameID", "TreasurerNameID",
                    "DesigneeNameID", "SponsorNameID"]:
            assert r[col] == "" or int(r[col]) in names, col
        for col, ids in [("CandidatePartyID", parties), ("CandidateOfficeID", offices),
                         ("CandidateCountyID", counties), ("CandidateCycleID", cycles),
                         ("BallotMeasureID", measures)]:
            assert r[col] == "" or int(r[col]) in ids, col
    for r in tables["Transactions.csv"]:
        assert int(r["CommitteeID"]) in committees
        assert int(r["NameID"]) in names
        assert int(r["TransactionTypeID"]) in types
        assert r["SubjectCommitteeID"] == "" or int(r["SubjectCommitteeID"]) in names
        assert r["CategoryID"] == "" or int(r["CategoryID"]) in categories
        assert r["ModifiesTransactionID"] == "" or int(r["ModifiesTransactionID"]) in transactions


def test_sentinels_and_name_quirks(tables: dict[str, list[dict[str, str]]]) -> None:
    names = {int(r["NameID"]): r for r in tables["Names.csv"]}
    for nid, text in SENTINEL_NAMES.items():
        assert names[nid]["LastName"] == text and names[nid]["FirstName"] == ""
    assert sorted(names)[:7] == [-7, -5, -3, -2, -1, 0, 1]
    used = Counter(int(r["NameID"]) for r in tables["Transactions.csv"])
    assert used[-1] > 0 and used[-7] > 0
    lasts = {r["LastName"] for r in names.values()}
    assert {"Peña", "O'Brien", "Nguyễn", "Smith, Jones & Co."} <= lasts
    firsts = {r["FirstName"] for r in names.values()}
    assert any('"' in f for f in firsts)
    shifted = [r for r in names.values()
               if re.fullmatch(r"\d\d", r["State"]) and re.fullmatch(r"\$\d+\.00", r["ZipCode"])]
    assert len(shifted) == round(4614 * 0.0065)
    assert 0 < sum(r["LastName"] == "" for r in names.values()) < 10
    assert {"AZ", "Az", "az.", "AZ "} <= {r["State"] for r in names.values()}


def test_long_zip_codes(tables: dict[str, list[dict[str, str]]]) -> None:
    """An exact share of ZIP codes overflows the site's varchar(10); no text passes 50."""
    rows = tables["Names.csv"]
    long_zip = [r["ZipCode"] for r in rows if len(r["ZipCode"]) > 10]
    assert len(long_zip) == max(1, round(NAMES * LONG_ZIP_SHARE)) == 2
    assert all(re.search(r"\d{5}", z) for z in long_zip)
    assert all(len(r["State"]) <= 50 and len(r["ZipCode"]) <= 50 for r in rows)
    assert all(len(r["PhysicalState"]) <= 50 for r in tables["Committees.csv"])
    assert {len(r["State"]) for r in rows} >= {2, 3}
    assert any(len(r["PhysicalState"]) == 3 for r in tables["Committees.csv"])


def test_long_zip_share_is_exact(tmp_path: Path) -> None:
    generate_batch(tmp_path, transactions=100_000, seed=5)
    _, rows = read(tmp_path, "Names.csv")
    assert sum(len(r[11]) > 10 for r in rows) == round(round(100_000 * 2.33 / 10.1) * 0.0005)


def test_committees(tables: dict[str, list[dict[str, str]]]) -> None:
    names = {int(r["NameID"]): r for r in tables["Names.csv"]}
    committees = tables["Committees.csv"]
    candidate = [r for r in committees if r["CandidateNameID"]]
    assert len(candidate) == 180
    for r in candidate:
        assert int(names[int(r["CandidateNameID"])]["EntityTypeID"]) in PERSON_ENTITY_TYPE_IDS
        assert r["CandidateOfficeID"] and r["CandidateCycleID"]
    for r in committees:
        record = names[int(r["NameID"])]
        assert record["LastName"] and record["FirstName"] == ""
        assert int(record["EntityTypeID"]) not in PERSON_ENTITY_TYPE_IDS
    shared = Counter(r["NameID"] for r in committees)
    assert 1 <= sum(c > 1 for c in shared.values()) <= 5
    incumbent = {r["CandidateIsIncumbent"] for r in candidate}
    assert incumbent <= TRUE | FALSE | {""} and len(incumbent) >= 4
    ballot = [r for r in committees if r["BallotMeasureID"]]
    assert len(ballot) == 15
    assert all(int(names[int(r["NameID"])]["EntityTypeID"]) == 18 for r in ballot)
    assert {r["BenefitsBallotMeasure"] for r in ballot} <= TRUE | FALSE | {""}
    assert {r["BenefitsBallotMeasure"] for r in ballot} & TRUE
    assert {r["BenefitsBallotMeasure"] for r in ballot} & FALSE
    assert all(r["BenefitsBallotMeasure"] == "" for r in committees if not r["BallotMeasureID"])


def test_ballot_measures(tables: dict[str, list[dict[str, str]]]) -> None:
    rows = tables["BallotMeasures.csv"]
    sos = [r["SOSIdentifier"] for r in rows]
    assert len(set(sos)) == len(sos) and all(0 < len(s) <= 50 for s in sos)
    assert max(map(len, sos)) > 40
    assert all(0 < len(r["ShortTitle"]) <= 500 for r in rows)
    assert all(len(r["MeasureNumber"]) <= 10 for r in rows)
    assert any(r["MeasureNumber"] == "" for r in rows) and any(r["MeasureNumber"] for r in rows)
    titles = [r["OfficialTitle"] for r in rows]
    assert sum(t == "" for t in titles) == 2
    assert max(map(len, titles)) > 1000
    assert all(any(c in t for t in titles) for c in ',"\n')


def test_report_lookups(tables: dict[str, list[dict[str, str]]]) -> None:
    types = tables["ReportTypes.csv"]
    assert [r["ReportTypeName"] for r in types] == [t[0] for t in REPORT_TYPES]
    active = {r["IsActive"] for r in types}
    assert active <= TRUE | FALSE and active & TRUE and active & FALSE and len(active) >= 4
    names = [r["ReportName"] for r in tables["ReportNames.csv"]]
    assert names == REPORT_NAMES and {"2024 Q1 Report", "Pre-Primary"} <= set(names)
    assert all(0 < len(n) <= 100 for n in names + [r["ReportTypeName"] for r in types])


def check_reports(rows: list[dict[str, str]], committees: set[int], cycles: set[int],
                  types: set[int], names: set[int]) -> list[dict[str, str]]:
    """Every reference valid, every date present and ordered; amendments point at an
    earlier report (smaller id, earlier in the file) of the same committee, filed before."""
    seen: dict[str, dict[str, str]] = {}
    amendments = []
    for r in rows:
        assert int(r["CommitteeID"]) in committees and int(r["CycleID"]) in cycles
        assert int(r["ReportTypeID"]) in types and int(r["ReportNameID"]) in names
        begin, end, filing_begin, filing_end, filed = (parse_timestamp(r[c]) for c in [
            "ReportPeriodBeginDate", "ReportPeriodEndDate", "FilingPeriodBeginDate",
            "FilingPeriodEndDate", "FilingDateTime"])
        assert begin <= end < filing_begin <= filing_end and filing_begin <= filed
        assert datetime(2000, 1, 1) <= begin and filed <= datetime(2025, 12, 31, 23, 59, 59)
        assert ISO_TIMESTAMP.match(r["FilingDateTime"]) or MDB_TIMESTAMP.match(
            r["FilingDateTime"])
        assert filed.time() != datetime.min.time()
        if r["OriginalReportID"]:
            original = seen[r["OriginalReportID"]]
            assert int(original["ReportID"]) < int(r["ReportID"])
            assert not original["OriginalReportID"]
            for col in ["CommitteeID", "CycleID", "ReportTypeID", "ReportNameID"]:
                assert original[col] == r[col], col
            assert parse_timestamp(original["FilingDateTime"]) < filed
            amendments.append(r)
        seen[r["ReportID"]] = r
    return amendments


def test_reports(tables: dict[str, list[dict[str, str]]]) -> None:
    rows = tables["Reports.csv"]
    amendments = check_reports(
        rows, {int(r["CommitteeID"]) for r in tables["Committees.csv"]},
        {int(r["CycleID"]) for r in tables["Cycles.csv"]},
        {int(r["ReportTypeID"]) for r in tables["ReportTypes.csv"]},
        {int(r["ReportNameID"]) for r in tables["ReportNames.csv"]})
    assert len(amendments) == round(REPORTS * REPORT_AMENDMENT_SHARE) == 19
    filed = [r["FilingDateTime"] for r in rows]
    assert any(ISO_TIMESTAMP.match(f) for f in filed) and any(MDB_TIMESTAMP.match(f) for f in filed)
    begins = [r["ReportPeriodBeginDate"] for r in rows]
    for pattern in (ISO_DATE, ISO_DATETIME, MDB_DATE):
        assert sum(bool(pattern.match(d)) for d in begins) > 0.15 * len(rows)
    assert len({r["CommitteeID"] for r in rows}) > 100
    assert len({r["ReportTypeID"] for r in rows}) >= 8
    assert len({r["ReportNameID"] for r in rows}) >= 15
    cycle_years = {r["CycleID"]: int(r["CycleName"]) for r in tables["Cycles.csv"]}
    for r in rows:
        year = parse_date(r["ReportPeriodBeginDate"]).year
        assert cycle_years[r["CycleID"]] == year + year % 2


def test_reports_is_a_parameter(tmp_path: Path) -> None:
    assert generate_batch(tmp_path / "a", transactions=100, seed=1, reports=500)[
        "Reports.csv"] == 500
    _, rows = read(tmp_path / "a", "Reports.csv")
    assert sum(r[10] != "" for r in rows) == 25
    assert generate_batch(tmp_path / "b", transactions=100, seed=1)["Reports.csv"] == 60
    assert generate_batch(tmp_path / "c", transactions=100, seed=1, reports=0)[
        "Reports.csv"] == 0
    assert (tmp_path / "c" / "Reports.csv").read_text().count("\n") == 1


def test_transaction_shapes(tables: dict[str, list[dict[str, str]]]) -> None:
    ien = {r["TransactionTypeID"]: r["IncomeExpenseNeutralID"]
           for r in tables["TransactionTypes.csv"]}
    rows = tables["Transactions.csv"]
    income = [r for r in rows if ien[r["TransactionTypeID"]] == "1"]
    expense = [r for r in rows if ien[r["TransactionTypeID"]] == "2"]
    assert len(income) / len(rows) == pytest.approx(0.91, abs=0.005)
    assert len(expense) / len(rows) == pytest.approx(0.09, abs=0.005)
    assert all(AMOUNT.match(r["Amount"]) for r in rows)
    assert all(Decimal(r["Amount"]) < 0 for r in expense)
    refunds = sum(Decimal(r["Amount"]) < 0 for r in income)
    assert refunds / len(income) == pytest.approx(0.01, abs=0.004)
    assert max(Decimal(r["Amount"]) for r in rows) == Decimal("25600000.00")
    assert any("\n" in r["Memo"] for r in rows)
    assert any(r["CategoryID"] for r in rows) and any(r["AccountType"] for r in rows)


def test_date_and_boolean_spellings(tables: dict[str, list[dict[str, str]]]) -> None:
    rows = tables["Transactions.csv"]
    dates = [r["TransactionDate"] for r in rows]
    for pattern in (ISO_DATE, ISO_DATETIME, MDB_DATE):
        assert sum(bool(pattern.match(d)) for d in dates) > 0.2 * len(dates)
    assert sum(d == "" for d in dates) / len(dates) == pytest.approx(0.001, abs=0.001)
    assert all(d == "" or ISO_DATE.match(d) or ISO_DATETIME.match(d) or MDB_DATE.match(d)
               for d in dates)
    parsed = [parse_date(d) for d in dates if d]
    assert min(parsed) >= date(2000, 1, 1) and max(parsed) <= date(2025, 12, 31)
    assert {r["Deleted"] for r in rows} == TRUE | FALSE
    assert sum(r["Deleted"] in TRUE for r in rows) / len(rows) == pytest.approx(0.015, abs=0.004)


def test_ie_rows(tables: dict[str, list[dict[str, str]]]) -> None:
    rows = tables["Transactions.csv"]
    committee_names = {r["NameID"] for r in tables["Committees.csv"]}
    ie = [r for r in rows if is_ie(r)]
    assert len(ie) == pytest.approx(TRANSACTIONS * 0.0004, abs=2)
    assert all(r["TransactionTypeID"] == str(IE_TRANSACTION_TYPE_ID) for r in ie)
    assert all(Decimal(r["Amount"]) < 0 for r in ie)
    assert all(r["IsForBenefit"] == "" for r in rows if not is_ie(r))
    assert {r["IsForBenefit"] for r in ie} & TRUE and {r["IsForBenefit"] for r in ie} & FALSE
    assert any(r["IsForBenefit"] == "" for r in ie)
    assert any(r["SubjectCommitteeID"] not in committee_names for r in ie), "legacy target"
    assert any(r["TransactionDate"] == "" for r in ie)
    dated = Counter(parse_date(r["TransactionDate"]) for r in ie if r["TransactionDate"])
    assert max(dated.values()) >= 2, "two IE rows on one day, to exercise tie-breaking"


def test_ie_share_is_a_parameter(tmp_path: Path) -> None:
    generate_batch(tmp_path, transactions=5_000, seed=1, ie_share=0.01)
    _, rows = read(tmp_path, "Transactions.csv")
    assert sum(row[6] != "" for row in rows) == pytest.approx(50, abs=2)


def test_duplicates_and_amendments(tables: dict[str, list[dict[str, str]]]) -> None:
    ien = {r["TransactionTypeID"]: r["IncomeExpenseNeutralID"]
           for r in tables["TransactionTypes.csv"]}
    rows = tables["Transactions.csv"]
    income = [tuple(v for k, v in r.items() if k != "TransactionID")
              for r in rows if ien[r["TransactionTypeID"]] == "1"]
    duplicates = len(income) - len(set(income))
    assert duplicates / len(income) == pytest.approx(0.076, abs=0.004)

    by_id = {r["TransactionID"]: r for r in rows}
    amendments = [r for r in rows if r["ModifiesTransactionID"]]
    assert len(amendments) == pytest.approx(TRANSACTIONS * 0.005, abs=2)
    for r in amendments:
        original = by_id[r["ModifiesTransactionID"]]
        assert int(original["TransactionID"]) < int(r["TransactionID"])
        assert original["Deleted"] in TRUE and r["Deleted"] in FALSE


def test_deterministic(tmp_path: Path, batch: tuple[Path, dict[str, int]]) -> None:
    folder, _ = batch
    generate_batch(tmp_path / "same", transactions=TRANSACTIONS, seed=SEED)
    generate_batch(tmp_path / "other", transactions=TRANSACTIONS, seed=SEED + 1)
    for name in HEADERS:
        assert (tmp_path / "same" / name).read_bytes() == (folder / name).read_bytes(), name
    assert (tmp_path / "other" / "Transactions.csv").read_bytes() != (
        folder / "Transactions.csv").read_bytes()
    assert (tmp_path / "other" / "Names.csv").read_bytes() != (folder / "Names.csv").read_bytes()


def test_chunks_join_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sunshine_pipeline.generate.CHUNK_ROWS", 3_000)
    counts = generate_batch(tmp_path, transactions=10_000, seed=3, names=2_500, reports=7_001)
    _, rows = read(tmp_path, "Transactions.csv")
    ids = [int(r[0]) for r in rows]
    assert len(rows) == counts["Transactions.csv"] == 10_000
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    header, rows = read(tmp_path, "Reports.csv")
    reports = [dict(zip(header, r, strict=True)) for r in rows]
    ids = [int(r["ReportID"]) for r in reports]
    assert len(reports) == counts["Reports.csv"] == 7_001
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    amendments = check_reports(reports, set(range(1, 301)), set(range(1, 20)),
                               set(range(1, 16)), set(range(1, 26)))
    assert len(amendments) == round(7_001 * REPORT_AMENDMENT_SHARE)
    _, names = read(tmp_path, "Names.csv")
    assert [int(r[0]) for r in names] == [-7, -5, -3, -2, -1, *range(0, 2_501)]


def test_sizes(tmp_path: Path) -> None:
    counts = generate_batch(tmp_path / "tiny", transactions=100, seed=2)
    assert counts["Transactions.csv"] == 100 and counts["Committees.csv"] == 300
    with pytest.raises(ValueError, match="names must be"):
        generate_batch(tmp_path / "bad", transactions=100, names=50)
    with pytest.raises(ValueError, match="ie_share"):
        generate_batch(tmp_path / "bad", transactions=100, ie_share=0.5)
    with pytest.raises(ValueError, match="reports"):
        generate_batch(tmp_path / "bad", transactions=100, reports=-1)
