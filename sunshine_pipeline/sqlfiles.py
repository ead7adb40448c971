"""The one way SQL files are read: `sql_text("views/top_donors_mv.sql")`.

The files live in the top-level `sql/` folder of a checkout (editable install) and travel
inside the wheel as `sunshine_pipeline/sql/`. Each file is read once, on first use.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


@functools.cache
def sql_dir() -> Path:
    for candidate in (_PACKAGE_DIR / "sql", _PACKAGE_DIR.parent / "sql"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"no sql/ folder beside {_PACKAGE_DIR}")


def sql_path(name: str) -> Path:
    return sql_dir() / name


@functools.cache
def sql_text(name: str) -> str:
    return sql_path(name).read_text(encoding="utf-8")


def sql_hash(name: str) -> str:
    """A short content hash: the code_version of whatever the file defines."""
    return hashlib.sha256(sql_text(name).encode()).hexdigest()[:16]
