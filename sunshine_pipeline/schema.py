"""Creates the warehouse schema idempotently: every file of sql/schema in order, then the
statement-level change triggers on each base table (one declaration: the import catalog)."""

from __future__ import annotations

import psycopg
from psycopg import sql

from sunshine_pipeline.imports.catalog import SOURCES
from sunshine_pipeline.sqlfiles import sql_files, sql_text

_TRIGGER_EVENTS = (("insert", "NEW TABLE AS new_rows"), ("update", "NEW TABLE AS new_rows"),
                   ("delete", "OLD TABLE AS old_rows"))

_SCHEMA_LOCK = 7_246_551_001  # advisory lock id: one schema migration at a time


def ensure_schema(conn: psycopg.Connection) -> None:
    """Create or update tables, functions, indexes and triggers; safe to run at any time."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", [_SCHEMA_LOCK])
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
