"""Jobs: refresh the views (when their inputs changed, or forced); import a landing batch;
count the Transactions-wide checks in full (run by `audit_sources_schedule`). The job that
prunes Dagster's run history is in history.py.

Each runs every step in one process (in_process_executor): the steps are SQL statements that
PostgreSQL executes one after another anyway, and a process per step would cost a Python
start and ~150 MB each on a 1-vCPU, 2 GB server."""

from __future__ import annotations

import dagster as dg

from sunshine_pipeline.imports.assets import IMPORTS_GROUP
from sunshine_pipeline.imports.checks import AUDIT_TAG, INCREMENTAL_CHECKS
from sunshine_pipeline.views.assets import FORCE_TAG, VIEWS_GROUP

# Marks the runs that refresh views (the run queue takes one run at a time: dagster.yaml).
REFRESH_TAGS = {"sunshine/refresh": "views"}

refresh_views_job = dg.define_asset_job(
    "refresh_views_job",
    selection=dg.AssetSelection.groups(VIEWS_GROUP),
    description="Materialize the dashboard views in dependency order; each view refreshes "
    "only when an input changed since its last refresh.",
    tags=REFRESH_TAGS,
    executor_def=dg.in_process_executor,
)

force_refresh_views_job = dg.define_asset_job(
    "force_refresh_views_job",
    selection=dg.AssetSelection.groups(VIEWS_GROUP),
    description="Rebuild the dashboard views in dependency order even when no input changed "
    "(the UI's way to force a refresh; `sunshine refresh --all` does the same).",
    tags={**REFRESH_TAGS, FORCE_TAG: "true"},
    executor_def=dg.in_process_executor,
)

# The landing sensor selects a batch's tables only (views_after_import_sensor refreshes the
# views in a run of their own); `sunshine demo` selects the views too.
ingest_batch_job = dg.define_asset_job(
    "ingest_batch_job",
    selection=dg.AssetSelection.groups(IMPORTS_GROUP, VIEWS_GROUP),
    description="Import a landing batch into the base tables (and, when selected, "
    "materialize the views downstream).",
    tags=REFRESH_TAGS,
    executor_def=dg.in_process_executor,
)

audit_sources_job = dg.define_asset_job(
    "audit_sources_job",
    selection=dg.AssetSelection.checks(
        *(dg.AssetCheckKey(dg.AssetKey("Transactions"), name) for name in INCREMENTAL_CHECKS)),
    description="Count the Transactions-wide checks (duplicate income share, orphan "
    "references) in full; between audits, import runs pass them on a bound from the change "
    "log.",
    tags={AUDIT_TAG: "full"},
    executor_def=dg.in_process_executor,
)
