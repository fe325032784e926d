"""The analyst marts: one SQL file per mart in ``warehouse/marts/``, applied in name order.

Marts are views over ``core`` (and each other), so they are always as fresh as the build they
live in. Each file creates its view with ``CREATE OR REPLACE VIEW marts.<name>`` and comments
it (grain, English and Chinese) — a test fails when a mart or a mart column has no comment.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

MARTS_DIR = Path(__file__).parent / "marts"


def mart_files(directory: Path = MARTS_DIR) -> list[Path]:
    return sorted(directory.glob("*.sql"))


def apply_marts(con: duckdb.DuckDBPyConnection, directory: Path = MARTS_DIR) -> list[str]:
    """(Re)create every mart view; returns the file names applied."""
    con.execute("CREATE SCHEMA IF NOT EXISTS marts")
    applied = []
    for path in mart_files(directory):
        execute_mart_sql(con, path.read_text(encoding="utf-8"))
        applied.append(path.name)
    return applied


def execute_mart_sql(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    """Run one mart file's SQL; on a DuckLake without the comments on view columns (DuckLake
    keeps comments of tables, their columns and views, but a view has no columns in its
    catalog; the view's own comment, grain in English and Chinese, is kept)."""
    if not is_ducklake(con):
        con.execute(sql)
        return
    for statement in con.extract_statements(sql):
        if not _VIEW_COLUMN_COMMENT.match(statement.query):
            con.execute(statement.query)


_VIEW_COLUMN_COMMENT = re.compile(r"^(\s*--[^\n]*\n)*\s*COMMENT\s+ON\s+COLUMN\s+marts\.", re.IGNORECASE)


def is_ducklake(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the connection's current database is a DuckLake."""
    return con.execute("SELECT type FROM duckdb_databases() WHERE database_name = current_database()").fetchone()[0] == "ducklake"


def mart_sources(directory: Path = MARTS_DIR) -> dict[str, list[str]]:
    """``marts.<view>`` → the ``core`` tables it reads, directly or through the marts and macros
    it reads (for lineage: a load that wrote one of them refreshed the view)."""
    reads: dict[str, set[str]] = {}
    views: list[str] = []
    for path in mart_files(directory):
        sql = path.read_text(encoding="utf-8")
        created = re.findall(r"CREATE\s+OR\s+REPLACE\s+(VIEW|MACRO)\s+(marts\.[a-z_][a-z0-9_]*)", sql, re.IGNORECASE)
        used = set(re.findall(r"\b((?:core|marts)\.[a-z_][a-z0-9_]*)", sql.lower()))
        for kind, name in created:
            reads[name] = used - {n for _, n in created}
            if kind.upper() == "VIEW":
                views.append(name)

    def core_of(name: str, seen: frozenset[str] = frozenset()) -> set[str]:
        tables = {used for used in reads.get(name, ()) if used.startswith("core.")}
        for used in reads.get(name, ()):
            if used in reads and used not in seen:
                tables |= core_of(used, seen | {name})
        return tables

    return {view: sorted(core_of(view)) for view in views}
