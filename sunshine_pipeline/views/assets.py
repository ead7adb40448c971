"""One asset per dashboard view, generated from the declaration in catalog.py: the base
tables or views it reads → the view, refreshed by views/refresh.py.

The asset's code_version is the hash of its SQL file, so the UI shows a changed definition;
materializing it then swaps the new version in (refresh.py). The asset carries the view's
blocking reconciliation check (views/checks.py `reconciliation_spec`): every refresh that
changes the view's rows evaluates it in its transaction and refuses to commit rows that
differ, and the asset reports that evaluation as the check's result. A refused refresh fails
the step naming the view, the check and the figures, with the check ERROR, and the views
below it are not materialized; their live rows stay as they were.

Each materialization says what happened (`mode`: created, concurrent, swapped, `swapped with
<view>` for a view rebuilt in the swap of the view above it, or current: no input changed
since its last refresh) and reports the row count, size, duration and column schema;
`rows_changed` is given only where it is known (a concurrent refresh counts the rows it
wrote), while a rebuild reports `rows_rebuilt`. Freshness is the `<view>_is_fresh` check
(views/checks.py): a view whose inputs did not change is current however long ago it was
refreshed.
"""

import warnings
from collections.abc import Iterator

import dagster as dg

from sunshine_pipeline.resources import WarehouseResource
from sunshine_pipeline.schema import ensure_schema
from sunshine_pipeline.sqlfiles import sql_hash, sql_path, sql_text
from sunshine_pipeline.views.catalog import VIEWS, ViewSpec
from sunshine_pipeline.views.checks import (
    reconciliation_outcome,
    reconciliation_spec,
    refused_outcomes,
)
from sunshine_pipeline.views.refresh import RefreshRefused, materialize_view, view_columns

VIEWS_GROUP = "views"
# A run tagged sunshine/force=true refreshes views even when no input changed; so does a run
# launched from the UI (Dagster tags it dagster/from_ui=true): a person who clicks
# Materialize means "refresh now".
FORCE_TAG = "sunshine/force"
FROM_UI_TAG = "dagster/from_ui"


def _code_references(view: ViewSpec) -> dg.CodeReferencesMetadataValue:
    """The view's SQL file, linked from the UI. The classes are Dagster beta; their warning
    (printed for every view on every code load) tells an operator nothing to act on."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.BetaWarning)
        return dg.CodeReferencesMetadataValue(code_references=[
            dg.LocalFileCodeReference(file_path=str(sql_path(view.sql_file)))])


def _size(size_bytes: int) -> str:
    return (f"{size_bytes / 1e6:.1f} MB" if size_bytes >= 1e5
            else f"{size_bytes / 1e3:.0f} kB")


def build_view_asset(view: ViewSpec) -> dg.AssetsDefinition:
    @dg.asset(
        name=view.name,
        deps=[dg.AssetKey(d) for d in view.deps],
        description=view.description,
        code_version=sql_hash(view.sql_file),
        group_name=VIEWS_GROUP,
        kinds={"postgres", "sql"},
        pool=f"view_{view.name}",
        check_specs=[reconciliation_spec(view)],
        metadata={
            "unique_key": ", ".join(view.unique_key),
            "dagster/table_name": view.name,
            "dagster/code_references": _code_references(view),
        },
    )
    def _view(context: dg.AssetExecutionContext,
              warehouse: WarehouseResource) -> Iterator[dg.AssetCheckResult
                                                        | dg.MaterializeResult]:
        force = "true" in (context.run.tags.get(FORCE_TAG), context.run.tags.get(FROM_UI_TAG))
        run_id = context.run.run_id
        with warehouse.connection() as conn:
            ensure_schema(conn)
            # A view below a view swapped earlier in this run was rebuilt in that swap's
            # transaction: done already, even when forced (no second rebuild).
            rebuilt = conn.execute(sql_text("status/rebuilt_in_run.sql"), {
                "view": view.name, "run_id": run_id}).fetchone()
            try:
                result = None if rebuilt else materialize_view(
                    conn, view, force=force, run_id=run_id)
            except RefreshRefused as refused:
                outcomes = refused_outcomes(conn, refused, run_id)
                for outcome in outcomes:
                    if outcome.asset == view.name:
                        yield outcome.result()
                raise dg.Failure(
                    description=f"{refused}; the live views are unchanged",
                    metadata={"refused_by": ", ".join(o.check for o in outcomes)},
                ) from refused
            reconciled = reconciliation_outcome(conn, view, result, run_id)
            columns = view_columns(conn, view.name)
            [(size, last)] = conn.execute(
                "SELECT pg_total_relation_size(to_regclass(format('%%I', %s::text))), "
                "(SELECT refreshed_at FROM sunshine.view_last_refresh WHERE view_name = %s)",
                [view.name, view.name]).fetchall()
        metadata: dict = {
            "dagster/column_schema": dg.TableSchema(
                columns=[dg.TableColumn(name, type_) for name, type_ in columns]),
            "size": _size(size),
        }
        if last is not None:
            metadata["refreshed_at"] = dg.MetadataValue.timestamp(last)
        if rebuilt is not None:
            parent, rows, _ = rebuilt
            metadata |= {"mode": f"swapped with {parent}", "dagster/row_count": rows,
                         "rows_rebuilt": rows}
            context.log.info("%s: rebuilt with %s in this run, %s rows", view.name, parent,
                             rows)
        elif result is not None and result.mode == "skipped":
            metadata |= {"mode": "current: no input changed since its last refresh",
                         "dagster/row_count": result.row_count}
            context.log.info("%s: current, no input changed since its last refresh",
                             view.name)
        elif result is not None:
            metadata |= {"mode": result.mode, "dagster/row_count": result.row_count,
                         "duration_s": round(result.duration_s, 3)}
            if result.mode == "concurrent":
                metadata["rows_changed"] = result.rows_changed
            else:
                metadata["rows_rebuilt"] = result.row_count
            if result.swapped_views:
                metadata["rebuilt_with_it"] = ", ".join(result.swapped_views)
            context.log.info("%s: %s, %s rows in %.2fs", view.name, result.mode,
                             result.row_count, result.duration_s)
        yield dg.MaterializeResult(metadata=metadata, check_results=[reconciled.result()])

    return _view


def build_view_assets() -> list[dg.AssetsDefinition]:
    return [build_view_asset(v) for v in VIEWS]
