"""Dagster's run history kept bounded on a small disk: Dagster keeps every run and its event
log until someone deletes it (dagster.yaml's `retention` covers sensor and schedule ticks
only). `prune_history_job` deletes the finished runs created more than
SUNSHINE_RUN_HISTORY_DAYS ago (default 90), with their event logs; `prune_history_schedule`
runs it every night (`SUNSHINE_PRUNE_CRON`, default 04:15). The warehouse's own records
(sunshine.import_batch, view_refresh, check_result) are not touched: they are the
pipeline's history and are small.
"""

# No `from __future__ import annotations`: Dagster reads the op's config type at runtime.
from datetime import UTC, datetime, timedelta

import dagster as dg

from sunshine_pipeline import settings
from sunshine_pipeline.runs import FINISHED


class PruneConfig(dg.Config):
    days: float | None = None  # default: SUNSHINE_RUN_HISTORY_DAYS


@dg.op(description="Delete the finished runs older than the retention, with their event logs.")
def prune_run_history(context: dg.OpExecutionContext, config: PruneConfig) -> int:
    days = settings.run_history_days() if config.days is None else config.days
    cutoff = datetime.now(UTC) - timedelta(days=days)
    old = context.instance.get_run_records(
        filters=dg.RunsFilter(statuses=FINISHED, created_before=cutoff))
    deleted = 0
    for record in old:
        if record.dagster_run.run_id != context.run_id:
            context.instance.delete_run(record.dagster_run.run_id)
            deleted += 1
    context.log.info("deleted %s runs created before %s (%s days)", deleted,
                     cutoff.isoformat(timespec="seconds"), days)
    context.add_output_metadata({"runs_deleted": deleted, "cutoff": cutoff.isoformat()})
    return deleted


@dg.job(description="Delete the finished Dagster runs older than SUNSHINE_RUN_HISTORY_DAYS "
        "(default 90) with their event logs, so the history does not grow without bound.",
        executor_def=dg.in_process_executor)
def prune_history_job() -> None:
    prune_run_history()


def build_prune_history_schedule() -> dg.ScheduleDefinition:
    cron = settings.prune_cron()
    return dg.ScheduleDefinition(
        name="prune_history_schedule",
        job=prune_history_job,
        cron_schedule=cron,
        execution_timezone=settings.timezone(),
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description=f"Every tick of {cron}: delete the runs older than "
        "SUNSHINE_RUN_HISTORY_DAYS.",
    )
