"""Batches for tests, written where a test wants them: the hand-made batch (the CSV files of
tests/batches/handmade/, in the landing format the importer reads), the hand-made batch with
some files replaced, batches of literal files, and the generated small batch."""

from __future__ import annotations

import shutil
from pathlib import Path

HANDMADE = Path(__file__).resolve().parent / "handmade"

# The header of Transactions.csv, for tests that write a Transactions file of their own.
TRANSACTIONS_HEADER = (
    "TransactionID,CommitteeID,TransactionTypeID,TransactionDate,Amount,NameID,"
    "SubjectCommitteeID,IsForBenefit,CategoryID,Memo,AccountType,ModifiesTransactionID,"
    "Deleted\n"
)


def write_batch(directory: Path, files: dict[str, str]) -> Path:
    """A batch of the given files (name -> text, written byte for byte)."""
    directory.mkdir(exist_ok=True)
    for name, text in files.items():
        (directory / name).write_text(text, encoding="utf-8", newline="")
    return directory


def write_handmade_batch(directory: Path) -> Path:
    """The hand-made batch (tests/batches/handmade/): every quirk of the export in a few rows,
    what each row tests in tests/test_oracle.py. candidate_soi.csv is copied last (its
    presence means the batch is complete)."""
    directory.mkdir(parents=True, exist_ok=True)
    files = sorted(HANDMADE.glob("*.csv"), key=lambda p: (p.name == "candidate_soi.csv", p.name))
    for path in files:
        shutil.copyfile(path, directory / path.name)
    return directory


def handmade_with(directory: Path, files: dict[str, str | None]) -> Path:
    """The hand-made batch with some files replaced (None: left out)."""
    write_handmade_batch(directory)
    for name, text in files.items():
        if text is None:
            (directory / name).unlink()
        else:
            (directory / name).write_text(text, encoding="utf-8", newline="")
    return directory


def write_small_batch(directory: Path) -> Path:
    """A generated batch, small enough for many tests, with enough IE rows to rank (the
    session's `small_batch`; the same seed gives the same files)."""
    from sunshine_pipeline.generate import generate_batch

    generate_batch(directory, transactions=20_000, seed=11, ie_share=0.01)
    return directory
