"""The definitions match their committed snapshots (tests/definitions_snapshot.py): asset keys,
checks and their blocking flag, jobs, schedules and sensors, and the metadata keys each asset
declares and each run reports, are what the UI, alerting and the operators' bookmarks depend
on, so changing one is a deliberate act."""

from __future__ import annotations

import json
from pathlib import Path

from tests.batches import write_handmade_batch
from tests.definitions_snapshot import (
    METADATA_SNAPSHOT,
    RUNS,
    SNAPSHOT,
    current,
    metadata_snapshot,
)

REGENERATE = ("if that is meant, run `python -m tests.definitions_snapshot --write` and commit "
              "tests/fixtures/")


def test_the_definitions_match_their_snapshot() -> None:
    committed = json.loads(SNAPSHOT.read_text())
    now = current()
    for part in committed:
        assert now[part] == committed[part], f"{part} changed; {REGENERATE}"
    assert set(now) == set(committed)
    # What the snapshot must hold for it to catch anything: every check wired.
    assert len(now["checks"]) == 4 * 9 + 15 + 2  # per view, per source, Transactions-wide


def test_the_metadata_keys_match_their_snapshot(pg_server: str, small_batch: Path,
                                                tmp_path: Path) -> None:
    """The keys each asset declares, and those each run of `RUNS` reports on the small and
    the hand-made batch, per materialization, landing observation and check evaluation."""
    committed = json.loads(METADATA_SNAPSHOT.read_text())
    now = metadata_snapshot(pg_server, {
        "small": small_batch, "handmade": write_handmade_batch(tmp_path / "handmade")})
    assert now["declared"] == committed["declared"], f"declared metadata changed; {REGENERATE}"
    assert list(now["runs"]) == [name for name, _, _ in RUNS]
    for run, kinds in committed["runs"].items():
        for kind, keys in kinds.items():
            assert now["runs"][run][kind] == keys, f"{run}: {kind} changed; {REGENERATE}"
    assert now == committed
    # What the snapshot must hold for it to catch anything: the keys the UI's charts, the
    # source-change sensor and the operators read, on the paths they take.
    runs = committed["runs"]
    first = runs["first_import"]
    assert {"dagster/row_count", "inserted", "updated", "flipped_to_deleted"} <= set(
        first["materializations"]["Transactions"])
    assert {"mode", "dagster/row_count", "rows_rebuilt", "size", "refreshed_at",
            "dagster/column_schema"} <= set(first["materializations"]["top_donors_mv"])
    assert {"records", "sha256", "size", "arrived_at"} <= set(
        first["observations"]["landing/Transactions.csv"])
    assert len(first["check_evaluations"]) == len(current()["checks"])
    assert "rows_changed" in runs["forced_refresh"]["materializations"][
        "mv_committee_ie_summary"]
    assert "quarantine_preview" in runs["handmade_import"]["materializations"]["Transactions"]
