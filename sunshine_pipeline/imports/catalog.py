"""The landing files, declared once: file name, the site's table it fills, key, and each
column's export header (in the export's order, with the export's columns the site does not
store), the site's column name, type and whether it is required, its references and how a
reference is resolved when the export holds something else than the site's key (a name, or
a NameID where the site stores a committee). The importer's staging, validation and upsert
SQL is composed from this declaration (identifiers via psycopg.sql), and generate.py writes
its synthetic batches' headers from it.

The tables are the site's (sql/site/ creates them where they are missing): the column names
are the site's Django columns. What an empty field becomes follows the live column: '' in a
NOT NULL text column (how the site stores it), NULL where the column allows it; a NOT NULL
boolean declares its value for an empty field (`if_empty`); a NOT NULL column of any other
type is `required` (an empty field quarantines the row). Text longer than the live column
allows is quarantined, never truncated; the columns real data is known to overflow are
widened once, in place (`WIDENINGS`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Types a raw text value is validated against and converted to. TIMESTAMP is the site's
# timestamp with time zone (an export time is Arizona local time).
TEXT, INT, AMOUNT, DATE, TIMESTAMP, BOOL = (
    "text", "integer", "amount", "date", "timestamptz", "boolean")


@dataclass(frozen=True)
class Lookup:
    """The export holds a name where the site stores an id: the value is the `key` of the
    `table` row whose `by` column equals it (trimmed, case-insensitive; the smallest key when
    several do). A value no row has quarantines its row."""

    table: str
    by: str
    key: str
    what: str


@dataclass(frozen=True)
class Column:
    header: str
    name: str
    type: str = TEXT
    required: bool = False
    # The value of an empty field in a NOT NULL boolean column (e.g. deleted → false).
    if_empty: bool | None = None
    lookup: Lookup | None = None
    # An id that is 1 or more: the key of every table but Names, whose sentinel records
    # (Multiple Contributors, Invalid Name, ...) have ids <= 0. A key of 0 or below is a bad
    # value.
    positive: bool = False


@dataclass(frozen=True)
class Reference:
    """Each non-NULL value of `column` must be a key of `table` (its `target` column): the
    site's foreign key, checked before the row is written so a bad reference quarantines the
    row instead of failing the batch. A reference to the file's own table is satisfied by a
    row already in the table or by an accepted row of the same file."""

    column: str
    table: str
    target: str
    what: str


@dataclass(frozen=True)
class CommitteeOfName:
    """The export holds a NameID where the site stores a committee id (an IE's target): the
    value becomes the committee of that name (a real one before a synthesized one, then the
    smallest id), else a committee synthesized for the name once the file's rows are written,
    with id -name_id, which no real committee has (sql/imports/synthesize_committees.sql).
    The name itself must be a row of Names (the column's Reference); a sentinel name (id 0
    or below) that no committee has quarantines the row, since no committee can be made for
    it. The typed staging keeps the name id as `name_column` (the quarantine's reasons are
    about the name)."""

    column: str
    name_column: str
    what: str
    # The table the resolution writes to, and the statement that does (composed with the
    # file's table and `column` as identifiers).
    synthesizes: str = "Committees"
    statement: str = "imports/synthesize_committees.sql"


@dataclass(frozen=True)
class Unstored:
    """A column of the export the site does not store (kept in sunshine.unmapped_data with
    the file's other unknown columns), and the export's header it follows."""

    header: str
    after: str


@dataclass(frozen=True)
class SourceFile:
    file: str
    table: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    references: tuple[Reference, ...] = ()
    # Other unique constraints of the site's table: a value that more than one row of the
    # file holds quarantines every copy.
    unique: tuple[tuple[str, ...], ...] = ()
    # Columns the site owns: their value on insert (an SQL expression), never overwritten
    # by an import.
    on_insert: tuple[tuple[str, str], ...] = ()
    # Columns an import sets when it changes a row (an SQL expression).
    on_update: tuple[tuple[str, str], ...] = ()
    # The column that identifies a row in the change set (defaults to the single key column).
    change_key: str | None = None
    # References resolved to another table's key, synthesizing the rows that are missing.
    resolutions: tuple[CommitteeOfName, ...] = ()
    # Columns of the export the site does not store (export_headers places them).
    unstored: tuple[Unstored, ...] = ()
    # A boolean column whose turning true is recorded as a deletion ('d') in the change set.
    deleted_flag: str | None = None

    @property
    def required_headers(self) -> list[str]:
        return [c.header for c in self.columns if c.required]

    @property
    def export_headers(self) -> list[str]:
        """The export's header row: the columns in their order, each unstored one after the
        header it follows (what generate.py writes)."""
        headers = [c.header for c in self.columns]
        for extra in self.unstored:
            headers.insert(headers.index(extra.after) + 1, extra.header)
        return headers

    @property
    def resolution_of(self) -> dict[str, CommitteeOfName]:
        """The resolutions, by the column they resolve."""
        return {r.column: r for r in self.resolutions}

    @property
    def self_references(self) -> tuple[Reference, ...]:
        """References to the file's own table (checked once the file's rows are known)."""
        return tuple(r for r in self.references if r.table == self.table)

    @property
    def foreign_references(self) -> dict[str, Reference]:
        """References to other tables, by column (checked row by row)."""
        return {r.column: r for r in self.references if r.table != self.table}


@dataclass(frozen=True)
class Widening:
    """A column of the site's schema that real values do not fit, widened in place where it is
    still narrower (a fresh database and an adopted one alike): `to` is its new type, or None
    for a NOT NULL that is dropped. Both are changes the site's ORM reads unchanged; the
    README says what the site's models should mirror."""

    table: str
    column: str
    site: str  # the site's definition, as format_type prints it (+ ' NOT NULL')
    to: str | None
    why: str

    @property
    def site_length(self) -> int | None:
        """The site's length limit of a character varying column being widened."""
        return None if self.to is None else varchar_length(self.site)


def varchar_length(definition: str) -> int | None:
    """n of a 'character varying(n)' definition (NOT NULL or not); None for any other."""
    match = re.fullmatch(r"character varying\((\d+)\)", definition.removesuffix(" NOT NULL"))
    return int(match[1]) if match else None


def _lookup(table: str, singular: str, extra: tuple[Column, ...] = (),
            unique: tuple[tuple[str, ...], ...] = (), name_header: str | None = None
            ) -> SourceFile:
    """A small lookup table: <X>ID, <X>Name (or `name_header`) + extra columns."""
    id_column = re.sub(r"(?<!^)(?=[A-Z])", "_", singular).lower() + "_id"
    return SourceFile(
        file=f"{table}.csv",
        table=table,
        key=(id_column,),
        columns=(
            Column(f"{singular}ID", id_column, INT, required=True, positive=True),
            Column(name_header or f"{singular}Name", "name"),
            *extra,
        ),
        unique=unique,
    )


def _names(*columns: str) -> tuple[Reference, ...]:
    return tuple(Reference(c, "Names", "name_id", what) for c, what in
                 (c.split(":") for c in columns))


SOURCES: tuple[SourceFile, ...] = (
    _lookup("EntityTypes", "EntityType"),
    SourceFile(
        file="TransactionTypes.csv",
        table="TransactionTypes",
        key=("transaction_type_id",),
        columns=(
            Column("TransactionTypeID", "transaction_type_id", INT, required=True,
                   positive=True),
            Column("TransactionTypeName", "name"),
            Column("IncomeExpenseNeutralID", "income_expense_neutral", INT, required=True),
        ),
    ),
    _lookup("Counties", "County", unique=(("name",),)),
    _lookup("Parties", "Party", (Column("PartyAbbreviation", "abbreviation"),),
            unique=(("name",),)),
    _lookup("Offices", "Office", (Column("OfficeType", "office_type"),)),
    _lookup("Cycles", "Cycle", (Column("CycleBeginDate", "begin_date", TIMESTAMP),
                                Column("CycleEndDate", "end_date", TIMESTAMP))),
    _lookup("Categories", "Category"),
    SourceFile(
        file="BallotMeasures.csv",
        table="BallotMeasures",
        key=("ballot_measure_id",),
        columns=(
            Column("BallotMeasureID", "ballot_measure_id", INT, required=True, positive=True),
            Column("SOSIdentifier", "sos_identifier"),
            Column("MeasureNumber", "measure_number"),
            Column("ShortTitle", "short_title"),
            Column("OfficialTitle", "official_title"),
        ),
        unique=(("sos_identifier",),),
    ),
    SourceFile(
        file="ReportTypes.csv",
        table="ReportTypes",
        key=("report_type_id",),
        columns=(
            Column("ReportTypeID", "report_type_id", INT, required=True, positive=True),
            Column("ReportTypeName", "name"),
            Column("IsActive", "is_active", BOOL, if_empty=False),
        ),
    ),
    _lookup("ReportNames", "ReportName", name_header="ReportName"),
    SourceFile(
        file="Names.csv",
        table="Names",
        key=("name_id",),
        columns=(
            Column("NameID", "name_id", INT, required=True),
            Column("NameGroupID", "name_group_id", INT, required=True),
            Column("EntityTypeID", "entity_type_id", INT, required=True),
            Column("LastName", "last_name"),
            Column("FirstName", "first_name"),
            Column("MiddleName", "middle_name"),
            Column("Suffix", "suffix"),
            Column("Address1", "address1"),
            Column("Address2", "address2"),
            Column("City", "city"),
            Column("State", "state"),
            Column("ZipCode", "zip_code"),
            Column("CountyID", "county_id", INT),
            Column("Occupation", "occupation"),
            Column("Employer", "employer"),
        ),
        references=(
            Reference("entity_type_id", "EntityTypes", "entity_type_id", "entity type"),
            Reference("county_id", "Counties", "county_id", "county"),
        ),
    ),
    SourceFile(
        file="Committees.csv",
        table="Committees",
        key=("committee_id",),
        columns=(
            Column("CommitteeID", "committee_id", INT, required=True, positive=True),
            Column("NameID", "name_id", INT, required=True),
            Column("CandidateNameID", "candidate_id", INT),
            Column("CandidatePartyID", "candidate_party_id", INT),
            Column("CandidateOfficeID", "candidate_office_id", INT),
            Column("CandidateCountyID", "candidate_county_id", INT),
            Column("CandidateIsIncumbent", "is_incumbent", BOOL, if_empty=False),
            Column("CandidateCycleID", "election_cycle_id", INT),
            Column("OrganizationDate", "organization_date", DATE),
            Column("TerminationDate", "termination_date", DATE),
            Column("ChairpersonNameID", "chairperson_id", INT),
            Column("TreasurerNameID", "treasurer_id", INT),
            Column("SponsorNameID", "sponsor_id", INT),
            Column("SponsorType", "sponsor_type"),
            Column("SponsorRelationship", "sponsor_relationship"),
            Column("BallotMeasureID", "ballot_measure_id", INT),
            Column("BenefitsBallotMeasure", "benefits_ballot_measure", BOOL, if_empty=False),
            Column("PhysicalAddress1", "physical_address1"),
            Column("PhysicalAddress2", "physical_address2"),
            Column("PhysicalCity", "physical_city"),
            Column("PhysicalState", "physical_state"),
            Column("PhysicalZipCode", "physical_zip_code"),
            Column("FinancialInstitution1", "financial_institution1"),
            Column("FinancialInstitution2", "financial_institution2"),
            Column("FinancialInstitution3", "financial_institution3"),
        ),
        unstored=(Unstored("DesigneeNameID", after="TreasurerNameID"),
                  Unstored("CandidateOtherPartyName", after="FinancialInstitution3")),
        references=(
            *_names("name_id:name", "candidate_id:candidate name",
                    "chairperson_id:chairperson name", "treasurer_id:treasurer name",
                    "sponsor_id:sponsor name"),
            Reference("candidate_party_id", "Parties", "party_id", "party"),
            Reference("candidate_office_id", "Offices", "office_id", "office"),
            Reference("candidate_county_id", "Counties", "county_id", "county"),
            Reference("election_cycle_id", "Cycles", "cycle_id", "cycle"),
            Reference("ballot_measure_id", "BallotMeasures", "ballot_measure_id",
                      "ballot measure"),
        ),
    ),
    SourceFile(
        file="Reports.csv",
        table="Reports",
        key=("report_id",),
        columns=(
            Column("ReportID", "report_id", INT, required=True, positive=True),
            Column("CommitteeID", "committee_id", INT, required=True),
            Column("CycleID", "cycle_id", INT, required=True),
            Column("ReportTypeID", "report_type_id", INT, required=True),
            Column("ReportNameID", "report_name_id", INT, required=True),
            Column("ReportPeriodBeginDate", "report_period_begin", TIMESTAMP, required=True),
            Column("ReportPeriodEndDate", "report_period_end", TIMESTAMP, required=True),
            Column("FilingPeriodBeginDate", "filing_period_begin", TIMESTAMP, required=True),
            Column("FilingPeriodEndDate", "filing_period_end", TIMESTAMP, required=True),
            Column("FilingDateTime", "filing_datetime", TIMESTAMP, required=True),
            Column("OriginalReportID", "original_report_id", INT),
        ),
        references=(
            Reference("committee_id", "Committees", "committee_id", "committee"),
            Reference("cycle_id", "Cycles", "cycle_id", "cycle"),
            Reference("report_type_id", "ReportTypes", "report_type_id", "report type"),
            Reference("report_name_id", "ReportNames", "report_name_id", "report name"),
            Reference("original_report_id", "Reports", "report_id", "original report"),
        ),
    ),
    SourceFile(
        file="Transactions.csv",
        table="Transactions",
        key=("transaction_id",),
        columns=(
            Column("TransactionID", "transaction_id", INT, required=True, positive=True),
            Column("CommitteeID", "committee_id", INT, required=True),
            Column("TransactionTypeID", "transaction_type_id", INT, required=True),
            Column("TransactionDate", "transaction_date", DATE),
            Column("Amount", "amount", AMOUNT, required=True),
            Column("NameID", "entity_id", INT, required=True),
            Column("SubjectCommitteeID", "subject_committee_id", INT),
            Column("IsForBenefit", "is_for_benefit", BOOL),
            Column("CategoryID", "category_id", INT),
            Column("Memo", "memo"),
            Column("AccountType", "account_type"),
            Column("ModifiesTransactionID", "modifies_transaction_id", INT),
            Column("Deleted", "deleted", BOOL, if_empty=False),
        ),
        references=(
            Reference("committee_id", "Committees", "committee_id", "committee"),
            Reference("transaction_type_id", "TransactionTypes", "transaction_type_id",
                      "transaction type"),
            Reference("entity_id", "Names", "name_id", "name"),
            Reference("subject_committee_id", "Names", "name_id", "subject committee name"),
            Reference("category_id", "Categories", "category_id", "category"),
            Reference("modifies_transaction_id", "Transactions", "transaction_id",
                      "modified transaction"),
        ),
        resolutions=(CommitteeOfName("subject_committee_id", "subject_name_id",
                                     "subject committee name"),),
        deleted_flag="deleted",
    ),
    SourceFile(
        file="candidate_soi.csv",
        table="candidate_soi",
        key=("candidate_name", "office_id", "filing_date"),
        columns=(
            Column("Name", "candidate_name", required=True),
            Column("Office", "office_id", INT, required=True,
                   lookup=Lookup("Offices", "name", "office_id", "office")),
            Column("Party", "party"),
            Column("Phone", "phone"),
            Column("Email", "email"),
            Column("FilingDate", "filing_date", DATE, required=True),
            Column("SourceURL", "source_url"),
        ),
        on_insert=(("contact_status", "'uncontacted'"), ("contacted_by", "''"),
                   ("pledge_received", "false"), ("notes", "''"),
                   ("created_at", "statement_timestamp()"),
                   ("updated_at", "statement_timestamp()")),
        on_update=(("updated_at", "statement_timestamp()"),),
        change_key="id",
    ),
)

SOURCES_BY_TABLE: dict[str, SourceFile] = {s.table: s for s in SOURCES}
SOURCES_BY_FILE: dict[str, SourceFile] = {s.file.lower(): s for s in SOURCES}

# The site's tables in the order they are created (a table after those it references).
SITE_TABLES: tuple[str, ...] = tuple(s.table for s in SOURCES)

# Real values the site's columns cannot hold as they stand: three-character
# states ("AZ ", "az.") and "Arizona", ZIP+4 codes with spaces, transactions with no date.
WIDENINGS: tuple[Widening, ...] = (
    Widening("Names", "state", "character varying(2)", "character varying(50)",
             "state spellings longer than two characters ('AZ ', 'az.', 'Arizona')"),
    Widening("Names", "zip_code", "character varying(10)", "character varying(50)",
             "ZIP codes longer than ten characters"),
    Widening("Committees", "physical_state", "character varying(2)", "character varying(50)",
             "state spellings longer than two characters"),
    Widening("Committees", "physical_zip_code", "character varying(10)",
             "character varying(50)", "ZIP codes longer than ten characters"),
    Widening("Transactions", "transaction_date", "date NOT NULL", None,
             "transactions with no date are real, live rows"),
)
