"""An Access file as the Secretary of State delivers it (`CFS_Export_*.mdb`, or `.accdb`) →
a landing batch → the importer (loader.py), in one step.

mdbtools (Debian package `mdbtools`) exports every table of the file as `<Table>.csv` into a
temporary folder beside nothing else, which is then imported like any batch and deleted:
known tables are matched by name and header as always, every other table is kept whole in
`sunshine.unmapped_data`. Why a folder rather than a pipe into COPY: the importer reads a file
a second time when COPY refuses a record (the csv-module fallback), which a pipe cannot give
it; the export of a full file is about 500 MB and lives only for the import.

Export options: dates and date-times as ISO (`%Y-%m-%d`, `%Y-%m-%d %H:%M:%S`; mdb-export's
default `%m/%d/%y` loses the century), binary (OLE) fields as hexadecimal (nothing dropped).

The batch is the file: the ledger records the Access file's path and content hash
(loader.Origin), so the same file is never imported twice (checked before the export).
In the landing folder, a batch folder holds the Access file instead of CSV files (with
`_READY` written last, as for any batch; sensors.py).
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import psycopg

from sunshine_pipeline.imports.fileimport import ProgressFn
from sunshine_pipeline.imports.ledger import CLI_WRITER, BatchResult
from sunshine_pipeline.imports.loader import Origin, import_batch, skip_if_landed
from sunshine_pipeline.imports.plan import BatchRejected

SUFFIXES = (".mdb", ".accdb")
EXPORT_OPTIONS = ("-D", "%Y-%m-%d", "-T", "%Y-%m-%d %H:%M:%S", "-b", "hex")
MDBTOOLS_PACKAGE = "mdbtools"
# Told each exported table: (table, seconds the export took).
TableFn = Callable[[str, float], None]


def is_access_file(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in SUFFIXES


def access_file_in(batch: Path) -> Path | None:
    """The Access file a landing batch folder holds instead of CSV files (the landing sensor's
    way in), or None. A folder with more than one is rejected: one file is one batch."""
    found = sorted(p for p in batch.iterdir() if is_access_file(p))
    if len(found) > 1:
        raise BatchRejected(batch.name, "holds more than one Access file ("
                            + ", ".join(p.name for p in found) + "); one per batch folder")
    return found[0] if found else None


def _tool(name: str, path: Path) -> str:
    found = shutil.which(name)
    if found is None:
        raise BatchRejected(path.name, f"{name} is not installed: install the "
                                       f"{MDBTOOLS_PACKAGE} package (apt-get install "
                                       f"{MDBTOOLS_PACKAGE})")
    return found


def _run(path: Path, args: list[str], stdout=subprocess.PIPE) -> subprocess.CompletedProcess:
    done = subprocess.run(args, stdout=stdout, stderr=subprocess.PIPE, check=False)
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise BatchRejected(path.name, f"{Path(args[0]).name} failed: "
                                       f"{message[-1] if message else done.returncode}")
    return done


def tables(path: Path) -> list[str]:
    """The file's tables (system tables excluded), as mdb-tables lists them."""
    listed = _run(path, [_tool("mdb-tables", path), "-1", str(path)]).stdout.decode("utf-8")
    return [name for name in listed.splitlines() if name]


def export(path: Path, out: Path, on_table: TableFn | None = None) -> list[Path]:
    """Every table of `path` as `out/<Table>.csv`; returns the files written."""
    names = tables(path)
    mdb_export = _tool("mdb-export", path)
    written = []
    for table in names:
        if "/" in table or table in (".", ".."):
            raise BatchRejected(path.name, f"table {table!r} cannot be a file name")
        started = time.perf_counter()
        target = out / f"{table}.csv"
        with target.open("wb") as handle:
            _run(path, [mdb_export, *EXPORT_OPTIONS, str(path), table], stdout=handle)
        written.append(target)
        if on_table:
            on_table(table, time.perf_counter() - started)
    return written


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def import_access_file(conn: psycopg.Connection, path: Path, *,
                       tables: set[str] | None = None, force: bool = False,
                       dry_run: bool = False, writer: str = CLI_WRITER,
                       progress: ProgressFn | None = None,
                       on_table: TableFn | None = None) -> BatchResult:
    """Export `path` and import it as one batch (loader.import_batch; `tables` selects among
    the known tables as there). A file whose content already landed is skipped without being
    exported, unless `force`."""
    path = Path(path).resolve()
    origin = Origin(path, file_hash(path), path.stat().st_size)
    if not force and not dry_run and (skipped := skip_if_landed(conn, origin)):
        return skipped
    with tempfile.TemporaryDirectory(prefix="sunshine-access-") as tmp:
        export(path, Path(tmp), on_table)
        return import_batch(conn, Path(tmp), tables=tables, force=force, dry_run=dry_run,
                            writer=writer, progress=progress, origin=origin)
