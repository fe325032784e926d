"""Apply the numbered, forward-only DDL files in ``warehouse/migrations`` exactly once each.

Applied versions are recorded in ``main.schema_migrations`` together with the file's hash, so
re-applying is a no-op and an edited migration that already ran is refused loudly.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from warehouse.sql_text import sql_text

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_NAME = re.compile(r"^(\d{3})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    path: Path

    @property
    def sql(self) -> str:
        return self.path.read_text(encoding="utf-8")

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


class MigrationError(RuntimeError):
    """A migration cannot be applied safely."""


def discover(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """Migrations in version order; gaps or duplicate numbers are refused."""
    found = []
    for path in sorted(directory.glob("*.sql")):
        match = _NAME.match(path.name)
        if not match:
            raise MigrationError(f"migration file name not NNN_name.sql: {path.name}")
        found.append(Migration(int(match.group(1)), match.group(2), path))
    versions = [m.version for m in found]
    if versions != list(range(1, len(found) + 1)):
        raise MigrationError(f"migration versions must be 1..N without gaps, got {versions}")
    return found


def _ensure_log(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        """CREATE TABLE IF NOT EXISTS main.schema_migrations (
               version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,
               checksum VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"""
    )
    con.execute(
        "COMMENT ON TABLE main.schema_migrations IS "
        "'Applied schema migrations, one row per migration version 数据库迁移记录'"
    )
    for column, text in {
        "version": "Migration number 版本号",
        "name": "Migration name 名称",
        "checksum": "SHA-256 of the DDL file when applied 校验和",
        "applied_at": "When it was applied 应用时间",
    }.items():
        con.execute(f"COMMENT ON COLUMN main.schema_migrations.{column} IS '{text}'")


def apply_migrations(con: duckdb.DuckDBPyConnection, directory: Path = MIGRATIONS_DIR) -> list[int]:
    """Apply every pending migration in one transaction each; returns the versions applied."""
    _ensure_log(con)
    done = dict(con.execute("SELECT version, checksum FROM main.schema_migrations").fetchall())
    applied = []
    for migration in discover(directory):
        if migration.version in done:
            if done[migration.version] != migration.checksum:
                raise MigrationError(
                    f"migration {migration.path.name} changed after it was applied; "
                    "migrations are forward-only: add a new one instead"
                )
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(migration.sql)
            # literals, not parameters: DuckDB's Python client imports pandas to bind any
            # parameter (and a run's process would hold pandas, pyarrow and numpy from its start)
            con.execute("INSERT INTO main.schema_migrations (version, name, checksum) VALUES "
                        f"({int(migration.version)}, {sql_text(migration.name)}, {sql_text(migration.checksum)})")
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        applied.append(migration.version)
    return applied
