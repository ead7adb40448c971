"""Writes one named section of BENCHMARKS.md, leaving the others as they are."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

HEADER = "# Benchmarks\n\nEach section is written by the script it names, with the command that " \
         "produced it.\n"


def update_section(path: Path, title: str, body: str) -> None:
    text = path.read_text() if path.exists() else HEADER
    section = f"## {title}\n\nMeasured {date.today().isoformat()}.\n\n{body.strip()}\n"
    pattern = re.compile(rf"^## {re.escape(title)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text)
    else:
        text = text.rstrip() + "\n\n" + section
    path.write_text(text.rstrip() + "\n")


def publish(title: str, report: str, *, write: bool = True) -> None:
    """Print a benchmark's report and, unless told not to, write it as its section."""
    print(report)
    if write:
        update_section(Path(__file__).resolve().parent.parent / "BENCHMARKS.md", title, report)
