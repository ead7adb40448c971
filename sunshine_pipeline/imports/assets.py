"""Dagster assets for the landing files (external sources) and the base tables they feed."""


from pathlib import Path

import dagster as dg

from sunshine_pipeline.imports.catalog import SOURCES, SourceFile
from sunshine_pipeline.imports.loader import BatchResult, import_batch
from sunshine_pipeline.resources import WarehouseResource

IMPORTS_GROUP = "imports"
LANDING_GROUP = "landing"


def landing_key(source: SourceFile) -> dg.AssetKey:
    return dg.AssetKey(["landing", source.stem])


class ImportConfig(dg.Config):
    batch_dir: str
    force: bool = False


def landing_specs() -> list[dg.AssetSpec]:
    return [
        dg.AssetSpec(
            landing_key(s),
            description=f"{s.file} in a landing batch folder, as mdb-export writes it.",
            group_name=LANDING_GROUP,
            kinds={"csv"},
        )
        for s in SOURCES
    ]


def _file_metadata(result: BatchResult, table: str) -> tuple[dict, str | None]:
    file = next((f for f in result.files if f.table == table), None)
    metadata: dict = {"batch_id": result.batch_id or 0, "outcome": result.outcome,
                      "batch_path": dg.MetadataValue.path(result.path),
                      "dagster/table_name": table}
    if file:
        metadata |= {"read": file.read, "inserted": file.inserted, "updated": file.updated,
                     "flipped_to_deleted": file.deleted, "unchanged": file.unchanged,
                     "quarantined": file.quarantined}
    return metadata, result.file_hashes.get(f"{table}.csv") or next(
        (h for name, h in result.file_hashes.items() if name.lower() == f"{table}.csv".lower()),
        None)


def build_import_assets() -> dg.AssetsDefinition:
    specs = [
        dg.AssetSpec(
            s.table,
            deps=[landing_key(s)],
            description=f"{s.file} → \"{s.table}\": COPY into staging, validate, upsert by "
            f"{', '.join(s.key)}; bad rows go to sunshine.quarantine.",
            group_name=IMPORTS_GROUP,
            kinds={"postgres", "csv"},
            skippable=True,
        )
        for s in SOURCES
    ]

    @dg.multi_asset(specs=specs, can_subset=True, name="import_batch")
    def _import(context: dg.AssetExecutionContext, config: ImportConfig,
                warehouse: WarehouseResource):
        """Landing batch → base tables, in one transaction (whole batch or nothing)."""
        tables = {key.path[-1] for key in context.selected_asset_keys}
        with warehouse.connection() as conn:
            result = import_batch(conn, Path(config.batch_dir), tables=tables,
                                  force=config.force, writer=f"dagster run {context.run_id}")
        context.log.info("batch %s: %s", result.batch_id, result.outcome)
        present = {name.lower() for name in result.file_hashes}
        for table in sorted(tables):
            if f"{table}.csv".lower() not in present:
                continue
            metadata, file_hash = _file_metadata(result, table)
            yield dg.MaterializeResult(
                asset_key=table, metadata=metadata,
                data_version=dg.DataVersion(file_hash) if file_hash else None)

    return _import
