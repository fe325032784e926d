"""The gate before anything is written: quarantine rows, then a Great Expectations checkpoint
on the rows about to be loaded decides whether the build may be published.

1. Row rules (``action="quarantine"``) take the rows that break them out of the batch, into
   ``dq.quarantine`` with the rule, document, page, field and value. Rows whose parent row
   (their deal, their tranche …) was quarantined in the same batch, and which the warehouse
   cannot match either, follow it there, so one bad document never orphans rows of the rest.
2. One GX checkpoint per table runs its suite (:mod:`expectations.suites`) on the remaining
   rows, with the keys of parent tables the build holds (this batch plus the warehouse), result
   format SUMMARY. Every expectation's outcome goes to ``dq.results`` — saved before any
   refusal — and the Data Docs are rebuilt from the same validations.
3. The publish is refused (``PublishRefused``) when a batch check fails, naming the table, the
   expectation and sample offending rows, or when more rows were quarantined than the
   configured share.

Plain functions without Prefect: the run's validate step calls :func:`validate`. A graph that
validates tables in separate tasks can take the steps apart: :func:`warehouse_parent_keys` and
:func:`quarantine_rows` over the whole batch (the cascade follows rows across tables), then
:func:`parent_keys` and one :func:`run_checkpoint` per table, then :func:`save`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import MutableMapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from expectations.checks import Check, ParentKeys
from expectations.suites import suite_for
from warehouse.dq import write_quarantine, write_results
from warehouse.publish import PublishRefused
from warehouse.staging import StagedTables, staged_columns

log = logging.getLogger(__name__)

SAMPLE_ROWS = 3
"""Offending rows quoted per failed expectation in a refusal message and in dq.results."""
PROVENANCE = ("document_id", "source_page", "source_row_label")
Frames = MutableMapping[str, pl.DataFrame]
"""table → rows about to be loaded: a dict, or the build's staged tables (``warehouse.staging``)."""


@dataclass
class GateResult:
    """What the gate did to one batch: the rows to load, the rows it kept out, the verdicts."""

    frames: Frames
    quarantined: list[dict[str, Any]] = field(default_factory=list)
    results: list[dict[str, Any]] = field(default_factory=list)
    rows_checked: dict[str, int] = field(default_factory=dict)

    @property
    def failures(self) -> list[dict[str, Any]]:
        """Failed checks that refuse the publish."""
        return [r for r in self.results if r["action"] == "refuse" and not r["success"]]

    def quarantined_rows(self, table: str | None = None) -> int:
        """Distinct rows quarantined (a row breaking two rules counts once)."""
        return len({(q["target_table"], q["row_json"]) for q in self.quarantined
                    if table is None or q["target_table"] == table})


# ── 1. row rules and their cascade ───────────────────────────────────────────────────────
def quarantine_rows(frames: Frames, warehouse_keys: ParentKeys | None = None) -> GateResult:
    """Split each frame into rows that pass every row rule and quarantine records for the rest,
    then quarantine the rows whose parent was quarantined (see :func:`cascade`).

    Staged tables (``warehouse.staging``) are filtered where they lie, one table in memory at a
    time; a dict of frames is left as it was (the result holds new frames)."""
    out = GateResult(frames=frames if isinstance(frames, StagedTables) else dict(frames))
    removed: dict[str, pl.DataFrame] = {}
    for table in list(frames):
        frame = frames[table]
        out.rows_checked[table] = frame.height
        rules = [r for r in suite_for(table).row_rules if r.applies_to(frame)]
        if not rules or frame.is_empty():
            continue
        flags = frame.select([r.failing().alias(f"_r{i}") for i, r in enumerate(rules)])
        bad_any = flags.select(pl.any_horizontal(pl.all())).to_series()
        if not bad_any.any():
            continue
        for i, rule in enumerate(rules):
            for row in frame.filter(flags[f"_r{i}"]).iter_rows(named=True):
                out.quarantined.append(_record(table, rule.name, rule.columns, row))
        out.frames[table] = frame.filter(~bad_any)
        removed[table] = frame.filter(bad_any)
    cascade(out, removed, warehouse_keys or {})
    return out


def cascade(gate: GateResult, removed: dict[str, pl.DataFrame], warehouse_keys: ParentKeys) -> None:
    """Quarantine rows whose parent row was quarantined in this batch and that neither the rest
    of the batch nor the warehouse can match, until nothing more follows (deal → tranche →
    payment). ``warehouse_keys`` holds what the warehouse already has per parent key."""
    while removed:
        followed: dict[str, pl.DataFrame] = {}
        for table in list(gate.frames):
            frame = None
            for check in suite_for(table).batch_checks:
                gone = removed.get(check.parent) if check.kind == "references" else None
                if gone is None or gone.is_empty():
                    continue
                frame = gate.frames[table] if frame is None else frame
                if frame.is_empty() or not check.applies_to(frame):
                    continue
                on = list(check.columns)
                orphans = frame.join(_as_child(gone.select(check.parent_columns), check, frame), on=on, how="semi")
                still = _keys(check.parent, check.parent_columns, gate.frames, warehouse_keys)
                if still is not None and not orphans.is_empty():
                    orphans = orphans.join(_as_child(still, check, frame), on=on, how="anti")
                if orphans.is_empty():
                    continue
                for row in orphans.iter_rows(named=True):
                    parent = ", ".join(f"{c} = {row[c]!r}" for c in check.columns)
                    gate.quarantined.append(_record(
                        table, f"parent_quarantined({check.name})", check.columns, row,
                        because=f"its {check.parent} row ({parent}) was quarantined in this run"))
                frame = frame.join(orphans.select(on).unique(), on=on, how="anti", maintain_order="left")
                gate.frames[table] = frame
                followed[table] = pl.concat([followed[table], orphans]) if table in followed else orphans
        removed = followed


def _as_child(keys: pl.DataFrame, check: Check, child: pl.DataFrame) -> pl.DataFrame:
    """Parent keys renamed and typed like the child's referring columns, without repeats."""
    renamed = keys.rename(dict(zip(check.parent_columns, check.columns)))
    return renamed.cast({c: child.schema[c] for c in check.columns}).unique()


def _record(table: str, check_name: str, columns: tuple[str, ...], row: dict[str, Any], because: str = "") -> dict[str, Any]:
    column = ",".join(columns)
    value = row.get(columns[0]) if len(columns) == 1 else {c: row.get(c) for c in columns}
    page = row.get("source_page")
    label = row.get("source_row_label")
    where = f" page {page}" if page is not None else ""
    where += f" ({label})" if label else ""
    doc = (row.get("document_id") or "?")[:12]
    reason = f"{table} row from document {doc}{where}: {column} = {value!r} " + (because or f"breaks {check_name}")
    return {"target_table": table, "document_id": row.get("document_id"), "source_page": page,
            "field": column, "offending_value": None if value is None else str(value), "check_name": check_name,
            "reason": reason, "row_json": json.dumps(row, ensure_ascii=False, default=str)}


# ── 2. parent keys and the checkpoint ────────────────────────────────────────────────────
def warehouse_parent_keys(con: duckdb.DuckDBPyConnection, tables: list[str]) -> ParentKeys:
    """The keys of every parent the suites of ``tables`` refer to, as the warehouse holds them."""
    out: ParentKeys = {}
    for table in tables:
        for check in suite_for(table).batch_checks:
            pair = (check.parent, check.parent_columns) if check.kind == "references" else None
            if pair and pair not in out:
                cols = ", ".join(check.parent_columns)
                out[pair] = con.execute(f"SELECT DISTINCT {cols} FROM {check.parent} WHERE "
                                        + " AND ".join(f"{c} IS NOT NULL" for c in check.parent_columns)).pl()
    return out


def parent_keys(frames: Frames, warehouse_keys: ParentKeys) -> ParentKeys:
    """The build's parent keys: the rows about to be loaded plus what the warehouse holds."""
    return {pair: _keys(*pair, frames, warehouse_keys) for pair in warehouse_keys}


def _keys(parent: str, columns: tuple[str, ...], frames: Frames,
          warehouse_keys: ParentKeys) -> pl.DataFrame | None:
    parts = [k for k in (warehouse_keys.get((parent, columns)),) if k is not None]
    batch = staged_columns(frames, parent, columns)   # only the key columns, not the whole table
    if batch is not None:
        parts.append(batch.drop_nulls())
    return pl.concat(parts, how="vertical_relaxed").unique() if parts else None


class Checkpoints:
    """One ephemeral GX context for a batch: a checkpoint per table, Data Docs built once.
    ``run_name`` (the pipeline's run id) names the validations in the Data Docs."""

    def __init__(self, run_name: str | None = None) -> None:
        from expectations.gx_import import import_gx

        gx = import_gx()  # takes seconds: imported only when a gate runs
        from great_expectations.core.run_identifier import RunIdentifier
        from great_expectations.data_context.types.base import ProgressBarsConfig

        logging.getLogger("great_expectations").setLevel(logging.ERROR)
        self.gx = gx
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
        self.source = self.context.data_sources.add_pandas("staged")
        self.run_id = RunIdentifier(run_name=run_name, run_time=datetime.now(timezone.utc))

    def run(self, table: str, frame: pl.DataFrame, parents: ParentKeys) -> list[dict[str, Any]]:
        """Validate ``frame`` with the table's suite; one dq.results row per expectation."""
        gx = self.gx
        checks = [c for c in suite_for(table).checks if c.applies_to(frame)]
        if not checks or frame.is_empty():
            return []
        prepared = frame
        for check in checks:
            prepared = check.prepare(prepared, parents)
        needed = list(dict.fromkeys(c for check in checks for c in (*check.columns, check.derived_column) if c))
        suite = self.context.suites.add_or_update(gx.ExpectationSuite(name=table))
        for check in checks:
            suite.add_expectation(check.expectation())
        suite.save()
        batch = self.source.add_dataframe_asset(table).add_batch_definition_whole_dataframe("batch about to be loaded")
        validation = self.context.validation_definitions.add(
            gx.ValidationDefinition(name=f"validate {table}", data=batch, suite=suite))
        checkpoint = self.context.checkpoints.add(gx.Checkpoint(
            name=f"gate {table}", validation_definitions=[validation], result_format="SUMMARY"))
        run = checkpoint.run(batch_parameters={"dataframe": to_pandas(prepared.select(needed))}, run_id=self.run_id)
        outcome = next(iter(run.run_results.values()))
        by_name = {res.expectation_config.meta["check"]: res for res in outcome.results}
        rows = []
        for check in checks:
            res = by_name[check.name]
            result = res.result or {}
            observed = result.get("observed_value")
            if observed is None and result.get("element_count") is not None:
                observed = f"{result.get('unexpected_count') or 0} of {result['element_count']} rows unexpected"
            row = {"suite_name": table, "expectation": check.name, "column_name": check.column_label,
                   "success": bool(res.success), "action": check.action, "mostly": check.mostly,
                   "observed_value": observed if isinstance(observed, str) else _text(observed),
                   "unexpected_count": result.get("unexpected_count"), "element_count": result.get("element_count"),
                   "expectation_type": res.expectation_config.type}
            if not res.success:
                row["sample_rows"] = sample_rows(check, prepared)
                row["observed_value"] = _text({"unexpected": result.get("unexpected_count"),
                                               "of": result.get("element_count"), "mostly": check.mostly,
                                               "sample_rows": row["sample_rows"]})
            rows.append(row)
        return rows

    def build_docs(self, docs_dir: Path) -> None:
        from expectations.data_docs import build_site

        build_site(self.context, docs_dir)


def run_checkpoint(table: str, frame: pl.DataFrame, parents: ParentKeys,
                   checkpoints: Checkpoints | None = None) -> list[dict[str, Any]]:
    """One table's checkpoint (a per-table task's entry point)."""
    return (checkpoints or Checkpoints()).run(table, frame, parents)


def run_suites(frames: dict[str, pl.DataFrame], parents: ParentKeys | None = None,
               docs_dir: Path | None = None, run_name: str | None = None) -> list[dict[str, Any]]:
    """Every table's checkpoint on its frame; with ``docs_dir`` the Data Docs are rebuilt there."""
    checkpoints = Checkpoints(run_name)
    results = []
    for table, frame in sorted(frames.items()):
        results.extend(checkpoints.run(table, frame, parents or {}))
    if docs_dir is not None:
        checkpoints.build_docs(docs_dir)
    return results


def sample_rows(check: Check, prepared: pl.DataFrame, n: int = SAMPLE_ROWS) -> list[dict[str, Any]]:
    """A few rows that break ``check``: their key, the checked columns and where they came from."""
    from warehouse.tables import rule_for

    columns = [c for c in dict.fromkeys((*rule_for(check.table).key, *check.columns, *PROVENANCE))
               if c in prepared.columns]
    hits = prepared.filter(check.failing()).select(columns).head(n)
    return [{k: (v[:12] if k == "document_id" and isinstance(v, str) else v) for k, v in r.items()
             if v is not None or k in check.columns} for r in hits.iter_rows(named=True)]


def to_pandas(frame: pl.DataFrame):
    """GX works on pandas; DECIMALs become floats there (checks only, never loaded)."""
    casts = [pl.col(c).cast(pl.Float64) for c, t in frame.schema.items() if isinstance(t, pl.Decimal)]
    return frame.with_columns(casts).to_pandas()


def _text(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, default=str)[:500]


# ── 3. the verdict ───────────────────────────────────────────────────────────────────────
def quarantine_share_result(gate: GateResult, limit: float) -> dict[str, Any]:
    """The dq.results row of the batch's quarantined share: above ``limit`` it refuses the publish
    (many broken rows mean a broken parser or source, not a few bad documents)."""
    checked = sum(gate.rows_checked.values())
    bad = gate.quarantined_rows()
    share = bad / checked if checked else 0.0
    by_table = ", ".join(f"{t} {gate.quarantined_rows(t)}" for t in sorted(gate.rows_checked) if gate.quarantined_rows(t))
    return {"suite_name": "quarantine", "expectation": f"quarantined_share(≤{limit:.1%})", "column_name": None,
            "success": share <= limit, "action": "refuse", "mostly": round(1 - limit, 6),
            "observed_value": f"{bad} of {checked} rows ({share:.1%}) quarantined" + (f": {by_table}" if by_table else ""),
            "unexpected_count": bad, "element_count": checked}


def refusal_message(failures: list[dict[str, Any]]) -> str:
    """Names each failed check, its table and GX expectation, with sample offending rows."""
    parts = []
    for f in failures:
        detail = f"{f['suite_name']}: {f['expectation']}"
        if f.get("expectation_type"):
            detail += f" [{f['expectation_type']}]"
        detail += f" — {f['unexpected_count']} of {f['element_count']} rows"
        if f.get("mostly") is not None and f["mostly"] < 1:
            detail += f" (must pass for {f['mostly']:.0%})"
        if f.get("sample_rows"):
            detail += "; e.g. " + "; ".join(json.dumps(r, ensure_ascii=False, default=str) for r in f["sample_rows"])
        parts.append(detail)
    return "GX checkpoint failed — " + " | ".join(parts)


def save(con: duckdb.DuckDBPyConnection, run_id: str, gate: GateResult) -> None:
    write_results(con, run_id, ({k: v for k, v in r.items() if k != "sample_rows"} for r in gate.results))
    write_quarantine(con, run_id, gate.quarantined)


def validate(con: duckdb.DuckDBPyConnection, frames: Frames, run_id: str,
             quarantine_share_limit: float, docs_dir: Path | None = None) -> tuple[Frames, int]:
    """The run's validate step: quarantine, checkpoint, record (and Data Docs), then refuse a bad
    batch. Returns the frames to load and the number of rows quarantined."""
    stored = warehouse_parent_keys(con, sorted(frames))
    gate = quarantine_rows(frames, stored)
    # a run with nothing new has nothing to validate: no GX context (seconds to import and start)
    checkpoints = Checkpoints(run_name=run_id) if gate.frames else None
    parents = parent_keys(gate.frames, stored)
    for table in sorted(gate.frames):  # one table in memory at a time when they are staged
        gate.results.extend(checkpoints.run(table, gate.frames[table], parents))
    gate.results.append(quarantine_share_result(gate, quarantine_share_limit))
    save(con, run_id, gate)
    if docs_dir is not None and checkpoints is not None:
        try:
            checkpoints.build_docs(docs_dir)
        except Exception as exc:  # the docs explain a run; they never decide it
            log.warning("Data Docs not rebuilt in %s: %s: %s", docs_dir, type(exc).__name__, exc)
    failures = gate.failures
    if failures:
        checkpoint = [f for f in failures if f.get("expectation_type")]
        reasons = [refusal_message(checkpoint)] if checkpoint else []
        if len(checkpoint) < len(failures):
            first = gate.quarantined[0]["reason"]
            reasons.append(f"{gate.quarantined_rows()} of {sum(gate.rows_checked.values())} rows "
                           f"({gate.quarantined_rows() / sum(gate.rows_checked.values()):.1%}) failed row-level "
                           f"expectations, above the limit of {quarantine_share_limit:.1%}; first: {first}")
        raise PublishRefused("; ".join(reasons))
    return gate.frames, gate.quarantined_rows()
