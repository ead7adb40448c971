"""A landing batch's files are read whole or not at all: a file that changes while the batch
is imported fails the batch with nothing written (imports/landing.py, loader.import_batch)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from sunshine_pipeline.imports.loader import import_batch
from sunshine_pipeline.imports.plan import BatchRejected
from sunshine_pipeline.resources import one
from tests.batches import write_handmade_batch
from tests.oracle import landed_rows


def test_a_file_changing_during_the_import_fails_the_batch(tmp_path: Path,
                                                           conn: psycopg.Connection) -> None:
    batch = write_handmade_batch(tmp_path / "growing")
    touched: list[str] = []

    def still_writing(file: str, done: int, total: int) -> None:
        if file == "Transactions.csv" and not touched:  # the dropper appends meanwhile
            later = time.time() + 5
            os.utime(batch / "Names.csv", (later, later))
            touched.append(file)

    with pytest.raises(BatchRejected, match=r"^Names\.csv: changed while the batch was being "
                                            r"imported; nothing of the batch landed"):
        import_batch(conn, batch, progress=still_writing)
    assert touched
    for table in ("Names", "Transactions", "Committees"):
        assert one(conn.execute(sql.SQL("SELECT count(*) FROM {}").format(
            sql.Identifier(table)))) == 0
    outcome, error = conn.execute(
        "SELECT outcome, error FROM sunshine.import_batch ORDER BY batch_id DESC LIMIT 1"
    ).fetchall()[0]
    assert outcome == "rejected"
    assert error.startswith("Names.csv: changed while the batch was being imported")

    assert import_batch(conn, batch).outcome == "landed"  # settled: it imports
    assert one(conn.execute('SELECT count(*) FROM "Transactions"')) == len(
        landed_rows(batch)["Transactions"])


def test_a_symbolic_link_in_a_batch_is_refused_by_the_importer(
        tmp_path: Path, conn: psycopg.Connection) -> None:
    batch = write_handmade_batch(tmp_path / "linked")
    secret = tmp_path / "secret.csv"
    (batch / "Names.csv").rename(secret)
    (batch / "Names.csv").symlink_to(secret)
    with pytest.raises(BatchRejected, match=r"linked/Names\.csv is a symbolic link"):
        import_batch(conn, batch)
    assert one(conn.execute('SELECT count(*) FROM "Names"')) == 0
