"""The Dagster instance for local use: DAGSTER_HOME under SUNSHINE_HOME, storage in the
`dagster` database of the warehouse server. `sunshine dev`, `demo` and `refresh` go through it,
so their runs show in the UI."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import dagster as dg

from sunshine_pipeline import resources

_PACKAGE_DIR = Path(__file__).resolve().parent


def dagster_yaml_source() -> Path:
    for candidate in (_PACKAGE_DIR / "deploy" / "dagster.yaml",
                      _PACKAGE_DIR.parent / "dagster.yaml"):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError("dagster.yaml is neither in the package nor beside it")


def prepare_environment() -> dict[str, str]:
    """Start the embedded server if needed, bring the warehouse schema up to date, and set
    the variables dagster.yaml and the resources read. Returns them (for a child process)."""
    from sunshine_pipeline.schema import ensure_schema

    env = {
        "SUNSHINE_HOME": str(resources.sunshine_home()),
        "SUNSHINE_DATABASE_URL": resources.warehouse_url(),
        "SUNSHINE_DAGSTER_PG_URL": resources.dagster_storage_url(),
    }
    home = os.environ.get("DAGSTER_HOME")
    if not home:
        home_path = resources.sunshine_home() / "dagster"
        home_path.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(dagster_yaml_source(), home_path / "dagster.yaml")
        home = str(home_path)
    env["DAGSTER_HOME"] = home
    os.environ.update(env)
    with resources.connect(env["SUNSHINE_DATABASE_URL"]) as conn:
        ensure_schema(conn)
    return env


def instance() -> dg.DagsterInstance:
    prepare_environment()
    return dg.DagsterInstance.get()
