"""Operators are told: the pipeline's incidents → one notification when each opens and one
when it clears, through apprise (one URL form for e-mail, Slack, Matrix, Telegram, a webhook
and many others), to the URLs in SUNSHINE_ALERT_URL. Nothing is sent when it is not set.

An incident is a state the warehouse and the Dagster instance show, not an event, so a tick
that finds nothing new sends nothing, and a restart of the daemon re-sends nothing (the open
incidents are the sensor's cursor):

- `run:<job>`: the latest finished run of a watched job (`WATCHED_JOBS`: the import, the
  refresh and the audit) failed (the next successful one clears it);
- `check:<asset>:<check>`: the latest result of a blocking (ERROR) check failed
  (sunshine.check_result);
- `view:<view>`: a view late: an input change has waited unread for longer than
  SUNSHINE_VIEW_SLA_HOURS (status.py's "overdue"; a view with no new input is never late);
- `batch:<id>`: an import rejected or failed, with no batch landed after it.

Each message names the asset or batch and what failed, and links to the run or asset in the
Dagster UI (SUNSHINE_UI_URL, default http://127.0.0.1:3000). A notification that could not be
delivered is tried again on the next tick.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import dagster as dg
import psycopg

from sunshine_pipeline.jobs import audit_sources_job, ingest_batch_job, refresh_views_job
from sunshine_pipeline.resources import WarehouseResource, one
from sunshine_pipeline.settings import alert_urls, ui_url
from sunshine_pipeline.status import failed_batches, failing_blocking_checks, view_status

ALERT_TICK_SECONDS = 60
WATCHED_JOBS = (ingest_batch_job.name, refresh_views_job.name, audit_sources_job.name)


@dataclass(frozen=True)
class Incident:
    key: str
    title: str
    body: str


def _first_line(text: str | None) -> str:
    return (text or "").strip().splitlines()[0] if (text or "").strip() else ""


def _run_failure(instance: dg.DagsterInstance, run_id: str) -> str:
    """The first failed step's error (else the run's failure message), in one line."""
    for event_type in (dg.DagsterEventType.STEP_FAILURE, dg.DagsterEventType.RUN_FAILURE):
        records = instance.get_records_for_run(run_id, of_type=event_type).records
        for record in records:
            event = record.event_log_entry.dagster_event
            if event is None:
                continue
            error = getattr(event.event_specific_data, "error", None)
            while error is not None and error.cause is not None:  # the user code's own error
                error = error.cause
            message = _first_line(error.message if error else event.message)
            if message:
                step = f"{event.step_key}: " if event.step_key else ""
                return step + message
    return "no error message recorded"


def run_incidents(instance: dg.DagsterInstance) -> list[Incident]:
    out = []
    for job in WATCHED_JOBS:
        runs = instance.get_runs(filters=dg.RunsFilter(
            job_name=job, statuses=[dg.DagsterRunStatus.SUCCESS,
                                    dg.DagsterRunStatus.FAILURE]), limit=1)
        if runs and runs[0].status == dg.DagsterRunStatus.FAILURE:
            run = runs[0]
            batch = run.tags.get("sunshine/batch")
            out.append(Incident(
                f"run:{job}", f"{job} failed" + (f" (batch {batch})" if batch else ""),
                f"Run {run.run_id} of {job} failed: {_run_failure(instance, run.run_id)}\n"
                f"{ui_url()}/runs/{run.run_id}"))
    return out


def check_incidents(conn: psycopg.Connection) -> list[Incident]:
    return [Incident(
        f"check:{asset}:{check}", f"blocking check {check} failed on {asset}",
        f"{description or 'failed'}\n{ui_url()}/assets/{asset}?view=checks"
        + (f"\nrun: {ui_url()}/runs/{run_id}" if run_id else ""))
        for asset, check, description, run_id in failing_blocking_checks(conn)]


def view_incidents(conn: psycopg.Connection) -> list[Incident]:
    if one(conn.execute("SELECT to_regclass('sunshine.view_last_refresh')")) is None:
        return []
    out = []
    for s in view_status(conn):
        if s.exists and s.overdue:
            since = (s.waiting_since.isoformat(timespec="seconds") if s.waiting_since
                     else "its first refresh")
            out.append(Incident(
                f"view:{s.view}", f"{s.view} is late",
                f"An input of {s.view} changed at {since} and the view has not been refreshed "
                f"since, longer than SUNSHINE_VIEW_SLA_HOURS allows.\n{ui_url()}/assets/{s.view}"))
    return out


def batch_incidents(conn: psycopg.Connection) -> list[Incident]:
    return [Incident(f"batch:{batch_id}", f"batch {batch_id} {outcome}: {path}",
                     f"The import of {path} was {outcome}: {_first_line(error) or 'no reason'}"
                     "; nothing of it was written.")
            for batch_id, path, outcome, error, _ in failed_batches(conn)]


def incidents(instance: dg.DagsterInstance, conn: psycopg.Connection) -> dict[str, Incident]:
    """Every open incident, by key."""
    with conn.transaction():
        found = [*run_incidents(instance), *check_incidents(conn), *view_incidents(conn),
                 *batch_incidents(conn)]
    return {i.key: i for i in found}


def send(urls: list[str], title: str, body: str) -> bool:
    """One notification to every URL; True when all took it."""
    import apprise

    notifier = apprise.Apprise()
    for url in urls:
        notifier.add(url)
    return bool(notifier.notify(title=f"sunshine: {title}", body=body))


@dg.sensor(
    minimum_interval_seconds=ALERT_TICK_SECONDS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Incidents (a failed run, a failing blocking check, a late view, a rejected "
    "batch) → one notification when each opens and one when it clears, "
    "to SUNSHINE_ALERT_URL (apprise); nothing is sent when it is not set.",
)
def alert_sensor(context: dg.SensorEvaluationContext,
                 warehouse: WarehouseResource) -> dg.SensorResult:
    """Notify the incidents that opened or cleared since the last tick (the cursor holds the
    open ones, by key and title)."""
    urls = alert_urls()
    if not urls:
        return dg.SensorResult(skip_reason="SUNSHINE_ALERT_URL is not set: nothing is sent",
                               cursor=context.cursor)
    notified: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
    with warehouse.connection() as conn:
        current = incidents(context.instance, conn)
    sent = []
    for key, incident in current.items():
        if key not in notified and send(urls, incident.title, incident.body):
            notified[key] = incident.title
            sent.append(f"opened {key}")
    for key in [k for k in notified if k not in current]:
        if send(urls, f"resolved: {notified[key]}", f"Cleared: {notified[key]}."):
            del notified[key]
            sent.append(f"resolved {key}")
    for line in sent:
        context.log.info(line)
    summary = "; ".join(sent) or (f"{len(current)} open incident(s), already notified"
                                  if current else "no incident")
    return dg.SensorResult(skip_reason=summary, cursor=json.dumps(notified, sort_keys=True))
