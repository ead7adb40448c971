"""The base tables' asset checks (all WARN: the data is what the source sent; a person
decides), generated from `imports.catalog.SOURCES`: one multi-asset check op per table, so a
table missing from a batch skips its checks (its import output is skipped).

- `<table>_quarantine_rate_is_low`: the share of the table's rows quarantined in the latest
  batch that carried it, at most SUNSHINE_QUARANTINE_TOLERANCE (default 0.01).
- `Transactions_duplicate_income_share_is_normal`: live income rows identical to another but
  for transaction_id (about 7.6% in the real export, kept and reported); warns above 15% or
  when the share moved by more than 5 points since the previous full count.
- `Transactions_has_no_orphan_references`: filers, parties and IE targets that are not rows
  of Committees / Names (one pass over Transactions; the names are tested in a bitmap).

These two read all ten million transactions, too slow for every small import, so they are
incremental, and soundly so (imports/bounds.py): a full evaluation records its snapshot, and
the next one passes without the query (`"method": "bound"`) only when the writes since
cannot have made it fail:
- duplicates: each Transactions row written since removes at most one income row (DELETE,
  UPDATE) and adds at most one (INSERT, UPDATE: two changes); a removal lowers the income and
  duplicate counts by at most one, an addition raises them by at most one. When every share
  the resulting ranges allow is at most 15% and within 5 points of the last full share, the
  check passes. Any TransactionTypes write recounts (it can turn any rows into income).
- orphans: the last full count found none, every Transactions write since was the importer's
  (writer tag `ledger.IMPORTER_WRITER` of a landed batch: it quarantines unknown committees,
  names and IE targets), and nobody deleted Committees / Names rows nor, but the importer
  (which never changes a key), updated them.
Otherwise they count in full; so they do when there is no full evaluation on record, when it
is older than SUNSHINE_SOURCE_AUDIT_HOURS (default 26), on an operation the log cannot bound,
and when an input has a new identity (TRUNCATE, which the triggers do not log; VACUUM FULL).
The daily `audit_sources_job` (schedule `audit_sources_schedule`) counts both in full, so the
import runs in between pass on their bound and keep the landing-to-dashboard path short.

Every evaluation is written to sunshine.check_result (check_results.py).

"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import dagster as dg
import psycopg

from sunshine_pipeline import settings
from sunshine_pipeline.check_results import (
    WARN,
    Outcome,
    check_op,
    has_check_results,
    recorded,
)
from sunshine_pipeline.imports.bounds import (
    BOUNDED_OPERATIONS,
    LastFull,
    Write,
    baseline,
    bound_metadata,
    full_metadata,
    since_last_full,
)
from sunshine_pipeline.imports.catalog import SOURCES, SourceFile
from sunshine_pipeline.imports.validate import BITMAP_MAX_KEYS
from sunshine_pipeline.resources import one
from sunshine_pipeline.sqlfiles import sql_text

DUPLICATE_SHARE_MAX = 0.15
DUPLICATE_SHARE_JUMP = 0.05

DUPLICATE_CHECK = "Transactions_duplicate_income_share_is_normal"
ORPHAN_CHECK = "Transactions_has_no_orphan_references"
# The checks that count ten million rows when they cannot pass on their bound; the daily
# audit (audit_sources_job, audit_sources_schedule) counts them in full off the import path.
INCREMENTAL_CHECKS = (DUPLICATE_CHECK, ORPHAN_CHECK)
# A run tagged AUDIT_TAG=full makes them count in full whatever the change log says.
AUDIT_TAG = "sunshine/audit"
AUDIT_REASON = "audit: a full count was asked for"
# The tables each check's figures are computed from.
DUPLICATE_INPUTS = ("Transactions", "TransactionTypes")
ORPHAN_INPUTS = ("Transactions", "Committees", "Names")
ORPHAN_FIGURES = ("unknown_committee", "unknown_entity", "unknown_subject_committee")


def check_quarantine_rate(conn: psycopg.Connection, source: SourceFile,
                          tolerance: float | None = None) -> Outcome:
    """The share of the table's rows quarantined in the latest batch that carried it."""
    check = f"{source.table}_quarantine_rate_is_low"
    tolerance = settings.quarantine_tolerance() if tolerance is None else tolerance
    row = conn.execute(sql_text("checks/quarantine_rate.sql"), {"file": source.file}).fetchone()
    if row is None:
        return Outcome(source.table, check, True, WARN, f"{source.file} was never imported",
                       {"tolerance": f"{tolerance:.0%}"})
    batch_id, read, quarantined, reasons = row
    rate = quarantined / read if read else 0.0
    metadata = {"batch_id": batch_id, "read": read, "quarantined": quarantined,
                "quarantine_rate": round(rate, 6), "tolerance": f"{tolerance:.1%}",
                "top_reasons": reasons}
    if rate <= tolerance:
        return Outcome(source.table, check, True, WARN, "", metadata)
    return Outcome(source.table, check, False, WARN,
                   f"batch {batch_id} quarantined {quarantined} of {read} rows of "
                   f"{source.file} ({rate:.2%}, tolerance {tolerance:.2%}): {reasons}", metadata)


def _previous_figure(conn: psycopg.Connection, asset: str, check: str,
                     key: str) -> float | None:
    """`key` of the latest evaluation of the check that reported it."""
    if not has_check_results(conn):
        return None
    row = conn.execute(sql_text("checks/previous_figure.sql"),
                       {"key": key, "asset": asset, "check": check}).fetchone()
    return row[0] if row else None


def check_duplicate_income_share(conn: psycopg.Connection, audit: bool = False) -> Outcome:
    """Live income rows identical to another but for transaction_id, as a share: bounded
    from the last full count and the Transactions rows written since when that settles it,
    else (and always for an `audit`) counted in full."""
    since = (AUDIT_REASON if audit
             else since_last_full(conn, "Transactions", DUPLICATE_CHECK, DUPLICATE_INPUTS))
    if isinstance(since, str):
        return _duplicate_income_share_full(conn, since)
    last, writes = since
    types = sum(w.rows for w in writes if w.relation == "TransactionTypes")
    if types:
        return _duplicate_income_share_full(
            conn, f"{types} TransactionTypes rows written since the last full evaluation "
            "(which rows are income may have changed)")
    bound = _duplicate_income_share_bound(last, writes)
    if isinstance(bound, str):
        return _duplicate_income_share_full(conn, bound)
    return bound


def _duplicate_income_share_bound(last: LastFull, writes: list[Write]) -> Outcome | str:
    """Passed when every duplicate and income count the writes since the last full count
    allow passes (a row written moves each count by at most one); else why not."""
    m = last.metadata
    income, duplicates, share = m.get("income_rows"), m.get("duplicate_rows"), m.get(
        "duplicate_share")
    if not (isinstance(income, int | float) and isinstance(duplicates, int | float)
            and isinstance(share, int | float)):
        return "the last full evaluation recorded no figures"
    rows = sum(w.rows for w in writes)
    removed = sum(w.rows * BOUNDED_OPERATIONS[w.operation][0] for w in writes)
    added = sum(w.rows * BOUNDED_OPERATIONS[w.operation][1] for w in writes)
    dup_low, dup_high = max(0, duplicates - removed), duplicates + added
    inc_low, inc_high = max(0, income - removed), income + added
    if inc_low == 0:
        return (f"{rows} Transactions rows written since the last full evaluation, as many "
                "as it counted income rows")
    share_low, share_high = dup_low / inc_high, min(1.0, dup_high / inc_low)
    written = (f"{rows} Transactions rows written since the last full evaluation: the share "
               f"could be anywhere in {share_low:.1%}-{share_high:.1%}")
    if share_high > DUPLICATE_SHARE_MAX:
        return f"{written}, more than {DUPLICATE_SHARE_MAX:.0%}"
    if share_high - share > DUPLICATE_SHARE_JUMP or share - share_low > DUPLICATE_SHARE_JUMP:
        return (f"{written}, more than {DUPLICATE_SHARE_JUMP * 100:g} points from the "
                f"{share:.1%} of the last full evaluation")
    metadata = {
        "duplicate_rows_low": dup_low, "duplicate_rows_high": dup_high,
        "income_rows_low": inc_low, "income_rows_high": inc_high,
        "duplicate_share_low": round(share_low, 6), "duplicate_share_high": round(share_high, 6),
        "previous_share": share, **bound_metadata(last, rows)}
    return Outcome("Transactions", DUPLICATE_CHECK, True, WARN,
                   f"not recounted: {rows} rows written since the full count keep the share "
                   f"within {share_low:.1%}-{share_high:.1%} (last counted {share:.1%})",
                   metadata)


def _duplicate_income_share_full(conn: psycopg.Connection, reason: str) -> Outcome:
    with conn.transaction():
        base = baseline(conn, DUPLICATE_INPUTS)
        [(income, duplicates)] = conn.execute(
            sql_text("checks/duplicate_income_share.sql")).fetchall()
    share = duplicates / income if income else 0.0
    previous = _previous_figure(conn, "Transactions", DUPLICATE_CHECK, "duplicate_share")
    metadata: dict[str, Any] = {"income_rows": income, "duplicate_rows": duplicates,
                                "duplicate_share": round(share, 6),
                                **({"previous_share": previous} if previous is not None else {}),
                                **full_metadata(base, reason)}
    problems = []
    if share > DUPLICATE_SHARE_MAX:
        problems.append(f"{share:.1%} of live income rows are duplicates (more than "
                        f"{DUPLICATE_SHARE_MAX:.0%})")
    if previous is not None and abs(share - previous) > DUPLICATE_SHARE_JUMP:
        problems.append(f"the duplicate share moved from {previous:.1%} to {share:.1%}")
    return Outcome("Transactions", DUPLICATE_CHECK, not problems, WARN, "; ".join(problems),
                   metadata)


def check_orphan_references(conn: psycopg.Connection, audit: bool = False) -> Outcome:
    """Transactions whose filer, party or IE target is not a row of Committees / Names: none
    can have appeared since a full count that found none when only the importer wrote
    Transactions and no Committees / Names row lost its key; else (and always for an
    `audit`) counted in full."""
    since = (AUDIT_REASON if audit
             else since_last_full(conn, "Transactions", ORPHAN_CHECK, ORPHAN_INPUTS))
    if isinstance(since, str):
        return _orphan_references_full(conn, since)
    last, writes = since
    counts = {k: last.metadata.get(k) for k in ORPHAN_FIGURES}
    if any(v != 0 for v in counts.values()):
        return _orphan_references_full(conn, "the last full evaluation found orphans (or no "
                                       "figures): count again")
    for w in writes:
        if w.relation == "Transactions" and not w.by_importer:
            return _orphan_references_full(
                conn, f"{w.rows} Transactions rows written ({w.operation}) by {w.writer}, not "
                "the importer, since the last full evaluation")
        if w.relation != "Transactions" and (w.operation == "DELETE" or (
                w.operation == "UPDATE" and not w.by_importer)):
            return _orphan_references_full(
                conn, f"{w.rows} {w.relation} rows written ({w.operation}) by {w.writer} since "
                "the last full evaluation (a key may be gone)")
    rows = sum(w.rows for w in writes if w.relation == "Transactions")
    return Outcome("Transactions", ORPHAN_CHECK, True, WARN,
                   f"not recounted: none since the full count; {rows} Transactions rows "
                   "written since, all by the importer (which quarantines unknown "
                   "references), and no Committees or Names key removed",
                   {**counts, **bound_metadata(last, rows)})


def _orphan_references_full(conn: psycopg.Connection, reason: str) -> Outcome:
    with conn.transaction():
        base = baseline(conn, ORPHAN_INPUTS)
        # Names keys within BITMAP_MAX_KEYS values are tested in a bitmap; more spread out
        # (also when they spread between the two queries: unknown_entity is NULL), hashed.
        span = one(conn.execute(sql_text("checks/names_key_span.sql")))
        row = None
        if span is None or span < BITMAP_MAX_KEYS:
            row = conn.execute(sql_text("checks/orphan_references.sql"),
                               {"bitmap_max_keys": BITMAP_MAX_KEYS}).fetchone()
        if row is None or row[1] is None:
            [row] = conn.execute(sql_text("checks/orphan_references_by_join.sql")).fetchall()
        unknown_committee, unknown_entity = row
        unknown_subject = one(conn.execute(
            sql_text("checks/orphan_subject_committees.sql")))
    metadata = {"unknown_committee": unknown_committee, "unknown_entity": unknown_entity,
                "unknown_subject_committee": unknown_subject, **full_metadata(base, reason)}
    problems = [f"{n} transactions with an {what}" for what, n in (
        ("unknown committee_id", unknown_committee), ("unknown entity_id", unknown_entity),
        ("unknown subject_committee_id", unknown_subject)) if n]
    return Outcome("Transactions", ORPHAN_CHECK, not problems, WARN, "; ".join(problems),
                   metadata)


# Evaluates one source check; the flag asks an incremental check to count in full (an audit).
SourceCheck = Callable[[psycopg.Connection, bool], Outcome]


def source_checks(source: SourceFile) -> dict[str, tuple[SourceCheck, str]]:
    """{check name: (evaluate, description)} for one base table."""
    checks: dict[str, tuple[SourceCheck, str]] = {
        f"{source.table}_quarantine_rate_is_low": (
            lambda conn, _audit: check_quarantine_rate(conn, source),
            "Warns when more than SUNSHINE_QUARANTINE_TOLERANCE of the rows of the latest "
            "batch were quarantined."),
    }
    if source.table == "Transactions":
        checks[DUPLICATE_CHECK] = (
            check_duplicate_income_share,
            "Reports live income rows identical but for transaction_id (about 7.6% is "
            "normal); warns above 15% or on a move of more than 5 points. Counted in full at "
            "least every SUNSHINE_SOURCE_AUDIT_HOURS; in between, passes without counting "
            "when the rows written since the last count cannot move the share that far "
            "(metadata method: full / bound).")
        checks[ORPHAN_CHECK] = (
            check_orphan_references,
            "Warns about transactions whose committee, name or IE target is missing. Counted "
            "in full at least every SUNSHINE_SOURCE_AUDIT_HOURS; in between, passes without "
            "counting after a clean count when only the importer (which quarantines unknown "
            "references) wrote Transactions and no Committees / Names row was deleted or "
            "had its key changed (metadata method: full / bound).")
    return checks


def evaluate_source_checks(conn: psycopg.Connection, source: SourceFile,
                           names: set[str] | None = None,
                           run_id: str | None = None, audit: bool = False) -> Iterator[Outcome]:
    """Evaluate (and record) the source checks of one table; `audit`: the incremental ones
    count in full."""
    yield from recorded(conn, run_id, (
        evaluate(conn, audit) for name, (evaluate, _) in source_checks(source).items()
        if names is None or name in names))


def build_source_checks(source: SourceFile) -> dg.AssetChecksDefinition:
    """One op evaluating the table's checks (`source_checks`); in a run tagged AUDIT_TAG=full
    the incremental ones count in full."""
    return check_op(source.table, {name: description
                                   for name, (_, description) in source_checks(source).items()},
                    lambda conn, names, run: evaluate_source_checks(
                        conn, source, names, run.run_id, run.tags.get(AUDIT_TAG) == "full"))


def build_all_source_checks() -> list[dg.AssetChecksDefinition]:
    """The check op of every base table."""
    return [build_source_checks(s) for s in SOURCES]
