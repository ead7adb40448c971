"""Versioned migrations of the pipeline's own schema: sql/migrations → `sunshine.*`, applied
once each, in order, and recorded in `sunshine.schema_migration`.

A migration is `sql/migrations/NNNN_name.sql`, or a folder `sql/migrations/NNNN_name/` whose
`.sql` files (one object each) run in file-name order. Its checksum is the SHA-256 of its
files' names and contents. Each pending migration runs in its own transaction together with
the row that records it (name, checksum, applied at, how long it took), so one that fails
leaves the database as it was and is named in the error (MigrationFailed: migration, file,
line). The runner holds a session advisory lock, so two processes never migrate at once; the
second waits, then finds nothing left to do.

Refused, before anything runs (SchemaConflict):
- an applied migration whose file changed since (its recorded checksum differs): a migration
  is never re-run or edited in place; write a new one;
- an applied migration this release does not have: the database was migrated by a newer
  release (or another branch), and this one must not run against it.

Why not a migration tool: the well-kept ones fit this project poorly. Alembic and
yoyo-migrations are Python-first and record no content checksum of a plain SQL file (an
edited, already-applied migration goes unnoticed); Flyway and sqitch are a JVM or Perl install
beside the Python one. What this project needs is this short module over psycopg 3: ordered
plain SQL files, one transaction each, checksums, a lock.

Databases created before versioned migrations (release 0.1, which recorded a hash of its
schema files in `sunshine.schema_version`) are recognised as being at `0001_initial`, the
schema that release created: the migration is recorded (`baseline`), not run.
"""

from __future__ import annotations

import functools
import hashlib
import re
import time
from dataclasses import dataclass
from datetime import datetime

import psycopg

from sunshine_pipeline.resources import one
from sunshine_pipeline.sqlfiles import sql_dir, sql_text

FOLDER = "migrations"
_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+$")
_LOCK = 7_246_551_002  # session advisory lock id: one migration runner at a time

# The schema hash release 0.1 recorded in sunshine.schema_version (schema.schema_hash as it
# was then): a database carrying it has exactly 0001_initial's objects.
RELEASE_0_1_SCHEMA_HASH = "ff0f541537cd5ca5478bf4e5a2884b30d39c6eda32c0446386affa2625b95d20"
BASELINE = "0001_initial"


class MigrationError(RuntimeError):
    """The schema could not be brought up to date; the message says why and what to do."""


class SchemaConflict(MigrationError):
    """The database's recorded migrations do not match this release's: nothing was run."""


class MigrationFailed(MigrationError):
    """A migration raised an error; its transaction was rolled back."""


@dataclass(frozen=True)
class Migration:
    name: str
    files: tuple[str, ...]  # paths under sql/, in the order they run

    @functools.cached_property
    def checksum(self) -> str:
        digest = hashlib.sha256()
        for name in self.files:
            text = sql_text(name).replace("\r\n", "\n")
            digest.update(name.removeprefix(f"{FOLDER}/").encode() + b"\0" + text.encode()
                          + b"\0")
        return digest.hexdigest()


@dataclass(frozen=True)
class Applied:
    name: str
    checksum: str
    applied_at: datetime | None  # None: a release 0.1 baseline not recorded yet
    how: str  # applied, baseline


@functools.cache
def migrations() -> tuple[Migration, ...]:
    """This release's migrations, in order; their numbers run 0001, 0002, ... without gaps."""
    found = []
    for path in sorted((sql_dir() / FOLDER).iterdir()):
        name = path.name.removesuffix(".sql") if path.is_file() else path.name
        if path.is_file() and path.suffix != ".sql":
            continue
        if not _NAME.match(name):
            raise MigrationError(f"{path}: a migration is named NNNN_lower_case_words")
        files = ((f"{FOLDER}/{path.name}",) if path.is_file() else
                 tuple(f"{FOLDER}/{path.name}/{f.name}" for f in sorted(path.glob("*.sql"))))
        if not files:
            raise MigrationError(f"{path}: a migration folder holds .sql files")
        found.append(Migration(name, files))
    for number, migration in enumerate(found, start=1):
        if int(migration.name[:4]) != number:
            raise MigrationError(f"sql/{FOLDER}/{migration.name}: expected number {number:04d} "
                                 "(migrations are numbered in order, without gaps or repeats)")
    return tuple(found)


def latest() -> str:
    return migrations()[-1].name


def applied(conn: psycopg.Connection) -> list[Applied]:
    """What the database has recorded, in order; empty when it has no migration history."""
    if one(conn.execute("SELECT to_regclass('sunshine.schema_migration')")) is None:
        return []
    return [Applied(*row) for row in conn.execute(
        "SELECT name, checksum, applied_at, how FROM sunshine.schema_migration ORDER BY name")]


def _release_0_1_database(conn: psycopg.Connection) -> bool:
    """A database release 0.1 created: its sunshine.schema_version holds that release's hash,
    or nothing while a widening was still pending (that release recorded the hash only once
    every widening was applied) and its tables are there."""
    if one(conn.execute("SELECT to_regclass('sunshine.schema_version')")) is None:
        return False
    hashes = [r[0] for r in conn.execute("SELECT schema_hash FROM sunshine.schema_version")]
    if hashes:
        return hashes == [RELEASE_0_1_SCHEMA_HASH]
    return one(conn.execute("SELECT to_regclass('sunshine.donor_totals') IS NOT NULL"))


@dataclass(frozen=True)
class Plan:
    """Where a database stands: the migrations it has (`baseline` when it is a release 0.1
    database whose 0001_initial is yet to be recorded) and those it still needs, in order."""

    history: tuple[Applied, ...]
    pending: tuple[Migration, ...]
    baseline: bool

    @property
    def version(self) -> str | None:
        return self.history[-1].name if self.history else None


def plan(conn: psycopg.Connection) -> Plan:
    """Compare the database's history with this release's migrations. Raises SchemaConflict
    when they do not match (an edited or unknown applied migration), or when the database was
    created before versioned migrations by a build this release does not know."""
    known = {m.name: m for m in migrations()}
    history = applied(conn)
    baseline = False
    if not history and one(conn.execute(
            "SELECT to_regclass('sunshine.schema_version')")) is not None:
        if not _release_0_1_database(conn):
            raise SchemaConflict(
                "this database's pipeline schema was created before versioned migrations by "
                "a build this release does not know (sunshine.schema_version holds an unknown "
                "hash); drop the sunshine schema and run again to re-create it")
        history, baseline = [Applied(BASELINE, known[BASELINE].checksum, None, "baseline")], True
    unknown = [a.name for a in history if a.name not in known]
    if unknown:
        raise SchemaConflict(
            f"this database's schema is newer than this release knows: it has migration(s) "
            f"{', '.join(unknown)}, and this release's last is {latest()}; run the release "
            "that migrated it (or a newer one)")
    for a in history:
        if a.checksum != known[a.name].checksum:
            raise SchemaConflict(
                f"migration {a.name} was changed after it was applied to this database "
                f"(recorded checksum {a.checksum[:12]}, sql/{FOLDER}/{a.name} now "
                f"{known[a.name].checksum[:12]}); an applied migration is never edited or "
                "re-run: restore it and put the change in a new migration")
    done = {a.name for a in history}
    return Plan(tuple(history), tuple(m for m in migrations() if m.name not in done), baseline)


def _run(conn: psycopg.Connection, migration: Migration) -> None:
    """One migration and its record, in one transaction."""
    started = time.perf_counter()
    with conn.transaction():
        # As pg_dump does: a function body may name what a later file or migration creates
        # (0001_initial's date parsers call pg_input_is_valid, which PostgreSQL 15 lacks and
        # 0002 replaces); every function is exercised by the tests on each server version.
        conn.execute("SET LOCAL check_function_bodies = off")
        # The history table comes with the first migration, so a failed one leaves no trace.
        conn.execute(sql_text("meta/schema_migration.sql"))
        for name in migration.files:
            try:
                conn.execute(sql_text(name))
            except psycopg.Error as exc:
                raise MigrationFailed(_failure(migration, name, exc)) from exc
        conn.execute(
            "INSERT INTO sunshine.schema_migration (name, checksum, how, duration_s) "
            "VALUES (%s, %s, 'applied', %s)",
            [migration.name, migration.checksum, time.perf_counter() - started])


def _failure(migration: Migration, name: str, exc: psycopg.Error) -> str:
    """'migration 0003_x failed at sql/migrations/0003_x/02_y.sql line 7: <error>; ...'"""
    where = f"sql/{name}"
    position = exc.diag.statement_position
    if position:
        where += f" line {sql_text(name)[:int(position)].count(chr(10)) + 1}"
    first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return (f"migration {migration.name} failed at {where}: {first}; it was rolled back and "
            "the database is as it was before it")


def _record_baseline(conn: psycopg.Connection) -> None:
    with conn.transaction():
        conn.execute(sql_text("meta/schema_migration.sql"))
        conn.execute(
            "INSERT INTO sunshine.schema_migration (name, checksum, how) "
            "VALUES (%s, %s, 'baseline') ON CONFLICT (name) DO NOTHING",
            [BASELINE, migrations()[0].checksum])


def migrate(conn: psycopg.Connection) -> list[str]:
    """Apply every pending migration, in order, each in its own transaction; return their
    names. Takes the runner's advisory lock for the whole run (the connection must not be in
    a transaction)."""
    conn.execute("SELECT pg_advisory_lock(%s)", [_LOCK])
    try:
        with conn.transaction():
            todo = plan(conn)
        if todo.baseline:
            _record_baseline(conn)
        for migration in todo.pending:
            _run(conn, migration)
        return [m.name for m in todo.pending]
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", [_LOCK])
