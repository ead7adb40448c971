"""Expected rows of the nine dashboard views, computed with pandas from a batch's CSV files.

The end-to-end test imports a batch into PostgreSQL, builds the views in SQL and compares
each view with `expected_views(batch_dir)`. Nothing here reads the database or shares code
with the package: the figures are recomputed from the landing files by a second route,
following domain.md ("The nine views"), so a fault in the import or in a view's SQL shows
up as a difference.

Rows the import must quarantine never reach the views, so they are left out here too: a
transaction whose CommitteeID, TransactionTypeID, NameID or SubjectCommitteeID names no
committee, type or name record (bad reference), a committee whose NameID names no record,
and any row with a value that does not parse (bad value: an impossible date, a malformed id,
amount or boolean, an amount beyond numeric(12,2), an empty key). When a key repeats in a
file, every copy is quarantined.

Values come back as psycopg 3 returns them: int ids and counts, Decimal amounts (two
places, summed in integer cents), Decimal percentages (one place), datetime.date, bool,
str, and None for NULL.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pandas as pd

TOP_N = 10
RECENT_N = 50
MAX_ABS_CENTS = 10**12  # numeric(12,2) holds up to 9,999,999,999.99

VIEW_COLUMNS: dict[str, tuple[str, ...]] = {
    "top_donors_mv": (
        "entity_id",
        "entity_name",
        "city",
        "state",
        "entity_type",
        "total_contributed",
        "contribution_count",
    ),
    "mv_dashboard_top_donors": (
        "entity_id",
        "entity_name",
        "entity_type",
        "total_contributed",
        "contribution_count",
    ),
    "mv_committee_ie_summary": (
        "committee_id",
        "committee_name",
        "subject_committee_id",
        "subject_committee_name",
        "support_amount",
        "oppose_amount",
        "total_amount",
        "support_count",
        "oppose_count",
        "expenditure_count",
        "first_expenditure_date",
        "last_expenditure_date",
    ),
    "top_ie_committees_mv": ("committee_id", "committee", "total_spending", "transaction_count"),
    "mv_dashboard_top_ie_committees": (
        "committee_id",
        "committee_name",
        "total_spent",
        "expenditure_count",
    ),
    "ie_benefit_breakdown": ("is_for_benefit", "transaction_count", "total_amount", "percentage"),
    "mv_dashboard_support_oppose": (
        "total_for_benefit",
        "total_not_for_benefit",
        "count_for_benefit",
        "count_not_for_benefit",
    ),
    "mv_dashboard_recent_expenditures": (
        "id",
        "amount",
        "expenditure_date",
        "purpose",
        "is_for_benefit",
        "committee_name",
        "subject_committee_name",
        "candidate_name",
    ),
    "dashboard_aggregations": (
        "total_ie_spending",
        "candidate_committees",
        "num_expenditures",
        "soi_total",
        "soi_uncontacted",
        "soi_pledged",
    ),
}

VIEW_SORT_KEYS: dict[str, tuple[str, ...]] = {
    "top_donors_mv": ("entity_id",),
    "mv_dashboard_top_donors": ("entity_id",),
    "mv_committee_ie_summary": ("committee_id", "subject_committee_id"),
    "top_ie_committees_mv": ("committee_id",),
    "mv_dashboard_top_ie_committees": ("committee_id",),
    "ie_benefit_breakdown": ("is_for_benefit",),
    "mv_dashboard_support_oppose": (),
    "mv_dashboard_recent_expenditures": ("id",),
    "dashboard_aggregations": (),
}


class BadValue(ValueError):
    """A field that is present but cannot be loaded; the import quarantines its row."""


_INT = re.compile(r"[+-]?\d+")
_AMOUNT = re.compile(r"(-?)(\d*)(?:\.(\d{0,2}))?")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_US_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})(?: \d{1,2}:\d{2}(?::\d{2})?)?")
_TRUE = {"1", "true"}
_FALSE = {"0", "false"}


def parse_int(text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not _INT.fullmatch(text):
        raise BadValue(f"not an integer: {text!r}")
    return int(text)


def parse_cents(text: str) -> int | None:
    """An amount such as '-25.5' as integer cents (-2550)."""
    text = text.strip()
    if not text:
        return None
    match = _AMOUNT.fullmatch(text)
    if not match or not (match[2] or match[3]):
        raise BadValue(f"not an amount: {text!r}")
    sign, units, fraction = match[1], match[2] or "0", (match[3] or "").ljust(2, "0")
    cents = int(units) * 100 + int(fraction)
    if cents >= MAX_ABS_CENTS:
        raise BadValue(f"amount out of range: {text!r}")
    return -cents if sign else cents


def parse_bool(text: str) -> bool | None:
    text = text.strip().lower()
    if not text:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise BadValue(f"not a boolean: {text!r}")


def parse_date(text: str) -> date | None:
    """ISO dates (time ignored) and mdb-export's MM/DD/YY; two-digit years 00-69 are 20xx."""
    text = text.strip()
    if not text:
        return None
    try:
        if match := _ISO_DATE.fullmatch(text):
            return date(int(match[1]), int(match[2]), int(match[3]))
        if match := _US_DATE.fullmatch(text):
            year = int(match[3])
            if len(match[3]) == 2:
                year += 2000 if year < 70 else 1900
            return date(year, int(match[1]), int(match[2]))
    except ValueError as error:
        raise BadValue(f"impossible date: {text!r}") from error
    raise BadValue(f"not a date: {text!r}")


def parse_text(text: str) -> str | None:
    return text if text else None


def display_name(last_name: str | None, first_name: str | None) -> str:
    last_name, first_name = last_name or "", first_name or ""
    if last_name and first_name:
        return f"{last_name}, {first_name}"
    return last_name or first_name or "Unknown"


_COLUMNS: dict[str, dict[str, Callable[[str], Any]]] = {
    "EntityTypes": {"EntityTypeID": parse_int, "EntityTypeName": parse_text},
    "TransactionTypes": {"TransactionTypeID": parse_int, "IncomeExpenseNeutralID": parse_int},
    "Names": {
        "NameID": parse_int,
        "EntityTypeID": parse_int,
        "LastName": parse_text,
        "FirstName": parse_text,
        "City": parse_text,
        "State": parse_text,
    },
    "Committees": {"CommitteeID": parse_int, "NameID": parse_int, "CandidateNameID": parse_int},
    "Transactions": {
        "TransactionID": parse_int,
        "CommitteeID": parse_int,
        "TransactionTypeID": parse_int,
        "TransactionDate": parse_date,
        "Amount": parse_cents,
        "NameID": parse_int,
        "SubjectCommitteeID": parse_int,
        "IsForBenefit": parse_bool,
        "Memo": parse_text,
        "Deleted": parse_bool,
    },
    "candidate_soi": {"Name": parse_text},
}

_KEYS = {
    "EntityTypes": "EntityTypeID",
    "TransactionTypes": "TransactionTypeID",
    "Names": "NameID",
    "Committees": "CommitteeID",
    "Transactions": "TransactionID",
}


def read_table(batch_dir: Path, table: str) -> pd.DataFrame:
    """A table's wanted columns, parsed; rows with a bad value or no key are left out.

    The file and its headers are matched case-insensitively; a missing file is an empty
    table and a missing column is all NULL.
    """
    converters = _COLUMNS[table]
    files = {path.name.lower(): path for path in Path(batch_dir).iterdir()}
    path = files.get(f"{table.lower()}.csv")
    raw = pd.DataFrame()
    if path is not None and path.stat().st_size > 0:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)
    headers = {str(header).lstrip("\ufeff").strip().lower(): header for header in raw.columns}
    fields = [
        raw[headers[column.lower()]].fillna("").tolist()
        if column.lower() in headers
        else [""] * len(raw)
        for column in converters
    ]
    records = []
    for values in zip(*fields, strict=True):
        try:
            records.append(
                {
                    column: parse(value)
                    for (column, parse), value in zip(converters.items(), values, strict=True)
                }
            )
        except BadValue:
            continue
    table_frame = pd.DataFrame.from_records(records, columns=list(converters)).astype(object)
    table_frame = table_frame.where(table_frame.notna(), None)
    key = _KEYS.get(table)
    if key is not None:
        table_frame = table_frame[table_frame[key].notna()]
        table_frame = table_frame.drop_duplicates(key, keep=False)
    return table_frame.reset_index(drop=True)


def _money(cents: Any) -> Decimal:
    return Decimal(int(cents)).scaleb(-2)


def _optional_money(cents: Any) -> Decimal | None:
    return None if pd.isna(cents) else _money(cents)


def _day(ordinal: Any) -> date | None:
    return None if pd.isna(ordinal) else date.fromordinal(int(ordinal))


def _optional(value: Any) -> Any:
    return None if value is None or value is pd.NA else value


def _percentage(part: int, whole: int) -> Decimal | None:
    """round(100 * part / whole, 1), halves away from zero as PostgreSQL rounds numeric."""
    if whole == 0:
        return None
    tenths = Fraction(1000 * part, whole)
    rounded = int(abs(tenths) + Fraction(1, 2))
    return Decimal(rounded if tenths >= 0 else -rounded).scaleb(-1)


def _top(rows: list[tuple], amount_index: int) -> list[tuple]:
    return sorted(rows, key=lambda row: (-row[amount_index], row[0]))[:TOP_N]


class _Names:
    """Display names of name records and of committees, real or synthesized."""

    def __init__(self, names: pd.DataFrame, committees: pd.DataFrame) -> None:
        self.records = {int(row.NameID): row for row in names.itertuples(index=False)}
        self.committees = {
            int(row.CommitteeID): (row.NameID, row.CandidateNameID)
            for row in committees.itertuples(index=False)
        }
        by_name: dict[int, int] = {}
        for committee_id, (name_id, _) in sorted(self.committees.items()):
            if name_id is not None:
                by_name.setdefault(int(name_id), committee_id)
        self.committee_by_name = by_name

    def of_name(self, name_id: int | None) -> str:
        record = self.records.get(name_id) if name_id is not None else None
        return "Unknown" if record is None else display_name(record.LastName, record.FirstName)

    def resolve_subject(self, name_id: int) -> int:
        return self.committee_by_name.get(name_id, -name_id)

    def of_committee(self, committee_id: int) -> str:
        if committee_id in self.committees:
            return self.of_name(self.committees[committee_id][0])
        return self.of_name(-committee_id)

    def candidate_of_committee(self, committee_id: int) -> str:
        candidate_id = self.committees.get(committee_id, (None, None))[1]
        if candidate_id is None:
            return self.of_committee(committee_id)
        return self.of_name(candidate_id)


def _live_transactions(
    transactions: pd.DataFrame,
    committees: pd.DataFrame,
    income_types: set[int],
    known_types: set[int],
    known_names: set[int],
) -> pd.DataFrame:
    """Rows the importer accepts (references to a known committee, transaction type and name
    records, as issue #3 demands; anything else is quarantined), then the live ones."""
    def known_or_empty(column: pd.Series, known: set[int]) -> pd.Series:
        return column.isna() | column.isin(known)

    loaded = transactions[
        transactions["CommitteeID"].isin(set(committees["CommitteeID"]))
        & transactions["TransactionTypeID"].isin(known_types)
        & known_or_empty(transactions["NameID"], known_names)
        & known_or_empty(transactions["SubjectCommitteeID"], known_names)
    ]
    live = loaded[loaded["Deleted"].map(lambda deleted: deleted is not True).astype(bool)]
    frame = pd.DataFrame(
        {
            "transaction_id": live["TransactionID"].astype("Int64"),
            "committee_id": live["CommitteeID"].astype("Int64"),
            "entity_id": live["NameID"].astype("Int64"),
            "subject_name_id": live["SubjectCommitteeID"].astype("Int64"),
            "cents": live["Amount"].astype("Int64"),
            "day": live["TransactionDate"]
            .map(lambda day: None if day is None else day.toordinal())
            .astype("Int64"),
            "is_for_benefit": live["IsForBenefit"].astype("boolean"),
            "memo": live["Memo"],
            "is_income": live["TransactionTypeID"].isin(income_types),
        }
    )
    return frame.reset_index(drop=True)


def _donor_views(live: pd.DataFrame, names: _Names, entity_types: dict) -> dict[str, list]:
    contributions = live[live["subject_name_id"].isna() & live["is_income"]]
    contributions = contributions[contributions["entity_id"].fillna(0) > 0]
    totals = contributions.groupby("entity_id").agg(
        cents=("cents", lambda cents: cents.fillna(0).sum()), count=("cents", "size")
    )
    rows = []
    for entity_id, total in totals.iterrows():
        record = names.records.get(int(entity_id))
        type_id = None if record is None else record.EntityTypeID
        rows.append(
            (
                int(entity_id),
                names.of_name(int(entity_id)),
                None if record is None else record.City,
                None if record is None else record.State,
                entity_types.get(type_id),
                _money(total["cents"]),
                int(total["count"]),
            )
        )
    top = _top(rows, amount_index=5)
    return {
        "top_donors_mv": sorted(rows),
        "mv_dashboard_top_donors": sorted((row[0], row[1], row[4], row[5], row[6]) for row in top),
    }


def _ie_views(ie: pd.DataFrame, names: _Names) -> dict[str, list]:
    support = ie["is_for_benefit"].fillna(False).astype(bool)
    oppose = (~ie["is_for_benefit"]).fillna(False).astype(bool)
    spent = ie["cents"].abs().fillna(0).astype("int64")
    parts = pd.DataFrame(
        {
            "committee_id": ie["committee_id"],
            "subject_committee_id": ie["subject_committee_id"],
            "spent": spent,
            "support": spent.where(support, 0),
            "oppose": spent.where(oppose, 0),
            "is_support": support.astype("int64"),
            "is_oppose": oppose.astype("int64"),
            "day": ie["day"],
        }
    )
    pairs = parts.groupby(["committee_id", "subject_committee_id"]).agg(
        support=("support", "sum"),
        oppose=("oppose", "sum"),
        spent=("spent", "sum"),
        supports=("is_support", "sum"),
        opposes=("is_oppose", "sum"),
        count=("spent", "size"),
        first=("day", "min"),
        last=("day", "max"),
    )
    summary = [
        (
            int(committee_id),
            names.of_committee(int(committee_id)),
            int(subject_id),
            names.of_committee(int(subject_id)),
            _money(pair["support"]),
            _money(pair["oppose"]),
            _money(pair["spent"]),
            int(pair["supports"]),
            int(pair["opposes"]),
            int(pair["count"]),
            _day(pair["first"]),
            _day(pair["last"]),
        )
        for (committee_id, subject_id), pair in pairs.iterrows()
    ]
    spenders = parts.groupby("committee_id").agg(spent=("spent", "sum"), count=("spent", "size"))
    top_committees = [
        (
            int(committee_id),
            names.of_committee(int(committee_id)),
            _money(row["spent"]),
            int(row["count"]),
        )
        for committee_id, row in spenders.iterrows()
    ]
    support_cents, oppose_cents = int(parts["support"].sum()), int(parts["oppose"].sum())
    supports, opposes = int(parts["is_support"].sum()), int(parts["is_oppose"].sum())
    breakdown = [
        (
            False,
            opposes,
            _money(oppose_cents),
            _percentage(oppose_cents, support_cents + oppose_cents),
        ),
        (
            True,
            supports,
            _money(support_cents),
            _percentage(support_cents, support_cents + oppose_cents),
        ),
    ]
    return {
        "mv_committee_ie_summary": sorted(summary),
        "top_ie_committees_mv": sorted(top_committees),
        "mv_dashboard_top_ie_committees": sorted(_top(top_committees, amount_index=2)),
        "ie_benefit_breakdown": breakdown,
        "mv_dashboard_support_oppose": [
            (_money(support_cents), _money(oppose_cents), supports, opposes)
        ],
    }


def _recent_expenditures(ie: pd.DataFrame, names: _Names) -> list[tuple]:
    latest = ie.sort_values(["day", "transaction_id"], ascending=False, na_position="last").head(
        RECENT_N
    )
    return sorted(
        (
            int(row.transaction_id),
            _optional_money(row.cents),
            _day(row.day),
            _optional(row.memo),
            _optional(row.is_for_benefit),
            names.of_committee(int(row.committee_id)),
            names.of_committee(int(row.subject_committee_id)),
            names.candidate_of_committee(int(row.subject_committee_id)),
        )
        for row in latest.itertuples(index=False)
    )


def expected_views(batch_dir: Path) -> dict[str, list[tuple]]:
    """Each view's rows after importing `batch_dir` into an empty database, sorted by
    VIEW_SORT_KEYS, columns in VIEW_COLUMNS order."""
    entity_types = read_table(batch_dir, "EntityTypes")
    transaction_types = read_table(batch_dir, "TransactionTypes")
    name_records = read_table(batch_dir, "Names")
    known_names = set(name_records["NameID"])
    committees = read_table(batch_dir, "Committees")
    # A committee must name an existing name record (the importer quarantines it otherwise).
    committees = committees[committees["NameID"].isin(known_names)]
    statements = read_table(batch_dir, "candidate_soi")
    names = _Names(name_records, committees)
    income_types = set(
        transaction_types.loc[transaction_types["IncomeExpenseNeutralID"] == 1, "TransactionTypeID"]
    )
    live = _live_transactions(read_table(batch_dir, "Transactions"), committees, income_types,
                              set(transaction_types["TransactionTypeID"]), known_names)
    ie = live[live["subject_name_id"].notna()].copy()
    ie["subject_committee_id"] = (
        ie["subject_name_id"].map(lambda name_id: names.resolve_subject(int(name_id)))
    ).astype("Int64")
    type_names = dict(
        zip(entity_types["EntityTypeID"], entity_types["EntityTypeName"], strict=True)
    )

    views = _donor_views(live, names, type_names)
    views |= _ie_views(ie, names)
    views["mv_dashboard_recent_expenditures"] = _recent_expenditures(ie, names)
    candidate_committees = int(committees["CandidateNameID"].notna().sum())
    views["dashboard_aggregations"] = [
        (
            _money(ie["cents"].abs().fillna(0).sum()),
            candidate_committees,
            len(ie),
            len(statements),
            len(statements),
            0,
        )
    ]
    return {view: views[view] for view in VIEW_COLUMNS}
