"""Login roles for the least-privilege tests: the pipeline's (owning the test database) and
the site writer's (no grant yet), cluster-wide, so uniquely named and dropped afterwards."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg
from psycopg import sql


@dataclass(frozen=True)
class Roles:
    pipeline: str  # owns the database; runs migrations, imports and refreshes
    writer: str  # the site's writer: DML on the site's tables only
    pipeline_url: str
    writer_url: str


def as_role(url: str, role: str) -> str:
    """`url` logging in as `role`."""
    return psycopg.conninfo.make_conninfo(url, user=role)


@contextmanager
def login_roles(db_url: str) -> Iterator[Roles]:
    """Create the two roles, make the pipeline's the owner of `db_url`'s database; on leaving,
    give the database and whatever the roles own back to the connecting role and drop them."""
    suffix = uuid.uuid4().hex[:8]
    pipeline, writer = f"pipeline_{suffix}", f"site_writer_{suffix}"
    roles = Roles(pipeline, writer, as_role(db_url, pipeline), as_role(db_url, writer))
    info = psycopg.conninfo.conninfo_to_dict(db_url)
    admin_user, dbname = str(info.get("user") or "postgres"), str(info["dbname"])
    with psycopg.connect(db_url, autocommit=True) as admin:
        for role in (pipeline, writer):
            admin.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
        admin.execute(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(
            sql.Identifier(dbname), sql.Identifier(pipeline)))
    try:
        yield roles
    finally:
        with psycopg.connect(db_url, autocommit=True) as admin:
            admin.execute(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(
                sql.Identifier(dbname), sql.Identifier(admin_user)))
            for role in (pipeline, writer):
                admin.execute(sql.SQL("REASSIGN OWNED BY {} TO {}").format(
                    sql.Identifier(role), sql.Identifier(admin_user)))
                admin.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
                admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))
