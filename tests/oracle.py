"""Expected rows of the nine dashboard views, computed with pandas from a batch's CSV files.

The end-to-end test imports a batch into PostgreSQL, builds the views in SQL and compares
each view with `expected_views(batch_dir)`. Nothing here reads the database or shares code
with the package: which rows land and what they hold is worked out again from the landing
files by a second route, following the rules written out below and in the README (the
landing format, values as the site stores them, the nine views) and the site's schema (the
contract tests/site.py reads: its NOT NULL columns, length limits, keys, unique constraints
and foreign keys, with the widenings the pipeline declares), so a fault in the import or in a
view's SQL shows up as a difference.

Which rows land, for an import into an empty database (`SITE_TABLES`, in the order the
files are applied, each table after those it references):

- A row with a bad value is left out: a value that does not parse as its column's type (an
  impossible or unknown date, a malformed or out-of-range integer, an amount beyond
  numeric(12,2), a boolean that is not 1/0/true/false), a required value that is empty (the
  key; Names NameGroupID and EntityTypeID; TransactionTypes IncomeExpenseNeutralID;
  Transactions CommitteeID, TransactionTypeID, Amount and NameID; candidate_soi Name,
  Office and FilingDate), or text longer than the site's column holds (after widening).
- A reference must name a row that landed: Names EntityTypeID and CountyID; every name,
  party, office, county, cycle and ballot measure of Committees; Transactions CommitteeID,
  TransactionTypeID, NameID, SubjectCommitteeID (a NameID) and CategoryID. A row whose
  referenced row was itself left out goes with it (a quarantined name takes its
  contributions, a quarantined committee its transactions). An IE whose target is a
  sentinel name (NameID <= 0) that no committee has is left out too (no committee can be
  made for it: -name_id would not be negative).
- candidate_soi Office is an office's name: the office_id of the Offices row whose name
  equals it trimmed and case-insensitively (an exact match first, then the smallest id);
  an office no row has leaves the statement out.
- When a key (or a value of the site's other unique constraints: Counties and Parties
  name, BallotMeasures SOSIdentifier, candidate_soi (Name, office_id, FilingDate)) repeats
  among the otherwise good rows of a file, every copy is left out.
- Transactions ModifiesTransactionID must name a transaction that landed; leaving one out
  can orphan another that amends it, so this repeats until nothing more is left out.

Values are as the site stores them: an empty field is '' in a NOT NULL text column and
NULL where the column allows it; an empty boolean is false in a NOT NULL boolean column
(Deleted, CandidateIsIncumbent, BenefitsBallotMeasure). Values come back as psycopg 3
returns them: int ids and counts, Decimal amounts (two places, summed in integer cents),
Decimal percentages (one place), datetime.date, bool, str, and None for NULL.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

TOP_N = 10
RECENT_N = 50
MAX_ABS_CENTS = 10**12  # numeric(12,2) holds up to 9,999,999,999.99
INT_MIN, INT_MAX = -(2**31), 2**31 - 1
# The export's date-times are Arizona local time (no daylight saving time).
ARIZONA = ZoneInfo("America/Phoenix")

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


# PostgreSQL's integer input skips these around the digits; btrim (dates, booleans) only ' '.
_PG_SPACE = " \t\n\r\v\f"
_INT = re.compile(r"[+-]?[0-9]+")
_AMOUNT = re.compile(r"(-?)([0-9]{1,10})(?:\.([0-9]{1,2}))?")
_ISO_DATE = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})(?: [0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?)?")
_US_DATE = re.compile(r"([0-9]{2})/([0-9]{2})/([0-9]{2})(?: [0-9]{2}:[0-9]{2}:[0-9]{2})?")
_ISO_TIMESTAMP = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})(?: ([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]+))?)?)?")
_US_TIMESTAMP = re.compile(
    r"([0-9]{2})/([0-9]{2})/([0-9]{2})(?: ([0-9]{2}):([0-9]{2})(?::([0-9]{2}))?)?")
_TRUE = {"1", "true"}
_FALSE = {"0", "false"}


def parse_int(text: str) -> int | None:
    """An integer (an id); None for an empty field. Out of PostgreSQL's integer range is bad."""
    if text == "":
        return None
    stripped = text.strip(_PG_SPACE)
    if not _INT.fullmatch(stripped):
        raise BadValue(f"not an integer: {text!r}")
    value = int(stripped)
    if not INT_MIN <= value <= INT_MAX:
        raise BadValue(f"integer out of range: {text!r}")
    return value


def parse_cents(text: str) -> int | None:
    """An amount such as '-25.5' as integer cents (-2550): at most 10 digits and 2 decimals,
    a leading minus, nothing else (no plus, no spaces, no bare '.5')."""
    if text == "":
        return None
    match = _AMOUNT.fullmatch(text)
    if not match:
        raise BadValue(f"not an amount: {text!r}")
    sign, units, fraction = match[1], match[2], (match[3] or "").ljust(2, "0")
    cents = int(units) * 100 + int(fraction)
    if cents >= MAX_ABS_CENTS:
        raise BadValue(f"amount out of range: {text!r}")
    return -cents if sign else cents


def parse_bool(text: str) -> bool | None:
    """1/0, true/false in any case, padded with spaces; None for an empty field."""
    if text == "":
        return None
    value = text.strip(" ").lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise BadValue(f"not a boolean: {text!r}")


def _year(two_digits: str) -> int:
    year = int(two_digits)
    return year + (2000 if year < 70 else 1900)


def parse_date(text: str) -> date | None:
    """ISO dates (YYYY-MM-DD, time ignored) and mdb-export's MM/DD/YY hh:mm:ss; two-digit
    years 00-69 are 20xx. Any other spelling, or an impossible date, is bad."""
    if text == "":
        return None
    value = text.strip(" ")
    try:
        if match := _ISO_DATE.fullmatch(value):
            return date(int(match[1]), int(match[2]), int(match[3]))
        if match := _US_DATE.fullmatch(value):
            return date(_year(match[3]), int(match[1]), int(match[2]))
    except ValueError as error:
        raise BadValue(f"impossible date: {text!r}") from error
    raise BadValue(f"not a date: {text!r}")


def parse_timestamp(text: str) -> datetime | None:
    """The same spellings with their time of day kept (minutes and seconds optional), as an
    aware datetime in Arizona time."""
    if text == "":
        return None
    value = text.strip(" ")
    match = _ISO_TIMESTAMP.fullmatch(value)
    if match:
        year, month, day = int(match[1]), int(match[2]), int(match[3])
    elif match := _US_TIMESTAMP.fullmatch(value):
        year, month, day = _year(match[3]), int(match[1]), int(match[2])
    else:
        raise BadValue(f"not a date and time: {text!r}")
    hour, minute, second = (int(match[i] or 0) for i in (4, 5, 6))
    fraction = match[7] if match.re is _ISO_TIMESTAMP else None
    micro = int((fraction or "").ljust(6, "0")[:6])
    try:
        return datetime(year, month, day, hour, minute, second, micro, tzinfo=ARIZONA)
    except ValueError as error:
        raise BadValue(f"impossible date and time: {text!r}") from error


def display_name(last_name: str | None, first_name: str | None) -> str:
    last_name, first_name = last_name or "", first_name or ""
    if last_name and first_name:
        return f"{last_name}, {first_name}"
    return last_name or first_name or "Unknown"


# --- the site's tables, as the landing files fill them --------------------------------------

INT, AMOUNT, DATE, TIMESTAMP, BOOL, TEXT = "int", "amount", "date", "timestamp", "bool", "text"
_PARSERS: dict[str, Callable[[str], Any]] = {
    INT: parse_int, AMOUNT: parse_cents, DATE: parse_date, TIMESTAMP: parse_timestamp,
    BOOL: parse_bool,
}


@dataclass(frozen=True)
class Field:
    """One export column and the site's column it lands in."""

    header: str
    kind: str = TEXT
    required: bool = False
    length: int | None = None  # text: the most characters the site's column holds
    nullable: bool = False  # text: NULL (not '') for an empty field
    if_empty: bool | None = None  # a NOT NULL boolean's value for an empty field
    references: str | None = None  # a non-empty value must be a key of this table
    lookup: str | None = None  # a name, stored as the id of the row of this table holding it


@dataclass(frozen=True)
class Table:
    name: str
    key: tuple[str, ...]
    fields: tuple[Field, ...]
    unique: tuple[tuple[str, ...], ...] = ()

    @property
    def file(self) -> str:
        return f"{self.name}.csv"


def _ref(header: str, table: str) -> Field:
    return Field(header, INT, references=table)


def _lookup_table(name: str, singular: str, length: int, *extra: Field,
                  unique: bool = False) -> Table:
    return Table(name, (f"{singular}ID",), (
        Field(f"{singular}ID", INT, required=True),
        Field(f"{singular}Name", length=length),
        *extra,
    ), unique=((f"{singular}Name",),) if unique else ())


def _texts(length: int, *headers: str) -> tuple[Field, ...]:
    return tuple(Field(h, length=length) for h in headers)


# The site's schema (NOT NULL, varchar lengths, keys, unique constraints, foreign keys), with
# the pipeline's widenings: Names state and zip_code, Committees physical_state and
# physical_zip_code hold 50 characters; Transactions transaction_date may be NULL.
SITE_TABLES: tuple[Table, ...] = (
    _lookup_table("EntityTypes", "EntityType", 100),
    Table("TransactionTypes", ("TransactionTypeID",), (
        Field("TransactionTypeID", INT, required=True),
        Field("TransactionTypeName", length=200),
        Field("IncomeExpenseNeutralID", INT, required=True),
    )),
    _lookup_table("Counties", "County", 50, unique=True),
    _lookup_table("Parties", "Party", 100, Field("PartyAbbreviation", length=10), unique=True),
    _lookup_table("Offices", "Office", 200, Field("OfficeType", length=50)),
    _lookup_table("Cycles", "Cycle", 10, Field("CycleBeginDate", TIMESTAMP),
                  Field("CycleEndDate", TIMESTAMP)),
    _lookup_table("Categories", "Category", 100),
    Table("BallotMeasures", ("BallotMeasureID",), (
        Field("BallotMeasureID", INT, required=True),
        Field("SOSIdentifier", length=50),
        Field("MeasureNumber", length=10, nullable=True),
        Field("ShortTitle", length=500),
        Field("OfficialTitle", nullable=True),
    ), unique=(("SOSIdentifier",),)),
    Table("Names", ("NameID",), (
        Field("NameID", INT, required=True),
        Field("NameGroupID", INT, required=True),
        Field("EntityTypeID", INT, required=True, references="EntityTypes"),
        *_texts(255, "LastName", "FirstName", "MiddleName"),
        Field("Suffix", length=50),
        *_texts(255, "Address1", "Address2"),
        Field("City", length=100),
        Field("State", length=50),
        Field("ZipCode", length=50),
        _ref("CountyID", "Counties"),
        *_texts(255, "Occupation", "Employer"),
    )),
    Table("Committees", ("CommitteeID",), (
        Field("CommitteeID", INT, required=True),
        Field("NameID", INT, required=True, references="Names"),
        _ref("ChairpersonNameID", "Names"),
        _ref("TreasurerNameID", "Names"),
        _ref("CandidateNameID", "Names"),
        _ref("CandidatePartyID", "Parties"),
        _ref("CandidateOfficeID", "Offices"),
        _ref("CandidateCountyID", "Counties"),
        Field("CandidateIsIncumbent", BOOL, if_empty=False),
        _ref("CandidateCycleID", "Cycles"),
        _ref("SponsorNameID", "Names"),
        Field("SponsorType", length=100),
        Field("SponsorRelationship", length=255),
        _ref("BallotMeasureID", "BallotMeasures"),
        Field("BenefitsBallotMeasure", BOOL, if_empty=False),
        Field("OrganizationDate", DATE),
        Field("TerminationDate", DATE),
        *_texts(255, "PhysicalAddress1", "PhysicalAddress2"),
        Field("PhysicalCity", length=100),
        Field("PhysicalState", length=50),
        Field("PhysicalZipCode", length=50),
        *_texts(255, "FinancialInstitution1", "FinancialInstitution2", "FinancialInstitution3"),
    )),
    Table("Transactions", ("TransactionID",), (
        Field("TransactionID", INT, required=True),
        Field("CommitteeID", INT, required=True, references="Committees"),
        Field("TransactionTypeID", INT, required=True, references="TransactionTypes"),
        Field("TransactionDate", DATE),
        Field("Amount", AMOUNT, required=True),
        Field("NameID", INT, required=True, references="Names"),
        _ref("SubjectCommitteeID", "Names"),
        Field("IsForBenefit", BOOL),
        _ref("CategoryID", "Categories"),
        Field("Memo"),
        Field("AccountType", length=50),
        _ref("ModifiesTransactionID", "Transactions"),
        Field("Deleted", BOOL, if_empty=False),
    )),
    Table("candidate_soi", ("Name", "Office", "FilingDate"), (
        Field("Name", required=True, length=255),
        Field("Office", required=True, lookup="Offices"),
        Field("Party", length=100, nullable=True),
        Field("Phone", length=100),
        Field("Email", length=254),
        Field("FilingDate", DATE, required=True),
        Field("SourceURL", length=500, nullable=True),
    )),
)


def _raw_rows(batch_dir: Path, file: str) -> list[dict[str, str]]:
    """The file's records as {lower-case header: field}; a missing file has none. The file
    and its headers are matched case-insensitively, headers trimmed (and a BOM dropped)."""
    files = {path.name.lower(): path for path in Path(batch_dir).iterdir() if path.is_file()}
    path = files.get(file.lower())
    if path is None or path.stat().st_size == 0:
        return []
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)
    headers = [str(header).lstrip("\ufeff").strip().lower() for header in raw.columns]
    return [dict(zip(headers, values, strict=True))
            for values in raw.itertuples(index=False, name=None)]


def _value(field: Field, text: str) -> Any:
    """The field's value as the site stores it (before references are checked)."""
    if text == "" and field.required:
        raise BadValue(f"{field.header}: required value is missing")
    if field.lookup is not None:
        return text  # resolved against the lookup table by the caller
    if field.kind == TEXT:
        if field.length is not None and len(text) > field.length:
            raise BadValue(f"{field.header}: longer than {field.length} characters")
        return None if text == "" and field.nullable else text
    value = _PARSERS[field.kind](text)
    if value is None and field.if_empty is not None:
        return field.if_empty
    return value


class _Lookup:
    """Names of a lookup table's rows: trimmed, case-insensitive; an exact match wins, then
    the smallest id."""

    def __init__(self, rows: list[dict[str, Any]], key: str, name: str) -> None:
        self.rows = sorted((row[key], row[name]) for row in rows)

    def __call__(self, text: str) -> int:
        wanted = text.strip(" ").lower()
        matches = [(name != text, key) for key, name in self.rows
                   if name.strip(" ").lower() == wanted]
        if not matches:
            raise BadValue(f"unknown name: {text!r}")
        return min(matches)[1]


def _repeated(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> set[tuple]:
    counts: dict[tuple, int] = {}
    for row in rows:
        value = tuple(row[c] for c in columns)
        counts[value] = counts.get(value, 0) + 1
    return {value for value, n in counts.items() if n > 1}


def _without_repeats(rows: list[dict[str, Any]], table: Table) -> list[dict[str, Any]]:
    """Every copy of a key, or of a unique value, that more than one row holds is left out."""
    for columns in (table.key, *table.unique):
        repeated = _repeated(rows, columns)
        rows = [row for row in rows if tuple(row[c] for c in columns) not in repeated]
    return rows


def _self_references_hold(rows: list[dict[str, Any]], table: Table) -> list[dict[str, Any]]:
    """Rows referencing the table's own key must name a row that lands; repeated until
    nothing more is left out."""
    own = [f.header for f in table.fields if f.references == table.name]
    while own:
        keys = {row[table.key[0]] for row in rows}
        kept = [row for row in rows if all(row[h] is None or row[h] in keys for h in own)]
        if len(kept) == len(rows):
            break
        rows = kept
    return rows


def landed_rows(batch_dir: Path) -> dict[str, list[dict[str, Any]]]:
    """Each site table's rows after importing `batch_dir` into an empty database, as
    {export header: value as the site stores it} (candidate_soi Office: the office_id)."""
    landed: dict[str, list[dict[str, Any]]] = {}
    keys: dict[str, set] = {}
    for table in SITE_TABLES:
        lookups = {f.header: _lookup_of(landed, f.lookup) for f in table.fields if f.lookup}
        committee_names = {row["NameID"] for row in landed.get("Committees", [])}
        rows = []
        for raw in _raw_rows(batch_dir, table.file):
            try:
                row = {f.header: _value(f, raw.get(f.header.lower(), "")) for f in table.fields}
                for header, lookup in lookups.items():
                    row[header] = lookup(row[header])
            except BadValue:
                continue
            if not all(row[f.header] is None or row[f.header] in keys[f.references]
                       for f in table.fields
                       if f.references is not None and f.references != table.name):
                continue
            subject = row.get("SubjectCommitteeID") if table.name == "Transactions" else None
            if subject is not None and subject <= 0 and subject not in committee_names:
                continue  # a sentinel target no committee has: no committee can be made
            rows.append(row)
        rows = _self_references_hold(rows, table)
        rows = _self_references_hold(_without_repeats(rows, table), table)
        landed[table.name] = rows
        keys[table.name] = {row[table.key[0]] for row in rows}
    return landed


def _lookup_of(landed: dict[str, list[dict[str, Any]]], name: str) -> _Lookup:
    """A lookup table's names (its second column) to its key."""
    (table,) = (t for t in SITE_TABLES if t.name == name)
    return _Lookup(landed[name], table.key[0], table.fields[1].header)


# --- the views ---------------------------------------------------------------------------------

def _money(cents: Any) -> Decimal:
    return Decimal(int(cents)).scaleb(-2)


def _optional_money(cents: Any) -> Decimal | None:
    return None if pd.isna(cents) else _money(cents)


def _day(ordinal: Any) -> date | None:
    return None if pd.isna(ordinal) else date.fromordinal(int(ordinal))


def _optional_bool(value: Any) -> bool | None:
    return None if value is None or value is pd.NA else bool(value)


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

    def __init__(self, names: Iterable[dict[str, Any]],
                 committees: Iterable[dict[str, Any]]) -> None:
        self.records = {row["NameID"]: row for row in names}
        self.committees = {row["CommitteeID"]: (row["NameID"], row["CandidateNameID"])
                           for row in committees}
        by_name: dict[int, int] = {}
        for committee_id, (name_id, _) in sorted(self.committees.items()):
            by_name.setdefault(name_id, committee_id)
        self.committee_by_name = by_name

    def of_name(self, name_id: int | None) -> str:
        record = self.records.get(name_id) if name_id is not None else None
        if record is None:
            return "Unknown"
        return display_name(record["LastName"], record["FirstName"])

    def resolve_subject(self, name_id: int) -> int:
        """SubjectCommitteeID (a NameID) → the name's smallest committee, else the committee
        synthesized for it (-name_id)."""
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


def _live_transactions(transactions: list[dict[str, Any]], income_types: set[int]
                       ) -> pd.DataFrame:
    """The landed transactions that are not flagged deleted."""
    live = [row for row in transactions if not row["Deleted"]]
    return pd.DataFrame(
        {
            "transaction_id": pd.array([r["TransactionID"] for r in live], dtype="Int64"),
            "committee_id": pd.array([r["CommitteeID"] for r in live], dtype="Int64"),
            "entity_id": pd.array([r["NameID"] for r in live], dtype="Int64"),
            "subject_name_id": pd.array([r["SubjectCommitteeID"] for r in live], dtype="Int64"),
            "cents": pd.array([r["Amount"] for r in live], dtype="Int64"),
            "day": pd.array([None if r["TransactionDate"] is None
                             else r["TransactionDate"].toordinal() for r in live],
                            dtype="Int64"),
            "is_for_benefit": pd.array([r["IsForBenefit"] for r in live], dtype="boolean"),
            "memo": pd.Series([r["Memo"] for r in live], dtype=object),
            "is_income": pd.array([r["TransactionTypeID"] in income_types for r in live],
                                  dtype=bool),
        }
    )


def _donor_views(live: pd.DataFrame, names: _Names, entity_types: dict) -> dict[str, list]:
    contributions = live[live["subject_name_id"].isna() & live["is_income"]]
    contributions = contributions[contributions["entity_id"] > 0]
    totals = contributions.groupby("entity_id").agg(
        cents=("cents", "sum"), count=("cents", "size")
    )
    rows = []
    for entity_id, total in totals.iterrows():
        record = names.records.get(int(entity_id))
        rows.append(
            (
                int(entity_id),
                names.of_name(int(entity_id)),
                None if record is None else record["City"],
                None if record is None else record["State"],
                None if record is None else entity_types.get(record["EntityTypeID"]),
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
            row.memo,
            _optional_bool(row.is_for_benefit),
            names.of_committee(int(row.committee_id)),
            names.of_committee(int(row.subject_committee_id)),
            names.candidate_of_committee(int(row.subject_committee_id)),
        )
        for row in latest.itertuples(index=False)
    )


def expected_views(batch_dir: Path) -> dict[str, list[tuple]]:
    """Each view's rows after importing `batch_dir` into an empty database, sorted by
    VIEW_SORT_KEYS, columns in VIEW_COLUMNS order."""
    landed = landed_rows(batch_dir)
    names = _Names(landed["Names"], landed["Committees"])
    income_types = {row["TransactionTypeID"] for row in landed["TransactionTypes"]
                    if row["IncomeExpenseNeutralID"] == 1}
    live = _live_transactions(landed["Transactions"], income_types)
    ie = live[live["subject_name_id"].notna()].copy()
    ie["subject_committee_id"] = pd.array(
        [names.resolve_subject(int(name_id)) for name_id in ie["subject_name_id"]],
        dtype="Int64")
    type_names = {row["EntityTypeID"]: row["EntityTypeName"] for row in landed["EntityTypes"]}

    views = _donor_views(live, names, type_names)
    views |= _ie_views(ie, names)
    views["mv_dashboard_recent_expenditures"] = _recent_expenditures(ie, names)
    candidate_committees = sum(row["CandidateNameID"] is not None
                               for row in landed["Committees"])
    statements = len(landed["candidate_soi"])  # new statements start uncontacted, no pledge
    views["dashboard_aggregations"] = [
        (
            _money(ie["cents"].abs().sum()),
            candidate_committees,
            len(ie),
            statements,
            statements,
            0,
        )
    ]
    return {view: views[view] for view in VIEW_COLUMNS}
