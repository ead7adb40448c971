"""The Dagster instance for local use: DAGSTER_HOME under SUNSHINE_HOME, storage in the
`dagster` database of the warehouse server. `sunshine dev`, `demo` and `refresh` go through it,
so their runs show in the UI. And the services on a server: `service_units` writes the systemd
units of the code server, dagster-daemon and dagster-webserver (deploy/systemd/) for this
installation."""

from __future__ import annotations

import os
import shutil
import string
import sys
from pathlib import Path

import dagster as dg

from sunshine_pipeline import resources, settings

_PACKAGE_DIR = Path(__file__).resolve().parent


def dagster_yaml_source() -> Path:
    for candidate in (_PACKAGE_DIR / "deploy" / "dagster.yaml",
                      _PACKAGE_DIR.parent / "dagster.yaml"):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError("dagster.yaml is neither in the package nor beside it")


def _deploy_file(name: str) -> Path:
    """A file of the top-level deploy/ folder (a checkout) or of the wheel's copy."""
    for candidate in (_PACKAGE_DIR / "deploy" / name, _PACKAGE_DIR.parent / "deploy" / name):
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"deploy/{name} is neither in the package nor beside it")


SERVICE_UNITS = ("sunshine-dagster-code-server.service", "sunshine-dagster-daemon.service",
                 "sunshine-dagster-webserver.service")
# The workspace the daemon and the webserver load: the one code server, over gRPC.
WORKSPACE = """load_from:
  - grpc_server:
      host: 127.0.0.1
      port: {port}
      location_name: sunshine_pipeline
"""


def service_units(out: Path, *, user: str, env_file: Path, dagster_home: Path,
                  port: int = 3000, code_port: int = 4266) -> list[Path]:
    """deploy/systemd/*.service for this installation (its virtual environment's dagster
    commands) → `out`; DAGSTER_HOME gets the workspace.yaml that points the daemon and the
    webserver at the code server, and this project's dagster.yaml unless it has one.
    Returns the unit files written."""
    values = {"user": user, "env_file": str(env_file), "dagster_home": str(dagster_home),
              "bin": str(Path(sys.executable).parent), "port": str(port),
              "code_port": str(code_port)}
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name in SERVICE_UNITS:
        template = string.Template(_deploy_file(f"systemd/{name}").read_text(encoding="utf-8"))
        (out / name).write_text(template.substitute(values), encoding="utf-8")
        written.append(out / name)
    dagster_home.mkdir(parents=True, exist_ok=True)
    (dagster_home / "workspace.yaml").write_text(WORKSPACE.format(port=code_port),
                                                 encoding="utf-8")
    if not (dagster_home / "dagster.yaml").exists():
        shutil.copyfile(dagster_yaml_source(), dagster_home / "dagster.yaml")
    return written


def prepare_environment() -> dict[str, str]:
    """Start the embedded server if needed, bring the warehouse schema up to date, and set
    the variables dagster.yaml and the resources read. Returns them (for a child process)."""
    from sunshine_pipeline.schema import ensure_schema

    env = {
        "SUNSHINE_HOME": str(settings.sunshine_home()),
        "SUNSHINE_DATABASE_URL": resources.warehouse_url(),
        "SUNSHINE_DAGSTER_PG_URL": resources.dagster_storage_url(),
    }
    home = settings.dagster_home()
    if home is None:
        home = settings.sunshine_home() / "dagster"
        home.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(dagster_yaml_source(), home / "dagster.yaml")
    env["DAGSTER_HOME"] = str(home)
    os.environ.update(env)
    with resources.connect(env["SUNSHINE_DATABASE_URL"]) as conn:
        ensure_schema(conn)
    return env


# A `sunshine` process runs one Dagster run and exits: its storage keeps one connection open
# for the run, as dagster-webserver's does, instead of dagster-postgres's default of a new
# connection for every statement (about 600 of them in a refresh of the nine views). No
# statement timeout (the webserver's 15 s is for pages; a run must not lose an event to a slow
# write), and the webserver's recycling and overflow.
_POOL = {"statement_timeout": 0, "pool_recycle": 3600, "max_overflow": 20}


def instance() -> dg.DagsterInstance:
    """The instance of DAGSTER_HOME (prepare_environment), its storage holding its
    connections open for the life of this process."""
    prepare_environment()
    found = dg.DagsterInstance.get()
    found.optimize_for_webserver(**_POOL)
    return found
