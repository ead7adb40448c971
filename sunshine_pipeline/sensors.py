"""Sensors that refresh exactly what changed: landing batches, and direct writes to base tables.

`landing_batch_sensor`: a batch is a sub-folder of the landing folder (`SUNSHINE_LANDING`),
holding CSV files or one Access file as the SOS delivers it (imports/access.py). It is ready
once it holds `_READY` (written last, optionally a sha256sum manifest), holds no symbolic
link, and its files have not changed for `SUNSHINE_LANDING_SETTLE_SECONDS`
(imports/landing.py); until then each tick reports why it waits. Each ready batch becomes
one `ingest_batch_job` run that imports the tables it holds; one that cannot be read yet (an
Access file without mdbtools installed) is reported, and tried again, on each tick. The
cursor records each requested batch with its files' signature (names, sizes, modification
times), so a batch imports once across daemon restarts; `batch:<name>` run keys are the
backstop. A batch whose run failed is reported on each tick and requested again once its
files change (a file fixed in place, or one that changed during the import); a batch
holding no known file is looked at again once its files change too.

`views_after_import_sensor`: when an ingest run succeeds, one `refresh_views_job` run
materializes the views downstream of the tables it changed (tagged with the batch). The
import and the refresh are two runs so that a rejected batch fails its own run only: the
views were not touched and keep their health in the UI.

`source_change_sensor`: the site's tools also write the base tables directly. Statement
triggers log every write in `sunshine.change_log` within the writing transaction, so a
rolled-back write leaves nothing. The cursor is a `pg_snapshot`: a tick asks for the entries
not visible in it, and requests one `refresh_views_job` run of exactly the views downstream
of those tables. Imports made by a Dagster run are left to views_after_import_sensor.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import dagster as dg
import psycopg

from sunshine_pipeline import settings
from sunshine_pipeline.imports import access, landing
from sunshine_pipeline.imports.catalog import SOURCES
from sunshine_pipeline.imports.landing import LandingRefused
from sunshine_pipeline.imports.ledger import RUN_WRITERS
from sunshine_pipeline.imports.plan import BatchRejected
from sunshine_pipeline.jobs import REFRESH_TAGS, ingest_batch_job, refresh_views_job
from sunshine_pipeline.resources import WarehouseResource, one
from sunshine_pipeline.sqlfiles import sql_text
from sunshine_pipeline.views.catalog import BASE_TABLES, downstream_views

# Prefixes the signature recorded for a batch holding no known file: it is looked at again
# once its files change (a CSV arrives).
IGNORED = "ignored:"
# Names the landing batch of a run; the landing sensor finds failed batches by it.
BATCH_TAG = "sunshine/batch"
# Names the batch whose import a refresh run follows (views_after_import_sensor).
AFTER_BATCH_TAG = "sunshine/after_batch"
# Import metadata counting rows written: a table with none of them changed nothing.
WRITTEN = ("inserted", "updated", "flipped_to_deleted", "synthesized_committees")
# change_log writers (LIKE patterns) whose writes are refreshed for them: the import asset of
# ingest_batch_job (views_after_import_sensor, or the run itself when it selects views).
# `sunshine import` (the CLI) refreshes nothing, so its writes count as external.
OWN_WRITERS = (RUN_WRITERS,)
# How often each sensor looks. A landing batch is what a person waits for (a 1% batch should
# be on the dashboard within a minute), and a look is one directory listing. Direct writes by
# the site's tools are refreshed within half a minute; a look is one indexed query.
LANDING_TICK_SECONDS = 10
SOURCE_CHANGE_TICK_SECONDS = 30
# An import's views follow it within seconds (one look at the run's events).
AFTER_IMPORT_TICK_SECONDS = 5


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


def batch_run_request(batch: Path, tables: list[str], retry: str | None = None
                      ) -> dg.RunRequest:
    """One ingest run: import `tables` from `batch` (views_after_import_sensor then
    refreshes the views downstream of what changed). `retry`: the files' signature when a
    failed batch is tried again after it changed."""
    return dg.RunRequest(
        run_key=f"batch:{batch.name}" + (f"@{retry[:12]}" if retry else ""),
        run_config={"ops": {"import_batch": {"config": {"batch_dir": str(batch)}}}},
        tags={**REFRESH_TAGS, BATCH_TAG: batch.name},
        asset_selection=[dg.AssetKey(t) for t in tables],
    )


# The kinds of batch the cursor leads with (see _cursor), in order.
ATTENTION = ("failed", "refused", "unreadable", "waiting")


def _read_cursor(cursor: str | None) -> tuple[dict[str, str | None], set[str]]:
    """({batch name: its files' signature when it was requested or ignored}, the batches the
    last tick listed as needing attention). A cursor of an older release is a plain list of
    names (signature unknown: never tried again)."""
    if not cursor:
        return {}, set()
    data = json.loads(cursor)
    if isinstance(data, list):
        return dict.fromkeys(data), set()
    return dict(data["batches"]), {name for kind in ATTENTION for name in data.get(kind, [])}


def _cursor(seen: dict[str, str | None], notes: list[tuple[str | None, str, str]]) -> str:
    """The cursor, led by the batches that need an operator (failed, refused) or are waiting:
    the UI shows a sensor's cursor on its page and at the start of every tick's row, so a
    failed batch is in sight without opening a tick."""
    attention = {kind: [name for k, name, _ in notes if k == kind] for kind in ATTENTION}
    return json.dumps({**{k: v for k, v in attention.items() if v},
                       "batches": dict(sorted(seen.items()))})


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
    "_READY whose files have settled, importing its tables (views_after_import_sensor then "
    "refreshes the views below them). The cursor starts with the batches that failed, were "
    "refused or wait.",
)
def landing_batch_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    """Request each new ready batch once (again once a failed batch's files change); report
    the batches that wait, are refused or failed."""
    root, now, settle = settings.landing_dir(), time.time(), settings.landing_settle_seconds()
    folders = landing.batch_folders(root)
    seen, listed_before = _read_cursor(context.cursor)
    failed = failed_batches(context.instance, [b.name for b in folders if b.name in seen])
    runs: list[dg.RunRequest] = []
    notes: list[tuple[str | None, str, str]] = []  # (attention kind or None, batch, note)
    for batch in folders:
        name = batch.name
        before = seen.get(name)
        ignored = before is not None and before.startswith(IGNORED)
        if name in seen and name not in failed and not ignored:
            continue  # requested already, and its run did not fail: nothing to look at
        try:
            state = landing.readiness(batch, now, settle)
        except (LandingRefused, OSError) as exc:
            notes.append(("refused", name, f"batch {name} refused: {exc}"))
            continue
        retry = None
        if name in seen:
            changed = before is not None and state.signature != before.removeprefix(IGNORED)
            if name in failed and not (changed and state.ready):
                notes.append(("failed", name, f"batch {name} failed in run {failed[name]}; "
                              "not retried until its files change: fix them in place, drop "
                              "the batch under a new folder name, or re-execute the run"))
                continue
            if not changed:
                continue
            retry = state.signature if name in failed else None
        if not state.ready:
            notes.append(("waiting", name, f"batch {name} waits: {state.waiting}"))
            continue
        if not state.files:
            notes.append(("waiting", name,
                          f"batch {name} waits: {landing.READY_FILE} is there, no file yet"))
            continue
        try:
            tables = batch_tables(batch)
        except BatchRejected as exc:
            notes.append(("unreadable", name, f"batch {name} cannot be read: {exc}; tried "
                          "again on each tick"))
            continue
        if tables:
            runs.append(batch_run_request(batch, tables, retry))
            seen[name] = state.signature
        else:
            notes.append((None, name, f"batch {name} holds no known CSV file; ignored until "
                          "its files change"))
            seen[name] = IGNORED + state.signature
    # Each note is in every tick's skip reason; the log (the daemon's terminal) gets it only
    # when its batch newly fails, is refused or waits, not every ten seconds.
    for _, name, note in notes:
        if name not in listed_before:
            context.log.warning(note)
    cursor = _cursor(seen, notes)
    if runs:
        return dg.SensorResult(run_requests=runs, cursor=cursor)
    return dg.SensorResult(
        skip_reason="; ".join(note for _, _, note in notes) or f"no new ready batch in {root}",
        cursor=cursor)


def changed_base_tables(conn: psycopg.Connection, since: str) -> tuple[str, dict[str, int]]:
    """(current snapshot, {table: rows}) for base-table writes committed after `since`.

    One repeatable-read transaction: the returned snapshot is the one the query saw, so
    every change is reported by exactly one tick.
    """
    conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    conn.read_only = True
    with conn.transaction():
        [(snapshot, logged)] = conn.execute(
            "SELECT pg_current_snapshot()::text, "
            "to_regclass('sunshine.change_log') IS NOT NULL").fetchall()
        if not logged:
            return snapshot, {}
        rows = conn.execute(sql_text("sensors/changed_base_tables.sql"), {
            "since": since, "tables": list(BASE_TABLES), "own_writers": list(OWN_WRITERS),
        }).fetchall()
    return snapshot, {relation: int(row_count) for relation, _, row_count in rows}


def current_snapshot(conn: psycopg.Connection) -> str:
    snapshot = one(conn.execute("SELECT pg_current_snapshot()::text"))
    return str(snapshot)


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


def changed_tables(instance: dg.DagsterInstance, run_id: str) -> set[str]:
    """Base tables an ingest run changed: its materializations that wrote a row."""
    changed = set()
    for entry in instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION):
        materialization = entry.asset_materialization
        if materialization is None:
            continue
        metadata = {k: getattr(v, "value", v) for k, v in materialization.metadata.items()}
        if any(metadata.get(k) for k in WRITTEN):
            changed.add(materialization.asset_key.path[-1])
    return changed


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=[ingest_batch_job],
    request_job=refresh_views_job,
    minimum_interval_seconds=AFTER_IMPORT_TICK_SECONDS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="A successful ingest_batch_job run → one refresh_views_job run of exactly "
    "the views downstream of the base tables it changed.",
)
def views_after_import_sensor(context: dg.RunStatusSensorContext
                              ) -> dg.RunRequest | dg.SkipReason:
    """Refresh what an import changed, in a run of its own: a rejected batch fails its
    import run alone, and the views keep their health."""
    run = context.dagster_run
    selected = run.asset_selection or set()
    tables = changed_tables(context.instance, run.run_id)
    views = [v for v in downstream_views(tables) if dg.AssetKey(v.name) not in selected]
    batch = run.tags.get(BATCH_TAG, run.run_id)
    if not views:
        return dg.SkipReason(f"run {run.run_id} (batch {batch}) changed no table a view "
                             "reads, or refreshed its views itself")
    return dg.RunRequest(
        run_key=f"after:{run.run_id}",
        tags={**REFRESH_TAGS, AFTER_BATCH_TAG: batch},
        asset_selection=[dg.AssetKey(v.name) for v in views],
    )


def build_sensors() -> list[dg.SensorDefinition]:
    from sunshine_pipeline.alerts import alert_sensor  # alerts read the jobs this module feeds
    from sunshine_pipeline.views.freshness import view_freshness_sensor

    return [landing_batch_sensor, views_after_import_sensor, source_change_sensor,
            view_freshness_sensor, alert_sensor]
