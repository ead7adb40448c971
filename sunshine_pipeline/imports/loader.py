"""Landing batch → the site's base tables, in one transaction: the importer's entry point
(`import_batch`), which runs each file through the seams in order.

A batch is a folder of `<Table>.csv` files. It lands whole or not at all, and a process
killed at any moment leaves the base tables as they were (the server rolls the transaction
back; `client_connection_check_interval` makes it notice a vanished client within seconds,
even in the middle of a long statement). Imports hold one session advisory lock, so they
run one at a time; a ledger row still 'running' when the next import holds that lock was
left by a process that died, and is marked 'abandoned'.

1. plan.py: every header is checked before any database work (a file that is not UTF-8
   CSV, or lacks a required column, rejects the batch naming the file), the files' content
   hashed (a batch that already landed is skipped) and checked against the landing
   manifest (landing.py).
2. stage.py: each file into a staging table of text columns, by COPY, or record by record
   when COPY refuses it or may have misread it.
3. validate.py: every value converted and checked against the live column and every
   foreign key, references resolved; bad rows to `sunshine.quarantine` with their record
   number (the header is record 1), column, raw value, reason and the raw row. They never
   block the good rows.
4. apply.py: only what changed is written, as the site stores it, each change recorded in
   `sunshine.import_change`; rows the resolutions need are synthesized.
5. ledger.py: the batch's row in `sunshine.import_batch` (outcome, counts per file), and the
   writer tag its change_log entries carry.

Columns the catalog does not know, and files of export tables the dashboard does not use, are
kept in `sunshine.unmapped_data` as JSON.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import psycopg

from sunshine_pipeline.imports import apply, landing, ledger, stage, validate
from sunshine_pipeline.imports.fileimport import FileImport, ProgressFn
from sunshine_pipeline.imports.ledger import CLI_WRITER, BatchResult, FileResult
from sunshine_pipeline.imports.plan import (
    BatchRejected,
    PlannedFile,
    content_hashes,
    plan_batch,
)
from sunshine_pipeline.schema import ensure_schema

# The importer's names that modules outside imports/ use (the CLI, the sensors, the source
# checks): the batch's entry point and error, the writer tag's pattern and the bitmap bound.
__all__ = ["Origin", "import_batch", "skip_if_landed"]

log = logging.getLogger(__name__)

# Settings of the import transaction: a hash of a few million keys stays in memory, an index
# of ten million is built in few passes, and a client that vanished is noticed mid-statement.
IMPORT_SETTINGS = {
    "work_mem": "64MB",
    "hash_mem_multiplier": "4",
    "maintenance_work_mem": "256MB",
    "client_connection_check_interval": "2s",
}


def _load_file(conn: psycopg.Connection, batch_id: int, plan: PlannedFile,
               progress: ProgressFn | None) -> FileResult:
    """One planned file through stage, validate and apply, inside the batch transaction."""
    f = FileImport(conn, batch_id, plan, progress)
    with f.phase("copy"):
        stage.stage(f)
    if plan.source is None:
        with f.phase("unmapped"):
            stage.keep_unmapped(f, plan.headers)
            # Its records COPY could not take are quarantined like any file's.
            f.result.quarantined = validate.quarantine_structural(f)
    else:
        if plan.unmapped:
            with f.phase("unmapped"):
                stage.keep_unmapped(f, plan.unmapped)
        with f.phase("convert and check"):
            validate.build_typed(f)
        with f.phase("quarantine"):
            validate.quarantine_bad_values(f)
        validate.create_rejected(f)
        with f.phase("apply"):
            apply.apply(f)
        apply.count_widened(f)
        if plan.source.resolutions:
            with f.phase("synthesize committees"):
                apply.synthesize(f)
        if f.rebuild:
            with f.phase("indexes and keys"):
                for statement in f.rebuild:
                    f.q(statement)
        r = f.result
        r.quarantined = ledger.quarantined_rows(conn, batch_id, f.file)
        r.unchanged = r.read - r.quarantined - r.inserted - r.updated - r.deleted
    f.result.quarantine_preview = ledger.quarantine_preview(conn, batch_id, f.file)
    f.drop_scratch()
    return f.result


@dataclass(frozen=True)
class Origin:
    """The file a batch was exported from (an Access file, imports/access.py): the ledger
    records it, and its content hash, instead of the folder of CSV files."""

    path: Path
    content_hash: str
    size_bytes: int


def skip_if_landed(conn: psycopg.Connection, origin: Origin) -> BatchResult | None:
    """When a batch of `origin`'s content already landed: that skip, recorded in the ledger as
    import_batch records one; else None."""
    _commit_open(conn)
    ensure_schema(conn)
    with conn.transaction():
        landed = ledger.landed_batch(conn, origin.content_hash)
    if landed is None:
        return None
    result = BatchResult(None, str(origin.path), origin.content_hash, "skipped")
    result.batch_id = ledger.record(conn, origin.path, origin.content_hash, origin.size_bytes,
                                    "skipped", "the same content already landed")
    return result


def import_batch(
    conn: psycopg.Connection,
    batch_dir: Path,
    *,
    tables: set[str] | None = None,
    force: bool = False,
    dry_run: bool = False,
    writer: str = CLI_WRITER,
    progress: ProgressFn | None = None,
    origin: Origin | None = None,
) -> BatchResult:
    """Import one landing batch atomically; see the module docstring.

    Raises BatchRejected (nothing changed) when a file cannot be imported at all. A batch
    whose content already landed is skipped unless `force`. `dry_run` validates and counts
    everything, quarantine preview included, then rolls back. `writer` names the importer in
    the writer tag (ledger.py). The import runs its own transactions: a transaction the
    caller left open on `conn` is committed first."""
    _commit_open(conn)
    ensure_schema(conn)
    _commit_open(conn)
    batch_dir = Path(batch_dir).resolve()
    recorded = origin.path if origin else batch_dir
    try:
        planned = plan_batch(batch_dir, tables)
        before = _file_states(batch_dir)  # before reading a byte: a later change fails it
        digest, size, file_hashes = content_hashes(planned)
        if problem := landing.check_manifest(batch_dir, file_hashes):
            raise BatchRejected(*problem)
    except BatchRejected as exc:
        ledger.record(conn, recorded, origin.content_hash if origin else "", 0, "rejected",
                      str(exc))
        raise
    if origin:
        digest, size = origin.content_hash, origin.size_bytes
    result = BatchResult(None, str(recorded), digest, "landed", file_hashes=file_hashes)
    with ledger.import_lock(conn):
        with conn.transaction():
            landed = ledger.landed_batch(conn, digest)
        if landed and not force and not dry_run:
            result.outcome = "skipped"
            result.batch_id = ledger.record(conn, recorded, digest, size, "skipped",
                                            "the same content already landed")
            return result
        batch_id = ledger.open_batch(conn, recorded, digest, size)
        result.batch_id = batch_id
        try:
            with conn.transaction() as tx:
                for name, value in IMPORT_SETTINGS.items():
                    ledger.set_local(conn, name, value)
                ledger.tag_transaction(conn, writer, batch_id)
                for plan in planned:
                    log.info("importing %s", plan.path)
                    result.files.append(_load_file(conn, batch_id, plan, progress))
                if dry_run:
                    result.outcome = "dry-run"
                    raise psycopg.Rollback(tx)
                if changed := landing.changed_since(batch_dir, before):
                    raise BatchRejected(changed[0], "changed while the batch was being "
                                        "imported; nothing of the batch landed (it is "
                                        "tried again once its files settle)")
                ledger.finish(conn, batch_id, "landed", result.counts(), None)
        except Exception as exc:
            conn.rollback()
            # Refused as it is (a file changed under it, a field that cannot be read): the
            # batch was rejected; anything else is a failure of the import itself.
            outcome = "rejected" if isinstance(exc, BatchRejected) else "failed"
            with conn.transaction():
                ledger.finish(conn, batch_id, outcome, result.counts(), str(exc))
            raise
        if dry_run:
            with conn.transaction():
                ledger.finish(conn, batch_id, "dry-run", result.counts(), None)
    return result


def _file_states(batch_dir: Path) -> dict[str, landing.FileState]:
    """The batch's files as they are now; BatchRejected for a symbolic link among them."""
    try:
        return landing.file_states(batch_dir)
    except landing.LandingRefused as exc:
        raise BatchRejected(batch_dir.name, str(exc)) from exc


def _commit_open(conn: psycopg.Connection) -> None:
    """Commit a transaction left open on `conn` (the import needs its own transactions)."""
    if conn.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS:
        conn.commit()
