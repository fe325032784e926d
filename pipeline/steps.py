"""The writing steps of a run as plain functions (``pipeline.job`` strings them together).

staged frames ──load_frames──▶ build;  DocumentResults ──register_documents──▶ raw.documents;
quarantined documents ──quarantine_documents──▶ dq.quarantine;  the summary ──record_run──▶ dq.runs
"""

from __future__ import annotations

from collections.abc import MutableMapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from pipeline.outcomes import SUPERSEDED, DocumentResult, count_outcomes
from transforms.sniff import sniff
from warehouse.dq import write_quarantine, write_run
from warehouse.load import merge_rows, refuse_duplicate_keys, release_buffers, transaction
from warehouse.rawstore import StoredDocument
from warehouse.staging import SLICE_ROWS, staged_columns, table_slices
from warehouse.tables import rule_for


def load_frames(con: duckdb.DuckDBPyConnection, frames: MutableMapping[str, pl.DataFrame],
                slice_rows: int = SLICE_ROWS) -> dict[str, int]:
    """Merge each frame into its table, ``slice_rows`` rows a transaction, emptying ``frames``
    as it goes; returns rows written per table.

    A build that fails is discarded whole, so one transaction around every table bought
    nothing but memory: DuckDB held every table's inserted rows until the end (a lake build is
    one transaction already; these join it). Slices merge as the whole table would: its keys
    are checked once for duplicates first, and each row is replaced or inserted by its own key.
    A market year's tranche payments merged whole took ≈ 105 MB more for a moment."""
    written = {}
    for table in list(frames):
        try:
            rule = rule_for(table)
            keys = staged_columns(frames, table, rule.key)
            if keys is not None:   # (a table without its key columns fails in merge_rows, naming them)
                refuse_duplicate_keys(table, keys, rule)
            written[table] = 0
            for part in table_slices(frames, table, slice_rows):
                with transaction(con):
                    written[table] += merge_rows(con, table, part)
                del part
                release_buffers(con)   # the next slice merges without this one's pages in memory
        finally:
            del frames[table]
    return written


def registered_documents(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, Any]]:
    rows = con.execute("SELECT document_id, outcome, report_key FROM raw.documents").fetchall()
    return {r[0]: {"outcome": r[1], "report_key": r[2]} for r in rows}


REGISTRY_COLUMNS = {
    "document_id": pl.String, "source": pl.String, "source_doc_id": pl.String, "url": pl.String, "title": pl.String,
    "file_name": pl.String, "published_at": pl.String, "doc_type": pl.String, "file_format": pl.String,
    "size_bytes": pl.Int64, "sha256": pl.String, "stored_path": pl.String, "first_seen_at": pl.String,
    "last_seen_at": pl.String, "report_key": pl.String, "is_revision": pl.Boolean, "is_english": pl.Boolean,
    "outcome": pl.String, "outcome_reason": pl.String, "supersedes_document_id": pl.String,
    "superseded_by_document_id": pl.String, "run_id": pl.String}


REGISTRY_SLICE_ROWS = 10_000
"""Registry rows inserted at a time: 37,000 in one insert took +78 MB for a moment (DuckDB's table
blocks, strings mostly), the run's peak once the load's tables merged in slices; +43 in slices."""


def register_documents(con: duckdb.DuckDBPyConnection, results: list[DocumentResult], run_id: str,
                       work_dir: Path) -> None:
    """Write every fetched document's registry row, 10,000 rows an insert; duplicates only refresh
    last_seen_at; a revision marks the version it replaces as superseded.

    The rows are gathered as columns, not a dict per document, and reach DuckDB through a
    Parquet file in ``work_dir``, which it reads a row group at a time: registering 37,000
    rows took +127 MB for a moment from an Arrow table of them all, +70 MB (DuckDB's own:
    the table's blocks and its key index) from the file."""
    now = datetime.now(timezone.utc)
    seen_again = [r.stored.sha256 for r in results if r.outcome == "duplicate"]
    kept = [r for r in results if r.outcome != "duplicate"]
    stored = [r.stored for r in kept]
    metas = [r.meta or {} for r in kept]
    columns = {
        "document_id": [s.sha256 for s in stored], "source": [s.source for s in stored],
        "source_doc_id": [s.source_doc_id for s in stored], "url": [s.url for s in stored],
        "title": [s.title for s in stored], "file_name": [s.file_name for s in stored],
        "published_at": [s.published_at for s in stored],
        "doc_type": [r.doc_type or r.stored.doc_type_hint for r in kept],
        "file_format": [r.file_format or _file_format(r.stored) for r in kept],
        "size_bytes": [s.size_bytes for s in stored], "sha256": [s.sha256 for s in stored],
        "stored_path": [str(s.path) for s in stored], "first_seen_at": [s.first_seen_at for s in stored],
        "last_seen_at": [now.isoformat()] * len(kept), "report_key": [m.get("report_key") for m in metas],
        "is_revision": [m.get("is_revision") for m in metas], "is_english": [m.get("is_english") for m in metas],
        "outcome": [r.outcome for r in kept], "outcome_reason": [r.reason for r in kept],
        "supersedes_document_id": [r.supersedes for r in kept],
        "superseded_by_document_id": [r.superseded_by for r in kept], "run_id": [run_id] * len(kept)}
    superseded = {"document_id": [r.supersedes for r in kept if r.supersedes],
                  "by": [r.stored.sha256 for r in kept if r.supersedes],
                  "reason": [f"superseded by {r.stored.title or r.stored.sha256}" for r in kept if r.supersedes]}
    if columns["document_id"]:
        rows = work_dir / "registry.parquet"
        pl.DataFrame(columns, schema=REGISTRY_COLUMNS).write_parquet(rows, row_group_size=4096)
        del columns
        try:
            con.execute("DELETE FROM raw.documents WHERE document_id IN "
                        "(SELECT document_id FROM read_parquet($rows))", {"rows": str(rows)})
            for first in range(0, len(kept), REGISTRY_SLICE_ROWS):   # a slice at a time, as the load's tables
                con.execute("INSERT INTO raw.documents BY NAME SELECT * EXCLUDE (file_row_number) REPLACE ("
                            "published_at::TIMESTAMPTZ AS published_at, first_seen_at::TIMESTAMPTZ AS first_seen_at, "
                            "last_seen_at::TIMESTAMPTZ AS last_seen_at) FROM read_parquet($rows, file_row_number = true) "
                            "WHERE file_row_number >= $first AND file_row_number < $first + $rows_per",
                            {"rows": str(rows), "first": first, "rows_per": REGISTRY_SLICE_ROWS})
                release_buffers(con)
        finally:
            rows.unlink(missing_ok=True)
    if seen_again:
        con.execute("UPDATE raw.documents SET last_seen_at = ? WHERE document_id IN (SELECT unnest(?))", [now, seen_again])
    if superseded["document_id"]:  # one statement, not one per revision
        con.register("_superseded", pl.DataFrame(superseded, schema={c: pl.String for c in superseded}).to_arrow())
        try:
            con.execute("UPDATE raw.documents SET outcome = ?, superseded_by_document_id = s.by, "
                        "outcome_reason = s.reason FROM _superseded s WHERE raw.documents.document_id = s.document_id",
                        [SUPERSEDED])
        finally:
            con.unregister("_superseded")


def _file_format(stored: StoredDocument) -> str | None:
    """pdf, xlsx, csv, json, html, image … as the pipeline's one sniffer reads the bytes (for the
    documents no worker parsed to the end; the others' format came back with their parse)."""
    return sniff(stored.path.read_bytes()).file_format if stored.path.exists() else None


def quarantine_documents(con: duckdb.DuckDBPyConnection, results: list[DocumentResult], run_id: str) -> int:
    """One dq.quarantine row per quarantined document, with the parser's where and why."""
    return write_quarantine(con, run_id, (
        {"document_id": r.document_id, "source_page": r.error.page, "field": r.error.field,
         "offending_value": r.error.value, "check_name": r.error.check,
         "reason": f"{r.stored.title or r.stored.file_name or r.document_id}: {r.error}"}
        for r in results if r.outcome == "quarantined" and r.error is not None))


def record_run(con: duckdb.DuckDBPyConnection, summary: dict[str, Any]) -> None:
    counts = summary.get("documents", {})
    write_run(con, {
        "run_id": summary["run_id"], "flow_name": summary["flow_name"],
        "started_at": datetime.fromisoformat(summary["started_at"]),
        "finished_at": datetime.fromisoformat(summary["finished_at"]) if summary.get("finished_at") else None,
        "outcome": summary["outcome"], "message": summary.get("message"),
        "documents_fetched": summary.get("documents_fetched"), "documents_loaded": counts.get("loaded"),
        "documents_superseded": counts.get("superseded"), "documents_duplicate": counts.get("duplicate"),
        "documents_skipped": counts.get("skipped"), "documents_quarantined": counts.get("quarantined"),
        "rows_quarantined": summary.get("rows_quarantined", 0), "build_path": summary.get("build_path")})


def summarise(results: list[DocumentResult]) -> dict[str, Any]:
    return {"documents": count_outcomes(results), "documents_fetched": len(results)}


__all__ = ["load_frames", "registered_documents", "register_documents", "quarantine_documents", "record_run",
           "summarise"]
