"""Ground truth: the world's canonical rows as Parquet and as an in-memory warehouse.

The truth is what the published warehouse must equal (business columns, not provenance). It
is written beside the documents for tests and never read by the pipeline.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from sample_market.world.base import PROVENANCE_COLUMNS, World
from warehouse.migrate import apply_migrations


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    schema, name = table.split(".")
    return [
        r[0]
        for r in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ? "
            "ORDER BY column_index",
            [schema, name],
        ).fetchall()
    ]


def load_world(con: duckdb.DuckDBPyConnection, world: World) -> None:
    """Create the warehouse schema in ``con`` and insert every truth row (provenance NULL).

    Unknown tables or columns raise, so a world that drifts from the schema fails loudly.
    """
    apply_migrations(con)
    for table, rows in sorted(world.tables.items()):
        if not rows:
            continue
        columns = table_columns(con, table)
        if not columns:
            raise KeyError(f"world has rows for {table}, which is not a warehouse table")
        unknown = sorted({k for r in rows for k in r} - set(columns))
        if unknown:
            raise KeyError(f"world rows for {table} have columns not in the schema: {unknown}")
        used = [c for c in columns if any(c in r for r in rows)]
        # Bulk insert as text and let DuckDB cast to the column types: exact for DECIMAL and
        # DATE, and thousands of times faster than row-by-row inserts.
        frame = pl.DataFrame({c: [_text(r.get(c)) for r in rows] for c in used}, schema={c: pl.String for c in used})
        # Truth has no provenance; NOT NULL provenance columns get a marker, never compared.
        marker = ["document_id"] if "document_id" in columns and "document_id" not in used else []
        con.register("_truth_rows", frame.to_arrow())
        try:
            select = ", ".join(used + ["'truth'" for _ in marker])
            con.execute(f"INSERT INTO {table} ({', '.join(used + marker)}) SELECT {select} FROM _truth_rows")
        finally:
            con.unregister("_truth_rows")


def _text(value):
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def truth_frames(world: World) -> dict[str, pl.DataFrame]:
    """Each core table's truth as a polars frame with the warehouse's types, provenance dropped."""
    con = duckdb.connect()
    load_world(con, world)
    frames = {}
    for table in sorted(world.tables):
        keep = [c for c in table_columns(con, table) if c not in PROVENANCE_COLUMNS]
        frames[table] = con.execute(f"SELECT {', '.join(keep)} FROM {table}").pl()
    con.close()
    return frames


def write_truth(world: World, out_dir: Path) -> list[Path]:
    """One Parquet file per core table under ``out_dir/truth``."""
    target = out_dir / "truth"
    target.mkdir(parents=True, exist_ok=True)
    paths = []
    for table, frame in truth_frames(world).items():
        path = target / f"{table}.parquet"
        frame.write_parquet(path, statistics=False)
        paths.append(path)
    return paths
