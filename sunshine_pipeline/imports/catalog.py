"""The landing files, declared once: file name, target table, key, and each column's header,
database name, type and whether it is required. The importer's staging, validation and
upsert SQL is composed from this declaration (identifiers via psycopg.sql)."""

from __future__ import annotations

from dataclasses import dataclass

# Types a raw text value is validated against and converted to.
TEXT, INT, BIGINT, AMOUNT, DATE, BOOL = "text", "integer", "bigint", "amount", "date", "boolean"


@dataclass(frozen=True)
class Column:
    header: str
    name: str
    type: str = TEXT
    required: bool = False
    # SQL default for an empty value when the column is NOT NULL (e.g. deleted → false).
    if_empty: bool | None = None


@dataclass(frozen=True)
class Reference:
    """Each non-NULL value of `column` must be a key of `table` (its `target` column)."""

    column: str
    table: str
    target: str
    what: str


@dataclass(frozen=True)
class SourceFile:
    file: str
    table: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    references: tuple[Reference, ...] = ()
    # Columns the site owns: set on insert by their defaults, never overwritten by an import.
    site_owned: tuple[str, ...] = ()
    # The column that identifies a row in the change set (defaults to the single key column).
    change_key: str | None = None

    @property
    def stem(self) -> str:
        return self.file.removesuffix(".csv")

    @property
    def required_headers(self) -> list[str]:
        return [c.header for c in self.columns if c.required]


def _lookup(table: str, singular: str, extra: tuple[Column, ...] = ()) -> SourceFile:
    """A small lookup table: <X>ID, <X>Name (+ extra columns)."""
    id_column = f"{singular.lower()}_id"
    return SourceFile(
        file=f"{table}.csv",
        table=table,
        key=(id_column,),
        columns=(
            Column(f"{singular}ID", id_column, INT, required=True),
            Column(f"{singular}Name", "name"),
            *extra,
        ),
    )


SOURCES: tuple[SourceFile, ...] = (
    SourceFile(
        file="EntityTypes.csv",
        table="EntityTypes",
        key=("entity_type_id",),
        columns=(
            Column("EntityTypeID", "entity_type_id", INT, required=True),
            Column("EntityTypeName", "name"),
        ),
    ),
    SourceFile(
        file="TransactionTypes.csv",
        table="TransactionTypes",
        key=("transaction_type_id",),
        columns=(
            Column("TransactionTypeID", "transaction_type_id", INT, required=True),
            Column("TransactionTypeName", "name"),
            Column("IncomeExpenseNeutralID", "income_expense_neutral", INT),
        ),
    ),
    _lookup("Counties", "County"),
    _lookup("Parties", "Party", (Column("PartyAbbreviation", "abbreviation"),)),
    _lookup("Offices", "Office", (Column("OfficeType", "office_type"),)),
    _lookup(
        "Cycles",
        "Cycle",
        (Column("CycleBeginDate", "begin_date", DATE), Column("CycleEndDate", "end_date", DATE)),
    ),
    _lookup("Categories", "Category"),
    SourceFile(
        file="Names.csv",
        table="Names",
        key=("name_id",),
        columns=(
            Column("NameID", "name_id", INT, required=True),
            Column("NameGroupID", "name_group_id", INT),
            Column("EntityTypeID", "entity_type_id", INT),
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
    ),
    SourceFile(
        file="Committees.csv",
        table="Committees",
        key=("committee_id",),
        columns=(
            Column("CommitteeID", "committee_id", INT, required=True),
            Column("NameID", "name_id", INT, required=True),
            Column("CandidateNameID", "candidate_id", INT),
            Column("CandidatePartyID", "candidate_party_id", INT),
            Column("CandidateOfficeID", "candidate_office_id", INT),
            Column("CandidateCountyID", "candidate_county_id", INT),
            Column("CandidateIsIncumbent", "is_incumbent", BOOL),
            Column("CandidateCycleID", "election_cycle_id", INT),
            Column("OrganizationDate", "organization_date", DATE),
            Column("TerminationDate", "termination_date", DATE),
            Column("ChairpersonNameID", "chairperson_name_id", INT),
            Column("TreasurerNameID", "treasurer_name_id", INT),
            Column("DesigneeNameID", "designee_name_id", INT),
            Column("SponsorNameID", "sponsor_name_id", INT),
            Column("SponsorType", "sponsor_type"),
            Column("SponsorRelationship", "sponsor_relationship"),
            Column("BallotMeasureID", "ballot_measure_id", INT),
            Column("BenefitsBallotMeasure", "benefits_ballot_measure"),
            Column("PhysicalAddress1", "physical_address1"),
            Column("PhysicalAddress2", "physical_address2"),
            Column("PhysicalCity", "physical_city"),
            Column("PhysicalState", "physical_state"),
            Column("PhysicalZipCode", "physical_zip_code"),
            Column("FinancialInstitution1", "financial_institution1"),
            Column("FinancialInstitution2", "financial_institution2"),
            Column("FinancialInstitution3", "financial_institution3"),
            Column("CandidateOtherPartyName", "candidate_other_party_name"),
        ),
        references=(Reference("name_id", "Names", "name_id", "name"),),
    ),
    SourceFile(
        file="Transactions.csv",
        table="Transactions",
        key=("transaction_id",),
        columns=(
            Column("TransactionID", "transaction_id", BIGINT, required=True),
            Column("CommitteeID", "committee_id", INT, required=True),
            Column("TransactionTypeID", "transaction_type_id", INT, required=True),
            Column("TransactionDate", "transaction_date", DATE),
            Column("Amount", "amount", AMOUNT, required=True),
            Column("NameID", "entity_id", INT),
            Column("SubjectCommitteeID", "subject_committee_id", INT),
            Column("IsForBenefit", "is_for_benefit", BOOL),
            Column("CategoryID", "category_id", INT),
            Column("Memo", "memo"),
            Column("AccountType", "account_type"),
            Column("ModifiesTransactionID", "modifies_transaction_id", BIGINT),
            Column("Deleted", "deleted", BOOL, if_empty=False),
        ),
        references=(
            Reference("committee_id", "Committees", "committee_id", "committee"),
            Reference("transaction_type_id", "TransactionTypes", "transaction_type_id",
                      "transaction type"),
            Reference("entity_id", "Names", "name_id", "name"),
            Reference("subject_committee_id", "Names", "name_id", "subject committee name"),
        ),
    ),
    SourceFile(
        file="candidate_soi.csv",
        table="candidate_soi",
        key=("candidate_name", "office"),
        columns=(
            Column("Name", "candidate_name", required=True),
            Column("Office", "office", required=True),
            Column("Party", "party"),
            Column("Phone", "phone"),
            Column("Email", "email"),
            Column("FilingDate", "filing_date", DATE),
            Column("SourceURL", "source_url"),
        ),
        site_owned=("contact_status", "pledge_received"),
        change_key="id",
    ),
)

SOURCES_BY_TABLE: dict[str, SourceFile] = {s.table: s for s in SOURCES}
SOURCES_BY_FILE: dict[str, SourceFile] = {s.file.lower(): s for s in SOURCES}
