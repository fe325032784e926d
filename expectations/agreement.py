"""Where two sources disagree about one row: a 发行结果公告 and a vendor export giving one
tranche two coupons, two exports typing one institution differently.

Tables loaded in ``coalesce`` mode keep, column by column, the newest non-null value. This
check records, per table and column, how many rows stated a value different from another
source — in this run's batch or already in the warehouse — with the first example, in
dq.results (suite ``source_agreement``). It warns and does not refuse the publish: which source
is right is an analyst's question, and meanwhile the newest document wins.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import duckdb
import polars as pl

from warehouse.dq import write_results
from warehouse.load import compared_columns
from warehouse.tables import TableRule, rule_for

SUITE = "source_agreement"


def check_source_agreement(con: duckdb.DuckDBPyConnection, run_id: str, frames: Mapping[str, pl.DataFrame],
                           lost: Iterable[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Record disagreements of coalesced tables; returns {table: {column: rows that disagree}}.

    ``frames`` are the rows about to be merged (one per key); ``lost`` the batch rows that lost
    to them (``pipeline.job.Job.stage_table``). Call before the merge, while the warehouse holds
    the old values.
    """
    lost = list(lost)
    found: dict[str, dict[str, int]] = {}
    for table in sorted(frames):
        rule = rule_for(table)
        if rule.mode != "coalesce":
            continue
        frame = frames[table]  # one table at a time: staged tables are read when asked for
        if frame.is_empty():
            continue
        columns = compared_columns(frame, rule.key)
        counts: dict[str, int] = {}
        examples: dict[str, str] = {}
        _in_batch(frame, rule.key, columns, [r for r in lost if r.get("table") == table], counts, examples)
        _against_warehouse(con, table, frame, rule, columns, counts, examples)
        found[table] = counts
        total = sum(counts.values())
        summary = "; ".join(f"{c} {n}" for c, n in sorted(counts.items())) or "none"
        check = {"suite_name": SUITE, "expectation": f"sources_agree({table})", "action": "warn",
                 "element_count": frame.height}
        write_results(con, run_id, [
            {**check, "success": total == 0, "observed_value": f"disagreements by column: {summary}",
             "unexpected_count": total},
            *({**check, "column_name": column, "success": False, "observed_value": f"first: {examples[column]}"[:500],
               "unexpected_count": n} for column, n in sorted(counts.items()))])
    return found


def _in_batch(frame: pl.DataFrame, key: tuple[str, ...], columns: list[str], lost: list[dict[str, Any]],
              counts: dict[str, int], examples: dict[str, str]) -> None:
    if not lost:
        return
    kept = {tuple(r[k] for k in key): r for r in frame.select([*key, *columns]).to_dicts()}
    for row in lost:
        ident = tuple(row[k] for k in key)
        newest = kept.get(ident)
        if newest is None:
            continue
        for column in columns:
            old, new = row.get(column), newest.get(column)
            if old is not None and new is not None and old != new:
                counts[column] = counts.get(column, 0) + 1
                examples.setdefault(column, f"{ident}: {old!r} (document {row.get('document_id')}) vs {new!r}")


def _against_warehouse(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame, rule: TableRule,
                       columns: list[str], counts: dict[str, int], examples: dict[str, str]) -> None:
    """Rows whose stored value differs; a stored fallback (no source had stated one) is no claim."""
    if not columns:
        return
    key = rule.key
    con.register("_agreement_incoming", frame.select([*key, *columns, *(
        ["document_id"] if "document_id" in frame.columns else [])]).to_arrow())
    try:
        on = " AND ".join(f"t.{k} = s.{k}" for k in key)
        keys = ", ".join(f"s.{k}" for k in key)
        for column in columns:
            fallback = rule.fallback(column)
            n, example = con.execute(
                f"SELECT count(*), any_value(format('{{}}: {{}} (warehouse) vs {{}}', ({keys}), t.{column}, s.{column})) "
                f"FROM _agreement_incoming s JOIN {table} t ON {on} "
                f"WHERE s.{column} IS NOT NULL AND t.{column} IS NOT NULL AND s.{column} <> t.{column}"
                + ("" if fallback is None else f" AND t.{column} IS DISTINCT FROM ?"),
                [] if fallback is None else [fallback]).fetchone()
            if n:
                counts[column] = counts.get(column, 0) + n
                examples.setdefault(column, example)
    finally:
        con.unregister("_agreement_incoming")
