"""Dagster assets for the landing files (external sources) and the base tables they feed.

One multi-asset imports a batch (the whole batch in one transaction, see loader.py) and
yields one materialization per base table whose file the batch holds. Each carries the
file's counts, a `status` that says at a glance whether rows were quarantined, a preview of
the first quarantined rows, the table's row count and column schema after the import, the
file's import time, and a data version (the file's content hash), so views downstream turn
stale in the UI exactly when a table's content may have changed.

Each file of the batch is also recorded on its landing asset as an observation (file, size,
when it arrived, and, once read, its rows and SHA-256), so the graph shows when data last
came in, rejected batches included. A rejected batch fails the step with its reason as the
failure's description and the run's `sunshine/rejected` tag (nothing was written); a file
quarantined beyond SUNSHINE_QUARANTINE_TOLERANCE tags the run `sunshine/quarantined`.
"""

from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import psycopg
from psycopg import sql

from sunshine_pipeline import settings
from sunshine_pipeline.imports import access
from sunshine_pipeline.imports.catalog import SOURCES, SOURCES_BY_FILE, SOURCES_BY_TABLE, SourceFile
from sunshine_pipeline.imports.ledger import (
    PREVIEW_ROWS,
    BatchResult,
    FileResult,
    QuarantinedRow,
    run_writer,
)
from sunshine_pipeline.imports.loader import import_batch
from sunshine_pipeline.imports.plan import BatchRejected
from sunshine_pipeline.resources import WarehouseResource, one
from sunshine_pipeline.views.refresh import view_columns

IMPORTS_GROUP = "imports"
LANDING_GROUP = "landing"
# Run tags that put what went wrong with a batch at the top of its run page.
REJECTED_TAG = "sunshine/rejected"
QUARANTINED_TAG = "sunshine/quarantined"
_TAG_LENGTH = 200


def landing_key(source: SourceFile) -> dg.AssetKey:
    """`landing/<File>.csv`: named by the file, so the graph does not show two nodes labelled
    alike (the file and the table it feeds)."""
    return dg.AssetKey(["landing", source.file])


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


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    text = text.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ")
    return text if len(text) <= 80 else text[:79] + "…"


def quarantine_table(rows: list[QuarantinedRow], total: int) -> str:
    """The first quarantined rows of a file as a markdown table (record 1 is the header)."""
    lines = ["| record | column | raw value | reason |", "|---:|---|---|---|"]
    lines += [f"| {r.row_number} | {_cell(r.column)} | {_cell(r.raw_value)} | {_cell(r.reason)} |"
              for r in rows]
    if total > len(rows):
        lines.append(f"\n{len(rows)} quarantine rows shown; the file has {total} quarantined "
                     "records in sunshine.quarantine.")
    return "\n".join(lines)


def file_metadata(result: BatchResult, file: FileResult | None, table: str) -> dict:
    """Materialization metadata of one base table after importing `result`."""
    metadata: dict = {"batch": f"batch {result.batch_id}", "outcome": result.outcome,
                      "batch_path": dg.MetadataValue.path(result.path),
                      "dagster/table_name": table}
    if file is None:
        metadata["status"] = ("skipped: the same content already landed"
                              if result.outcome == "skipped" else "not in this batch")
        return metadata
    metadata |= {"read": file.read, "inserted": file.inserted, "updated": file.updated,
                 "flipped_to_deleted": file.deleted, "unchanged": file.unchanged,
                 "quarantined": file.quarantined,
                 "status": f"quarantined {file.quarantined} rows" if file.quarantined else "ok",
                 "import_s": round(sum(file.timings.values()), 2)}
    if file.synthesized_committees:
        metadata["synthesized_committees"] = file.synthesized_committees
    for column, rows in file.widened.items():
        metadata[f"rows_needing_widened_{column}"] = rows
    if file.quarantined:
        metadata["quarantine_preview"] = dg.MetadataValue.md(
            quarantine_table(file.quarantine_preview[:PREVIEW_ROWS], file.quarantined))
    return metadata


def table_metadata(conn: psycopg.Connection, table: str) -> dict:
    """What the table holds now: its row count (exact) and column schema."""
    rows = one(conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))))
    return {"dagster/row_count": rows, "dagster/column_schema": dg.TableSchema(
        columns=[dg.TableColumn(name, type_) for name, type_ in view_columns(conn, table)])}


def over_tolerance(result: BatchResult, tolerance: float) -> list[str]:
    """'<file>: <share> quarantined' for each file quarantined beyond `tolerance`."""
    return [f"{f.file}: {f.quarantined / f.read:.1%} quarantined ({f.quarantined} of {f.read})"
            for f in result.files if f.read and f.quarantined / f.read > tolerance]


def landing_observations(batch: Path, result: BatchResult | None, error: str | None
                         ) -> list[dg.AssetObservation]:
    """One observation per known file of the batch on its landing asset: what arrived."""
    files = {f.file: f for f in result.files} if result else {}
    hashes = result.file_hashes if result else {}
    observations = []
    for path in sorted(batch.iterdir()) if batch.is_dir() else [batch]:
        source = SOURCES_BY_FILE.get(path.name.lower())
        if source is None or not path.is_file():
            continue
        info = path.stat()
        metadata: dict = {
            "file": dg.MetadataValue.path(str(path)),
            "size": f"{info.st_size / 1e6:.1f} MB" if info.st_size >= 1e5
            else f"{info.st_size} bytes",
            "arrived_at": dg.MetadataValue.timestamp(datetime.fromtimestamp(info.st_mtime, UTC)),
            "batch": batch.name if batch.is_dir() else batch.parent.name,
            "outcome": error or (result.outcome if result else "not read"),
        }
        if path.name in files:
            metadata["records"] = files[path.name].read
        if path.name in hashes:
            metadata["sha256"] = hashes[path.name]
        observations.append(dg.AssetObservation(asset_key=landing_key(source), metadata=metadata))
    return observations


def _file_hash(result: BatchResult, table: str) -> str | None:
    wanted = SOURCES_BY_TABLE[table].file.lower()
    return next((h for name, h in result.file_hashes.items() if name.lower() == wanted), None)


def build_import_assets() -> dg.AssetsDefinition:
    specs = [
        dg.AssetSpec(
            s.table,
            deps=[landing_key(s)],
            description=f"{s.file} → \"{s.table}\": COPY into staging, validate, write only "
            f"the rows that changed (key {', '.join(s.key)}); bad rows go to "
            "sunshine.quarantine.",
            group_name=IMPORTS_GROUP,
            kinds={"postgres", "csv"},
            skippable=True,
        )
        for s in SOURCES
    ]

    @dg.multi_asset(specs=specs, can_subset=True, name="import_batch")
    def _import(context: dg.AssetExecutionContext, config: ImportConfig,
                warehouse: WarehouseResource):
        """Landing batch (CSV files, or one Access file) → base tables, in one transaction
        (whole batch or nothing)."""
        tables = {key.path[-1] for key in context.selected_asset_keys}
        batch, writer = Path(config.batch_dir), run_writer(context.run.run_id)
        try:
            with warehouse.connection() as conn:
                access_file = (batch if access.is_access_file(batch) else
                               access.access_file_in(batch) if batch.is_dir() else None)
                if access_file is not None:
                    result = access.import_access_file(conn, access_file, tables=tables,
                                                       force=config.force, writer=writer)
                else:
                    result = import_batch(conn, batch, tables=tables, force=config.force,
                                          writer=writer)
                facts = {t: table_metadata(conn, t) for t in tables
                         if _file_hash(result, t) is not None}
        except BatchRejected as exc:
            error = f"rejected, nothing imported: {exc}"
            yield from landing_observations(batch, None, error)
            context.instance.add_run_tags(context.run.run_id,
                                          {REJECTED_TAG: str(exc)[:_TAG_LENGTH]})
            context.log.error("Batch %s %s", batch.name, error)
            raise dg.Failure(description=f"Batch {batch.name} {error}",
                             metadata={"file": exc.file, "column": exc.column or "",
                                       "batch_path": dg.MetadataValue.path(str(batch))},
                             allow_retries=False) from None
        yield from landing_observations(batch, result, None)
        context.log.info("batch %s: %s", result.batch_id, result.outcome)
        if result.quarantined:
            context.log.warning("batch %s: %s rows quarantined (sunshine.quarantine)",
                                result.batch_id, result.quarantined)
        if beyond := over_tolerance(result, settings.quarantine_tolerance()):
            context.instance.add_run_tags(context.run.run_id, {
                QUARANTINED_TAG: "; ".join(beyond)[:_TAG_LENGTH]})
            context.log.warning("batch %s: quarantined beyond SUNSHINE_QUARANTINE_TOLERANCE: "
                                "%s", result.batch_id, "; ".join(beyond))
        files = {f.table: f for f in result.files if f.table}
        for table in sorted(tables):
            file_hash = _file_hash(result, table)
            if file_hash is None:
                continue
            yield dg.MaterializeResult(
                asset_key=table,
                metadata=file_metadata(result, files.get(table), table) | facts[table],
                data_version=dg.DataVersion(file_hash))

    return _import
