"""`sunshine status` logic and the refresh log behind it, on a real PostgreSQL: every view
fresh after a clean load; missing, stale, overdue and failing views named and the exit code
non-zero; sunshine.view_last_refresh tells a real "last updated" apart from a skipped run."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import psycopg
import pytest
from psycopg import sql

from sunshine_pipeline.check_results import Outcome, record
from sunshine_pipeline.resources import one
from sunshine_pipeline.status import (
    failed_batches,
    format_status,
    status_exit_code,
    view_status,
)
from sunshine_pipeline.views.catalog import VIEWS, VIEWS_BY_NAME
from sunshine_pipeline.views.refresh import materialize_view


def test_every_view_is_fresh_after_a_clean_load(loaded) -> None:
    conn = loaded
    statuses = view_status(conn)
    assert [s.view for s in statuses] == [v.name for v in VIEWS]
    assert {(s.state, s.definition_current, s.failing_checks) for s in statuses} == {
        ("fresh", True, ())}
    assert {s.view: s.row_count for s in statuses} == {
        v.name: conn.execute(sql.SQL("SELECT count(*) FROM {}").format(
            sql.Identifier(v.name))).fetchone()[0] for v in VIEWS}
    assert all(s.size_bytes > 0 and s.refreshed_at == s.verified_at for s in statuses)
    assert status_exit_code(statuses) == 0
    lines = format_status(statuses).splitlines()
    assert lines[0].split() == ["view", "rows", "size", "refreshed", "at", "state",
                                "definition", "failing", "checks"]
    assert len(lines) == 2 + len(VIEWS)
    assert lines[4].split()[0] == "mv_committee_ie_summary"
    assert lines[4].split()[-3:] == ["fresh", "current", "-"]


def test_missing_stale_overdue_and_failing_views_are_named(loaded) -> None:
    conn = loaded
    # A change three hours old that dashboard_aggregations has not read: overdue (past the
    # 2 h SLA); a change just now that top_donors_mv has not read: stale; a view refreshed
    # three hours ago whose inputs did not change since: fresh.
    conn.execute("DELETE FROM candidate_soi WHERE id = (SELECT min(id) FROM candidate_soi)")
    (three_hours_ago,) = {at for (at,) in conn.execute(
        "UPDATE sunshine.change_log SET changed_at = now() - interval '3 hours' "
        "WHERE relation = 'candidate_soi' RETURNING changed_at")}
    before_write = one(conn.execute("SELECT clock_timestamp()"))
    conn.execute('UPDATE "EntityTypes" SET name = name WHERE entity_type_id = '
                 '(SELECT min(entity_type_id) FROM "EntityTypes")')
    conn.execute("UPDATE sunshine.view_refresh SET finished_at = now() - interval '3 hours' "
                 "WHERE view_name = 'ie_benefit_breakdown'")
    conn.execute("DROP MATERIALIZED VIEW mv_dashboard_top_ie_committees")
    record(conn, Outcome("mv_dashboard_support_oppose",
                         "mv_dashboard_support_oppose_matches_ie_summary", False,
                         dg.AssetCheckSeverity.ERROR, "rows is 2, expected 1"))
    record(conn, Outcome("top_donors_mv", "top_donors_mv_row_count_is_steady", False,
                         dg.AssetCheckSeverity.WARN, "row count moved"))
    conn.execute("UPDATE sunshine.view_refresh SET definition_hash = 'older' "
                 "WHERE view_name = 'mv_dashboard_recent_expenditures'")
    statuses = {s.view: s for s in view_status(conn)}
    after_status = one(conn.execute("SELECT clock_timestamp()"))
    assert {name: s.state for name, s in statuses.items() if s.state != "fresh"} == {
        "dashboard_aggregations": "overdue",
        "top_donors_mv": "stale",
        "mv_dashboard_top_ie_committees": "missing",
        "mv_dashboard_support_oppose": "failing",
    }
    assert statuses["mv_dashboard_support_oppose"].failing_checks == (
        "mv_dashboard_support_oppose_matches_ie_summary",)
    assert not statuses["mv_dashboard_recent_expenditures"].definition_current
    assert statuses["mv_dashboard_recent_expenditures"].healthy
    assert statuses["mv_dashboard_top_ie_committees"].row_count is None
    assert statuses["dashboard_aggregations"].waiting_since == three_hours_ago
    assert before_write <= statuses["top_donors_mv"].waiting_since <= after_status
    assert statuses["ie_benefit_breakdown"].healthy
    assert status_exit_code(list(statuses.values())) == 1
    text = format_status(list(statuses.values()))
    assert "mv_dashboard_support_oppose_matches_ie_summary" in text
    recent = next(line for line in text.splitlines()
                  if line.startswith("mv_dashboard_recent_expenditures"))
    assert recent.split()[-3:] == ["fresh", "changed", "-"]

    # A passing evaluation after the failure clears it.
    record(conn, Outcome("mv_dashboard_support_oppose",
                         "mv_dashboard_support_oppose_matches_ie_summary", True))
    assert not next(s for s in view_status(conn)
                    if s.view == "mv_dashboard_support_oppose").failing_checks


def test_view_last_refresh_tells_a_real_refresh_from_a_skipped_one(loaded) -> None:
    conn = loaded
    view = VIEWS_BY_NAME["mv_committee_ie_summary"]

    def last() -> tuple:
        return conn.execute(
            "SELECT refreshed_at, changed_at, verified_at, mode FROM sunshine.view_last_refresh "
            "WHERE view_name = %s", [view.name]).fetchone()

    created, changed, verified, mode = last()
    assert created == changed == verified and mode == "created"
    assert conn.execute("SELECT count(*) FROM sunshine.view_last_refresh").fetchone()[0] == len(
        VIEWS)

    assert materialize_view(conn, view).mode == "skipped"
    refreshed, changed, verified, mode = last()
    assert (refreshed, changed, mode) == (created, created, "created") and verified > created

    assert materialize_view(conn, view, force=True).mode == "concurrent"
    refreshed, changed, verified, mode = last()
    assert refreshed > created and changed == created and mode == "concurrent"

    conn.execute(
        'UPDATE "Transactions" SET amount = amount - 1 WHERE transaction_id = (SELECT '
        'min(transaction_id) FROM "Transactions" WHERE NOT deleted '
        "AND subject_committee_id IS NOT NULL)")
    # The IE's (committee, target) row is replaced: one row deleted, one inserted.
    assert materialize_view(conn, view).rows_changed == 2
    refreshed_again, changed, verified, mode = last()
    assert changed == refreshed_again > refreshed

    with pytest.raises(psycopg.errors.CheckViolation):
        conn.execute(
            "INSERT INTO sunshine.view_refresh (view_name, started_at, finished_at, duration_s, "
            "mode, row_count, source_snapshot, definition_hash) SELECT view_name, started_at, "
            "finished_at, 0, 'dropped', 0, source_snapshot, definition_hash "
            "FROM sunshine.view_refresh LIMIT 1")


def test_a_rejected_batch_is_listed_until_a_batch_lands_after_it(
        loaded, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from sunshine_pipeline import cli
    from sunshine_pipeline.imports.loader import import_batch
    from sunshine_pipeline.imports.plan import BatchRejected
    from tests.batches import write_handmade_batch

    monkeypatch.setenv("SUNSHINE_DATABASE_URL", db_url)
    bad = write_handmade_batch(tmp_path / "bad")
    text = (bad / "Names.csv").read_text(encoding="utf-8")
    (bad / "Names.csv").write_text(text.replace("NameID,", "NmID,", 1), encoding="utf-8")
    with pytest.raises(BatchRejected):
        import_batch(loaded, bad)
    assert cli.main(["status"]) == 0  # the views are still healthy
    out = capsys.readouterr().out
    assert out.endswith(f"batches not imported:\nbatch {failed_batches(loaded)[0][0]} rejected: "
                        f"{bad.resolve()}: Names.csv: required column NameID is missing from "
                        "the header\n")
    import_batch(loaded, write_handmade_batch(tmp_path / "good"))
    cli.main(["status"])  # (its views are stale now: another batch landed)
    assert "batches not imported" not in capsys.readouterr().out
