"""The pipeline's steps as plain functions (the Prefect flow only wires them).

fetched documents ──parse_batch──▶ DocumentResults ──decide_outcomes──▶ outcomes
   ──frames_to_load──▶ one polars frame per core table ──load_frames──▶ build
   ──register_documents / record_run──▶ raw.documents, dq.runs
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from typing import Any

import duckdb
import polars as pl

from pipeline.outcomes import LOADED, SUPERSEDED, DocumentResult, count_outcomes, decide_outcomes
from transforms.parse.base import DocumentError
from transforms.sniff import sniff
from warehouse.load import dedupe_newest, merge_rows, table_columns
from warehouse.rawstore import RawStore, StoredDocument
from warehouse.tables import rule_for

Parser = Callable[[StoredDocument, bytes, dict[str, Any]], Any]


def parse_batch(
    store: RawStore,
    docs: Iterable[StoredDocument],
    parse_one: Parser,
    context: dict[str, Any],
    skip_ids: set[str] = frozenset(),
) -> list[DocumentResult]:
    """Parse each document (unless its bytes were registered before); errors never escape.

    Runs in one process on purpose: pypdfium2 is not thread-safe.
    """
    results = []
    for stored in docs:
        result = DocumentResult(stored=stored)
        if stored.sha256 in skip_ids:
            results.append(result)
            continue
        try:
            data = store.read(stored.sha256)
            parsed = parse_one(stored, data, context)
            result.parsed, result.doc_type = parsed, parsed.doc_type
        except DocumentError as exc:
            result.error = exc
        except Exception as exc:  # a parser bug must not stop the run: quarantine and say so
            result.error = DocumentError(f"parser crashed: {type(exc).__name__}: {exc}", check="parser_crash")
        results.append(result)
    return results


def frames_to_load(results: list[DocumentResult], con: duckdb.DuckDBPyConnection) -> tuple[dict[str, pl.DataFrame], list[dict]]:
    """Rows of loaded documents as one frame per table, provenance filled, newest wins per key.

    Returns the frames and the rows that lost to a newer document for the same key.
    """
    by_table: dict[str, list[dict[str, Any]]] = {}
    for r in results:
        if r.outcome != LOADED or r.parsed is None:
            continue
        for table, rows in r.parsed.tables.items():
            for row in rows:
                by_table.setdefault(table, []).append(
                    {**row, "document_id": r.document_id, "_published_at": r.stored.published_at or ""}
                )
    frames, lost = {}, []
    for table, rows in sorted(by_table.items()):
        for column, value in rule_for(table).defaults:
            for row in rows:
                row.setdefault(column, value)
        columns = table_columns(con, table)
        if not columns:
            raise KeyError(f"parser produced rows for unknown table {table}")
        keep = [c for c in columns if c in {k for row in rows for k in row}]
        if "document_id" not in columns:
            keep = [c for c in keep if c != "document_id"]
        schema = _schema_for(con, table, keep)
        frame = pl.DataFrame(
            [{c: row.get(c) for c in keep} | {"_published_at": row["_published_at"]} for row in rows],
            schema={**schema, "_published_at": pl.String},
            infer_schema_length=None,
        )
        rule = rule_for(table)
        kept, dropped = dedupe_newest(frame, rule.key, "_published_at", rule.mode)
        lost.extend({"table": table, **d} for d in dropped.drop("_published_at").to_dicts())
        frames[table] = kept.drop("_published_at")
    return frames, lost


_DUCK_TO_POLARS = {
    "VARCHAR": pl.String, "INTEGER": pl.Int32, "BIGINT": pl.Int64, "BOOLEAN": pl.Boolean,
    "DATE": pl.Date, "DOUBLE": pl.Float64, "TIMESTAMP WITH TIME ZONE": pl.Datetime("us", "UTC"),
}


def _schema_for(con: duckdb.DuckDBPyConnection, table: str, columns: list[str]) -> dict[str, pl.DataType]:
    schema_name, name = table.split(".")
    types = dict(
        con.execute(
            "SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = ? AND table_name = ?",
            [schema_name, name],
        ).fetchall()
    )
    out = {}
    for c in columns:
        t = types[c]
        if t.startswith("DECIMAL"):
            precision, scale = (int(x) for x in t[8:-1].split(","))
            out[c] = pl.Decimal(precision, scale)
        else:
            out[c] = _DUCK_TO_POLARS[t]
    return out


def load_frames(con: duckdb.DuckDBPyConnection, frames: dict[str, pl.DataFrame]) -> dict[str, int]:
    """Merge every frame into its table in one transaction; returns rows written per table."""
    written = {}
    con.execute("BEGIN TRANSACTION")
    try:
        for table, frame in frames.items():
            written[table] = merge_rows(con, table, frame)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return written


def registered_documents(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, Any]]:
    rows = con.execute("SELECT document_id, outcome, report_key FROM raw.documents").fetchall()
    return {r[0]: {"outcome": r[1], "report_key": r[2]} for r in rows}


def register_documents(con: duckdb.DuckDBPyConnection, results: list[DocumentResult], run_id: str) -> None:
    """Write every fetched document's registry row in one insert; duplicates only refresh
    last_seen_at; a revision marks the version it replaces as superseded."""
    now = datetime.now(timezone.utc)
    rows, seen_again = [], []
    for r in results:
        s = r.stored
        if r.outcome == "duplicate":
            seen_again.append(s.sha256)
            continue
        meta = r.meta or {}
        rows.append({
            "document_id": s.sha256, "source": s.source, "source_doc_id": s.source_doc_id, "url": s.url,
            "title": s.title, "file_name": s.file_name, "published_at": s.published_at,
            "doc_type": r.doc_type or s.doc_type_hint, "file_format": _file_format(s), "size_bytes": s.size_bytes,
            "sha256": s.sha256, "stored_path": str(s.path), "first_seen_at": s.first_seen_at,
            "last_seen_at": now.isoformat(), "report_key": meta.get("report_key"),
            "is_revision": meta.get("is_revision"), "is_english": meta.get("is_english"), "outcome": r.outcome,
            "outcome_reason": r.reason, "supersedes_document_id": r.supersedes,
            "superseded_by_document_id": r.superseded_by, "run_id": run_id,
        })
    if rows:
        frame = pl.DataFrame(rows, infer_schema_length=None, schema_overrides={
            "is_revision": pl.Boolean, "is_english": pl.Boolean, "supersedes_document_id": pl.String,
            "superseded_by_document_id": pl.String, "report_key": pl.String, "outcome_reason": pl.String,
            "url": pl.String, "published_at": pl.String, "file_name": pl.String, "title": pl.String})
        con.register("_registry_rows", frame.to_arrow())
        try:
            con.execute("DELETE FROM raw.documents WHERE document_id IN (SELECT document_id FROM _registry_rows)")
            con.execute("INSERT INTO raw.documents BY NAME SELECT * REPLACE ("
                        "published_at::TIMESTAMPTZ AS published_at, first_seen_at::TIMESTAMPTZ AS first_seen_at, "
                        "last_seen_at::TIMESTAMPTZ AS last_seen_at) FROM _registry_rows")
        finally:
            con.unregister("_registry_rows")
    if seen_again:
        con.execute("UPDATE raw.documents SET last_seen_at = ? WHERE document_id IN (SELECT unnest(?))", [now, seen_again])
    for r in results:
        if r.supersedes:
            con.execute(
                "UPDATE raw.documents SET outcome = ?, superseded_by_document_id = ?, outcome_reason = ? "
                "WHERE document_id = ?",
                [SUPERSEDED, r.stored.sha256, f"superseded by {r.stored.title or r.stored.sha256}", r.supersedes],
            )


def _file_format(stored: StoredDocument) -> str | None:
    """pdf, xlsx, csv, json, html, image … as the pipeline's one sniffer reads the bytes."""
    return sniff(stored.path.read_bytes()).file_format if stored.path.exists() else None


def quarantine_documents(con: duckdb.DuckDBPyConnection, results: list[DocumentResult], run_id: str) -> int:
    """One dq.quarantine row per quarantined document, with the parser's where and why."""
    now = datetime.now(timezone.utc)
    n = 0
    for r in results:
        if r.outcome != "quarantined" or r.error is None:
            continue
        e = r.error
        con.execute(
            "INSERT INTO dq.quarantine VALUES (?, NULL, ?, ?, ?, ?, ?, ?, NULL, ?)",
            [run_id, r.document_id, e.page, e.field, e.value, e.check,
             f"{r.stored.title or r.stored.file_name or r.document_id}: {e}", now],
        )
        n += 1
    return n


def record_run(con: duckdb.DuckDBPyConnection, summary: dict[str, Any]) -> None:
    counts = summary.get("documents", {})
    con.execute(
        "INSERT OR REPLACE INTO dq.runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            summary["run_id"], summary["flow_name"], summary["started_at"], summary.get("finished_at"),
            summary["outcome"], summary.get("message"), summary.get("documents_fetched"),
            counts.get("loaded"), counts.get("superseded"), counts.get("duplicate"), counts.get("skipped"),
            counts.get("quarantined"), summary.get("rows_quarantined", 0), summary.get("build_path"),
        ],
    )


def summarise(results: list[DocumentResult]) -> dict[str, Any]:
    return {"documents": count_outcomes(results), "documents_fetched": len(results)}


__all__ = [
    "parse_batch", "decide_outcomes", "frames_to_load", "load_frames", "registered_documents",
    "register_documents", "quarantine_documents", "record_run", "summarise",
]
