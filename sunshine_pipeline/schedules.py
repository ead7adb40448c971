"""Schedules. The safety net: an hourly refresh (the old cron line, `5 * * * *`) of the stale
views only; and the daily audit of the Transactions-wide checks.

The sensors refresh views as soon as their inputs change; `refresh_views_schedule` catches
whatever they missed (a sensor switched off, a failed run). A tick selects the views an input
changed for since their last refresh, plus every view downstream of those; with nothing stale
it skips and says so.

`audit_sources_schedule` (`SUNSHINE_AUDIT_CRON`, default 03:15 daily) runs
`audit_sources_job`, which counts the two checks that read all of Transactions in full;
import runs in between pass them on a sound bound, so a landing batch is not held up by
ten-million-row counts.

`SUNSHINE_REFRESH_CRON`, `SUNSHINE_AUDIT_CRON` and `SUNSHINE_TIMEZONE` (settings.py) are read
when the definitions load.
"""

from __future__ import annotations

import dagster as dg
import psycopg

from sunshine_pipeline import settings
from sunshine_pipeline.jobs import REFRESH_TAGS, audit_sources_job, refresh_views_job
from sunshine_pipeline.resources import WarehouseResource
from sunshine_pipeline.views.catalog import VIEWS, ViewSpec
from sunshine_pipeline.views.refresh import is_stale

NOTHING_STALE = "no view has new inputs since its last refresh"


def stale_views(conn: psycopg.Connection) -> list[ViewSpec]:
    """Views that are stale or read a stale view, in refresh order."""
    selected: list[ViewSpec] = []
    names: set[str] = set()
    for view in VIEWS:
        if names.intersection(view.deps) or is_stale(conn, view):
            selected.append(view)
            names.add(view.name)
    return selected


def build_refresh_views_schedule() -> dg.ScheduleDefinition:
    cron, timezone = settings.refresh_cron(), settings.timezone()

    @dg.schedule(
        name="refresh_views_schedule",
        job=refresh_views_job,
        cron_schedule=cron,
        execution_timezone=timezone,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description=f"Every tick of {cron} ({timezone}): refresh the views whose inputs "
        "changed since their last refresh, and the views downstream of them.",
    )
    def refresh_views_schedule(context: dg.ScheduleEvaluationContext,
                               warehouse: WarehouseResource) -> dg.RunRequest | dg.SkipReason:
        with warehouse.connection() as conn:
            views = stale_views(conn)
        if not views:
            return dg.SkipReason(NOTHING_STALE)
        context.log.info("stale: %s", ", ".join(v.name for v in views))
        return dg.RunRequest(tags=REFRESH_TAGS,
                             asset_selection=[dg.AssetKey(v.name) for v in views])

    return refresh_views_schedule


def build_audit_sources_schedule() -> dg.ScheduleDefinition:
    cron = settings.audit_cron()
    return dg.ScheduleDefinition(
        name="audit_sources_schedule",
        job=audit_sources_job,
        cron_schedule=cron,
        execution_timezone=settings.timezone(),
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description=f"Every tick of {cron}: count the Transactions-wide checks in full.",
    )


def build_schedules() -> list[dg.ScheduleDefinition]:
    return [build_refresh_views_schedule(), build_audit_sources_schedule()]
