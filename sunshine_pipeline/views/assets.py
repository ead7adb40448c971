"""One asset per dashboard view, generated from the declaration in catalog.py.

The asset's code_version is the hash of its SQL file, so the UI shows a changed definition;
materializing it then swaps the new version in (refresh.py), validated first by the
reconciliation checks. Each view carries a time-window freshness policy (the SLA), and each
materialization reports row count, size, duration, rows changed and the column schema.
"""


import dagster as dg

from sunshine_pipeline.checks import reconciliation_failures, view_sla
from sunshine_pipeline.resources import WarehouseResource
from sunshine_pipeline.schema import ensure_schema
from sunshine_pipeline.sqlfiles import sql_hash, sql_path
from sunshine_pipeline.views.catalog import VIEWS, ViewSpec
from sunshine_pipeline.views.refresh import materialize_view, view_columns

VIEWS_GROUP = "views"
# A run tagged sunshine/force=true refreshes views even when no input changed.
FORCE_TAG = "sunshine/force"


def build_view_asset(view: ViewSpec) -> dg.AssetsDefinition:
    @dg.asset(
        name=view.name,
        deps=[dg.AssetKey(d) for d in view.deps],
        description=view.description,
        code_version=sql_hash(view.sql_file),
        group_name=VIEWS_GROUP,
        kinds={"postgres", "sql"},
        pool=f"view_{view.name}",
        freshness_policy=dg.FreshnessPolicy.time_window(fail_window=view_sla()),
        metadata={
            "unique_key": ", ".join(view.unique_key),
            "dagster/table_name": view.name,
            "dagster/code_references": dg.CodeReferencesMetadataValue(code_references=[
                dg.LocalFileCodeReference(file_path=str(sql_path(view.sql_file)))]),
        },
    )
    def _view(context: dg.AssetExecutionContext,
              warehouse: WarehouseResource) -> dg.MaterializeResult:
        force = context.run.tags.get(FORCE_TAG) == "true"
        with warehouse.connection() as conn:
            ensure_schema(conn)
            result = materialize_view(conn, view, force=force, run_id=context.run.run_id,
                                      validate=reconciliation_failures)
            columns = view_columns(conn, view.name)
        context.log.info("%s: %s, %s rows (%s changed) in %.2fs", view.name, result.mode,
                         result.row_count, result.rows_changed, result.duration_s)
        metadata = {
            "dagster/row_count": result.row_count,
            "dagster/column_schema": dg.TableSchema(
                columns=[dg.TableColumn(name, type_) for name, type_ in columns]),
            "mode": result.mode,
            "rows_changed": result.rows_changed,
            "size_bytes": result.size_bytes,
            "duration_s": round(result.duration_s, 4),
            "refreshed_at": dg.MetadataValue.timestamp(result.finished_at),
            "source_watermark": result.source_watermark or 0,
            "definition_hash": result.definition_hash,
        }
        if result.swapped_views:
            metadata["rebuilt_with_it"] = ", ".join(result.swapped_views)
        return dg.MaterializeResult(metadata=metadata)

    return _view


def build_view_assets() -> list[dg.AssetsDefinition]:
    return [build_view_asset(v) for v in VIEWS]
