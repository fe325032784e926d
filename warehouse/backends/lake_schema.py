"""The warehouse schema on a DuckLake: the same migrations, mirrored without key constraints.

DuckLake has no PRIMARY KEY or UNIQUE constraints, so the numbered DDL files cannot run there
as written. Instead the migrations are applied to an in-memory DuckDB (the schema exactly as a
DuckDB-file warehouse has it) and the lake is brought level with that catalog: schemas, tables,
columns with their types and NOT NULL, and every English + Chinese comment. The keys the DDL
declares become checks (:func:`duplicate_keys`) that run before a build's snapshot is
committed, so a key the file warehouse would refuse is refused on the lake too.

Forward-only as on a file: added tables and columns are created, dropped ones dropped; a
column whose type changed is refused with a clear error (write a migration that adds a new
column instead). Applied versions are recorded in ``main.schema_migrations`` of the lake with
each file's checksum, and an edited migration is refused like on a file.
"""

from __future__ import annotations

import duckdb

from warehouse.migrate import MIGRATIONS_DIR, MigrationError, apply_migrations, discover

SCHEMAS = ("raw", "core", "marts", "dq")


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def reference_schema(directory=MIGRATIONS_DIR) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with every migration applied: the schema the lake must mirror."""
    con = duckdb.connect()
    apply_migrations(con, directory)
    return con


def _tables(con, database: str) -> dict[str, str | None]:
    return {f"{s}.{t}": c for s, t, c in con.execute(
        "SELECT schema_name, table_name, comment FROM duckdb_tables() WHERE database_name = ? AND NOT internal "
        "AND schema_name IN (SELECT unnest(?))", [database, list(SCHEMAS)]).fetchall()}


def _columns(con, database: str, table: str) -> list[tuple[str, str, bool, str | None]]:
    schema, name = table.split(".")
    return con.execute(
        "SELECT column_name, data_type, is_nullable, comment FROM duckdb_columns() "
        "WHERE database_name = ? AND schema_name = ? AND table_name = ? ORDER BY column_index",
        [database, schema, name]).fetchall()


def declared_keys(reference: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """``schema.table`` → its PRIMARY KEY columns, as the DDL declares them."""
    rows = reference.execute(
        "SELECT schema_name, table_name, constraint_column_names FROM duckdb_constraints() "
        "WHERE constraint_type = 'PRIMARY KEY' AND schema_name IN (SELECT unnest(?))", [list(SCHEMAS)]).fetchall()
    return {f"{s}.{t}": list(cols) for s, t, cols in rows}


def _ensure_log(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE TABLE IF NOT EXISTS main.schema_migrations (version INTEGER NOT NULL, name VARCHAR NOT NULL, "
                "checksum VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)")
    con.execute("COMMENT ON TABLE main.schema_migrations IS "
                "'Applied schema migrations, one row per migration version 数据库迁移记录'")


def migrate_lake(con: duckdb.DuckDBPyConnection, database: str, directory=MIGRATIONS_DIR) -> list[int]:
    """Bring the lake attached as ``database`` (the current database) level with the migrations,
    inside the caller's transaction; returns the versions applied."""
    _ensure_log(con)
    done = dict(con.execute("SELECT version, checksum FROM main.schema_migrations").fetchall())
    migrations = discover(directory)
    for m in migrations:
        if m.version in done and done[m.version] != m.checksum:
            raise MigrationError(f"migration {m.path.name} changed after it was applied to the lake; "
                                 "migrations are forward-only: add a new one instead")
    pending = [m for m in migrations if m.version not in done]
    if not pending:
        return []
    reference = reference_schema(directory)
    try:
        _mirror(reference, con, database)
    finally:
        reference.close()
    for m in pending:
        con.execute("INSERT INTO main.schema_migrations VALUES (?, ?, ?, now())", [m.version, m.name, m.checksum])
    return [m.version for m in pending]


def _mirror(reference: duckdb.DuckDBPyConnection, lake: duckdb.DuckDBPyConnection, database: str) -> None:
    for schema in SCHEMAS:
        lake.execute(f"CREATE SCHEMA IF NOT EXISTS {_q(schema)}")
    want, have = _tables(reference, "memory"), _tables(lake, database)
    for table in sorted(set(have) - set(want)):
        lake.execute(f"DROP TABLE {table}")
    for table, comment in sorted(want.items()):
        columns = _columns(reference, "memory", table)
        if table not in have:
            body = ", ".join(f"{_q(c)} {t}{'' if nullable else ' NOT NULL'}" for c, t, nullable, _ in columns)
            lake.execute(f"CREATE TABLE {table} ({body})")
            existing = {}
        else:
            existing = {c: (t, nullable) for c, t, nullable, _ in _columns(lake, database, table)}
            for c in set(existing) - {c for c, *_ in columns}:
                lake.execute(f"ALTER TABLE {table} DROP COLUMN {_q(c)}")
        for c, t, nullable, _ in columns:
            if c not in existing and table in have:
                lake.execute(f"ALTER TABLE {table} ADD COLUMN {_q(c)} {t}")
                if not nullable:
                    lake.execute(f"ALTER TABLE {table} ALTER COLUMN {_q(c)} SET NOT NULL")
            elif c in existing and existing[c][0] != t:
                raise MigrationError(f"{table}.{c} is {existing[c][0]} on the lake but {t} in the migrations: "
                                     "a type change cannot be mirrored; add a new column in a new migration")
        if comment and comment != have.get(table):
            lake.execute(f"COMMENT ON TABLE {table} IS {_lit(comment)}")
        lake_comments = {c: cm for c, _, _, cm in _columns(lake, database, table)}
        for c, _, _, column_comment in columns:
            if column_comment and column_comment != lake_comments.get(c):
                lake.execute(f"COMMENT ON COLUMN {table}.{_q(c)} IS {_lit(column_comment)}")


def duplicate_keys(con: duckdb.DuckDBPyConnection, keys: dict[str, list[str]]) -> list[str]:
    """Tables where a declared key holds more than one row (what a PRIMARY KEY would refuse)."""
    problems = []
    for table, columns in sorted(keys.items()):
        cols = ", ".join(_q(c) for c in columns)
        row = con.execute(f"SELECT {cols}, count(*) AS n FROM {table} GROUP BY ALL HAVING count(*) > 1 LIMIT 1").fetchone()
        if row:
            problems.append(f"{table}: key ({', '.join(columns)}) = {row[:-1]} appears {row[-1]} times")
        nulls = con.execute(f"SELECT count(*) FROM {table} WHERE " + " OR ".join(f"{_q(c)} IS NULL" for c in columns)).fetchone()[0]
        if nulls:
            problems.append(f"{table}: {nulls} rows with a NULL in key ({', '.join(columns)})")
    return problems
