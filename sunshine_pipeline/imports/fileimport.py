"""One planned file's import inside the batch transaction: what the seams (stage.py,
validate.py, apply.py) share about it.

Its connection and batch, its plan, the live definition of its table's columns (NOT NULL,
length limit: what a value must fit), the scratch relations it creates, what a bulk first
load dropped and must build again, its result, and the timing of each phase. The staging
relations are unlogged (no WAL; parallel scans allowed), created and dropped inside the
batch transaction, so a killed import leaves none behind.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import psycopg
from psycopg import sql
from psycopg.abc import QueryNoTemplate as Query

from sunshine_pipeline.imports.catalog import TEXT, SourceFile
from sunshine_pipeline.imports.ledger import FileResult
from sunshine_pipeline.imports.plan import PlannedFile
from sunshine_pipeline.resources import one
from sunshine_pipeline.sqlfiles import sql_text

log = logging.getLogger(__name__)

STAGE = sql.Identifier("sunshine", "import_stage")  # the file as text (stage.py)
TYPED = sql.Identifier("sunshine", "import_typed")  # its rows converted (validate.py)
DELTA = sql.Identifier("sunshine", "import_delta")  # rows to write (apply.py)
REJECTED = sql.Identifier("sunshine", "import_rejected")  # rows rejected after typing
# Staging columns besides the file's own (named by its headers); '#' keeps them apart.
RN, PROBLEM, PROBLEM_COLUMN, PROBLEM_VALUE, FIELDS = (
    "#rn", "#problem", "#column", "#value", "#fields")

Params = Sequence[Any] | Mapping[str, Any]
# progress(file name, bytes read, file size), called as a file is staged.
ProgressFn = Callable[[str, int, int], None]


class FileImport:
    """One file of the batch being imported (the batch transaction is open on `conn`)."""

    def __init__(self, conn: psycopg.Connection, batch_id: int, plan: PlannedFile,
                 progress: ProgressFn | None):
        self.conn, self.batch_id, self.plan, self.progress = conn, batch_id, plan, progress
        self.file = plan.path.name
        self.result = FileResult(self.file, plan.source.table if plan.source else None)
        # Records the fallback staged as structural problems (stage.py).
        self.structural = 0
        self.scratch: list[sql.Identifier] = [STAGE, TYPED, DELTA, REJECTED]
        # What a bulk first load dropped and must create again (apply.py).
        self.rebuild: list[Query] = []
        # The live table's columns: {name: (NOT NULL, length limit)}.
        self.live: dict[str, tuple[bool, int | None]] = {}
        if plan.source is not None:
            self.live = {name: (not_null, limit) for name, not_null, limit in self.q(
                sql_text("imports/live_columns.sql"),
                {"table": sql.Identifier(plan.source.table).as_string(conn)}).fetchall()}

    @property
    def source(self) -> SourceFile:
        """The catalog's file (validation and apply run only for a file the catalog knows)."""
        assert self.plan.source is not None, f"{self.file} is not in the catalog"
        return self.plan.source

    def q(self, query: Query, params: Params = ()) -> psycopg.Cursor[Any]:
        return self.conn.execute(query, params)

    def one(self, query: Query, params: Params = ()) -> Any:
        """The single value a statement returns."""
        return one(self.q(query, params))

    def new_scratch(self, prefix: str) -> sql.Identifier:
        """A new scratch table's name (dropped with the others when the file is done)."""
        name = sql.Identifier("sunshine", f"{prefix}_{len(self.scratch)}")
        self.scratch.append(name)
        self.q(sql.SQL("DROP TABLE IF EXISTS {}").format(name))
        return name

    def drop_scratch(self) -> None:
        self.q(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.SQL(", ").join(self.scratch)))

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        yield
        elapsed = time.perf_counter() - started
        self.result.timings[name] = self.result.timings.get(name, 0.0) + elapsed
        log.info("%s: %s took %.2fs", self.file, name, elapsed)

    def mapped_header(self, names: tuple[str, ...]) -> str:
        """The quarantine's column for the catalog columns `names` (headers joined by +)."""
        headers = {c.name: c.header for c in self.source.columns}
        by_name = {c.name: h for h, c in self.plan.mapped.items()}
        return "+".join(by_name.get(k, headers[k]) for k in names)

    def stored_values(self, alias: str = "s") -> list[sql.Composable]:
        """Each imported column's value from typed/delta row `alias`, as the site stores it:
        an empty field is '' in a NOT NULL text column and the declared value in a NOT NULL
        boolean (deleted → false)."""
        values: list[sql.Composable] = []
        for c in self.source.columns:
            value: sql.Composable = sql.SQL("{}.{}").format(sql.Identifier(alias),
                                                            sql.Identifier(c.name))
            if c.if_empty is not None:
                value = sql.SQL("coalesce({}, {})").format(value, sql.Literal(c.if_empty))
            elif c.type == TEXT and self.live.get(c.name, (False, None))[0]:
                value = sql.SQL("coalesce({}, '')").format(value)
            values.append(value)
        return values

    def accepted(self, alias: str) -> sql.Composable:
        """Good rows of typed: no bad value or reference, not rejected since."""
        return sql.SQL(
            "{a}.raw IS NULL AND NOT EXISTS (SELECT FROM {rejected} AS x "
            "WHERE x.rn = {a}.rn)").format(a=sql.Identifier(alias), rejected=REJECTED)


def jsonb_object(pairs: Sequence[tuple[str, sql.Composable]]) -> sql.Composable:
    """jsonb_build_object over any number of pairs (a function takes at most 100 arguments)."""
    chunks = [pairs[i:i + 40] for i in range(0, len(pairs), 40)] or [[]]
    return sql.SQL(" || ").join(
        sql.SQL("jsonb_build_object({})").format(sql.SQL(", ").join(
            sql.SQL("{}, {}").format(sql.Literal(k), v) for k, v in chunk))
        for chunk in chunks)
