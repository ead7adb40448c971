"""One asset per dashboard view, generated from the declaration in catalog.py."""


import dagster as dg

from sunshine_pipeline.resources import WarehouseResource
from sunshine_pipeline.sqlfiles import sql_hash, sql_path
from sunshine_pipeline.views.catalog import VIEWS, ViewSpec
from sunshine_pipeline.views.refresh import materialize_view

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
            result = materialize_view(conn, view, force=force, run_id=context.run_id)
        context.log.info("%s: %s, %s rows (%s changed) in %.2fs", view.name, result.mode,
                         result.row_count, result.rows_changed, result.duration_s)
        return dg.MaterializeResult(metadata={
            "dagster/row_count": result.row_count,
            "mode": result.mode,
            "rows_changed": result.rows_changed,
            "size_bytes": result.size_bytes,
            "duration_s": round(result.duration_s, 4),
            "refreshed_at": dg.MetadataValue.timestamp(result.finished_at),
            "source_watermark": result.source_watermark or 0,
        })

    return _view


def build_view_assets() -> list[dg.AssetsDefinition]:
    return [build_view_asset(v) for v in VIEWS]
