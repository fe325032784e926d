"""Parse batches: hundreds of documents per task, rows written per table as Parquet.

``parse_batch`` is what the task runner maps (a plain function: it runs the same in a
Prefect process-pool worker, on a Dask worker or in a thread of the plain runner). It parses
each document in an isolated worker process (``pipeline.isolation``) and writes the batch's
rows per table to ``<work>/rows/<table>/<batch>.parquet``, typed by the warehouse schema, with
each row's ``document_id``, publish time and position in its document. It returns only what
the run needs to decide outcomes — so memory does not grow with the number of documents.
"""

from __future__ import annotations

import atexit
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from pipeline.hooks import ParseContext
from pipeline.isolation import ParseWorker, WorkerLimits, error_fields
from pipeline.plausibility import negative_amount
from transforms.parse.base import DocumentError, ParsedDocument
from warehouse.rawstore import StoredDocument

ROW_COLUMNS = {"document_id": pl.String, "_published_at": pl.String, "_seq": pl.Int32}
"""Columns every batch file adds to a table's own: the source document, its publish time
(newest wins per key) and the row's position in it (a stable order that does not depend on
which batch or worker parsed it)."""


@dataclass(frozen=True)
class BatchSpec:
    """One parse task's work: which documents, with which frozen context, written where."""

    batch_id: str
    label: str                              # e.g. "parse trustee_report 1,201–1,400 of 31,598"
    documents: tuple[StoredDocument, ...]
    context: ParseContext
    work_dir: Path
    schemas: dict[str, dict[str, pl.DataType]]   # table → column → dtype (the warehouse's)
    limits: WorkerLimits = WorkerLimits()


@dataclass
class ParsedDoc:
    """One document's parse as the run keeps it: no rows (those are in the batch files)."""

    stored: StoredDocument
    doc_type: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    error: dict[str, Any] | None = None          # DocumentError fields: reason, check, page, field, value
    rows: dict[str, int] = field(default_factory=dict)
    # names the document declares (institution_id → full name; alias → institution_id)
    institutions: dict[str, str] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)

    @property
    def document_id(self) -> str:
        return self.stored.sha256

    def document_error(self) -> DocumentError | None:
        return None if self.error is None else DocumentError(**self.error)


@dataclass
class BatchResult:
    batch_id: str
    label: str
    documents: list[ParsedDoc]
    files: dict[str, tuple[str, tuple[str, ...]]]   # table → (parquet path, columns written)
    seconds: float = 0.0
    workers_started: int = 0


_idle: list[ParseWorker] = []
_idle_lock = threading.Lock()


def _checkout(limits: WorkerLimits) -> ParseWorker:
    """An idle parse worker of this process (reused across batches), or a new one."""
    with _idle_lock:
        for i, worker in enumerate(_idle):
            if worker.limits == limits:
                return _idle.pop(i)
    return ParseWorker(limits)


def _checkin(worker: ParseWorker) -> None:
    with _idle_lock:
        _idle.append(worker)


def close_workers() -> None:
    """End this process's idle parse workers (they also end by themselves when it exits)."""
    with _idle_lock:
        workers, _idle[:] = list(_idle), []
    for worker in workers:
        worker.close()


atexit.register(close_workers)


def parse_batch(spec: BatchSpec) -> BatchResult:
    """Parse every document of the batch in an isolated worker and write its rows as Parquet."""
    started = time.perf_counter()
    worker = _checkout(spec.limits)
    before = worker.started
    docs: list[ParsedDoc] = []
    rows: dict[str, list[dict[str, Any]]] = {}
    try:
        for stored in spec.documents:
            outcome = worker.parse(stored, spec.context)
            doc = ParsedDoc(stored=stored)
            if outcome.error is not None:
                doc.error = error_fields(outcome.error)
            else:
                _keep(doc, outcome.parsed, spec, rows)
            docs.append(doc)
    finally:
        _checkin(worker)
    files = write_rows(spec, rows, docs)
    return BatchResult(spec.batch_id, spec.label, docs, files, round(time.perf_counter() - started, 3),
                       worker.started - before)


def _keep(doc: ParsedDoc, parsed: ParsedDocument, spec: BatchSpec, rows: dict[str, list[dict[str, Any]]]) -> None:
    unknown = sorted(set(parsed.tables) - set(spec.schemas))
    if unknown:  # a parser bug: quarantine the document, name the table
        doc.error = {"reason": f"parser crashed: rows for unknown tables {unknown}", "check": "parser_crash"}
        return
    doc.doc_type, doc.meta = parsed.doc_type, dict(parsed.meta)
    implausible = negative_amount(parsed.tables)
    if implausible is not None:  # the document's own fault: quarantine it, keep none of its rows
        doc.error = error_fields(implausible)
        return
    published = doc.stored.published_at or ""
    for table, table_rows in parsed.tables.items():
        doc.rows[table] = len(table_rows)
        target = rows.setdefault(table, [])
        for seq, row in enumerate(table_rows):
            target.append({**row, "document_id": doc.document_id, "_published_at": published, "_seq": seq})
    doc.institutions = {r["institution_id"]: r["full_name_zh"] for r in parsed.tables.get("core.institutions", [])}
    doc.aliases = {r["alias"]: r["institution_id"] for r in parsed.tables.get("core.institution_aliases", [])}


def write_rows(spec: BatchSpec, rows: dict[str, list[dict[str, Any]]], docs: list[ParsedDoc]) -> dict[str, tuple[str, tuple[str, ...]]]:
    """One Parquet file per table; a document whose rows do not fit the warehouse's types is
    quarantined with the column and value (its rows are left out), never failing the batch."""
    files = {}
    for table, table_rows in sorted(rows.items()):
        frame = _frame(table, table_rows, spec.schemas[table], docs)
        if frame.is_empty():
            continue
        path = spec.work_dir / "rows" / table / f"{spec.batch_id}.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.write_parquet(path, compression="lz4", statistics=False)
        files[table] = (str(path), tuple(frame.columns))
    return files


def _frame(table: str, rows: list[dict[str, Any]], schema: dict[str, pl.DataType], docs: list[ParsedDoc]) -> pl.DataFrame:
    present = {k for row in rows for k in row}
    keep = {c: t for c, t in schema.items() if c in present and c not in ROW_COLUMNS}
    full = {**keep, **ROW_COLUMNS}
    try:
        return _build(rows, full)
    except Exception:  # find the documents whose rows do not fit, quarantine them, keep the rest
        bad: set[str] = set()
        for doc_id in dict.fromkeys(r["document_id"] for r in rows):
            mine = [r for r in rows if r["document_id"] == doc_id]
            try:
                _build(mine, full)
            except Exception as exc:
                bad.add(doc_id)
                for doc in docs:
                    if doc.document_id == doc_id and doc.error is None:
                        doc.error = {"reason": f"a value does not fit {table}: {type(exc).__name__}: {str(exc)[:300]}",
                                     "check": "type_mismatch"}
                        doc.rows = {}
        return _build([r for r in rows if r["document_id"] not in bad], full)


def _build(rows: list[dict[str, Any]], schema: dict[str, pl.DataType]) -> pl.DataFrame:
    return pl.DataFrame([{c: row.get(c) for c in schema} for row in rows], schema=schema,
                        infer_schema_length=None, strict=True)


def batch_label(kind: str, first: int, last: int, total: int) -> str:
    return f"parse {kind} {first:,}–{last:,} of {total:,}"


__all__ = ["BatchSpec", "BatchResult", "ParsedDoc", "parse_batch", "batch_label", "close_workers"]
