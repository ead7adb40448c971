"""Creates the warehouse schema idempotently: every file of sql/schema in order, then the
statement-level change triggers on each base table (one declaration: the import catalog).

The files' combined hash is recorded in sunshine.schema_version; when it matches, nothing runs,
so every entry point (import, view refresh, CLI) can call `ensure_schema` cheaply."""

from __future__ import annotations

import hashlib

import psycopg
from psycopg import sql

from sunshine_pipeline.imports.catalog import SOURCES
from sunshine_pipeline.sqlfiles import sql_files, sql_text

_TRIGGER_EVENTS = (("insert", "NEW TABLE AS new_rows"), ("update", "NEW TABLE AS new_rows"),
                   ("delete", "OLD TABLE AS old_rows"))

_SCHEMA_LOCK = 7_246_551_001  # advisory lock id: one schema migration at a time


def schema_hash() -> str:
    digest = hashlib.sha256()
    for name in sql_files("schema"):
        digest.update(name.encode() + b"\0" + sql_text(name).encode() + b"\0")
    for source in SOURCES:
        digest.update(f"{source.table}:{source.change_key or source.key[0]}\n".encode())
    return digest.hexdigest()


def _current_hash(conn: psycopg.Connection) -> str | None:
    if conn.execute("SELECT to_regclass('sunshine.schema_version')").fetchone()[0] is None:
        return None
    row = conn.execute("SELECT schema_hash FROM sunshine.schema_version").fetchone()
    return row[0] if row else None


def ensure_schema(conn: psycopg.Connection) -> bool:
    """Create or update tables, functions, indexes and triggers when sql/schema changed;
    returns True when it did. Safe to run at any time, from any number of processes."""
    wanted = schema_hash()
    with conn.transaction():
        current = _current_hash(conn)
    if current == wanted:
        return False
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", [_SCHEMA_LOCK])
        if _current_hash(conn) == wanted:
            return False
        for name in sql_files("schema"):
            conn.execute(sql_text(name))
        for source in SOURCES:
            key = source.change_key or source.key[0]
            for event, transition in _TRIGGER_EVENTS:
                conn.execute(
                    sql.SQL(
                        "CREATE OR REPLACE TRIGGER {trigger} AFTER {event} ON {table} "
                        "REFERENCING {transition} FOR EACH STATEMENT "
                        "EXECUTE FUNCTION sunshine.log_change({key})"
                    ).format(
                        trigger=sql.Identifier(f"sunshine_log_{event}"),
                        event=sql.SQL(event.upper()),
                        table=sql.Identifier(source.table),
                        transition=sql.SQL(transition),
                        key=sql.Literal(key),
                    )
                )
        conn.execute("CREATE TABLE IF NOT EXISTS sunshine.schema_version (schema_hash text)")
        conn.execute("DELETE FROM sunshine.schema_version")
        conn.execute("INSERT INTO sunshine.schema_version VALUES (%s)", [wanted])
    return True
