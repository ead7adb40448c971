"""When a landing batch folder is complete: `_READY`, its optional manifest, settled files.

A dropper copies a batch's files into a sub-folder of the landing folder and writes `_READY`
last. `_READY` alone does not prove the files are complete (a copy may still be writing one
of them), so a batch is ready only when all of these hold, and waits (reported on each tick,
never dropped) until they do:

- `_READY` exists. It may be empty, or a manifest in `sha256sum` format, one line per file
  (`<64 hex digits>  <file name>`, e.g. `sha256sum *.csv > _READY.tmp && mv _READY.tmp
  _READY`). A manifest names every file of the batch: a listed file not there yet, a file
  not listed, or a line cut short (`_READY` itself half-written) makes the batch wait.
- Every file is a regular file in the folder: a symbolic link (or the folder itself being
  one) is refused, so nobody who can write the landing folder can load a file from
  elsewhere on the server.
- No file changed in the last `settle_seconds` (modification times), so a file still being
  written is not read.

Then, at import (loader.import_batch): each file's SHA-256 is checked against the manifest
before anything is written (a mismatch rejects the batch: nothing lands), and each file's
size and modification time are checked again before the batch transaction commits (a file
that changed during the import fails the batch whole). The landing sensor tries a failed
batch again once its files change (sensors.py).
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

READY_FILE = "_READY"
_MANIFEST_LINE = re.compile(r"^([0-9a-fA-F]{64}) [ *](.+)$")


class LandingRefused(Exception):
    """A batch folder the pipeline will not read as it is (a symbolic link in it)."""


@dataclass(frozen=True)
class FileState:
    """What says whether a file changed: its size and modification time (ns)."""

    size: int
    mtime_ns: int


@dataclass(frozen=True)
class Readiness:
    """A ready batch's files and their state, or why the batch waits (`waiting`)."""

    files: dict[str, FileState]
    waiting: str | None = None

    @property
    def ready(self) -> bool:
        return self.waiting is None

    @property
    def signature(self) -> str:
        """A digest of the files' names, sizes and times: differs once any file changed."""
        text = "\n".join(f"{name}\0{s.size}\0{s.mtime_ns}"
                         for name, s in sorted(self.files.items()))
        return hashlib.sha256(text.encode()).hexdigest()


def batch_folders(landing: Path) -> list[Path]:
    """Sub-folders of `landing` holding `_READY` (symbolic links included, to be refused)."""
    if not landing.is_dir():
        return []
    return sorted(p for p in landing.iterdir()
                  if p.is_dir() and (p / READY_FILE).exists())


def file_states(batch: Path) -> dict[str, FileState]:
    """{name: state} of the batch's files (`_READY` left out); LandingRefused for a symbolic
    link or anything but a regular file."""
    if batch.is_symlink():
        raise LandingRefused(f"batch folder {batch.name} is a symbolic link; the landing "
                             "folder takes real folders only")
    states = {}
    for entry in os.scandir(batch):
        if entry.is_symlink():
            raise LandingRefused(f"{batch.name}/{entry.name} is a symbolic link; a landing "
                                 "batch takes regular files only")
        if entry.name == READY_FILE:
            continue
        info = entry.stat(follow_symlinks=False)
        if not stat.S_ISREG(info.st_mode):
            continue  # a sub-folder: not part of the batch
        states[entry.name] = FileState(info.st_size, info.st_mtime_ns)
    return states


def manifest(batch: Path) -> dict[str, str] | None:
    """{file name: SHA-256} listed in `_READY`, None when it is empty (no manifest). A line
    that is not `<hash>  <name>` raises ValueError naming it (a manifest cut short)."""
    text = (batch / READY_FILE).read_text(encoding="utf-8", errors="replace")
    if not text.strip():
        return None
    listed = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        match = _MANIFEST_LINE.match(line)
        if match is None:
            raise ValueError(f"{READY_FILE} line {number} is not '<sha256>  <file name>'")
        listed[match[2]] = match[1].lower()
    return listed


def readiness(batch: Path, now: float, settle_seconds: float) -> Readiness:
    """Whether `batch` can be read now (see the module docstring); LandingRefused when it
    holds a symbolic link."""
    files = file_states(batch)
    try:
        listed = manifest(batch)
    except ValueError as exc:
        return Readiness(files, f"{exc}; waiting for the manifest to be complete")
    if listed is not None:
        missing = sorted(set(listed) - set(files))
        if missing:
            return Readiness(files, f"{', '.join(missing)} listed in {READY_FILE} not there "
                                    "yet")
        extra = sorted(set(files) - set(listed))
        if extra:
            return Readiness(files, f"{', '.join(extra)} not listed in {READY_FILE}")
    recent = sorted(name for name, s in files.items()
                    if now - s.mtime_ns / 1e9 < settle_seconds)
    if recent:
        return Readiness(files, f"{', '.join(recent)} changed in the last {settle_seconds:g} s")
    return Readiness(files)


def check_manifest(batch: Path, hashes: dict[str, str]) -> tuple[str, str] | None:
    """(file, why) when the files' SHA-256 `hashes` ({name: hex}) disagree with the batch's
    manifest, or None (they agree, or there is no manifest)."""
    if not (batch / READY_FILE).is_file():
        return None
    try:
        listed = manifest(batch)
    except ValueError as exc:
        return READY_FILE, str(exc).removeprefix(f"{READY_FILE} ")
    if listed is None:
        return None
    for name, digest in sorted(hashes.items()):
        if name in listed and listed[name] != digest:
            return name, (f"its SHA-256 is {digest[:12]}…, {READY_FILE} says "
                          f"{listed[name][:12]}…: the file is incomplete or not the one listed")
    return None


def changed_since(batch: Path, before: dict[str, FileState]) -> list[str]:
    """Files of `before` whose size or modification time is no longer the same."""
    changed = []
    for name, state in sorted(before.items()):
        try:
            info = (batch / name).stat(follow_symlinks=False)
        except FileNotFoundError:
            changed.append(name)
            continue
        if (info.st_size, info.st_mtime_ns) != (state.size, state.mtime_ns):
            changed.append(name)
    return changed
