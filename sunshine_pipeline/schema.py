"""Brings a warehouse database up to what the pipeline needs, idempotently.

1. The site's tables (sql/site/<Table>.sql, in the import catalog's order): each is created
   only where it is missing. An existing one belongs to the site and is left as it is.
2. The pipeline's own schema, functions, tables and rollup triggers: the versioned
   migrations of sql/migrations not applied yet, each once, in order, in its own transaction
   (migrations.py; an edited applied migration, or a database newer than this release, is
   refused with SchemaConflict before anything runs).
3. The widenings of the site's columns that real values need (imports/catalog.py
   WIDENINGS), each applied where the live column is still narrower and recorded in
   sunshine.site_widening. One a view of the old system depends on is left pending (ALTER
   TYPE cannot pass a view): adoption applies it once it has replaced that view.
4. The statement-level change triggers on each of the site's tables (sunshine.change_log).

All of it (the site's table files, the migrations' checksums, the catalog's keys and
widenings) is hashed into sunshine.schema_version; when the hash matches (and no widening is
pending), nothing runs, so every entry point (import, view refresh, CLI) can call
`ensure_schema` cheaply: pending migrations are applied as the first step of any run.

The first run against a database the site already runs (its tables are there, the pipeline's
schema is not, or the old system's views are still in place) is an adoption instead
(adopt.py): the site's tables are checked before anything changes, and the old views are
replaced before the widenings that they block are applied.
"""

from __future__ import annotations

import hashlib
import logging

import psycopg
from psycopg import errors, sql

from sunshine_pipeline import migrations
from sunshine_pipeline.imports.catalog import (
    SITE_TABLES,
    SOURCES,
    WIDENINGS,
    Widening,
    varchar_length,
)
from sunshine_pipeline.resources import one
from sunshine_pipeline.sqlfiles import sql_text

log = logging.getLogger(__name__)

_TRIGGER_EVENTS = (("insert", "NEW TABLE AS new_rows"), ("update", "NEW TABLE AS new_rows"),
                   ("delete", "OLD TABLE AS old_rows"))

_SCHEMA_LOCK = 7_246_551_001  # advisory lock id: one schema update at a time


def site_table_file(table: str) -> str:
    return f"site/{table}.sql"


def schema_hash() -> str:
    digest = hashlib.sha256()
    for name in [site_table_file(t) for t in SITE_TABLES]:
        digest.update(name.encode() + b"\0" + sql_text(name).encode() + b"\0")
    for migration in migrations.migrations():
        digest.update(f"{migration.name}:{migration.checksum}\n".encode())
    for source in SOURCES:
        digest.update(f"{source.table}:{source.change_key or source.key[0]}\n".encode())
    for w in WIDENINGS:
        digest.update(f"{w.table}.{w.column}:{w.to}\n".encode())
    return digest.hexdigest()


def _current_hash(conn: psycopg.Connection) -> str | None:
    """The recorded hash, or None when the schema must be (re)applied: nothing recorded, or a
    site table lost its change triggers (a site migration that re-creates a table drops
    them)."""
    if one(conn.execute("SELECT to_regclass('sunshine.schema_version')")) is None:
        return None
    row = conn.execute(sql_text("meta/schema_state.sql"),
                       {"tables": list(SITE_TABLES)}).fetchone()
    if row is None or row[1] < len(SITE_TABLES) * len(_TRIGGER_EVENTS):
        return None
    return row[0]


def missing_site_tables(conn: psycopg.Connection) -> list[str]:
    return [t for t in SITE_TABLES
            if one(conn.execute("SELECT to_regclass(%s)",
                            [sql.Identifier(t).as_string(conn)])) is None]


def live_definition(conn: psycopg.Connection, table: str, column: str) -> str | None:
    """A column as format_type prints it, with ' NOT NULL' when it is; None when missing."""
    row = conn.execute(
        "SELECT format_type(a.atttypid, a.atttypmod) || CASE WHEN a.attnotnull "
        "THEN ' NOT NULL' ELSE '' END FROM pg_attribute AS a "
        "WHERE a.attrelid = to_regclass(%s) AND a.attname = %s AND NOT a.attisdropped",
        [sql.Identifier(table).as_string(conn), column]).fetchone()
    return row[0] if row else None


def widening_target(w: Widening, current: str) -> str:
    """The column's definition once `w` is applied to its `current` one."""
    if w.to is None:
        return current.removesuffix(" NOT NULL")
    return w.to + (" NOT NULL" if current.endswith(" NOT NULL") else "")


def widening_pending(w: Widening, current: str) -> bool:
    """True when the live column (`current`) is still narrower than `w` makes it: NOT NULL for
    a dropped NOT NULL, a shorter character varying for a longer one. A column the site has
    already made wider, or of another type, is left as it is (never narrowed)."""
    if w.to is None:
        return current.endswith(" NOT NULL")
    length, target = varchar_length(current), varchar_length(w.to)
    return length is not None and target is not None and length < target


def pending_widenings(conn: psycopg.Connection) -> list[tuple[Widening, str]]:
    """Widenings the live columns do not have yet, each with the column's live definition."""
    pending = []
    for w in WIDENINGS:
        current = live_definition(conn, w.table, w.column)
        if current is not None and widening_pending(w, current):
            pending.append((w, current))
    return pending


def apply_widenings(conn: psycopg.Connection) -> list[Widening]:
    """Apply each pending widening in a savepoint of the caller's transaction; return those
    still pending because a view depends on their column."""
    blocked = []
    for w, current in pending_widenings(conn):
        change = (sql.SQL("ALTER COLUMN {} DROP NOT NULL").format(sql.Identifier(w.column))
                  if w.to is None else
                  sql.SQL("ALTER COLUMN {} TYPE {}").format(sql.Identifier(w.column),
                                                            sql.SQL(w.to)))
        try:
            with conn.transaction():
                conn.execute(sql.SQL("ALTER TABLE {} {}").format(sql.Identifier(w.table),
                                                                 change))
        except errors.FeatureNotSupported as exc:
            log.warning("%s.%s stays %s for now: %s", w.table, w.column, current,
                        str(exc).splitlines()[0])
            blocked.append(w)
            continue
        conn.execute(
            "INSERT INTO sunshine.site_widening (table_name, column_name, site_definition, "
            "new_definition) VALUES (%s, %s, %s, %s) ON CONFLICT (table_name, column_name) "
            "DO UPDATE SET new_definition = excluded.new_definition, "
            "applied_at = clock_timestamp()",
            [w.table, w.column, current, widening_target(w, current)])
    return blocked


def ensure_schema(conn: psycopg.Connection) -> bool:
    """Create or update the site's missing tables, the pipeline's schema, the widenings and
    the change triggers when any of them changed; returns True when it ran. Safe to run at
    any time, from any number of processes. On the first run against a database the site
    already runs it adopts the database (adopt.adopt), which raises AdoptionRefused, having
    changed nothing, when the site's tables are not what the pipeline needs."""
    wanted = schema_hash()
    with conn.transaction():
        current = _current_hash(conn)
    if current == wanted:
        return False
    if current is None:
        from sunshine_pipeline import adopt  # adopt builds on this module

        if adopt.adoption_needed(conn):
            adopt.adopt(conn, dry_run=False)
            return True
    return migrate(conn)


def create_change_triggers(conn: psycopg.Connection) -> None:
    """The statement-level triggers on each of the site's tables that log its changes to
    sunshine.change_log (CREATE OR REPLACE: idempotent)."""
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


def migrate(conn: psycopg.Connection) -> bool:
    """The work of ensure_schema (steps 1-4 of the module docstring), without the adoption
    check; returns True when it ran. Each step is atomic: the site's missing tables in one
    transaction, each migration in its own, then the widenings, the change triggers and the
    recorded hash in one. The connection must not be in a transaction."""
    wanted = schema_hash()
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", [_SCHEMA_LOCK])
        if _current_hash(conn) == wanted:
            return False
        for table in missing_site_tables(conn):
            conn.execute(sql_text(site_table_file(table)))
    for name in migrations.migrate(conn):
        log.info("schema: applied migration %s", name)
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", [_SCHEMA_LOCK])
        if _current_hash(conn) == wanted:
            return True
        blocked = apply_widenings(conn)
        create_change_triggers(conn)
        conn.execute(sql_text("meta/schema_version.sql"))
        conn.execute("DELETE FROM sunshine.schema_version")
        # With a widening pending the hash is not recorded: the next call tries it again.
        if not blocked:
            conn.execute("INSERT INTO sunshine.schema_version VALUES (%s)", [wanted])
    return True
