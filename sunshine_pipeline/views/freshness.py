"""Freshness as the dashboard's truth: a view is fresh when it is current with its inputs.

A view whose inputs did not change is current however long ago it was last refreshed (a
quiet night is not an outage), and one whose inputs changed is late once the oldest change
it has not read has waited longer than SUNSHINE_VIEW_SLA_HOURS (what it has not read:
views/refresh.py stale_since, the same rule a refresh tests). Every refresh run evaluates
`<view>_is_fresh` with the view's other checks (views/checks.py); between runs
`view_freshness_sensor` (every minute) keeps it true: it reports the check failed when a
change has waited past the SLA (a sensor switched off, runs failing), and passed again once
the view is current, as runless check evaluations, so the asset's check turns red in the UI
without anyone running anything. The cursor lists the views it reported late.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import dagster as dg
import psycopg

from sunshine_pipeline import settings
from sunshine_pipeline.resources import WarehouseResource
from sunshine_pipeline.views.catalog import VIEWS, ViewSpec
from sunshine_pipeline.views.refresh import stale_since

FRESHNESS_TICK_SECONDS = 60


def fresh_check(view: ViewSpec) -> dg.AssetCheckKey:
    return dg.AssetCheckKey(dg.AssetKey(view.name), f"{view.name}_is_fresh")


def is_late(since: datetime | None, now: datetime, sla: timedelta) -> bool:
    """The freshness rule: a change has waited unread for longer than the SLA."""
    return since is not None and now - since > sla


def late_views(conn: psycopg.Connection, now: datetime, sla: timedelta
               ) -> dict[str, datetime]:
    """{view: when its oldest unread input change was written} for the late views (none
    before the pipeline's schema exists)."""
    if conn.execute("SELECT to_regclass('sunshine.view_refresh')").fetchall() == [(None,)]:
        return {}
    late = {}
    for view in VIEWS:
        since = stale_since(conn, view)
        if since is not None and is_late(since, now, sla):
            late[view.name] = since
    return late


def _evaluation(view: ViewSpec, since: datetime | None, now: datetime,
                sla: timedelta) -> dg.AssetCheckEvaluation:
    key = fresh_check(view)
    if since is None:
        return dg.AssetCheckEvaluation(
            asset_key=key.asset_key, check_name=key.name, passed=True,
            metadata={"current": True, "sla": f"{sla.total_seconds() / 3600:g} h"},
            description="no input change has waited past the SLA")
    waited = (now - since).total_seconds() / 3600
    return dg.AssetCheckEvaluation(
        asset_key=key.asset_key, check_name=key.name, passed=False,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={"current": False, "waiting_since": dg.MetadataValue.timestamp(since),
                  "waited_hours": round(waited, 2), "sla": f"{sla.total_seconds() / 3600:g} h"},
        description=f"an input changed {waited:.1f} h ago and {view.name} has not been "
        f"refreshed since (SLA {sla.total_seconds() / 3600:g} h)")


@dg.sensor(
    minimum_interval_seconds=FRESHNESS_TICK_SECONDS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="sunshine.change_log and sunshine.view_refresh → <view>_is_fresh reported "
    "failed when an input change has waited past SUNSHINE_VIEW_SLA_HOURS, passed again "
    "once the view is current (a view with no new input is fresh).",
)
def view_freshness_sensor(context: dg.SensorEvaluationContext,
                          warehouse: WarehouseResource) -> dg.SensorResult:
    """Report the views that turned late, or current again, since the last tick."""
    now, sla = datetime.now(UTC), settings.view_sla()
    reported = set(json.loads(context.cursor)) if context.cursor else set()
    with warehouse.connection() as conn:
        late = late_views(conn, now, sla)
    events = [_evaluation(v, late[v.name], now, sla) for v in VIEWS
              if v.name in late and v.name not in reported]
    events += [_evaluation(v, None, now, sla) for v in VIEWS
               if v.name in reported and v.name not in late]
    cursor = json.dumps(sorted(late))
    if not events:
        return dg.SensorResult(skip_reason=(
            f"late: {', '.join(sorted(late))}" if late
            else "every view is current with its inputs or within its SLA"), cursor=cursor)
    return dg.SensorResult(asset_events=events, cursor=cursor)
