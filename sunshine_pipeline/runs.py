"""Runs started by the command line: what a crash of one leaves behind, and waiting for a slot.

`sunshine refresh` and `sunshine demo` execute their job in the CLI's own process
(execute_cli_run, below), so the daemon's run monitoring, which watches the run workers its
launcher started, never looks at them. A CLI killed with -9 (an out-of-memory kill, a reboot)
left its run STARTED and its views' pool slots claimed for good: the next refresh of those
views waited forever, and every daemon run queued behind it (the run queue).

Each CLI run is tagged with its process (`cli_run_tags`: host, pid, and the boot id plus the
process's start time, so a pid reused by another process, or after a reboot, is not taken for
it). `reap_dead_runs` (Dagster instance -> run failure events, freed pool slots) reports every
unfinished CLI run of this host whose process is gone as failed, frees its slots, and frees
the slots still held by runs that ended a while ago (a dead run a person canceled in the UI);
the CLI calls it before each run, and `run_reaper_sensor` every 30 s in the daemon. A CLI run
on another host is never judged: its process cannot be seen from here.

`execute_cli_run` executes a job of the code location in the CLI's process as a run of that
location: the run carries the location's origin (`sunshine_pipeline`, repository
`__repository__`) and job snapshot, as a run the daemon launched does, so the UI lists it on
the Overview timeline and under the location, and re-executes it without warning of another
version. (`execute_in_process` makes a run with no origin.)

`install_execution_fixes` patches two faults of Dagster 1.13's in-process executor, which
every job here uses (the CLI and the daemon's run workers alike): a step waiting for a pool
slot was re-checked in a busy loop (the time to the next check is computed as min(0, ...),
so never positive: 100% of a CPU while waiting), and a SIGTERM or SIGINT received while
waiting was held until a step ran, so `timeout` and systemd's stop did nothing. Patched, the
wait sleeps until the next check (Dagster's own back-off, 1 s growing to 15 s), and an
interrupt ends the wait within half a second: the run is marked failed and its pending
claims dropped by Dagster's own clean-up.
"""

from __future__ import annotations

import os
import socket
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import dagster as dg

# The code location the workspace (workspace.yaml) loads, and its one repository.
DEFINITIONS_MODULE = "sunshine_pipeline.definitions"
LOCATION_NAME = "sunshine_pipeline"
REPOSITORY_NAME = "__repository__"
HOST_TAG = "sunshine/cli_host"
PID_TAG = "sunshine/cli_pid"
# "<boot id>:<start time in clock ticks since boot>" of the CLI process (Linux /proc), or ""
# where /proc is not available (then only the pid is checked).
PROCESS_TAG = "sunshine/cli_process"
# How often the daemon looks for dead CLI runs; with the CLI's own look before each run, a
# crash is cleared within a minute with no one's help.
REAPER_TICK_SECONDS = 30
# Pool slots of a run that ended are freed after this long (as run monitoring does for the
# daemon's runs: free_slots_after_run_end_seconds in dagster.yaml).
FREE_SLOTS_AFTER_END_SECONDS = 30
UNFINISHED = [dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.STARTING,
              dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.CANCELING]
FINISHED = [dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE,
            dg.DagsterRunStatus.CANCELED]
# The longest a waiting step sleeps before it looks for an interrupt again.
INTERRUPT_CHECK_SECONDS = 0.5


def _boot_id() -> str | None:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return None


def process_identity(pid: int) -> str | None:
    """`<boot id>:<start ticks>` of a live process, "" where /proc cannot tell, None when no
    such process runs (a zombie counts as gone)."""
    boot = _boot_id()
    if boot is None:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            return ""
        return ""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # Fields after the command name (which may hold spaces and parentheses): state is the
    # 3rd field of the line, starttime the 22nd.
    fields = stat[stat.rindex(")") + 2:].split()
    if fields[0] in ("Z", "X"):
        return None
    return f"{boot}:{fields[19]}"


def cli_run_tags() -> dict[str, str]:
    """The tags naming this process, for a run it executes itself."""
    return {HOST_TAG: socket.gethostname(), PID_TAG: str(os.getpid()),
            PROCESS_TAG: process_identity(os.getpid()) or ""}


def process_alive(tags: Mapping[str, str]) -> bool | None:
    """Whether the CLI process named by a run's tags still runs: None when the run is not a
    CLI run of this host (nothing can be said about it from here)."""
    if tags.get(HOST_TAG) != socket.gethostname() or not tags.get(PID_TAG, "").isdigit():
        return None
    identity = process_identity(int(tags[PID_TAG]))
    if identity is None:
        return False
    recorded = tags.get(PROCESS_TAG, "")
    return identity == recorded or not (identity and recorded)


def reap_dead_runs(instance: dg.DagsterInstance) -> list[str]:
    """Report each unfinished CLI run of this host whose process is gone as failed and free
    its pool slots; free the slots still held by runs that ended more than 30 s ago. Returns
    the ids of the runs marked failed."""
    from dagster._core.events import JobFailureData, RunFailureReason

    host = socket.gethostname()
    reaped = []
    for run in instance.get_runs(filters=dg.RunsFilter(statuses=UNFINISHED,
                                                       tags={HOST_TAG: host})):
        if process_alive(run.tags) is not False:
            continue
        current = instance.get_run_by_id(run.run_id)
        if current is None or current.status not in UNFINISHED:
            continue  # another reaper (or the run itself) got there first
        instance.report_run_failed(
            current,
            f"The process that ran this run (pid {run.tags[PID_TAG]} on {host}) is gone: "
            "killed, out of memory or a reboot. Marked failed and its pool slots freed by "
            "sunshine's run reaper, so the next run can start.",
            JobFailureData(error=None, failure_reason=RunFailureReason.UNEXPECTED_TERMINATION))
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        reaped.append(run.run_id)
    _free_slots_of_ended_runs(instance)
    return reaped


def _free_slots_of_ended_runs(instance: dg.DagsterInstance) -> None:
    storage = instance.event_log_storage
    if not storage.supports_global_concurrency_limits:
        return
    held = storage.get_concurrency_run_ids()
    if not held:
        return
    ended_before = time.time() - FREE_SLOTS_AFTER_END_SECONDS
    known = set()
    for record in instance.get_run_records(filters=dg.RunsFilter(run_ids=list(held))):
        known.add(record.dagster_run.run_id)
        run = record.dagster_run
        if run.status not in FINISHED or process_alive(run.tags):
            continue
        ended = record.end_time or record.update_timestamp.timestamp()
        if ended < ended_before:
            storage.free_concurrency_slots_for_run(run.run_id)
    for run_id in held - known:  # the run was deleted: nothing can release its slots
        storage.free_concurrency_slots_for_run(run_id)


def execute_cli_run(instance: dg.DagsterInstance, job_name: str, *,
                    run_config: Mapping[str, Any] | None = None,
                    tags: Mapping[str, str] | None = None,
                    asset_selection: Sequence[dg.AssetKey] | None = None) -> Any:
    """Execute `job_name` (or the `asset_selection` of it) here, as a run of the code location
    (see the module docstring); returns Dagster's JobExecutionResult (`success`, `run_id`)."""
    from dagster._core.definitions.reconstruct import ReconstructableRepository
    from dagster._core.execution.api import create_execution_plan, execute_run
    from dagster._core.remote_origin import (
        InProcessCodeLocationOrigin,
        RemoteJobOrigin,
        RemoteRepositoryOrigin,
    )
    from dagster._core.types.loadable_target_origin import LoadableTargetOrigin

    cwd = os.getcwd()
    repository = ReconstructableRepository.for_module(DEFINITIONS_MODULE, "defs",
                                                      working_directory=cwd)
    job = repository.get_reconstructable_job(job_name)
    selection = frozenset(asset_selection) if asset_selection else None
    subset = job.get_subset(asset_selection=selection) if selection else job
    config = dict(run_config or {})
    plan = create_execution_plan(subset, run_config=config, instance_ref=instance.get_ref())
    origin = RemoteJobOrigin(RemoteRepositoryOrigin(InProcessCodeLocationOrigin(
        LoadableTargetOrigin(executable_path=sys.executable, module_name=DEFINITIONS_MODULE,
                             working_directory=cwd), location_name=LOCATION_NAME),
        REPOSITORY_NAME), job_name)
    definition = job.get_definition()  # the whole job: the run's parent snapshot, as the UI's
    run = instance.create_run_for_job(
        job_def=definition, execution_plan=plan, run_config=config,
        tags={**definition.run_tags, **(tags or {})},
        asset_selection=set(selection) if selection else None,
        remote_job_origin=origin, job_code_origin=subset.get_python_origin())
    return execute_run(subset, run, instance)


def build_run_reaper_sensor() -> dg.SensorDefinition:
    @dg.sensor(
        name="run_reaper_sensor",
        minimum_interval_seconds=REAPER_TICK_SECONDS,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Marks failed the runs of `sunshine refresh` / `sunshine demo` processes "
        "that died (kill -9, out of memory, a reboot) and frees their pool slots, so the next "
        "run starts instead of waiting forever.",
    )
    def run_reaper_sensor(context: dg.SensorEvaluationContext) -> dg.SkipReason:
        reaped = reap_dead_runs(context.instance)
        if reaped:
            context.log.warning("marked failed the runs of dead CLI processes: %s",
                                ", ".join(reaped))
            return dg.SkipReason(f"marked failed {len(reaped)} run(s) of dead CLI processes: "
                                 + ", ".join(reaped))
        return dg.SkipReason("no run of a dead CLI process")

    return run_reaper_sensor


def _interval_to_next_pending_claim_check(self) -> float:
    """Seconds until the next blocked step may claim its slot again (never negative)."""
    if not self._pending_claims:
        return 0.0
    now = time.time()
    due = [self._pending_timeouts[key] - now for key in self._pending_claims
           if key in self._pending_timeouts]
    return max(0.0, min(due)) if due else 0.0


def _sleep_til_ready(self) -> None:
    """Sleep until a step may run, in short naps that look for a captured interrupt."""
    from dagster._core.errors import DagsterExecutionInterruptedError
    from dagster._utils.interrupts import check_captured_interrupt

    deadline = time.monotonic() + max(0.0, self.sleep_interval())
    while True:
        if check_captured_interrupt():
            self.mark_interrupted()
            raise DagsterExecutionInterruptedError(
                "Interrupted while waiting for a concurrency slot")
        left = deadline - time.monotonic()
        if left <= 0:
            return
        time.sleep(min(left, INTERRUPT_CHECK_SECONDS))


def install_execution_fixes() -> None:
    """Patch Dagster's in-process executor: a step waiting for a pool slot sleeps, and an
    interrupt ends the wait (idempotent; see the module docstring)."""
    from dagster._core.execution.plan.active import ActiveExecution
    from dagster._core.execution.plan.instance_concurrency_context import (
        InstanceConcurrencyContext,
    )

    # Replacing the two methods is the fix itself (a type checker forbids assigning methods).
    InstanceConcurrencyContext.interval_to_next_pending_claim_check = (  # type: ignore[method-assign]
        _interval_to_next_pending_claim_check)
    ActiveExecution.sleep_til_ready = _sleep_til_ready  # type: ignore[method-assign]
