"""The code location: assembles assets, checks, jobs, sensors, schedules and resources; builds
nothing at import time (`defs` is lazy, built when Dagster loads the location)."""

from __future__ import annotations

import dagster as dg

from sunshine_pipeline.history import build_prune_history_schedule, prune_history_job
from sunshine_pipeline.imports.assets import build_import_assets, landing_specs
from sunshine_pipeline.imports.checks import build_all_source_checks
from sunshine_pipeline.jobs import (
    audit_sources_job,
    force_refresh_views_job,
    ingest_batch_job,
    refresh_views_job,
)
from sunshine_pipeline.resources import WarehouseResource
from sunshine_pipeline.runs import build_run_reaper_sensor, install_execution_fixes
from sunshine_pipeline.schedules import build_schedules
from sunshine_pipeline.sensors import build_sensors
from sunshine_pipeline.views.assets import build_view_assets
from sunshine_pipeline.views.checks import build_all_view_checks


def build_definitions(warehouse: WarehouseResource | None = None) -> dg.Definitions:
    # Every process that runs these jobs (the CLI, the daemon's run workers) builds them here:
    # steps waiting for a pool slot sleep and stop on SIGTERM (runs.py).
    install_execution_fixes()
    return dg.Definitions(
        assets=[*landing_specs(), build_import_assets(), *build_view_assets()],
        asset_checks=[*build_all_view_checks(), *build_all_source_checks()],
        jobs=[refresh_views_job, force_refresh_views_job, ingest_batch_job, audit_sources_job,
              prune_history_job],
        sensors=[*build_sensors(), build_run_reaper_sensor()],
        schedules=[*build_schedules(), build_prune_history_schedule()],
        resources={"warehouse": warehouse or WarehouseResource()},
    )


@dg.definitions
def defs() -> dg.Definitions:
    return build_definitions()
