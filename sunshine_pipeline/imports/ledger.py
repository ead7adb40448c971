"""An import's record → sunshine.import_batch, and the tag its writes carry in change_log.

Every batch gets one ledger row, whatever becomes of it: 'running' while it imports, then
landed, skipped (the same content already landed), rejected (refused as it is), failed,
dry-run or abandoned (its process died: the next import, holding the import lock, marks it).
The counts per file (FileResult) are what the CLI prints, the Dagster asset reports as
metadata and the row keeps as JSON.

The writer tag is how the rest of the pipeline tells the importer's writes from anyone
else's: the batch transaction sets `sunshine.writer` to `writer_tag(writer, batch_id)` and
names itself in the batch's row (writer_xid); sunshine.log_change records the tag in
change_log only for that transaction. IMPORTER_WRITER matches a tag and gives its batch id
(bound as a parameter of sql/checks/changes_since.sql); RUN_WRITERS (a LIKE pattern)
matches the tags of imports that Dagster runs, whose views the pipeline refreshes itself:
the source-change sensor's OWN_WRITERS (sensors.py), which test_import holds to it.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg.types.json import Jsonb

from sunshine_pipeline.imports.catalog import SOURCES_BY_TABLE
from sunshine_pipeline.resources import one
from sunshine_pipeline.sqlfiles import sql_text

log = logging.getLogger(__name__)

# The writer of an import the CLI runs, and of one a Dagster run does (imports/assets.py).
CLI_WRITER = "sunshine import"
_RUN_WRITER = "dagster run "


def run_writer(run_id: str) -> str:
    """The writer of an import that the Dagster run `run_id` does."""
    return f"{_RUN_WRITER}{run_id}"


def writer_tag(writer: str, batch_id: int) -> str:
    """The change_log writer of batch `batch_id`'s transaction."""
    return f"{writer} batch {batch_id}"


# A POSIX regular expression matching writer_tag's values (group 1: the batch id). Every row
# an import writes to Transactions had its committee, name and IE target found (the IE target
# resolved to an existing or a synthesized committee), and an import never deletes, nor
# changes a key, so the orphan check need not recount after it.
IMPORTER_WRITER = (rf"^(?:{re.escape(CLI_WRITER)}|{re.escape(_RUN_WRITER)}[^ ]+) "
                   r"batch ([0-9]+)$")
# A LIKE pattern matching the tags of imports that Dagster runs.
RUN_WRITERS = f"{_RUN_WRITER}%"

# Session advisory lock (two-int form) held for the whole import: one import at a time.
IMPORT_LOCK = (7_246_551, 3)
PREVIEW_ROWS = 20


@dataclass(frozen=True)
class QuarantinedRow:
    row_number: int  # record number in the file; the header is record 1
    column: str | None
    raw_value: str | None
    reason: str


@dataclass
class FileResult:
    file: str
    table: str | None
    read: int = 0
    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    quarantined: int = 0
    # Rows the file's resolutions synthesized (committees for IE targets that had none).
    synthesized_committees: int = 0
    # Rows holding a value the site's original column could not: {column: rows}.
    widened: dict[str, int] = field(default_factory=dict)
    quarantine_preview: list[QuarantinedRow] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        return {"read": self.read, "inserted": self.inserted, "updated": self.updated,
                "deleted": self.deleted, "unchanged": self.unchanged,
                "quarantined": self.quarantined,
                "synthesized_committees": self.synthesized_committees}


@dataclass
class BatchResult:
    batch_id: int | None
    path: str
    content_hash: str
    outcome: str  # landed, skipped (same content already landed), dry-run
    files: list[FileResult] = field(default_factory=list)
    file_hashes: dict[str, str] = field(default_factory=dict)

    @property
    def changed_tables(self) -> set[str]:
        """The tables the batch wrote to, those its resolutions synthesized rows in too."""
        changed = set()
        for f in self.files:
            if f.table is None:
                continue
            if f.inserted or f.updated or f.deleted:
                changed.add(f.table)
            if f.synthesized_committees:
                changed.update(r.synthesizes for r in SOURCES_BY_TABLE[f.table].resolutions)
        return changed

    @property
    def quarantined(self) -> int:
        return sum(f.quarantined for f in self.files)

    def counts(self) -> dict[str, dict[str, int]]:
        return {f.file: f.counts() for f in self.files}


@contextlib.contextmanager
def import_lock(conn: psycopg.Connection) -> Iterator[None]:
    """Hold the import lock (waiting for another import to finish); mark ledger rows that
    are still 'running' as abandoned: their importer died, or it would hold the lock."""
    lock = {"lock": IMPORT_LOCK[0], "key": IMPORT_LOCK[1]}
    with conn.transaction():
        conn.execute(sql_text("imports/lock.sql"), lock)
    try:
        with conn.transaction():
            abandoned = conn.execute(sql_text("imports/abandon_running.sql")).fetchall()
        for (batch_id,) in abandoned:
            log.warning("batch %s was left running by a process that died: abandoned",
                        batch_id)
        yield
    finally:
        if not conn.closed and not conn.broken:
            conn.rollback()
            with conn.transaction():
                conn.execute(sql_text("imports/unlock.sql"), lock)


def landed_batch(conn: psycopg.Connection, digest: str) -> int | None:
    """The latest batch of this content that landed, if any."""
    row = conn.execute(sql_text("imports/landed_batch.sql"), {"content_hash": digest}
                       ).fetchone()
    return row[0] if row else None


def open_batch(conn: psycopg.Connection, path: Path, digest: str, size: int) -> int:
    """A new ledger row, 'running'; its id."""
    with conn.transaction():
        return int(one(conn.execute(sql_text("imports/open_batch.sql"), {
            "path": str(path), "content_hash": digest, "size_bytes": size})))


def set_local(conn: psycopg.Connection, name: str, value: str) -> None:
    """A setting for the rest of the current transaction."""
    conn.execute(sql_text("imports/set_local.sql"), {"name": name, "value": value})


def tag_transaction(conn: psycopg.Connection, writer: str, batch_id: int) -> None:
    """Tag the current transaction's change_log entries as batch `batch_id`'s: the tag is
    recorded only when the batch's row names this transaction (which only the pipeline's
    role can write)."""
    set_local(conn, "sunshine.writer", writer_tag(writer, batch_id))
    conn.execute(sql_text("imports/claim_writer.sql"), {"batch_id": batch_id})


def finish(conn: psycopg.Connection, batch_id: int, outcome: str,
           counts: dict[str, dict[str, int]], error: str | None) -> None:
    """The batch's outcome, counts and error (in the caller's transaction)."""
    conn.execute(sql_text("imports/finish_batch.sql"), {
        "outcome": outcome, "counts": Jsonb(counts), "error": error, "batch_id": batch_id})


def record(conn: psycopg.Connection, path: Path, digest: str, size: int, outcome: str,
           error: str | None) -> int:
    """A batch that ends before it imports anything (rejected or skipped), in one row."""
    with conn.transaction():
        return int(one(conn.execute(sql_text("imports/record_batch.sql"), {
            "path": str(path), "content_hash": digest, "size_bytes": size,
            "outcome": outcome, "counts": Jsonb({}), "error": error})))


def quarantined_rows(conn: psycopg.Connection, batch_id: int, file: str) -> int:
    """How many of the file's records the batch quarantined."""
    return int(one(conn.execute(sql_text("imports/quarantined_rows.sql"),
                                {"batch_id": batch_id, "file_name": file})))


def quarantine_preview(conn: psycopg.Connection, batch_id: int, file: str
                       ) -> list[QuarantinedRow]:
    """The file's first PREVIEW_ROWS quarantine rows."""
    rows = conn.execute(sql_text("imports/quarantine_preview.sql"), {
        "batch_id": batch_id, "file_name": file, "limit": PREVIEW_ROWS}).fetchall()
    return [QuarantinedRow(*row) for row in rows]
