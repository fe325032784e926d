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
        # Truth has no provenance; NOT NULL provenance columns get a marker, never compared.
        marker = [c for c in ("document_id",) if c in columns and c not in used]
        placeholders = ", ".join(["?"] * len(used) + ["'truth'"] * len(marker))
        con.executemany(
            f"INSERT INTO {table} ({', '.join(used + marker)}) VALUES ({placeholders})",
            [[r.get(c) for c in used] for r in rows],
        )


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
