"""The fault suite, run and counted: crashes at each phase and hostile input, nothing lost.

Runs the tests that inject faults (processes killed at a chosen moment, files that change or
lie, crafted bad batches, hostile writers and readers) on the embedded server (or
SUNSHINE_TEST_DATABASE_URL), and writes the "Faults" section of BENCHMARKS.md: per suite
what it injects, how many cases ran and passed, and each crafted bad batch with the defect
it carries. Every case asserts the outcome exactly (the base tables and views unchanged by a
killed step, exact quarantine rows, records read = landed + unchanged + quarantined), so a
pass means nothing was lost or left stuck.

    python benchmarks/faults.py
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

from benchmarks.report import publish

REPO = Path(__file__).resolve().parent.parent
BAD_BATCHES = REPO / "tests" / "bad_batches"
# (test file, what its cases inject); each module's docstring says how.
SUITES = (
    ("tests/test_import_kill.py", "importer killed (SIGKILL) mid-COPY, before Transactions, "
                                  "before the last table"),
    ("tests/test_refresh_kill.py", "refresh killed (SIGKILL) while building, while waiting to "
                                   "swap, while refreshing concurrently"),
    ("tests/test_cli_crash.py", "`sunshine refresh` killed (SIGKILL, SIGTERM) while it runs and "
                                "while it waits; the next run needs no human"),
    ("tests/test_landing.py", "files that change during the import or are symbolic links"),
    ("tests/test_sensors.py", "batches half-copied, with `_READY` before their files, with "
                              "a manifest not yet met or not matched, failing and fixed"),
    ("tests/test_privilege.py", "writers without the pipeline's grants, temporary tables "
                                "shadowing base tables, a spoofed writer tag"),
    ("tests/test_swap.py", "slow readers of the live views during a swap, unknown dependents, "
                           "a new version that does not reconcile"),
    ("tests/test_import.py::test_bad_batch", "each crafted bad batch, into an empty and a "
                                             "filled Transactions table"),
)


def run_suites(basetemp: Path) -> dict[str, Counter]:
    """{suite: Counter(passed=, failed=, skipped=)} from one pytest run."""
    xml = basetemp / "faults.xml"
    present = [s for s, _ in SUITES if (REPO / s.split("::")[0]).exists()]
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                    f"--basetemp={basetemp / 'pytest'}", f"--junitxml={xml}", *present],
                   cwd=REPO, check=False)
    counts: dict[str, Counter] = {s: Counter() for s, _ in SUITES}
    for case in ET.parse(xml).getroot().iter("testcase"):
        file = case.get("classname", "").replace(".", "/") + ".py"
        suite = next((s for s, _ in SUITES
                      if s == file or (s.startswith(f"{file}::")
                      and case.get("name", "").startswith(s.split("::")[1]))), None)
        if suite is None or (suite == "tests/test_sensors.py"
                             and not _landing_case(case.get("name", ""))):
            continue
        outcome = ("failed" if case.find("failure") is not None or case.find("error") is not None
                   else "skipped" if case.find("skipped") is not None else "passed")
        counts[suite][outcome] += 1
    return counts


def _landing_case(name: str) -> bool:
    """The landing sensor's cases of test_sensors.py (the others watch direct writes)."""
    source = (REPO / "tests" / "test_sensors.py").read_text()
    landing = {node.name for node in ast.parse(source).body
               if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
               and "landing_batch_sensor" in ast.get_source_segment(source, node)}
    return name.split("[")[0] in landing


def bad_batches() -> list[tuple[str, str]]:
    """(folder, the defect in words) of every crafted bad batch."""
    found = []
    for expected in sorted(BAD_BATCHES.glob("*/expected.json")):
        description = json.loads(expected.read_text())["description"]
        first = re.split(r"(?<!\\)\.\s+(?=[A-Z])", description, maxsplit=1)[0]
        found.append((expected.parent.name, first.rstrip(".") + "."))
    return found


def report(counts: dict[str, Counter]) -> str:
    total = Counter()
    lines = ["Command: `python benchmarks/faults.py` (the fault tests of the suite, on the "
             "embedded PostgreSQL 18 unless `SUNSHINE_TEST_DATABASE_URL` names a server).",
             "", "| suite | faults injected | cases | passed | failed | skipped |",
             "|---|---|---:|---:|---:|---:|"]
    for suite, what in SUITES:
        c = counts[suite]
        total += c
        lines.append(f"| `{suite}` | {what} | {sum(c.values())} | {c['passed']} | "
                     f"{c['failed']} | {c['skipped']} |")
    lines.append(f"| all | | {sum(total.values())} | {total['passed']} | {total['failed']} | "
                 f"{total['skipped']} |")
    kinds = bad_batches()
    lines += ["", f"The {len(kinds)} crafted bad batches (`tests/bad_batches/`, each with its "
              "exact expected quarantine rows or rejection in `expected.json`):", ""]
    lines += [f"- `{name}`: {what}" for name, what in kinds]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sunshine-faults-") as tmp:
        counts = run_suites(Path(tmp))
    publish("Faults", report(counts), write=not args.no_write)
    return 1 if any(c["failed"] for c in counts.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
