"""Every environment variable the pipeline reads, declared once: name, type, default, meaning.

Each value is read when it is asked for, never at import (a test sets one with monkeypatch, a
daemon picks up a changed unit's environment at its restart), through one accessor per
setting below (`settings.view_sla()`, `settings.refresh_cron()`, ...). An unset variable, or
one set to the empty string (as `VAR=` in an environment file), takes its default; a value
that does not parse raises `SettingError` naming the variable, the value and what it must
be, instead of a bare `ValueError` from deep inside a run.

The README's table of settings is this module's `markdown_table()`, which
`python -m sunshine_pipeline.settings` prints; `tests/test_settings.py` fails when they
differ.
"""

from __future__ import annotations

import math
import os
import re
import sys
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


class SettingError(ValueError):
    """An environment variable is set to a value the pipeline cannot use."""


@dataclass(frozen=True)
class Setting:
    """One environment variable: its name, the kind of value it takes (`kind`, as the README
    shows it), its default as written in the environment (None: unset means something else,
    said in `default_text`), and what it changes."""

    name: str
    kind: str
    default: str | None
    meaning: str
    default_text: str = ""

    def raw(self) -> str | None:
        """The value set in the environment, else the default (None when neither)."""
        value = os.environ.get(self.name, "").strip()
        return value or self.default

    def documented_default(self) -> str:
        return f"`{self.default}`" if self.default is not None else self.default_text

    def parse(self, parse: Callable[[str], T], expected: str) -> T | None:
        value = self.raw()
        if value is None:
            return None
        try:
            return parse(value)
        except (ValueError, TypeError, zoneinfo.ZoneInfoNotFoundError) as exc:
            default = self.default if self.default is not None else self.default_text
            raise SettingError(f"{self.name}={value!r}: expected {expected} "
                               f"(default: {default})") from exc


def _number(minimum: float) -> Callable[[str], float]:
    def parse(text: str) -> float:
        value = float(text)
        if not math.isfinite(value) or value < minimum:
            raise ValueError(text)
        return value
    return parse


def _cron(text: str) -> str:
    from dagster._utils.schedules import is_valid_cron_string

    if not is_valid_cron_string(text):
        raise ValueError(text)
    return text


def _timezone(text: str) -> str:
    zoneinfo.ZoneInfo(text)  # raises on an unknown name
    return text


def _url(text: str) -> str:
    if not re.match(r"^[a-z][a-z0-9+.-]*://\S+$", text, re.IGNORECASE):
        raise ValueError(text)
    return text


SUNSHINE_HOME = Setting(
    "SUNSHINE_HOME", "path", ".sunshine",
    "The embedded server's data (`pgdata/`), the local Dagster instance (`dagster/`) and the "
    "demo's batches; relative to the working folder.")
SUNSHINE_LANDING = Setting(
    "SUNSHINE_LANDING", "path", None,
    "The landing folder the landing sensor watches: one sub-folder per batch.",
    "`$SUNSHINE_HOME/landing`")
SUNSHINE_LANDING_SETTLE_SECONDS = Setting(
    "SUNSHINE_LANDING_SETTLE_SECONDS", "seconds", "5",
    "How long every file of a landing batch must stay unchanged before it is read.")
SUNSHINE_DATABASE_URL = Setting(
    "SUNSHINE_DATABASE_URL", "libpq URL or conninfo", None,
    "The warehouse: the site's database the pipeline imports into and keeps the views of.",
    "an embedded server under `SUNSHINE_HOME`, database `sunshine`")
SUNSHINE_DAGSTER_PG_URL = Setting(
    "SUNSHINE_DAGSTER_PG_URL", "SQLAlchemy URL", None,
    "Dagster's own storage (runs, events, schedules, sensor cursors), read by `dagster.yaml`; "
    "keep the `postgresql+psycopg2://` scheme.",
    "database `dagster` on the warehouse's server")
DAGSTER_HOME = Setting(
    "DAGSTER_HOME", "path", None,
    "The Dagster instance's folder (its `dagster.yaml`); `sunshine service-units` writes "
    "`workspace.yaml` there.",
    "`$SUNSHINE_HOME/dagster` for `sunshine dev`, `demo` and `refresh`; "
    "`/srv/sunshine/dagster` for `sunshine service-units`")
SUNSHINE_TIMEZONE = Setting(
    "SUNSHINE_TIMEZONE", "IANA time zone", "UTC",
    "The time zone of the three schedules' crons.")
SUNSHINE_REFRESH_CRON = Setting(
    "SUNSHINE_REFRESH_CRON", "cron", "5 * * * *",
    "`refresh_views_schedule`: when the safety net refreshes the stale views (read when the "
    "definitions load).")
SUNSHINE_AUDIT_CRON = Setting(
    "SUNSHINE_AUDIT_CRON", "cron", "15 3 * * *",
    "`audit_sources_schedule`: when `audit_sources_job` counts the Transactions-wide checks "
    "in full (read when the definitions load).")
SUNSHINE_PRUNE_CRON = Setting(
    "SUNSHINE_PRUNE_CRON", "cron", "15 4 * * *",
    "`prune_history_schedule`: when `prune_history_job` deletes old runs (read when the "
    "definitions load).")
SUNSHINE_RUN_HISTORY_DAYS = Setting(
    "SUNSHINE_RUN_HISTORY_DAYS", "days", "90",
    "`prune_history_job` deletes the finished Dagster runs created longer ago than this, "
    "with their event logs.")
SUNSHINE_VIEW_SLA_HOURS = Setting(
    "SUNSHINE_VIEW_SLA_HOURS", "hours", "2",
    "How long an input change may wait unread before its view is late (`<view>_is_fresh` "
    "fails, `sunshine status` says overdue, an alert opens).")
SUNSHINE_ROW_COUNT_TOLERANCE = Setting(
    "SUNSHINE_ROW_COUNT_TOLERANCE", "share", "0.5",
    "`<view>_row_count_is_steady` warns when a view's row count moves by more than this "
    "share between its last two refreshes.")
SUNSHINE_QUARANTINE_TOLERANCE = Setting(
    "SUNSHINE_QUARANTINE_TOLERANCE", "share", "0.01",
    "`<table>_quarantine_rate_is_low` warns, and the import run is tagged "
    "`sunshine/quarantined`, when a file has more than this share of its rows quarantined.")
SUNSHINE_SOURCE_AUDIT_HOURS = Setting(
    "SUNSHINE_SOURCE_AUDIT_HOURS", "hours", "26",
    "The Transactions-wide checks count in full again when their last full count is older "
    "than this (the daily audit plus slack).")
SUNSHINE_ALERT_URL = Setting(
    "SUNSHINE_ALERT_URL", "apprise URLs", None,
    "Where `alert_sensor` sends notifications: apprise URLs separated by spaces or commas.",
    "unset: nothing is sent")
SUNSHINE_UI_URL = Setting(
    "SUNSHINE_UI_URL", "URL", "http://127.0.0.1:3000",
    "The Dagster UI's address, for the links in notifications.")

SETTINGS: tuple[Setting, ...] = (
    SUNSHINE_HOME, SUNSHINE_LANDING, SUNSHINE_LANDING_SETTLE_SECONDS, SUNSHINE_DATABASE_URL,
    SUNSHINE_DAGSTER_PG_URL, DAGSTER_HOME, SUNSHINE_TIMEZONE, SUNSHINE_REFRESH_CRON,
    SUNSHINE_AUDIT_CRON, SUNSHINE_PRUNE_CRON, SUNSHINE_RUN_HISTORY_DAYS,
    SUNSHINE_VIEW_SLA_HOURS, SUNSHINE_ROW_COUNT_TOLERANCE, SUNSHINE_QUARANTINE_TOLERANCE,
    SUNSHINE_SOURCE_AUDIT_HOURS, SUNSHINE_ALERT_URL, SUNSHINE_UI_URL,
)

_SECONDS = "a number of seconds, 0 or more"
_HOURS = "a number of hours, 0 or more"
_SHARE = "a share, 0 or more (0.01 is 1%)"


def _defaulted(value: T | None) -> T:
    """A setting that has a default always has a value."""
    if value is None:
        raise AssertionError("a setting with a default returned no value")
    return value


def sunshine_home() -> Path:
    return Path(_defaulted(SUNSHINE_HOME.parse(str, "a path"))).resolve()


def landing_dir() -> Path:
    path = SUNSHINE_LANDING.parse(Path, "a path")
    return (path or sunshine_home() / "landing").resolve()


def landing_settle_seconds() -> float:
    return _defaulted(SUNSHINE_LANDING_SETTLE_SECONDS.parse(_number(0), _SECONDS))


def database_url() -> str | None:
    """SUNSHINE_DATABASE_URL, or None: the embedded server (resources.warehouse_url)."""
    return SUNSHINE_DATABASE_URL.raw()


def dagster_pg_url() -> str | None:
    """SUNSHINE_DAGSTER_PG_URL, or None: beside the warehouse (resources.dagster_storage_url)."""
    return SUNSHINE_DAGSTER_PG_URL.raw()


def dagster_home() -> Path | None:
    """DAGSTER_HOME, or None: the command decides (deploy.prepare_environment, cli)."""
    return DAGSTER_HOME.parse(Path, "a path")


def timezone() -> str:
    return _defaulted(SUNSHINE_TIMEZONE.parse(_timezone, "an IANA time zone name"))


def refresh_cron() -> str:
    return _defaulted(SUNSHINE_REFRESH_CRON.parse(_cron, "a cron expression"))


def audit_cron() -> str:
    return _defaulted(SUNSHINE_AUDIT_CRON.parse(_cron, "a cron expression"))


def prune_cron() -> str:
    return _defaulted(SUNSHINE_PRUNE_CRON.parse(_cron, "a cron expression"))


def run_history_days() -> float:
    return _defaulted(SUNSHINE_RUN_HISTORY_DAYS.parse(_number(0), "a number of days, 0 or more"))


def view_sla() -> timedelta:
    return timedelta(hours=_defaulted(SUNSHINE_VIEW_SLA_HOURS.parse(_number(0), _HOURS)))


def row_count_tolerance() -> float:
    return _defaulted(SUNSHINE_ROW_COUNT_TOLERANCE.parse(_number(0), _SHARE))


def quarantine_tolerance() -> float:
    return _defaulted(SUNSHINE_QUARANTINE_TOLERANCE.parse(_number(0), _SHARE))


def source_audit_age() -> timedelta:
    return timedelta(hours=_defaulted(SUNSHINE_SOURCE_AUDIT_HOURS.parse(_number(0), _HOURS)))


def alert_urls() -> list[str]:
    def split(text: str) -> list[str]:
        return [_url(u) for u in re.split(r"[\s,]+", text) if u]

    return SUNSHINE_ALERT_URL.parse(split, "apprise URLs (scheme://...) separated by spaces "
                                    "or commas") or []


def ui_url() -> str:
    return _defaulted(SUNSHINE_UI_URL.parse(_url, "a URL (http://host:port)")).rstrip("/")


def markdown_table() -> str:
    """The README's table of settings."""
    lines = ["| variable | value | default | meaning |", "|---|---|---|---|"]
    lines += [f"| `{s.name}` | {s.kind} | {s.documented_default()} | {s.meaning} |"
              for s in SETTINGS]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.stdout.write(markdown_table() + "\n")
