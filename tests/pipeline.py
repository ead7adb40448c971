"""Running the pipeline in tests: a batch loaded without Dagster (fast set-up), the code
location's jobs run in process through real Dagster, a sensor's tick evaluated and the run it
requests launched as the daemon would, a view read in its sort order, and a fingerprint of
the base tables (to show that something left them as they were).

Nothing here adds to or repairs the definitions: a test runs what `build_definitions` builds."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import psycopg
from psycopg import sql

from sunshine_pipeline.definitions import build_definitions
from sunshine_pipeline.imports.loader import import_batch
from sunshine_pipeline.resources import WarehouseResource
from sunshine_pipeline.views.catalog import BASE_TABLES, VIEWS
from sunshine_pipeline.views.refresh import materialize_view
from tests.oracle import VIEW_COLUMNS, VIEW_SORT_KEYS


def load(conn: psycopg.Connection, batch: Path) -> None:
    """Import the batch and materialize every view, without Dagster (fast set-up)."""
    import_batch(conn, batch)
    for view in VIEWS:
        materialize_view(conn, view)


def batch_config(batch: Path) -> dict:
    """The run config of a job that imports `batch`."""
    return {"ops": {"import_batch": {"config": {"batch_dir": str(batch)}}}}


def run_job(warehouse: WarehouseResource, name: str, instance: dg.DagsterInstance,
            batch: Path | None = None, tags: dict | None = None) -> dg.ExecuteInProcessResult:
    """Run job `name` of the code location in process (importing `batch` if given); a failed
    run is returned, not raised."""
    return build_definitions(warehouse).resolve_job_def(name).execute_in_process(
        instance=instance, run_config=batch_config(batch) if batch else None,
        tags=tags or {}, raise_on_error=False)


def ingest(warehouse: WarehouseResource, batch: Path, instance: dg.DagsterInstance,
           tags: dict | None = None) -> dg.ExecuteInProcessResult:
    """ingest_batch_job on `batch`: its tables and every view; raises if the run fails."""
    job = build_definitions(warehouse).resolve_job_def("ingest_batch_job")
    return job.execute_in_process(instance=instance, tags=tags or {},
                                  run_config=batch_config(batch))


def tick(sensor: dg.SensorDefinition, instance: dg.DagsterInstance, defs: dg.Definitions,
         warehouse: WarehouseResource, cursor: str | None):
    """One evaluation of `sensor` on `instance` from `cursor`."""
    context = dg.build_sensor_context(instance=instance, cursor=cursor, definitions=defs,
                                      resources={"warehouse": warehouse})
    return sensor.evaluate_tick(context)


def execute(defs: dg.Definitions, job_name: str, request: dg.RunRequest,
            instance: dg.DagsterInstance) -> dg.ExecuteInProcessResult:
    """Run a requested run in process, as the daemon would launch it."""
    return defs.resolve_job_def(job_name).execute_in_process(
        run_config=request.run_config, asset_selection=request.asset_selection,
        tags={**request.tags, **({"dagster/run_key": request.run_key} if request.run_key
                                 else {})},
        instance=instance, raise_on_error=False)


def view_rows(conn: psycopg.Connection, view: str) -> list[tuple]:
    """The rows of `view`, its columns in the oracle's order, sorted by its sort key."""
    columns = VIEW_COLUMNS[view]
    order = VIEW_SORT_KEYS[view] or columns
    return conn.execute(sql.SQL("SELECT {} FROM {} ORDER BY {}").format(
        sql.SQL(", ").join(map(sql.Identifier, columns)), sql.Identifier(view),
        sql.SQL(", ").join(map(sql.Identifier, order)))).fetchall()


def checksums(conn: psycopg.Connection) -> dict[str, tuple[int, int]]:
    """Row count and a hash of every row, per base table."""
    return {t: conn.execute(sql.SQL(
        "SELECT count(*), coalesce(sum(hashtext(x::text)), 0) FROM {} AS x").format(
        sql.Identifier(t))).fetchall()[0] for t in BASE_TABLES}
