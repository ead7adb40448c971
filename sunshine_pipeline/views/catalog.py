"""The nine dashboard views, declared once.

Each view's asset, checks and refresh are generated from its declaration in `VIEWS` (declared
upstream first: the refresh order). A view is its declaration plus two SQL files: its SELECT,
`sql/views/<name>.sql`, whose name and columns are what the dashboard reads, and its
reconciliation, `sql/checks/<reconciliation>.sql`. `deps` are the relations the SELECT reads:
base tables or other views.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sunshine_pipeline.imports.catalog import SITE_TABLES

# The site's tables the views read from (all of them are imported: imports/catalog.py).
BASE_TABLES: tuple[str, ...] = SITE_TABLES


@dataclass(frozen=True)
class ViewIndex:
    """A read index: `columns` as (column, "ASC"|"DESC"), or one column with a GIN opclass."""

    name: str
    columns: tuple[tuple[str, str], ...]
    method: str = "btree"
    opclass: str | None = None


@dataclass(frozen=True)
class RowShape:
    """What the row count must look like: exactly/at most; non-empty when sources are.

    `non_empty_when` names a query in sql/checks/ returning one boolean: true when the base
    tables hold something this view must show (a live contribution, a live IE).
    """

    exactly: int | None = None
    at_most: int | None = None
    non_empty_when: str | None = None


@dataclass(frozen=True)
class ViewSpec:
    name: str
    description: str
    deps: tuple[str, ...]
    unique_key: tuple[str, ...]
    # The view's blocking check: its name, and its query sql/checks/<reconciliation>.sql,
    # returning (figure, actual, expected) rows; every refresh that changes the view's rows
    # runs it before committing (views/refresh.py).
    reconciliation: str
    shape: RowShape = field(default_factory=RowShape)
    indexes: tuple[ViewIndex, ...] = ()
    # Rollup tables the SELECT reads (kept current by triggers on the base tables); each is
    # brought up to date by sunshine.refresh_<rollup>() before the view is built or refreshed.
    rollups: tuple[str, ...] = ()
    # How a stale view is refreshed: "concurrent" (REFRESH … CONCURRENTLY: only changed rows
    # are written, but PostgreSQL sorts the whole new result twice to check for duplicates) or
    # "swap" (rebuilt beside the live view with its indexes and swapped in one short
    # transaction; cheaper for a large view, readers wait only for the swap itself).
    refresh: str = "concurrent"
    # Per-column statistics targets: the donor search (ILIKE '%term%' ORDER BY total LIMIT n)
    # picks between the trigram and the by_total index on these estimates.
    statistics: tuple[tuple[str, int], ...] = ()

    @property
    def sql_file(self) -> str:
        return f"views/{self.name}.sql"

    @property
    def inputs(self) -> tuple[str, ...]:
        """What a change of makes the view stale: the relations it reads and its rollups (a
        REBUILD entry of a rollup, written when its reconciliation found it wrong, counts)."""
        return (*self.deps, *self.rollups)


VIEWS: tuple[ViewSpec, ...] = (
    ViewSpec(
        name="top_donors_mv",
        description="Transactions (through the sunshine.donor_totals rollup) + Names + types → "
        "one row per donor with totals; the donor list pages and searches it.",
        deps=("Transactions", "TransactionTypes", "Names", "EntityTypes"),
        unique_key=("entity_id",),
        reconciliation="top_donors_mv_matches_source_totals",
        rollups=("donor_totals",),
        refresh="swap",
        statistics=(("entity_name", 1000),),
        shape=RowShape(non_empty_when="live_contributions_exist"),
        indexes=(
            ViewIndex("by_total", (("total_contributed", "DESC"), ("entity_id", "ASC"))),
            ViewIndex("name_trgm", (("entity_name", "ASC"),), method="gin",
                      opclass="gin_trgm_ops"),
        ),
    ),
    ViewSpec(
        name="mv_dashboard_top_donors",
        description="top_donors_mv → its ten largest donors, for the dashboard's front card.",
        deps=("top_donors_mv",),
        unique_key=("entity_id",),
        reconciliation="mv_dashboard_top_donors_is_head_of_top_donors_mv",
        shape=RowShape(at_most=10, non_empty_when="live_contributions_exist"),
    ),
    ViewSpec(
        name="mv_committee_ie_summary",
        description="IE transactions + Committees + Names → support/oppose totals per (filer, "
        "target) pair; every other IE view reads this instead of Transactions.",
        deps=("Transactions", "Committees", "Names"),
        unique_key=("committee_id", "subject_committee_id"),
        reconciliation="mv_committee_ie_summary_matches_source_totals",
        shape=RowShape(non_empty_when="live_ie_exist"),
    ),
    ViewSpec(
        name="top_ie_committees_mv",
        description="mv_committee_ie_summary → IE spending per filing committee.",
        deps=("mv_committee_ie_summary",),
        unique_key=("committee_id",),
        reconciliation="top_ie_committees_mv_matches_ie_summary",
        shape=RowShape(non_empty_when="live_ie_exist"),
        indexes=(ViewIndex("by_total", (("total_spending", "DESC"), ("committee_id", "ASC"))),),
    ),
    ViewSpec(
        name="mv_dashboard_top_ie_committees",
        description="top_ie_committees_mv → the ten largest IE spenders.",
        deps=("top_ie_committees_mv",),
        unique_key=("committee_id",),
        reconciliation="mv_dashboard_top_ie_committees_is_head_of_top_ie_committees_mv",
        shape=RowShape(at_most=10, non_empty_when="live_ie_exist"),
    ),
    ViewSpec(
        name="ie_benefit_breakdown",
        description="mv_committee_ie_summary → IE money for and against, two rows with shares.",
        deps=("mv_committee_ie_summary",),
        unique_key=("is_for_benefit",),
        reconciliation="ie_benefit_breakdown_matches_ie_summary",
        shape=RowShape(exactly=2),
    ),
    ViewSpec(
        name="mv_dashboard_support_oppose",
        description="ie_benefit_breakdown → the same figures pivoted into one row.",
        deps=("ie_benefit_breakdown",),
        unique_key=(
            "total_for_benefit",
            "total_not_for_benefit",
            "count_for_benefit",
            "count_not_for_benefit",
        ),
        reconciliation="mv_dashboard_support_oppose_matches_ie_summary",
        shape=RowShape(exactly=1),
    ),
    ViewSpec(
        name="mv_dashboard_recent_expenditures",
        description="IE transactions + Committees + Names → the 50 latest IE with filer, target "
        "and candidate names.",
        deps=("Transactions", "Committees", "Names"),
        unique_key=("id",),
        reconciliation="mv_dashboard_recent_expenditures_is_latest_live_ie",
        shape=RowShape(at_most=50, non_empty_when="live_ie_exist"),
        indexes=(
            ViewIndex("by_date", (("expenditure_date", "DESC NULLS LAST"), ("id", "DESC"))),
        ),
    ),
    ViewSpec(
        name="dashboard_aggregations",
        description="mv_committee_ie_summary + Committees + candidate_soi → the headline "
        "figures, one row.",
        deps=("mv_committee_ie_summary", "Committees", "candidate_soi"),
        unique_key=(
            "total_ie_spending",
            "candidate_committees",
            "num_expenditures",
            "soi_total",
            "soi_uncontacted",
            "soi_pledged",
        ),
        reconciliation="dashboard_aggregations_matches_source_totals",
        shape=RowShape(exactly=1),
    ),
)

VIEWS_BY_NAME: dict[str, ViewSpec] = {v.name: v for v in VIEWS}


def downstream_views(relations: set[str]) -> list[ViewSpec]:
    """Every view that reads any of `relations`, directly or through other views, in order."""
    moved = set(relations)
    out = []
    for view in VIEWS:
        if moved.intersection(view.deps):
            out.append(view)
            moved.add(view.name)
    return out

