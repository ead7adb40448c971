"""The importer against a real PostgreSQL: crafted bad batches (tests/bad_batches), the real
data's rules, the ledger, dry runs, and change detection read from PostgreSQL's own
counters (pg_stat_user_tables), not from the importer's report."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import dagster as dg
import psycopg
import pytest
from psycopg import sql

from sunshine_pipeline import sensors
from sunshine_pipeline.imports import ledger, stage, validate
from sunshine_pipeline.imports.assets import build_import_assets
from sunshine_pipeline.imports.catalog import SOURCES, SOURCES_BY_TABLE
from sunshine_pipeline.imports.loader import import_batch
from sunshine_pipeline.imports.plan import BatchRejected
from sunshine_pipeline.resources import WarehouseResource
from tests.batches import write_batch, write_handmade_batch
from tests.pipeline import checksums

BAD_BATCHES = Path(__file__).parent / "bad_batches"
CASES = sorted(p.name for p in BAD_BATCHES.iterdir() if p.is_dir() and not p.name.startswith("_"))
BASE_TABLES = [s.table for s in SOURCES]


def keys(conn: psycopg.Connection, table: str) -> list:
    key = SOURCES_BY_TABLE[table].key[0]
    return [r[0] for r in conn.execute(sql.SQL("SELECT {k} FROM {t} ORDER BY {k}").format(
        k=sql.Identifier(key), t=sql.Identifier(table)))]


def write_counters(conn: psycopg.Connection) -> dict[str, tuple[int, int, int]]:
    """(n_tup_ins, n_tup_upd, n_tup_del) per base table, as PostgreSQL counted them. The
    connection that wrote flushes its pending statistics first (they are flushed when it
    goes idle after a transaction, forced here), and the cached snapshot is cleared."""
    conn.execute("SELECT pg_stat_force_next_flush()")
    conn.commit()
    conn.execute("SELECT pg_stat_clear_snapshot()")
    rows = conn.execute(
        "SELECT relname, n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_user_tables "
        "WHERE schemaname = 'public' AND relname = ANY(%s)", [BASE_TABLES]).fetchall()
    conn.commit()
    return {r[0]: tuple(r[1:]) for r in rows}


def written(before: dict, after: dict) -> dict[str, tuple[int, int, int]]:
    """Rows inserted, updated and deleted per table between two counter readings."""
    zero = (0, 0, 0)
    return {t: tuple(a - b for a, b in zip(after.get(t, zero), before.get(t, zero),
                                           strict=True)) for t in BASE_TABLES}


def changes(conn: psycopg.Connection, batch_id: int | None) -> set[tuple[str, int, str]]:
    return {(t, k, op) for t, k, op in conn.execute(
        "SELECT table_name, key, op FROM sunshine.import_change WHERE batch_id = %s",
        [batch_id])}


def _plain(value: object) -> object:
    if isinstance(value, Decimal | date):
        return str(value)
    return value


# --- crafted bad batches ------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["empty", "existing"])
@pytest.mark.parametrize("case", CASES)
def test_bad_batch(case: str, mode: str, conn: psycopg.Connection) -> None:
    """Each defect gives exactly the quarantine rows (or the rejection) its expected.json
    names, and the good rows land, whether Transactions was empty or not."""
    expected = json.loads((BAD_BATCHES / case / "expected.json").read_text())
    import_batch(conn, BAD_BATCHES / "_base")
    seed = []
    if mode == "existing":
        import_batch(conn, BAD_BATCHES / "_existing")
        seed = keys(conn, "Transactions")
    before = checksums(conn)

    if "rejected" in expected:
        with pytest.raises(BatchRejected) as rejected:
            import_batch(conn, BAD_BATCHES / case)
        assert str(rejected.value) == expected["rejected"]["message"]
        assert rejected.value.file == expected["rejected"]["file"]
        assert rejected.value.column == expected["rejected"]["column"]
        assert checksums(conn) == before
        ledger = conn.execute("SELECT outcome, error FROM sunshine.import_batch "
                              "ORDER BY batch_id DESC LIMIT 1").fetchone()
        assert ledger == ("rejected", expected["rejected"]["message"])
    else:
        result = import_batch(conn, BAD_BATCHES / case)
        assert result.outcome == "landed"
        assert result.counts() == expected["counts"]
        rows = conn.execute(
            "SELECT file_name, row_number, column_name, raw_value, reason, raw_row "
            "FROM sunshine.quarantine WHERE batch_id = %s "
            "ORDER BY file_name, row_number, column_name NULLS FIRST", [result.batch_id]).fetchall()
        assert [list(r[:5]) for r in rows] == expected["quarantine"]
        raw_rows = {(r[0], r[1]): r[5] for r in rows}
        for file, record, raw_row in expected.get("raw_rows", []):
            assert raw_rows[(file, record)] == raw_row
        preview = [(r.row_number, r.column, r.raw_value, r.reason)
                   for f in result.files for r in f.quarantine_preview]
        assert preview == [tuple(q[1:]) for q in expected["quarantine"]][:20]

    for table, expected_keys in expected["landed"].items():
        extra = seed if table == "Transactions" else []
        assert keys(conn, table) == sorted([*expected_keys, *extra]), table
    for table, by_key in expected.get("values", {}).items():
        key = SOURCES_BY_TABLE[table].key[0]
        for key_value, columns in by_key.items():
            row = conn.execute(sql.SQL("SELECT {} FROM {} WHERE {} = %s").format(
                sql.SQL(", ").join(map(sql.Identifier, columns)), sql.Identifier(table),
                sql.Identifier(key)), [int(key_value)]).fetchone()
            assert row is not None, (table, key_value)
            assert dict(zip(columns, map(_plain, row), strict=True)) == columns, (table, key_value)


@pytest.mark.parametrize("strategy", ["bitmap", "hash join"])
def test_every_reference_strategy_quarantines_the_same_rows(
        strategy: str, conn: psycopg.Connection, monkeypatch: pytest.MonkeyPatch) -> None:
    """A large file tests references against key bitmaps, or hash joins when the keys are
    too spread out (a small one, as in test_bad_batch, probes indexes): same outcome."""
    monkeypatch.setattr(validate, "LOOKUP_MAX_ROWS", 0)
    if strategy == "hash join":
        monkeypatch.setattr(validate, "BITMAP_MAX_KEYS", 0)
    expected = json.loads((BAD_BATCHES / "unknown_references" / "expected.json").read_text())
    import_batch(conn, BAD_BATCHES / "_base")
    result = import_batch(conn, BAD_BATCHES / "unknown_references")
    assert result.counts() == expected["counts"]
    rows = conn.execute("SELECT file_name, row_number, column_name, raw_value, reason "
                        "FROM sunshine.quarantine WHERE batch_id = %s "
                        "ORDER BY row_number, column_name", [result.batch_id]).fetchall()
    assert [list(r) for r in rows] == expected["quarantine"]
    assert keys(conn, "Transactions") == expected["landed"]["Transactions"]


# --- the real data's rules ------------------------------------------------------------------

def test_real_data_rules(conn: psycopg.Connection, tmp_path: Path) -> None:
    """Sentinels load as they are; SubjectCommitteeID (a NameID) resolves to the name's
    smallest committee, or to a synthesized one; amendments, deleted flags, every date and
    boolean spelling; headers match case-insensitively."""
    result = import_batch(conn, write_handmade_batch(tmp_path / "batch"))
    assert result.outcome == "landed"

    names: dict[int, str] = dict(conn.execute(
        'SELECT name_id, last_name FROM "Names" WHERE name_id <= 0'))
    assert names == {-7: "Multiple Vendors", -5: "Previous/Next Committee",
                     -1: "Multiple Contributors", 0: "Invalid Name"}
    assert conn.execute('SELECT state FROM "Names" WHERE name_id = 102').fetchone() == ("Az ",)
    assert conn.execute('SELECT last_name, first_name, city FROM "Names" WHERE name_id = 106'
                        ).fetchone() == ("", "Cher", "")  # the site's NOT NULL text: ''
    assert dict(conn.execute('SELECT transaction_type_id, income_expense_neutral '
                             'FROM "TransactionTypes"')) == {10: 1, 20: 2, 30: 3}

    # Committee 8 names an unknown treasurer: quarantined, so the IE against its name (2009)
    # gets a synthesized committee like the legacy name 700.
    committees = conn.execute(
        'SELECT c.committee_id, c.name_id, s.committee_id IS NOT NULL FROM "Committees" AS c '
        "LEFT JOIN sunshine.synthesized_committee AS s USING (committee_id) "
        "ORDER BY c.committee_id").fetchall()
    assert committees == [(-700, 700, True), (-506, 506, True), (1, 501, False),
                          (3, 502, False), (4, 503, False), (5, 504, False), (6, 505, False),
                          (7, 502, False)]

    rows = {r[0]: r[1:] for r in conn.execute(
        'SELECT transaction_id, subject_committee_id, transaction_date, is_for_benefit, '
        'deleted, amount, modifies_transaction_id, memo FROM "Transactions"')}
    subject = {k: v[0] for k, v in rows.items() if v[0] is not None}
    assert subject == {2001: 4, 2002: 4, 2003: 4, 2004: -700, 2005: 3, 2006: 3, 2007: 3, 2008: 3,
                       2009: -506}
    dates = {k: rows[k][1] for k in (1001, 1013, 2002, 2003, 2004, 2006)}
    assert dates == {1001: date(2024, 1, 5), 1013: None, 2002: date(2024, 3, 2),
                     2003: date(2024, 3, 5), 2004: date(1999, 12, 31), 2006: None}
    benefit = {k: rows[k][2] for k in range(2001, 2009)}
    assert benefit == {2001: True, 2002: False, 2003: None, 2004: True, 2005: False,
                       2006: True, 2007: True, 2008: True}
    deleted = {k: rows[k][3] for k in (1001, 1002, 1003, 1004, 1005, 2007)}
    assert deleted == {1001: False, 1002: False, 1003: True, 1004: True, 1005: False,
                       2007: True}
    assert rows[1005][4:6] == (Decimal("350.00"), 1004)  # an amendment of 1004
    assert rows[1002][4] == Decimal("-25.50")
    assert rows[2001][6] == 'Mailers, "round 1"' and rows[2003][6] == "TV\nspot"
    assert rows[2002][6] == ""  # no memo: '' in the site's NOT NULL column
    assert not {1014, 1015, 1016, 1017, 1018, 1019, 1020, 1021, 1024, 2010} & set(rows)

    quarantined = conn.execute(
        "SELECT row_number, column_name, raw_value, reason FROM sunshine.quarantine "
        "WHERE file_name = 'Transactions.csv' ORDER BY row_number").fetchall()
    assert quarantined == [
        (15, "CommitteeID", "99", "unknown committee: no Committees row with this id"),
        (16, "NameID", "999", "unknown name: no Names row with this id"),
        (17, "NameID", "107", "unknown name: no Names row with this id"),  # its type unknown
        (18, "NameID", None, "required value is missing"),
        (19, "ModifiesTransactionID", "9999",
         "unknown modified transaction: no Transactions row with this id"),
        (20, "ModifiesTransactionID", "1018",  # amends 1018, itself quarantined
         "unknown modified transaction: no Transactions row with this id"),
        (21, "CommitteeID", "8", "unknown committee: no Committees row with this id"),
        (22, "CategoryID", "77", "unknown category: no Categories row with this id"),
        (25, "NameID", "110", "unknown name: no Names row with this id"),  # county unknown
        (35, "SubjectCommitteeID", "-5",
         "subject committee name is a sentinel name with no committee")]


def test_subject_resolution_follows_a_new_real_committee(conn: psycopg.Connection,
                                                         tmp_path: Path) -> None:
    """An IE target that had only a synthesized committee resolves to the real committee once
    one arrives; the synthesized row stays (flagged) and nothing else changes."""
    batch = write_handmade_batch(tmp_path / "batch")
    import_batch(conn, batch)
    later = write_batch(tmp_path / "later", {
        "Committees.csv": "CommitteeID,NameID\n9,700\n",
        "Transactions.csv": (batch / "Transactions.csv").read_text(encoding="utf-8")})
    result = import_batch(conn, later)
    assert conn.execute('SELECT subject_committee_id FROM "Transactions" '
                        'WHERE transaction_id = 2004').fetchone() == (9,)
    assert {f.file: (f.inserted, f.updated) for f in result.files} == {
        "Committees.csv": (1, 0), "Transactions.csv": (0, 1)}
    assert changes(conn, result.batch_id) == {("Committees", 9, "i"), ("Transactions", 2004, "u")}


def test_candidate_soi_import_keeps_the_site_columns(conn: psycopg.Connection,
                                                     tmp_path: Path) -> None:
    """The site keeps contact_status, contacted_by, pledge_received, notes and the dates of
    its own: a re-import with a changed phone updates the phone (and updated_at) and keeps
    them; a new statement starts uncontacted, with '' where the site stores no value."""
    import_batch(conn, write_handmade_batch(tmp_path / "batch"))
    conn.execute("UPDATE candidate_soi SET contact_status = 'contacted', pledge_received = true, "
                 "contacted_by = 'volunteer', notes = 'called' WHERE candidate_name = 'Lee'")
    conn.commit()
    created = conn.execute("SELECT created_at, updated_at FROM candidate_soi "
                           "WHERE candidate_name = 'Lee'").fetchall()[0]
    soi = (tmp_path / "batch" / "candidate_soi.csv").read_text(encoding="utf-8")
    old = 'Lee,"Justice of the Peace, Precinct 3",,,lee@example.org,'
    assert old in soi
    soi = soi.replace(old, 'Lee,"Justice of the Peace, Precinct 3",,602-555-0100,'
                           "lee@example.org,")
    soi += "New Person,Mayor,IND,,,2024-03-01,https://example.org/9\n"
    result = import_batch(conn, write_batch(tmp_path / "soi", {"candidate_soi.csv": soi}))

    # The handmade file's 4 bad statements are quarantined again; Lee's changes, one is new.
    assert result.counts()["candidate_soi.csv"] == {
        "read": 9, "inserted": 1, "updated": 1, "deleted": 0, "unchanged": 3, "quarantined": 4,
        "synthesized_committees": 0}
    rows = {r[0]: r[1:] for r in conn.execute(
        "SELECT candidate_name, id, phone, contact_status, pledge_received, contacted_by, notes "
        "FROM candidate_soi")}
    assert rows["Lee"][1:] == ("602-555-0100", "contacted", True, "volunteer", "called")
    assert rows["New Person"][1:] == ("", "uncontacted", False, "", "")
    created_at, updated_at = conn.execute("SELECT created_at, updated_at FROM candidate_soi "
                                          "WHERE candidate_name = 'Lee'").fetchall()[0]
    assert created_at == created[0] and updated_at > created[1]
    assert changes(conn, result.batch_id) == {("candidate_soi", rows["Lee"][0], "u"),
                                              ("candidate_soi", rows["New Person"][0], "i")}


# --- ledger, dry run, abandoned runs ----------------------------------------------------------

def test_the_same_content_is_not_imported_twice_unless_forced(conn: psycopg.Connection,
                                                              tmp_path: Path) -> None:
    batch = write_handmade_batch(tmp_path / "batch")
    first = import_batch(conn, batch)
    copy = shutil.copytree(batch, tmp_path / "copy")  # same content, another folder
    skipped = import_batch(conn, copy)
    forced = import_batch(conn, copy, force=True)

    assert (first.outcome, skipped.outcome, forced.outcome) == ("landed", "skipped", "landed")
    assert skipped.files == [] and skipped.content_hash == first.content_hash
    assert all(f.unchanged == f.read - f.quarantined for f in forced.files)
    ledger = conn.execute(
        "SELECT batch_id, path, content_hash, size_bytes, outcome, finished_at IS NOT NULL, "
        "counts -> 'Transactions.csv' ->> 'inserted' FROM sunshine.import_batch "
        "ORDER BY batch_id").fetchall()
    size = sum(p.stat().st_size for p in batch.iterdir())
    assert ledger == [
        (first.batch_id, str(batch), first.content_hash, size, "landed", True, "37"),
        (skipped.batch_id, str(copy), first.content_hash, size, "skipped", True, None),
        (forced.batch_id, str(copy), first.content_hash, size, "landed", True, "0")]


def test_dry_run_changes_nothing_and_still_previews_the_quarantine(
        conn: psycopg.Connection) -> None:
    import_batch(conn, BAD_BATCHES / "_base")
    before = checksums(conn)
    result = import_batch(conn, BAD_BATCHES / "wrong_types", dry_run=True)

    assert result.outcome == "dry-run"
    assert result.counts()["Transactions.csv"]["quarantined"] == 8
    assert result.files[0].quarantine_preview[0].raw_value == "12.3.4"
    assert len(result.files[0].quarantine_preview) == 9
    assert checksums(conn) == before
    assert conn.execute("SELECT count(*) FROM sunshine.quarantine WHERE batch_id = %s",
                        [result.batch_id]).fetchone() == (0,)
    assert conn.execute("SELECT outcome, counts -> 'Transactions.csv' ->> 'inserted' "
                        "FROM sunshine.import_batch WHERE batch_id = %s",
                        [result.batch_id]).fetchone() == ("dry-run", "2")
    assert import_batch(conn, BAD_BATCHES / "wrong_types").outcome == "landed"  # not skipped


def test_a_ledger_row_left_running_is_abandoned_and_blocks_nothing(
        conn: psycopg.Connection, tmp_path: Path) -> None:
    import_batch(conn, BAD_BATCHES / "_base")
    stale = conn.execute("INSERT INTO sunshine.import_batch (path, content_hash, size_bytes) "
                         "VALUES ('/gone', 'x', 0) RETURNING batch_id").fetchall()[0][0]
    conn.commit()
    result = import_batch(conn, write_handmade_batch(tmp_path / "batch"))
    assert result.outcome == "landed"
    assert conn.execute("SELECT outcome, finished_at IS NOT NULL FROM sunshine.import_batch "
                        "WHERE batch_id = %s", [stale]).fetchone() == ("abandoned", True)


def test_a_first_load_records_the_whole_table_as_inserted(conn: psycopg.Connection,
                                                          tmp_path: Path) -> None:
    """Into an empty table every row is new: the change set says so in one row per table
    (op '*', key = rows inserted) instead of one row per key."""
    result = import_batch(conn, write_handmade_batch(tmp_path / "batch"))
    assert changes(conn, result.batch_id) == {
        ("EntityTypes", 4, "*"), ("TransactionTypes", 3, "*"), ("Counties", 2, "*"),
        ("Parties", 2, "*"), ("Offices", 3, "*"), ("Cycles", 1, "*"), ("Categories", 2, "*"),
        ("BallotMeasures", 1, "*"), ("Names", 33, "*"), ("Committees", 6, "*"),
        ("Transactions", 37, "*"), ("candidate_soi", 4, "*"),
        ("Committees", -700, "i"), ("Committees", -506, "i")}


# --- change detection, read from PostgreSQL's counters ------------------------------------------

def test_reimporting_an_identical_batch_writes_no_row(conn: psycopg.Connection,
                                                      small_batch: Path) -> None:
    first = import_batch(conn, small_batch)
    assert first.counts()["Transactions.csv"]["inserted"] == 20_000
    before = write_counters(conn)
    again = import_batch(conn, small_batch, force=True)
    after = write_counters(conn)

    assert again.outcome == "landed"
    assert written(before, after) == {t: (0, 0, 0) for t in BASE_TABLES}
    assert all(f.inserted == f.updated == f.deleted == 0 for f in again.files)
    assert changes(conn, again.batch_id) == set()


def make_delta(source: Path, target: Path) -> dict[str, set[int]]:
    """A copy of `source` in which 1% of Transactions rows have a new amount, 0.4% (live
    ones) are flipped to deleted, and 60 rows are new; returns the keys of each kind."""
    shutil.copytree(source, target)
    with (source / "Transactions.csv").open(encoding="utf-8", newline="") as f:
        header, *rows = list(csv.reader(f))
    tid, amount, deleted = (header.index(h) for h in ("TransactionID", "Amount", "Deleted"))
    kinds: dict[str, set[int]] = {"u": set(), "d": set(), "i": set()}
    for i, row in enumerate(rows):
        if i % 100 == 7:
            row[amount] = f"{Decimal(row[amount]) + Decimal('1.00'):.2f}"
            kinds["u"].add(int(row[tid]))
        elif i % 250 == 11 and row[deleted].strip().lower() in ("", "0", "false"):
            row[deleted] = "1"
            kinds["d"].add(int(row[tid]))
    top = max(int(r[tid]) for r in rows)
    for k in range(60):
        new = list(rows[k * 97])
        new[tid] = str(top + 1000 + k)
        rows.append(new)
        kinds["i"].add(top + 1000 + k)
    with (target / "Transactions.csv").open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows([header, *rows])
    return kinds


def test_a_one_percent_delta_writes_exactly_the_changed_rows(
        conn: psycopg.Connection, small_batch: Path, tmp_path: Path) -> None:
    import_batch(conn, small_batch)
    kinds = make_delta(small_batch, tmp_path / "delta")
    before = write_counters(conn)
    result = import_batch(conn, tmp_path / "delta")
    after = write_counters(conn)

    expected = {t: (0, 0, 0) for t in BASE_TABLES}
    expected["Transactions"] = (len(kinds["i"]), len(kinds["u"]) + len(kinds["d"]), 0)
    assert written(before, after) == expected
    assert changes(conn, result.batch_id) == {
        ("Transactions", key, op) for op, ks in kinds.items() for key in ks}
    transactions = result.counts()["Transactions.csv"]
    assert (transactions["inserted"], transactions["updated"], transactions["deleted"]) == (
        60, len(kinds["u"]), len(kinds["d"]))
    assert len(kinds["u"]) == 200 and len(kinds["d"]) > 40


# --- Dagster --------------------------------------------------------------------------------------

def test_the_import_asset_shows_counts_status_quarantine_and_data_version(
        warehouse: WarehouseResource, tmp_path: Path) -> None:
    batch = write_handmade_batch(tmp_path / "batch")
    with dg.instance_for_test() as instance:
        result = dg.materialize(
            [build_import_assets()], instance=instance, resources={"warehouse": warehouse},
            run_config={"ops": {"import_batch": {"config": {"batch_dir": str(batch)}}}})
        assert result.success
        events = {e.asset_key.path[-1]: e
                  for e in result.asset_materializations_for_node("import_batch")}

    assert set(events) == {"EntityTypes", "TransactionTypes", "Counties", "Parties", "Offices",
                           "Cycles", "Categories", "BallotMeasures", "Names", "Committees",
                           "Transactions", "candidate_soi"}
    transactions = events["Transactions"]
    metadata = {k: v.value for k, v in transactions.metadata.items()}
    assert {k: metadata[k] for k in ("read", "inserted", "updated", "flipped_to_deleted",
                                      "unchanged", "quarantined", "status")} == {
        "read": 47, "inserted": 37, "updated": 0, "flipped_to_deleted": 0, "unchanged": 0,
        "quarantined": 10, "status": "quarantined 10 rows"}
    assert metadata["rows_needing_widened_transaction_date"] == 2  # 1013 and 2006: no date
    preview = metadata["quarantine_preview"]
    assert isinstance(preview, str)
    assert "| 15 | CommitteeID | 99 | unknown committee: no Committees row with this id |" in (
        preview)
    digest = hashlib.sha256((batch / "Transactions.csv").read_bytes()).hexdigest()
    assert transactions.tags is not None
    assert transactions.tags["dagster/data_version"] == digest
    lookups = {k: v.value for k, v in events["Counties"].metadata.items()}
    assert lookups["status"] == "ok" and "quarantine_preview" not in lookups


def test_unknown_export_files_are_kept_even_when_tables_are_selected(
        tmp_path: Path, conn: psycopg.Connection) -> None:
    """The sensor and the import asset select tables; a file of an export table the dashboard
    does not use still lands in sunshine.unmapped_data, so nothing is lost."""
    batch = write_batch(tmp_path / "batch", {
        "EntityTypes.csv": "EntityTypeID,EntityTypeName\n1,Individual\n",
        "IncomeExpenseNeutral.csv": "IncomeExpenseNeutralID,Name\n1,\"Income, all\"\n2,Expense\n",
    })
    import_batch(conn, batch, tables={"EntityTypes"})
    rows = conn.execute(
        "SELECT file_name, row_number, data FROM sunshine.unmapped_data "
        "ORDER BY row_number").fetchall()
    assert rows == [
        ("IncomeExpenseNeutral.csv", 2, {"IncomeExpenseNeutralID": "1", "Name": "Income, all"}),
        ("IncomeExpenseNeutral.csv", 3, {"IncomeExpenseNeutralID": "2", "Name": "Expense"})]


def test_rows_that_trade_unique_values_land(conn: psycopg.Connection, tmp_path: Path) -> None:
    """The site's unique constraints are checked row by row: two ballot measures that swap
    SOS identifiers, and a new one taking the identifier an updated one gave up, land (a
    placeholder frees each value first, inside the batch's transaction)."""
    header = "BallotMeasureID,SOSIdentifier,MeasureNumber,ShortTitle,OfficialTitle\n"
    first = write_batch(tmp_path / "a", {"BallotMeasures.csv": header + (
        "1,I-01-2024,,A,\n2,I-02-2024,,B,\n3,I-03-2024,,C,\n")})
    second = write_batch(tmp_path / "b", {"BallotMeasures.csv": header + (
        "1,I-02-2024,,A,\n2,I-01-2024,,B,\n3,I-04-2024,,C,\n4,I-03-2024,,D,\n")})
    import_batch(conn, first)
    result = import_batch(conn, second)
    assert result.counts()["BallotMeasures.csv"] == {
        "read": 4, "inserted": 1, "updated": 3, "deleted": 0, "unchanged": 0,
        "quarantined": 0, "synthesized_committees": 0}
    assert conn.execute('SELECT ballot_measure_id, sos_identifier FROM "BallotMeasures" '
                        "ORDER BY 1").fetchall() == [
        (1, "I-02-2024"), (2, "I-01-2024"), (3, "I-04-2024"), (4, "I-03-2024")]


def test_reports_land_with_their_references_and_times(conn: psycopg.Connection,
                                                      tmp_path: Path) -> None:
    """Reports reference Committees, Cycles, ReportTypes, ReportNames and the report they
    amend (a row of the table or of the same file); their times are Arizona local time."""
    import_batch(conn, BAD_BATCHES / "_base")
    header = ("ReportID,CommitteeID,CycleID,ReportTypeID,ReportNameID,ReportPeriodBeginDate,"
              "ReportPeriodEndDate,FilingPeriodBeginDate,FilingPeriodEndDate,FilingDateTime,"
              "OriginalReportID\n")
    dates = "2024-01-01,2024-03-31,2024-04-01,2024-04-15"
    batch = write_batch(tmp_path / "reports", {
        "Cycles.csv": "CycleID,CycleName,CycleBeginDate,CycleEndDate\n1,2024,,\n",
        "ReportTypes.csv": "ReportTypeID,ReportTypeName,IsActive\n1,Quarterly,TRUE\n2,Old,\n",
        "ReportNames.csv": "ReportNameID,ReportName\n1,\"Q1, 2024\"\n",
        "Reports.csv": header + "".join([
            f"10,1,1,1,1,{dates},04/10/24 14:35:12,\n",
            f"11,1,1,1,1,{dates},2024-04-12 09:00:00,10\n",  # amends 10, same file
            f"12,99,1,1,1,{dates},2024-04-12 09:00:00,\n",  # unknown committee
            f"13,1,1,1,1,{dates},2024-04-12 09:00:00,12\n",  # amends a quarantined report
            f"14,1,1,1,1,{dates},2024-04-31 09:00:00,\n",  # no such day
        ])})
    result = import_batch(conn, batch)
    assert result.counts()["Reports.csv"] == {
        "read": 5, "inserted": 2, "updated": 0, "deleted": 0, "unchanged": 0,
        "quarantined": 3, "synthesized_committees": 0}
    assert [(q.row_number, q.column, q.raw_value, q.reason)
            for f in result.files if f.file == "Reports.csv" for q in f.quarantine_preview] == [
        (4, "CommitteeID", "99", "unknown committee: no Committees row with this id"),
        (5, "OriginalReportID", "12", "unknown original report: no Reports row with this id"),
        (6, "FilingDateTime", "2024-04-31 09:00:00",
         "not a valid date and time (YYYY-MM-DD hh:mm:ss or MM/DD/YY hh:mm:ss)")]
    rows = conn.execute(
        "SELECT report_id, original_report_id, filing_datetime AT TIME ZONE 'America/Phoenix', "
        "filing_datetime AT TIME ZONE 'UTC' FROM \"Reports\" ORDER BY 1").fetchall()
    assert [r[:3] for r in rows] == [
        (10, None, datetime(2024, 4, 10, 14, 35, 12)), (11, 10, datetime(2024, 4, 12, 9))]
    assert conn.execute('SELECT report_name_id, name FROM "ReportNames"').fetchall() == [
        (1, "Q1, 2024")], "the export's ReportName column is the name"
    assert rows[0][3] == datetime(2024, 4, 10, 21, 35, 12)  # Phoenix is UTC-7 all year
    assert dict(conn.execute('SELECT report_type_id, is_active FROM "ReportTypes"')) == {
        1: True, 2: False}


def test_a_unique_value_held_by_a_quarantined_row_is_not_taken(
        conn: psycopg.Connection, tmp_path: Path) -> None:
    """A county renamed in the file keeps its old name when its row is quarantined, so a row
    taking that name is quarantined too, instead of failing the batch."""
    import_batch(conn, write_batch(tmp_path / "a", {
        "Counties.csv": "CountyID,CountyName\n1,Maricopa\n2,Pima\n"}))
    too_long = "Y" * 51  # the site's Counties.name is varchar(50)
    result = import_batch(conn, write_batch(tmp_path / "b", {
        "Counties.csv": f"CountyID,CountyName\n1,{too_long}\n2,Maricopa\n"}))
    assert [(q.row_number, q.column, q.reason) for f in result.files
            for q in f.quarantine_preview] == [
        (2, "CountyName", "longer than the site's column holds (at most 50): 51 characters"),
        (3, "CountyName", "another Counties row already holds this value")]
    assert conn.execute('SELECT county_id, name FROM "Counties" ORDER BY 1').fetchall() == [
        (1, "Maricopa"), (2, "Pima")]


@pytest.mark.parametrize("case", ["bare_quotes", "bare_quote_in_field", "unbalanced_quote",
                                  "wrong_field_count"])
def test_the_quote_scan_sees_across_chunk_edges(case: str, conn: psycopg.Connection,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The scan that decides whether COPY read a file as RFC 4180 does reads it in chunks:
    with chunks of a few bytes, a quote, a doubled quote or a line break falls on every edge,
    and the outcome is still exactly the case's."""
    monkeypatch.setattr(stage, "COPY_CHUNK", 7)
    expected = json.loads((BAD_BATCHES / case / "expected.json").read_text())
    import_batch(conn, BAD_BATCHES / "_base")
    result = import_batch(conn, BAD_BATCHES / case)
    assert result.counts() == expected["counts"]
    rows = conn.execute("SELECT file_name, row_number, column_name, raw_value, reason "
                        "FROM sunshine.quarantine WHERE batch_id = %s "
                        "ORDER BY row_number, column_name NULLS FIRST",
                        [result.batch_id]).fetchall()
    assert [list(r) for r in rows] == expected["quarantine"]
    assert keys(conn, "Transactions") == expected["landed"]["Transactions"]


def test_only_a_file_with_a_quote_out_of_place_leaves_the_copy_path(
        conn: psycopg.Connection, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """mdb-export quotes every text field and keeps a memo's line breaks: such a file, every
    quote well placed (a memo over three lines, doubled quotes, CRLF line ends), is staged by
    COPY alone. The same file with one bare quote is read again record by record: that line
    alone is quarantined, the other 49 rows stay as they are."""
    import_batch(conn, BAD_BATCHES / "_base")
    header = ("TransactionID,CommitteeID,TransactionTypeID,TransactionDate,Amount,NameID,"
              "SubjectCommitteeID,IsForBenefit,Memo,Deleted\r\n")
    rows = [f'{2000 + i},1,10,"2024-03-01",10.00,101,,,"memo, {i}",0\r\n' for i in range(50)]
    rows[10] = '2010,1,10,"2024-03-01",10.00,101,,,"over\r\nthree\nlines",0\r\n'
    rows[20] = '2020,1,10,"2024-03-01",10.00,101,,,"""quoted"" and """"",0\r\n'
    clean = write_batch(tmp_path / "clean", {"Transactions.csv": header + "".join(rows)})
    caplog.set_level("WARNING", logger=stage.__name__)
    result = import_batch(conn, clean)
    assert "record by record" not in caplog.text
    assert result.counts()["Transactions.csv"]["inserted"] == 50
    memos: dict[int, str] = dict(conn.execute('SELECT transaction_id, memo FROM "Transactions" '
                              "WHERE transaction_id IN (2010, 2020)").fetchall())
    assert memos == {2010: "over\r\nthree\nlines", 2020: '"quoted" and ""'}

    rows[30] = '2030,1,10,"2024-03-01",10.00,101,,,5" screen,1\r\n'
    bare = write_batch(tmp_path / "bare", {"Transactions.csv": header + "".join(rows)})
    result = import_batch(conn, bare)
    assert "a quote inside an unquoted field" in caplog.text
    assert result.counts()["Transactions.csv"] == {
        "read": 50, "inserted": 0, "updated": 0, "deleted": 0, "unchanged": 49,
        "quarantined": 1, "synthesized_committees": 0}
    assert conn.execute("SELECT row_number, raw_value, reason FROM sunshine.quarantine "
                        "WHERE batch_id = %s", [result.batch_id]).fetchall() == [
        (32, '2030,1,10,"2024-03-01",10.00,101,,,5" screen,1',
         "malformed quoting (a quote inside an unquoted field or text after a closing quote) "
         "at line 34")]


def test_a_bare_quote_in_an_unmapped_file_is_quarantined_not_merged(
        tmp_path: Path, conn: psycopg.Connection) -> None:
    """An export file the dashboard does not use is read as strictly as the others: a line
    with a bare quote is quarantined with its raw text, the lines around it are kept."""
    batch = write_batch(tmp_path / "batch", {"IncomeExpenseNeutral.csv": (
        'IncomeExpenseNeutralID,Name\n1,"Income, all"\n2,5" screen\n3,7" tablet\n4,Neutral\n')})
    result = import_batch(conn, batch)
    assert result.counts()["IncomeExpenseNeutral.csv"]["quarantined"] == 2
    assert conn.execute("SELECT row_number, data FROM sunshine.unmapped_data "
                        "ORDER BY row_number").fetchall() == [
        (2, {"IncomeExpenseNeutralID": "1", "Name": "Income, all"}),
        (5, {"IncomeExpenseNeutralID": "4", "Name": "Neutral"})]
    assert conn.execute("SELECT row_number, raw_value FROM sunshine.quarantine "
                        "ORDER BY row_number").fetchall() == [(3, '2,5" screen'),
                                                              (4, '3,7" tablet')]


def test_a_quoted_field_past_the_bounds_rejects_the_file(
        conn: psycopg.Connection, tmp_path: Path) -> None:
    """A quoted field that closes into a well-formed record only after more lines than a
    field may span is an overlong memo or a quote left open: which cannot be told, so the
    file is rejected with its line and nothing of the batch lands (COPY took it whole)."""
    import_batch(conn, BAD_BATCHES / "_base")
    before = checksums(conn)
    header = ("TransactionID,CommitteeID,TransactionTypeID,TransactionDate,Amount,NameID,"
              "SubjectCommitteeID,IsForBenefit,Memo,Deleted\n")
    memo = "\n".join(f"line {i}" for i in range(1_200))
    batch = write_batch(tmp_path / "long", {"Transactions.csv": (
        header + "2201,1,10,2024-03-01,10.00,101,,,good,0\n"
        f'2202,1,10,2024-03-01,10.00,101,,,"{memo}",0\n'
        "2203,1,10,2024-03-01,10.00,101,,,good,0\n")})
    with pytest.raises(BatchRejected) as rejected:
        import_batch(conn, batch)
    message = ("Transactions.csv: line 3: a quoted field keeps its record of 10 fields open "
               "for 1,200 lines (10,927 bytes), more than a field may span (1,000 lines, "
               "64 KiB): a memo that long and a quote left open cannot be told apart, so "
               "nothing of the batch landed")
    assert (str(rejected.value), rejected.value.file) == (message, "Transactions.csv")
    assert checksums(conn) == before
    assert conn.execute("SELECT error FROM sunshine.import_batch ORDER BY batch_id DESC "
                        "LIMIT 1").fetchone() == (message,)


def test_the_writer_tag_is_read_as_it_is_written(conn: psycopg.Connection,
                                                 tmp_path: Path) -> None:
    """An import's change_log entries carry its writer tag (ledger.writer_tag): the source
    checks find the batch in it with IMPORTER_WRITER (bound by sql/checks/changes_since.sql),
    and the source-change sensor counts the tag of an import a Dagster run did, and only
    that one, as its own (sensors.OWN_WRITERS: ledger.RUN_WRITERS); a CLI import's writes
    are refreshed like anyone else's."""
    cli = import_batch(conn, BAD_BATCHES / "_base")
    county = write_batch(tmp_path / "county", {"Counties.csv": "CountyID,CountyName\n9,Yuma\n"})
    run = import_batch(conn, county, writer=ledger.run_writer("5f0c1d2e-run"))
    assert sensors.OWN_WRITERS == (ledger.RUN_WRITERS,)
    tags = conn.execute(
        "SELECT DISTINCT writer, substring(writer FROM %(importer)s)::bigint, "
        "writer LIKE ANY(%(own)s) FROM sunshine.change_log WHERE writer IS NOT NULL "
        "ORDER BY 2", {"importer": ledger.IMPORTER_WRITER,
                       "own": list(sensors.OWN_WRITERS)}).fetchall()
    assert tags == [(f"sunshine import batch {cli.batch_id}", cli.batch_id, False),
                    (f"dagster run 5f0c1d2e-run batch {run.batch_id}", run.batch_id, True)]
