"""Sensors that refresh exactly what changed: landing batches, and direct writes to base tables.

`landing_batch_sensor`: a batch is a sub-folder of the landing folder (`SUNSHINE_LANDING`),
holding CSV files or one Access file as the SOS delivers it (imports/access.py), and is ready
once it holds `_READY`, which the dropper writes last, so a half-copied batch is never read.
Each ready batch becomes one `ingest_batch_job` run that imports the tables it holds and then
materializes the views downstream of them; one that cannot be read yet (an Access file
without mdbtools installed) is reported, and tried again, on each tick. The cursor lists the
batch names already requested, so a batch imports once across daemon restarts;
`batch:<name>` run keys are the backstop. A batch whose run failed is not requested again:
each tick reports it until the folder goes away (fix the files and drop them under a new
folder name, or re-execute the run).

`source_change_sensor`: the site's tools also write the base tables directly. Statement
triggers log every write in `sunshine.change_log` within the writing transaction, so a
rolled-back write leaves nothing. The cursor is a `pg_snapshot`: a tick asks for the entries
not visible in it, and requests one `refresh_views_job` run of exactly the views downstream
of those tables. Imports made by a Dagster run are left to that run, which refreshes the
views downstream of them itself.
"""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import psycopg

from sunshine_pipeline.imports import access
from sunshine_pipeline.imports.catalog import SOURCES
from sunshine_pipeline.imports.loader import BatchRejected
from sunshine_pipeline.jobs import REFRESH_TAGS, ingest_batch_job, refresh_views_job
from sunshine_pipeline.resources import WarehouseResource, landing_dir
from sunshine_pipeline.sqlfiles import sql_text
from sunshine_pipeline.views.catalog import BASE_TABLES, downstream_views

READY_FILE = "_READY"
# Names the landing batch of a run; the landing sensor finds failed batches by it.
BATCH_TAG = "sunshine/batch"
# change_log writers (LIKE patterns) whose writes are refreshed by the run that made them: the
# import asset of ingest_batch_job. `sunshine import` (the CLI) refreshes nothing, so its
# writes count as external.
OWN_WRITERS = ("dagster run %",)
# How often each sensor looks. A landing batch is what a person waits for (a 1% batch should
# be on the dashboard within a minute), and a look is one directory listing. Direct writes by
# the site's tools are refreshed within half a minute; a look is one indexed query.
LANDING_TICK_SECONDS = 10
SOURCE_CHANGE_TICK_SECONDS = 30


def ready_batches(landing: Path) -> list[Path]:
    """Sub-folders of `landing` that hold `_READY`, by name."""
    if not landing.is_dir():
        return []
    return sorted(p for p in landing.iterdir() if p.is_dir() and (p / READY_FILE).is_file())


def batch_tables(batch: Path) -> list[str]:
    """Base tables whose CSV the batch holds (file names matched case-insensitively), or, for
    a folder holding an Access file, whose table the file has (BatchRejected when it cannot
    be read: mdbtools missing, a damaged file)."""
    access_file = access.access_file_in(batch)
    if access_file is not None:
        present = {f"{name}.csv".lower() for name in access.tables(access_file)}
    else:
        present = {p.name.lower() for p in batch.iterdir() if p.is_file()}
    return [s.table for s in SOURCES if s.file.lower() in present]


def batch_run_request(batch: Path, tables: list[str]) -> dg.RunRequest:
    """One ingest run: import `tables` from `batch`, then the views downstream of them."""
    views = downstream_views(set(tables))
    return dg.RunRequest(
        run_key=f"batch:{batch.name}",
        run_config={"ops": {"import_batch": {"config": {"batch_dir": str(batch)}}}},
        tags={**REFRESH_TAGS, BATCH_TAG: batch.name},
        asset_selection=[dg.AssetKey(t) for t in tables] + [dg.AssetKey(v.name) for v in views],
    )


def _requested(cursor: str | None) -> set[str]:
    return set(json.loads(cursor)) if cursor else set()


def failed_batches(instance: dg.DagsterInstance, names: list[str]) -> dict[str, str]:
    """{batch name: run id} for the batches among `names` whose latest run failed."""
    if not names:
        return {}
    latest: dict[str, dg.DagsterRun] = {}
    for run in instance.get_runs(filters=dg.RunsFilter(tags={BATCH_TAG: names})):
        latest.setdefault(run.tags[BATCH_TAG], run)  # newest first
    return {name: run.run_id for name, run in sorted(latest.items())
            if run.status == dg.DagsterRunStatus.FAILURE}


@dg.sensor(
    job=ingest_batch_job,
    minimum_interval_seconds=LANDING_TICK_SECONDS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Landing folder → one ingest_batch_job run per new batch folder holding "
    "_READY, importing its tables and refreshing the views downstream of them.",
)
def landing_batch_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    """Request each new ready batch once; report batches whose run failed."""
    landing = landing_dir()
    ready = ready_batches(landing)
    requested = _requested(context.cursor)
    runs, empty, unreadable = [], [], []
    for batch in ready:
        if batch.name in requested:
            continue
        try:
            tables = batch_tables(batch)
        except BatchRejected as exc:
            unreadable.append(f"batch {batch.name} cannot be read: {exc}; tried again on "
                              "each tick")
            continue
        if tables:
            runs.append(batch_run_request(batch, tables))
        else:
            empty.append(batch.name)
        requested.add(batch.name)
    failed = failed_batches(context.instance,
                            [b.name for b in ready if b.name in requested])
    notes = [f"batch {name} failed in run {run_id}; not retried: fix it and drop it under a "
             "new folder name, or re-execute the run" for name, run_id in failed.items()]
    notes += [f"batch {name} holds no known CSV file; ignored" for name in empty]
    notes += unreadable
    for note in notes:
        context.log.warning(note)
    cursor = json.dumps(sorted(requested))
    if runs:
        return dg.SensorResult(run_requests=runs, cursor=cursor)
    return dg.SensorResult(
        skip_reason="; ".join(notes) or f"no new ready batch in {landing}", cursor=cursor)


def changed_base_tables(conn: psycopg.Connection, since: str) -> tuple[str, dict[str, int]]:
    """(current snapshot, {table: rows}) for base-table writes committed after `since`.

    One repeatable-read transaction: the returned snapshot is the one the query saw, so
    every change is reported by exactly one tick.
    """
    conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    conn.read_only = True
    with conn.transaction():
        snapshot, logged = conn.execute(
            "SELECT pg_current_snapshot()::text, "
            "to_regclass('sunshine.change_log') IS NOT NULL").fetchone()
        if not logged:
            return snapshot, {}
        rows = conn.execute(sql_text("sensors/changed_base_tables.sql"), {
            "since": since, "tables": list(BASE_TABLES), "own_writers": list(OWN_WRITERS),
        }).fetchall()
    return snapshot, {relation: int(row_count) for relation, _, row_count in rows}


def current_snapshot(conn: psycopg.Connection) -> str:
    return conn.execute("SELECT pg_current_snapshot()::text").fetchone()[0]


@dg.sensor(
    job=refresh_views_job,
    minimum_interval_seconds=SOURCE_CHANGE_TICK_SECONDS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="sunshine.change_log (base-table writes outside the pipeline) → one "
    "refresh_views_job run of exactly the views downstream of the tables that changed.",
)
def source_change_sensor(context: dg.SensorEvaluationContext,
                         warehouse: WarehouseResource) -> dg.SensorResult:
    """Request a refresh of the views downstream of base tables written since the cursor."""
    with warehouse.connection() as conn:
        if not context.cursor:
            snapshot = current_snapshot(conn)
            return dg.SensorResult(
                skip_reason=f"first tick: watching changes after snapshot {snapshot}",
                cursor=snapshot)
        snapshot, changed = changed_base_tables(conn, context.cursor)
    views = downstream_views(set(changed))
    if not changed:
        return dg.SensorResult(skip_reason="no base table changed", cursor=snapshot)
    summary = ", ".join(f"{table} ({rows} rows)" for table, rows in changed.items())
    if not views:
        return dg.SensorResult(skip_reason=f"{summary} changed; no view reads them",
                               cursor=snapshot)
    context.log.info("%s changed: refreshing %s", summary, ", ".join(v.name for v in views))
    return dg.SensorResult(
        run_requests=[dg.RunRequest(
            run_key=f"changes:{snapshot}",
            tags=REFRESH_TAGS,
            asset_selection=[dg.AssetKey(v.name) for v in views],
        )],
        cursor=snapshot,
    )


def build_sensors() -> list[dg.SensorDefinition]:
    from sunshine_pipeline.alerts import alert_sensor  # alerts read the jobs this module feeds

    return [landing_batch_sensor, source_change_sensor, alert_sensor]
