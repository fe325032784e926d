"""The one writer of ``dq.*`` rows: runs, check results and quarantine.

Rows are dicts keyed by column name and inserted ``BY NAME``, so a column added by a migration
never shifts the others, and a misspelt column is an error instead of a value in the wrong
place. Columns a row leaves out are NULL; ``checked_at`` / ``quarantined_at`` default to now.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from typing import Any

import duckdb

RESULTS = "dq.results"
QUARANTINE = "dq.quarantine"
RUNS = "dq.runs"
_STAMPS = {RESULTS: "checked_at", QUARANTINE: "quarantined_at"}


def write_results(con: duckdb.DuckDBPyConnection, run_id: str, rows: Iterable[Mapping[str, Any]]) -> int:
    """One ``dq.results`` row per check outcome (suite_name, expectation, success, … by name)."""
    return _insert(con, RESULTS, run_id, rows)


def write_quarantine(con: duckdb.DuckDBPyConnection, run_id: str, rows: Iterable[Mapping[str, Any]]) -> int:
    """One ``dq.quarantine`` row per quarantined document or row (check_name, reason, … by name)."""
    return _insert(con, QUARANTINE, run_id, rows)


def write_run(con: duckdb.DuckDBPyConnection, row: Mapping[str, Any]) -> None:
    """The ``dq.runs`` row of a run, replacing an earlier row of the same run id (delete, then
    insert: a DuckLake warehouse has no keys for INSERT OR REPLACE)."""
    con.execute(f"DELETE FROM {RUNS} WHERE run_id = ?", [row["run_id"]])
    _register_and(con, [dict(row)], f"INSERT INTO {RUNS} BY NAME SELECT * FROM _dq_rows")


def _insert(con: duckdb.DuckDBPyConnection, table: str, run_id: str, rows: Iterable[Mapping[str, Any]]) -> int:
    now = datetime.now(timezone.utc)
    stamp = _STAMPS[table]
    prepared = [{"run_id": run_id, stamp: now, **row} for row in rows]
    if prepared:
        _register_and(con, prepared, f"INSERT INTO {table} BY NAME SELECT * FROM _dq_rows")
    return len(prepared)


def _register_and(con: duckdb.DuckDBPyConnection, rows: list[dict[str, Any]], sql: str) -> None:
    import pyarrow as pa   # here, not at import: the run's process holds it (and numpy, ~45 MB) only from its load

    columns = list(dict.fromkeys(k for row in rows for k in row))
    table = pa.Table.from_pylist([{c: row.get(c) for c in columns} for row in rows])
    con.register("_dq_rows", table)
    try:
        con.execute(sql)
    finally:
        con.unregister("_dq_rows")
