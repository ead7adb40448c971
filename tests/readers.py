"""Dashboard readers for tests that change views under load: threads that query each view in
a loop, as the dashboard does, and keep every error.

Their connections bind parameters on the client and prepare no statement (psycopg's
ClientCursor), as Django's PostgreSQL backend does by default: a statement prepared on the
server before a view is replaced would fail afterwards where the view's row type changed
("cached plan must not change result type")."""

from __future__ import annotations

import threading
from collections import Counter

import psycopg
from psycopg import sql

from sunshine_pipeline.resources import connect


class Readers:
    """`threads` threads running `query` (with `{}` for the view) on each of `views` in a
    loop under the session `settings` (e.g. lock_timeout, statement_timeout). Entering waits
    until every thread has read each view once; leaving stops them."""

    def __init__(self, url: str, views: list[str], *, query: str = "SELECT count(*) FROM {}",
                 settings: dict[str, str] | None = None, threads: int = 2) -> None:
        self.url, self.views, self.query = url, views, query
        self.settings = settings or {"lock_timeout": "2s"}
        self.stop = threading.Event()
        self.errors: list[str] = []
        self.reads: Counter[str] = Counter()
        self.ready = threading.Barrier(threads + 1, timeout=60)
        self.threads = [threading.Thread(target=self._loop) for _ in range(threads)]

    def _loop(self) -> None:
        with connect(self.url, cursor_factory=psycopg.ClientCursor) as conn:
            for name, value in self.settings.items():
                conn.execute("SELECT set_config(%s, %s, false)", [name, value])
            first = True
            while not self.stop.is_set():
                for view in self.views:
                    try:
                        conn.execute(sql.SQL(self.query).format(
                            sql.Identifier(view))).fetchall()
                        self.reads[view] += 1
                    except psycopg.Error as exc:
                        self.errors.append(f"{view}: {exc!r}")
                if first:
                    first = False
                    self.ready.wait()

    def __enter__(self) -> Readers:
        for t in self.threads:
            t.start()
        self.ready.wait()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for t in self.threads:
            t.join()
