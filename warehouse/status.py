"""What is published: path, build time, tables with row counts, last run — read-only."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import duckdb

from warehouse.publish import WarehouseLayout, read_last_run


def describe(layout: WarehouseLayout) -> dict[str, Any]:
    """A dict an operator or a test can read; never opens the warehouse for writing."""
    info: dict[str, Any] = {"path": str(layout.published), "exists": layout.published.exists(),
                            "last_run": read_last_run(layout)}
    if not layout.published.exists():
        return info
    stat = layout.published.stat()
    info["size_bytes"] = stat.st_size
    info["built_at"] = datetime.fromtimestamp(stat.st_mtime, timezone.utc).isoformat(timespec="seconds")
    con = duckdb.connect(str(layout.published), read_only=True)
    try:
        tables = con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE NOT internal "
            "AND schema_name IN ('raw', 'core', 'marts', 'dq') ORDER BY schema_name, table_name"
        ).fetchall()
        info["tables"] = [
            {"table": f"{s}.{t}", "rows": con.execute(f'SELECT count(*) FROM "{s}"."{t}"').fetchone()[0]}
            for s, t in tables
        ]
        info["views"] = [
            f"{s}.{v}" for s, v in con.execute(
                "SELECT schema_name, view_name FROM duckdb_views() WHERE NOT internal "
                "AND schema_name IN ('marts') ORDER BY 1, 2"
            ).fetchall()
        ]
        info["migrations"] = [r[0] for r in con.execute("SELECT version FROM main.schema_migrations ORDER BY 1").fetchall()]
        last = con.execute(
            "SELECT run_id, outcome, finished_at, message FROM dq.runs ORDER BY started_at DESC LIMIT 1"
        ).fetchone()
        info["last_published_run"] = dict(zip(("run_id", "outcome", "finished_at", "message"), last)) if last else None
    finally:
        con.close()
    return info


def open_read_only(path: Path) -> duckdb.DuckDBPyConnection:
    if not path.exists():
        raise FileNotFoundError(f"no published warehouse at {path}: run `abs-etl run` first")
    return duckdb.connect(str(path), read_only=True)
