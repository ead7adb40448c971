"""The site's own schema, as the site's Django migrations leave a database: the contract the
pipeline's tables must match (../shared/site/ beside the repository, read at test time)."""

from __future__ import annotations

from pathlib import Path

import psycopg

SHARED_SITE = Path(__file__).resolve().parents[2] / "shared" / "site"
SITE_SCHEMA = SHARED_SITE / "site_schema.sql"
OLD_VIEWS = SHARED_SITE / "old_views.sql"


def sql_script(path: Path) -> str:
    """A psql script without its meta-commands (`\\restrict` and the like)."""
    return "\n".join(line for line in path.read_text(encoding="utf-8").splitlines()
                     if not line.startswith("\\"))


def load_site_schema(conn: psycopg.Connection) -> None:
    """Create the site's tables exactly as site_schema.sql does."""
    with conn.transaction():
        conn.execute(sql_script(SITE_SCHEMA))
        conn.execute("SELECT pg_catalog.set_config('search_path', '\"$user\", public', false)")
