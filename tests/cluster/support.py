"""Helpers of the cluster test: bounded waits, and comparing two published warehouses cell by
cell (every core table, every mart, the registry's outcomes — what a run decided, not where or
when it ran)."""

from __future__ import annotations

from typing import Any, Callable

import duckdb
import polars as pl
import pytest

from cluster.processes import wait_until


def wait_for(what: str, check: Callable[[], Any], timeout: float, every: float = 1.0) -> Any:
    """Poll ``check`` until it returns something truthy; fail the test naming ``what`` after ``timeout``."""
    try:
        return wait_until(what, check, timeout, every)
    except TimeoutError as exc:
        pytest.fail(str(exc))


# raw.documents columns that say where and when bytes were kept, not what the run decided
RUN_LOCAL_COLUMNS = {"stored_path", "first_seen_at", "last_seen_at", "run_id"}


def relations(con: duckdb.DuckDBPyConnection, schema: str) -> list[str]:
    return [f"{schema}.{n}" for (n,) in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = ? "
        "UNION SELECT view_name FROM duckdb_views() WHERE database_name = current_database() AND schema_name = ? "
        "ORDER BY 1", [schema, schema]).fetchall()]


def frame(con: duckdb.DuckDBPyConnection, relation: str, drop: set[str] = frozenset()) -> pl.DataFrame:
    out = con.execute(f"SELECT * FROM {relation}").pl()
    out = out.drop([c for c in out.columns if c in drop])
    if "url" in out.columns:  # each run serves the sample market on its own loopback port
        out = out.with_columns(pl.col("url").str.replace(r"^http://127\.0\.0\.1:\d+", ""))
    return out.sort(out.columns, nulls_last=True)


def differences(a: duckdb.DuckDBPyConnection, b: duckdb.DuckDBPyConnection) -> list[str]:
    """Human-readable differences between warehouse ``a`` and ``b`` (empty when equal)."""
    problems = []
    for schema in ("core", "marts"):
        names_a, names_b = relations(a, schema), relations(b, schema)
        if names_a != names_b:
            problems.append(f"{schema}: {sorted(set(names_a) ^ set(names_b))} exist on one side only")
        for name in sorted(set(names_a) & set(names_b)):
            fa, fb = frame(a, name), frame(b, name)
            if fa.schema != fb.schema:
                problems.append(f"{name}: columns differ: {fa.schema} vs {fb.schema}")
            elif not fa.equals(fb, null_equal=True):
                diff = fa.join(fb, on=fa.columns, how="anti", nulls_equal=True)
                problems.append(f"{name}: {fa.height} vs {fb.height} rows; e.g. {diff.head(2).to_dicts()}")
    fa, fb = frame(a, "raw.documents", RUN_LOCAL_COLUMNS), frame(b, "raw.documents", RUN_LOCAL_COLUMNS)
    if not fa.equals(fb, null_equal=True):
        problems.append(f"raw.documents: outcomes differ ({fa.height} vs {fb.height} rows)")
    return problems
