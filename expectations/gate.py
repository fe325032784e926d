"""The gate before anything is written: row-level quarantine, GX results history, and the
batch-level refusal.

- every rule's failing rows (polars masks) go to ``dq.quarantine`` with the rule, document,
  page, field and value; the rest load;
- every table's suite runs in Great Expectations (pandas, result format SUMMARY) and each
  expectation's outcome is saved to ``dq.results`` — saved before any refusal, so a refused
  run still explains itself in the next build's history… and in the run summary;
- more quarantined rows than the configured share refuses the publish.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from expectations.rules import Rule, rules_for
from warehouse.publish import PublishRefused

log = logging.getLogger(__name__)


@dataclass
class GateResult:
    frames: dict[str, pl.DataFrame]
    quarantined: list[dict[str, Any]] = field(default_factory=list)
    results: list[dict[str, Any]] = field(default_factory=list)
    rows_checked: int = 0


def quarantine_rows(frames: dict[str, pl.DataFrame]) -> GateResult:
    """Split each frame into rows that pass every rule and quarantine records for the rest."""
    out = GateResult(frames={})
    for table, frame in frames.items():
        out.rows_checked += frame.height
        rules = [r for r in rules_for(table) if _applies(r, frame)]
        if not rules or frame.is_empty():
            out.frames[table] = frame
            continue
        flags = frame.select([r.failing(frame).alias(f"_r{i}") for i, r in enumerate(rules)])
        bad_any = flags.select(pl.any_horizontal(pl.all())).to_series()
        for i, rule in enumerate(rules):
            hits = frame.filter(flags[f"_r{i}"])
            for row in hits.iter_rows(named=True):
                out.quarantined.append(_record(table, rule, row))
        out.frames[table] = frame.filter(~bad_any)
    return out


def _applies(rule: Rule, frame: pl.DataFrame) -> bool:
    needed = [rule.column] if rule.column else list(rule.columns)
    return all(c in frame.columns for c in needed)


def _record(table: str, rule: Rule, row: dict[str, Any]) -> dict[str, Any]:
    column = rule.column or ",".join(rule.columns)
    value = row.get(rule.column) if rule.column else {c: row.get(c) for c in rule.columns}
    page = row.get("source_page")
    label = row.get("source_row_label")
    where = f" page {page}" if page is not None else ""
    where += f" ({label})" if label else ""
    doc = (row.get("document_id") or "?")[:12]
    reason = f"{table} row from document {doc}{where}: {column} = {value!r} breaks {rule.name}"
    return {"target_table": table, "document_id": row.get("document_id"), "source_page": page,
            "field": column, "offending_value": None if value is None else str(value), "check_name": rule.name,
            "reason": reason, "row_json": json.dumps(row, ensure_ascii=False, default=str)}


def run_suites(frames: dict[str, pl.DataFrame], docs_dir: Path | None = None) -> list[dict[str, Any]]:
    """Validate each table's frame with its GX suite; one result dict per expectation.

    With ``docs_dir`` the checkpoints also (re)build GX Data Docs there: a static site with a
    page per suite and per validation, readable offline.
    """
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    actions = []
    if docs_dir is not None:
        docs_dir.mkdir(parents=True, exist_ok=True)
        context.add_data_docs_site(site_name="abs-etl", site_config={
            "class_name": "SiteBuilder", "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)}})
        actions = [gx.checkpoint.UpdateDataDocsAction(name="data-docs", site_names=["abs-etl"])]
    source = context.data_sources.add_pandas("staged")
    results = []
    for table, frame in sorted(frames.items()):
        rules = [r for r in rules_for(table) if _applies(r, frame)]
        if not rules or frame.is_empty():
            continue
        suite = context.suites.add_or_update(gx.ExpectationSuite(name=table))
        for rule in rules:
            suite.add_expectation(rule.expectation())
        suite.save()
        batch_def = source.add_dataframe_asset(table).add_batch_definition_whole_dataframe("whole")
        validation = context.validation_definitions.add(
            gx.ValidationDefinition(name=f"validate {table}", data=batch_def, suite=suite))
        checkpoint = context.checkpoints.add(gx.Checkpoint(
            name=f"gate {table}", validation_definitions=[validation], actions=actions, result_format="SUMMARY"))
        run = checkpoint.run(batch_parameters={"dataframe": to_pandas(frame)})
        outcome = next(iter(run.run_results.values()))
        for rule, res in zip(rules, outcome.results):
            result = res.result or {}
            results.append({"suite_name": table, "expectation": rule.name, "column_name": rule.column or ",".join(rule.columns),
                            "success": bool(res.success), "observed_value": _text(result.get("observed_value")),
                            "unexpected_count": result.get("unexpected_count"), "element_count": result.get("element_count")})
    return results


def to_pandas(frame: pl.DataFrame):
    """GX works on pandas; DECIMALs become floats there (checks only, never loaded)."""
    casts = [pl.col(c).cast(pl.Float64) for c, t in frame.schema.items() if isinstance(t, pl.Decimal)]
    return frame.with_columns(casts).to_pandas()


def _text(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, default=str)[:500]


def save(con: duckdb.DuckDBPyConnection, run_id: str, gate: GateResult) -> None:
    now = datetime.now(timezone.utc)
    for r in gate.results:
        con.execute("INSERT INTO dq.results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [run_id, r["suite_name"], r["expectation"], r["column_name"], r["success"],
                     r["observed_value"], r["unexpected_count"], r["element_count"], now])
    for q in gate.quarantined:
        con.execute("INSERT INTO dq.quarantine VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [run_id, q["target_table"], q["document_id"], q["source_page"], q["field"],
                     q["offending_value"], q["check_name"], q["reason"], q["row_json"], now])


def validate(con: duckdb.DuckDBPyConnection, frames: dict[str, pl.DataFrame], run_id: str,
             quarantine_share_limit: float, docs_dir: Path | None = None) -> tuple[dict[str, pl.DataFrame], int]:
    """The run's validate hook: quarantine bad rows, record results (and Data Docs), refuse a bad batch."""
    gate = quarantine_rows(frames)
    gate.results = run_suites(frames, docs_dir)
    save(con, run_id, gate)
    rows = len({q["row_json"] for q in gate.quarantined})
    if gate.rows_checked and rows / gate.rows_checked > quarantine_share_limit:
        raise PublishRefused(
            f"{rows} of {gate.rows_checked} rows ({rows / gate.rows_checked:.1%}) failed row-level expectations, "
            f"above the limit of {quarantine_share_limit:.1%}; first: {gate.quarantined[0]['reason']}")
    return gate.frames, rows
