"""A landing folder → the plan of its batch: which files, the catalog's file each one is (or
none: an export table the dashboard does not use), their headers, and the order they load in.

Every header is checked before any database work, so a file that cannot be imported at all
(not UTF-8 CSV, a required column missing, a column named twice) rejects the batch with an
error naming the file (and column) and nothing is written. Bytes after the header are not
judged here: a bad record is quarantined, not fatal. Files load in the catalog's order (a
table after those it references); files the catalog does not know come last.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path

from sunshine_pipeline.imports.catalog import SOURCES, SOURCES_BY_FILE, Column, SourceFile

# How much of a file is read at once to hash it.
HASH_CHUNK = 1 << 20


class BatchRejected(Exception):
    """The batch cannot be imported as it is; nothing was changed."""

    def __init__(self, file: str, message: str, column: str | None = None):
        self.file, self.column = file, column
        super().__init__(f"{file}: {message}")


@dataclass(frozen=True)
class PlannedFile:
    path: Path
    source: SourceFile | None  # None: an export table the dashboard does not use
    headers: list[str]  # as in the file (trimmed); they name the staging columns

    @property
    def mapped(self) -> dict[str, Column]:
        """The catalog's column of each header it knows, by header."""
        by_header = {c.header.lower(): c for c in self.source.columns} if self.source else {}
        return {h: by_header[h.lower()] for h in self.headers if h.lower() in by_header}

    @property
    def unmapped(self) -> list[str]:
        """Headers the catalog does not know (kept in sunshine.unmapped_data)."""
        mapped = self.mapped
        return [h for h in self.headers if h not in mapped]


def read_header(path: Path) -> list[str]:
    """The header row's names (trimmed); BatchRejected when the file is not UTF-8 CSV."""
    try:
        with path.open(encoding="utf-8", errors="surrogateescape", newline="") as f:
            header = next(csv.reader(f), None)
    except csv.Error as exc:
        raise BatchRejected(path.name, f"not a CSV file ({exc})") from exc
    if not header or not any(h.strip() for h in header):
        raise BatchRejected(path.name, "not a CSV file (no header row)")
    for name in header:
        bad = next((ch for ch in name if "\udc80" <= ch <= "\udcff"), None)
        if bad is not None:
            raise BatchRejected(path.name, f"not a UTF-8 CSV file (byte 0x{ord(bad) - 0xDC00:02x} "
                                           "in the header)")
        if "\x00" in name:
            raise BatchRejected(path.name, "not a CSV file (binary content in the header)")
    return [h.strip().lstrip("\ufeff") for h in header]


def plan_batch(batch_dir: Path, tables: set[str] | None = None) -> list[PlannedFile]:
    """Check every file's header; raise BatchRejected before any database work."""
    if not batch_dir.is_dir():
        raise BatchRejected(str(batch_dir), "no such batch folder")
    planned = []
    for path in sorted(batch_dir.iterdir()):
        if not path.is_file() or path.suffix.lower() != ".csv":
            continue
        source = SOURCES_BY_FILE.get(path.name.lower())
        # `tables` selects among the known tables; export files the catalog does not know are
        # always kept (in sunshine.unmapped_data), so nothing is lost on a partial import.
        if tables is not None and source is not None and source.table not in tables:
            continue
        headers = read_header(path)
        seen: set[str] = set()
        for h in headers:
            if not h:
                raise BatchRejected(path.name, "a column of the header has no name")
            if h.startswith("#") or h.lower() in seen:
                what = "appears twice in the header" if h.lower() in seen else "is not allowed"
                raise BatchRejected(path.name, f"column {h} {what}", h)
            seen.add(h.lower())
        if source:
            for required in source.required_headers:
                if required.lower() not in seen:
                    raise BatchRejected(
                        path.name, f"required column {required} is missing from the header",
                        required)
        planned.append(PlannedFile(path, source, headers))
    order = {s.table: i for i, s in enumerate(SOURCES)}
    planned.sort(key=lambda p: order.get(p.source.table, len(order)) if p.source else len(order))
    return planned


def content_hashes(files: list[PlannedFile]) -> tuple[str, int, dict[str, str]]:
    """(batch hash, total bytes, {file name: file hash}); the batch hash covers names too."""
    batch, size, per_file = hashlib.sha256(), 0, {}
    for plan in sorted(files, key=lambda p: p.path.name):
        digest = hashlib.sha256()
        with plan.path.open("rb") as f:
            while chunk := f.read(HASH_CHUNK):
                digest.update(chunk)
                size += len(chunk)
        per_file[plan.path.name] = digest.hexdigest()
        batch.update(f"{plan.path.name}\0{per_file[plan.path.name]}\n".encode())
    return batch.hexdigest(), size, per_file
