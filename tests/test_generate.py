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
    HEADERS,
    IE_TRANSACTION_TYPE_ID,
    PERSON_ENTITY_TYPE_IDS,
    SENTINEL_NAMES,
    generate_batch,
)

TRANSACTIONS = 20_000
SEED = 7
TRUE = {"1", "true", "TRUE"}
FALSE = {"0", "false", "FALSE"}
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2} 00:00:00$")
MDB_DATE = re.compile(r"^\d{2}/\d{2}/\d{2} 00:00:00$")
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
    if MDB_DATE.match(text):
        return datetime.strptime(text, "%m/%d/%y %H:%M:%S").date()
    return date.fromisoformat(text[:10])


def is_ie(row: dict[str, str]) -> bool:
    return row["SubjectCommitteeID"] != ""


def test_files_headers_and_counts(batch: tuple[Path, dict[str, int]]) -> None:
    folder, counts = batch
    assert sorted(p.name for p in folder.iterdir()) == sorted(HEADERS)
    assert counts["Transactions.csv"] == TRANSACTIONS
    assert counts["Names.csv"] == round(TRANSACTIONS * 2.33 / 10.1) + len(SENTINEL_NAMES)
    assert counts["Committees.csv"] == 300
    assert (counts["EntityTypes.csv"], counts["Counties.csv"], counts["Parties.csv"],
            counts["Offices.csv"], counts["Cycles.csv"], counts["Categories.csv"]) == (
        43, 15, 8, 70, 19, 71)
    assert counts["TransactionTypes.csv"] >= 40 and 100 <= counts["candidate_soi.csv"] <= 1000
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
                      ("Categories.csv", "CategoryID")]:
        ids = [int(r[key]) for r in tables[name]]
        assert len(ids) == len(set(ids)), name
    tx_ids = [int(r["TransactionID"]) for r in tables["Transactions.csv"]]
    assert tx_ids == sorted(tx_ids) and tx_ids[0] > 0
    assert tx_ids[-1] - tx_ids[0] + 1 > len(tx_ids), "ids have gaps"
    soi = [(r["Name"], r["Office"]) for r in tables["candidate_soi.csv"]]
    assert len(soi) == len(set(soi))


def test_references_resolve(tables: dict[str, list[dict[str, str]]]) -> None:
    names = {int(r["NameID"]) for r in tables["Names.csv"]}
    committees = {int(r["CommitteeID"]) for r in tables["Committees.csv"]}
    types = {int(r["TransactionTypeID"]) for r in tables["TransactionTypes.csv"]}
    entity_types = {int(r["EntityTypeID"]) for r in tables["EntityTypes.csv"]}
    categories = {int(r["CategoryID"]) for r in tables["Categories.csv"]}
    counties = {int(r["CountyID"]) for r in tables["Counties.csv"]}
    assert committees == set(range(1, 301))
    for r in tables["Names.csv"]:
        assert int(r["EntityTypeID"]) in entity_types
        assert r["CountyID"] == "" or int(r["CountyID"]) in counties
    for r in tables["Committees.csv"]:
        for col in ["NameID", "CandidateNameID", "ChairpersonNameID", "TreasurerNameID",
                    "DesigneeNameID", "SponsorNameID"]:
            assert r[col] == "" or int(r[col]) in names, col
    for r in tables["Transactions.csv"]:
        assert int(r["CommitteeID"]) in committees
        assert int(r["NameID"]) in names
        assert int(r["TransactionTypeID"]) in types
        assert r["SubjectCommitteeID"] == "" or int(r["SubjectCommitteeID"]) in names
        assert r["CategoryID"] == "" or int(r["CategoryID"]) in categories


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
    counts = generate_batch(tmp_path, transactions=10_000, seed=3, names=2_500)
    _, rows = read(tmp_path, "Transactions.csv")
    ids = [int(r[0]) for r in rows]
    assert len(rows) == counts["Transactions.csv"] == 10_000
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    _, names = read(tmp_path, "Names.csv")
    assert [int(r[0]) for r in names] == [-7, -5, -3, -2, -1, *range(0, 2_501)]


def test_sizes(tmp_path: Path) -> None:
    counts = generate_batch(tmp_path / "tiny", transactions=100, seed=2)
    assert counts["Transactions.csv"] == 100 and counts["Committees.csv"] == 300
    with pytest.raises(ValueError, match="names must be"):
        generate_batch(tmp_path / "bad", transactions=100, names=50)
    with pytest.raises(ValueError, match="ie_share"):
        generate_batch(tmp_path / "bad", transactions=100, ie_share=0.5)
