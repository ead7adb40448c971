"""Waiting in tests for something another process or session does, with a bound that only a
fault reaches."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable


def wait_for(predicate: Callable[[], object], what: str, timeout: float = 60.0,
             child: subprocess.Popen | None = None, interval: float = 0.05) -> None:
    """Poll `predicate` until it is true; fail after `timeout` seconds, or as soon as `child`
    (a process expected to keep running meanwhile) has exited, with what it printed."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if child is not None and child.poll() is not None:
            output = child.stdout.read() if child.stdout else ""
            raise AssertionError(f"the process exited while waiting for {what}:\n{output}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(interval)
