"""The site's own schema, as the site's Django migrations leave a database: the contract the
pipeline's tables must match (../shared/site/ beside the repository, read at test time; a
checkout elsewhere, such as a git worktree, names the folder holding site/ in
SUNSHINE_SHARED_DIR). SHARED is that folder, for the other fixtures it holds (the Access
files of fixtures/mdb/)."""

from __future__ import annotations

import os
from pathlib import Path

from sunshine_pipeline.resources import connect

SHARED = Path(os.environ.get("SUNSHINE_SHARED_DIR")
              or Path(__file__).resolve().parents[2] / "shared")
SHARED_SITE = SHARED / "site"
SITE_SCHEMA = SHARED_SITE / "site_schema.sql"
OLD_VIEWS = SHARED_SITE / "old_views.sql"


def sql_script(path: Path) -> str:
    """A psql script without its meta-commands (`\\restrict` and the like)."""
    return "\n".join(line for line in path.read_text(encoding="utf-8").splitlines()
                     if not line.startswith("\\"))


def load_site_schema(url: str) -> None:
    """Create the site's tables exactly as site_schema.sql does, on a connection of its own
    (the dump empties search_path for its session)."""
    with connect(url) as conn:
        conn.execute(sql_script(SITE_SCHEMA))
