"""The definitions match their committed snapshot (tests/definitions_snapshot.py): asset keys,
checks and their blocking flag, jobs, schedules and sensors are what the UI, alerting and the
operators' bookmarks depend on, so changing one is a deliberate act."""

from __future__ import annotations

import json

from tests.definitions_snapshot import SNAPSHOT, current


def test_the_definitions_match_their_snapshot() -> None:
    committed = json.loads(SNAPSHOT.read_text())
    now = current()
    for part in committed:
        assert now[part] == committed[part], (
            f"{part} changed; if that is meant, run `python -m tests.definitions_snapshot "
            "--write` and commit tests/fixtures/definitions_snapshot.json")
    assert set(now) == set(committed)
    # What the snapshot must hold for it to catch anything: every check wired.
    assert len(now["checks"]) == 4 * 9 + 15 + 2  # per view, per source, Transactions-wide
