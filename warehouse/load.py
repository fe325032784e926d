"""The only code that writes core rows: keyed merges of parsed rows into a build, and the
whole-table replacement of tables derived from other core tables.

Rows arrive as polars frames already normalised and validated. Duplicate keys inside one
batch are an error here (DuckDB's MERGE would silently keep both), so callers deduplicate
first — by publish time, newest wins — and say which rows lost.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import duckdb
import polars as pl

from warehouse.sql_text import sql_text
from warehouse.tables import TableRule, rule_for


class DuplicateKeyError(ValueError):
    """A batch holds two rows for one key."""


OPEN_TRANSACTION = "abs_etl_open_transaction"
"""DuckDB variable a connection sets when its whole life is one transaction (a DuckLake build,
committed as one snapshot): writers then join it instead of beginning their own."""
_IS_OPEN_TRANSACTION = f"SELECT getvariable({sql_text(OPEN_TRANSACTION)})"   # no parameter: see sql_text


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """One transaction around a write; on a connection that is one transaction already, the
    write joins it (a nested BEGIN would abort it)."""
    if con.execute(_IS_OPEN_TRANSACTION).fetchone()[0]:
        yield
        return
    con.execute("BEGIN TRANSACTION")
    try:
        yield
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def release_buffers(con: duckdb.DuckDBPyConnection) -> None:
    """Make DuckDB let go of the pages it keeps of tables already written.

    A build's buffer pool keeps the blocks of every table merged so far, up to its memory limit:
    at a market year the load's peak held pool performance's pages while tranche payments
    merged. A checkpoint puts them on disk, and a limit lowered for a moment evicts them (2 M
    rows written in one transaction: 49–56 MB kept after the commit, 16–17 MB after this). Not
    on a connection that is one open transaction (a lake build): its uncommitted rows would be
    spilled to disk instead."""
    if con.execute(_IS_OPEN_TRANSACTION).fetchone()[0]:
        return
    limit = con.execute("SELECT current_setting('memory_limit')").fetchone()[0]   # e.g. '488.2 MiB'
    con.execute("CHECKPOINT")
    con.execute("SET memory_limit = '16MB'")
    con.execute(f"SET memory_limit = {sql_text(limit)}")


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    schema, name = table.split(".")
    return [
        r[0]
        for r in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ? ORDER BY column_index",
            [schema, name],
        ).fetchall()
    ]


_DUCK_TO_POLARS = {
    "VARCHAR": pl.String, "INTEGER": pl.Int32, "BIGINT": pl.Int64, "BOOLEAN": pl.Boolean,
    "DATE": pl.Date, "DOUBLE": pl.Float64, "TIMESTAMP WITH TIME ZONE": pl.Datetime("us", "UTC"),
}


def polars_schemas(con: duckdb.DuckDBPyConnection, tables: Iterable[str]) -> dict[str, dict[str, pl.DataType]]:
    """Each table's columns as polars types (DECIMAL keeps its precision and scale), in table
    order; one catalog query for all (a query per table cost ~20 ms each at every run's start)."""
    wanted = {tuple(t.split(".")): t for t in tables}
    out: dict[str, dict[str, pl.DataType]] = {t: {} for t in wanted.values()}
    for schema, name, column, kind in con.execute(
            "SELECT schema_name, table_name, column_name, data_type FROM duckdb_columns() "
            "ORDER BY schema_name, table_name, column_index").fetchall():
        table = wanted.get((schema, name))
        if table is None:
            continue
        if kind.startswith("DECIMAL"):
            precision, scale = (int(x) for x in kind[8:-1].split(","))
            out[table][column] = pl.Decimal(precision, scale)
        else:
            out[table][column] = _DUCK_TO_POLARS[kind]
    return out


def merge_rows(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> int:
    """Replace rows with the same key, insert the rest; returns rows written."""
    if frame.is_empty():
        return 0
    rule = rule_for(table)
    columns = table_columns(con, table)
    unknown = sorted(set(frame.columns) - set(columns))
    if unknown:
        raise KeyError(f"{table} has no columns {unknown}")
    refuse_duplicate_keys(table, frame, rule)
    con.register("_incoming", frame.to_arrow())
    try:
        key_match = " AND ".join(f"t.{k} IS NOT DISTINCT FROM s.{k}" for k in rule.key)
        if rule.mode == "coalesce":
            # Keep what earlier documents said where this one says nothing.
            select = ", ".join(f"{_coalesced(rule, c, c in frame.columns)} AS {c}" for c in columns)
            con.execute(f"CREATE OR REPLACE TEMP TABLE _merged AS SELECT {select} FROM _incoming s "
                        f"LEFT JOIN {table} t ON {key_match}")
            source, cols_sql = "_merged", ", ".join(columns)
        else:
            source, cols_sql = "_incoming", ", ".join(frame.columns)
        con.execute(f"DELETE FROM {table} t WHERE EXISTS (SELECT 1 FROM _incoming s WHERE {key_match})")
        con.execute(f"INSERT INTO {table} ({cols_sql}) SELECT {cols_sql} FROM {source}")
        if rule.mode == "coalesce":
            con.execute("DROP TABLE _merged")
    finally:
        con.unregister("_incoming")
    return frame.height


def replace_rows(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> int:
    """Make ``frame`` the whole content of ``table`` (a table derived from other core tables,
    recomputed from all of them each run, so rows that no longer follow disappear)."""
    rule = rule_for(table)
    unknown = sorted(set(frame.columns) - set(table_columns(con, table)))
    if unknown:
        raise KeyError(f"{table} has no columns {unknown}")
    refuse_duplicate_keys(table, frame, rule)
    con.register("_incoming", frame.to_arrow())
    try:
        with transaction(con):
            con.execute(f"DELETE FROM {table}")
            if not frame.is_empty():
                cols = ", ".join(frame.columns)
                con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _incoming")
    finally:
        con.unregister("_incoming")
    return frame.height


def refuse_duplicate_keys(table: str, frame: pl.DataFrame, rule: TableRule) -> None:
    """A batch with two rows for one key is refused (a merge would keep either silently)."""
    dup = frame.group_by(list(rule.key)).len().filter(pl.col("len") > 1)
    if not dup.is_empty():
        raise DuplicateKeyError(f"{table}: {dup.height} keys appear more than once in one batch, e.g. {dup.row(0)}")


def _coalesced(rule: TableRule, column: str, incoming: bool) -> str:
    """SQL for one column of a coalesced row: the new value, else the old, else the fallback."""
    if column in rule.key:
        return f"s.{column}"
    parts = [f"s.{column}"] if incoming else []
    parts.append(f"t.{column}")
    fallback = rule.fallback(column)
    if fallback is not None:
        parts.append("'" + fallback.replace("'", "''") + "'")
    return parts[0] if len(parts) == 1 else f"coalesce({', '.join(parts)})"


def dedupe_newest(frame: pl.DataFrame, key: tuple[str, ...], order_by: str, mode: str = "merge") -> tuple[pl.DataFrame, pl.DataFrame]:
    """Keep the row with the greatest ``order_by`` per key; return (kept, dropped).

    In ``coalesce`` mode the kept row takes, column by column, the newest non-null value, and
    the dropped rows are those that stated a different value for some column (sources disagree).
    """
    ranked = frame.with_row_index("_row").sort([order_by, "_row"], descending=[True, True], nulls_last=True)
    if mode == "coalesce":
        others = [c for c in frame.columns if c not in key]
        kept = (ranked.group_by(list(key), maintain_order=True)
                .agg([pl.col(c).drop_nulls().first() for c in others]).select(frame.columns))
        return kept.sort(list(key)), disagreeing_rows(frame, kept, key, exclude=(order_by,))
    kept = ranked.unique(subset=list(key), keep="first", maintain_order=True)
    dropped = ranked.join(kept.select("_row"), on="_row", how="anti")
    return kept.drop("_row").sort(list(key)), dropped.drop("_row")


PROVENANCE_COLUMNS = frozenset({"document_id", "source_page", "source_table", "source_row_label"})


def compared_columns(frame: pl.DataFrame, key: tuple[str, ...], exclude: tuple[str, ...] = ()) -> list[str]:
    """Columns whose values two sources must agree on (not the key, not provenance)."""
    return [c for c in frame.columns if c not in key and c not in PROVENANCE_COLUMNS and c not in exclude]


def disagreeing_rows(frame: pl.DataFrame, kept: pl.DataFrame, key: tuple[str, ...],
                     exclude: tuple[str, ...] = ()) -> pl.DataFrame:
    """Rows of ``frame`` stating a value that differs from the kept row's value for the same key."""
    columns = compared_columns(frame, key, exclude)
    if not columns or frame.height == kept.height:
        return frame.clear()
    joined = frame.join(kept.select([*key, *columns]), on=list(key), how="left", suffix="__kept")
    differs = pl.any_horizontal([
        pl.col(c).is_not_null() & pl.col(f"{c}__kept").is_not_null() & (pl.col(c) != pl.col(f"{c}__kept"))
        for c in columns])
    return joined.filter(differs).select(frame.columns)
