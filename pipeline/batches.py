"""Parse batches: hundreds of documents per task, rows written per table as Parquet.

``parse_batch`` is what the task runner maps (a plain function: it runs the same in a
Prefect process-pool worker, on a Dask worker or in a thread of the plain runner). It parses
each document in an isolated worker process (``pipeline.isolation``), which keeps the batch's
rows (``BatchRows``) and writes them per table to ``<work>/rows/<table>/<batch>.parquet``, typed
by the warehouse schema, with each row's ``document_id``, publish time and position in its
document. Rows never come back to the run's process: it gets only what it needs to decide
outcomes, so its memory and its one interpreter lock do not grow with the documents' rows.

While a batch collects rows, parsers hand over the figures they do not compute with as printed
(``transforms.normalise.frames.Raw``); the batch types them all at once as polars columns when
it writes, and a figure that does not read makes its document a misfit (page, column, text).
"""

from __future__ import annotations

import atexit
import sys
import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from pipeline.hooks import ParseContext
from pipeline.isolation import ParseWorker, WorkerLimits, error_fields
from pipeline.outcomes import nothing
from pipeline.plausibility import NEVER_NEGATIVE, negative_amount
from transforms.normalise.frames import PrintedCells, defer_cells, kind_of, split_printed
from transforms.parse.base import DocumentError, ParsedDocument
from warehouse.rawstore import StoredDocument

ROW_COLUMNS = {"document_id": pl.String, "_published_at": pl.String, "_seq": pl.Int32}
"""Columns every batch file adds to a table's own: the source document, its publish time
(newest wins per key) and the row's position in it (a stable order that does not depend on
which batch or worker parsed it)."""


class BatchSpec:
    """One parse task's work: which documents, with which frozen context, written where.

    A plain class on purpose (as ``pipeline.job.Job``): Prefect walks every field of a task's
    dataclass arguments looking for futures, at least twice a task run — for a market year's
    batch (200 documents, the schemas, 525 aliases) ≈ 14 ms a walk in the run's one
    interpreter. A plain object is passed as it is, to a thread, a process pool or a Dask
    worker alike."""

    __slots__ = ("batch_id", "label", "documents", "context", "work_dir", "schemas", "limits", "batch_size")

    def __init__(self, batch_id: str, label: str, documents: tuple[StoredDocument, ...], context: ParseContext,
                 work_dir: Path, schemas: dict[str, dict[str, pl.DataType]], limits: WorkerLimits = WorkerLimits(),
                 batch_size: int = 1) -> None:
        self.batch_id = batch_id
        self.label = label                  # e.g. "parse trustee_report 1,201–1,400 of 31,598"
        self.documents = tuple(documents)
        self.context = context
        self.work_dir = work_dir
        self.schemas = schemas              # table → column → dtype (the warehouse's)
        self.limits = limits
        self.batch_size = batch_size        # the run's: a smaller batch waits for a running worker

    def without_documents(self) -> "BatchSpec":
        """The batch as a parse worker opens it (documents follow one at a time)."""
        return BatchSpec(self.batch_id, self.label, (), self.context, self.work_dir, self.schemas, self.limits,
                         self.batch_size)

    def __repr__(self) -> str:
        return f"BatchSpec({self.batch_id!r}, {self.label!r}, {len(self.documents)} documents)"


DECIDING_META = ("report_key", "is_revision", "is_english")
"""What of a parser's ``meta`` the run decides outcomes and registers with (``pipeline.outcomes``,
``pipeline.steps.register_documents``); the rest stays in the parse worker."""


@dataclass(slots=True)
class ParsedDoc:
    """One document's parse as the run keeps it until the load, for every document of the run:
    no rows (those are in the batch files), only what deciding outcomes reads (a market year
    holds 42,855 of these: a dict per document, of meta nobody reads, was ~2 KB each)."""

    stored: StoredDocument
    doc_type: str | None = None
    meta: Mapping[str, Any] = field(default_factory=nothing)    # the DECIDING_META keys the parser gave
    error: dict[str, Any] | None = None          # DocumentError fields: reason, check, page, field, value
    # names the document declares (institution_id → full name; alias → institution_id)
    institutions: Mapping[str, str] = field(default_factory=nothing)
    aliases: Mapping[str, str] = field(default_factory=nothing)
    file_format: str | None = None               # pdf, xlsx, csv … as the worker sniffed the bytes

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


IN_FLIGHT = 2
"""Documents sent to a parse worker at once: the one it parses and the next (``ParseWorker.submit``)."""

_idle: list[ParseWorker] = []
_alive: dict[WorkerLimits, int] = {}   # this process's workers by limits, busy or idle
_pool = threading.Condition()


def _checkout(limits: WorkerLimits, may_start: bool = True) -> ParseWorker:
    """An idle parse worker of this process (reused across batches), or a new one.

    A batch that may not start one (a kind's remainder: fewer documents than a batch) waits
    for a worker already running instead, when there is one: a worker costs ~0.3 s and
    120–290 MB to start, more than such a batch takes to parse, so a run of a few dozen
    documents of many kinds parses in one worker, not one per core."""
    with _pool:
        while True:
            for i, worker in enumerate(_idle):
                if worker.limits == limits:
                    return _idle.pop(i)
            if may_start or not _alive.get(limits):
                _alive[limits] = _alive.get(limits, 0) + 1
                return ParseWorker(limits)
            _pool.wait()


def _checkin(worker: ParseWorker) -> None:
    """Back to the idle workers, or retired when it holds more than it should (``worn_out``)."""
    if worker.worn_out():
        with _pool:
            _alive[worker.limits] -= 1
            _pool.notify_all()
        worker.close()
        return
    with _pool:
        _idle.append(worker)
        _pool.notify_all()   # waiters may want other limits


def close_workers() -> None:
    """End this process's idle parse workers (they also end by themselves when it exits)."""
    with _pool:
        workers, _idle[:] = list(_idle), []
        for worker in workers:
            _alive[worker.limits] -= 1
        _pool.notify_all()
    for worker in workers:
        worker.close()


atexit.register(close_workers)


def parse_batch(spec: BatchSpec) -> BatchResult:
    """Parse every document of the batch in an isolated worker, which writes the batch's rows as
    Parquet itself; this process gets back only what the run keeps of each document."""
    started = time.perf_counter()
    worker = _checkout(spec.limits, may_start=len(spec.documents) >= spec.batch_size)
    before = worker.started
    docs: dict[int, ParsedDoc] = {}
    try:
        worker.open_batch(spec.without_documents())
        held: list[int] = []                      # documents whose rows the child holds
        todo = deque(range(len(spec.documents)))
        sent: deque[int] = deque()                # sent to the child, not answered yet
        while todo or sent:
            while todo and len(sent) < IN_FLIGHT:  # the child always has its next document
                sent.append(todo.popleft())
                worker.submit(spec.documents[sent[-1]])
            i = sent.popleft()
            kept, error = worker.collect()
            docs[i] = _parsed(spec.documents[i], kept) if error is None else \
                ParsedDoc(stored=spec.documents[i], error=error_fields(error))
            if worker.lost_rows:  # the child died and took the rows it held: add those again,
                worker.lost_rows = False   # and those sent after this one, which it never reached
                todo.extendleft(reversed([*held, *sent]))
                held = []
                sent.clear()
            if error is None:
                held.append(i)
        files, misfits = worker.write_batch()
    finally:
        _checkin(worker)
    ordered = [docs[i] for i in range(len(spec.documents))]
    for doc in ordered:
        if doc.document_id in misfits and doc.error is None:
            doc.error = misfits[doc.document_id]
    return BatchResult(spec.batch_id, spec.label, ordered, files, round(time.perf_counter() - started, 3),
                       worker.started - before)


def _parsed(stored: StoredDocument, kept: dict[str, Any]) -> ParsedDoc:
    """A worker's answer as the run keeps it: a type, format or meta key named once, not once a document."""
    for name in ("doc_type", "file_format"):
        if isinstance(kept.get(name), str):
            kept[name] = sys.intern(kept[name])
    meta = kept.get("meta")
    if meta:   # keyed by the names of DECIDING_META, not by three new strings a document
        kept["meta"] = {k: meta[k] for k in DECIDING_META if k in meta}
    return ParsedDoc(stored=stored, **kept)


class BatchRows:
    """The rows of one batch, collected inside the parse worker and written there as Parquet."""

    def __init__(self, spec: BatchSpec) -> None:
        self.spec = spec
        self.rows: dict[str, list[dict[str, Any]]] = {}
        self.misfits: dict[str, dict[str, Any]] = {}
        self.printed = PrintedCells()
        defer_cells(True)  # parsers hand their figures over as printed: write() types them as columns

    def keep(self, stored: StoredDocument, parsed: ParsedDocument) -> dict[str, Any]:
        """Keep a parsed document's rows for the batch file; returns what the run keeps of it
        (a ``ParsedDoc``'s fields without its rows)."""
        unknown = sorted(set(parsed.tables) - set(self.spec.schemas))
        if unknown:  # a parser bug: quarantine the document, name the table
            raise DocumentError(f"parser crashed: rows for unknown tables {unknown}", check="parser_crash")
        tables = {table: [split_printed(row) for row in table_rows] for table, table_rows in parsed.tables.items()}
        untyped = sorted({f"{table}.{c}" for table, rows in tables.items() for _, printed in rows for c in printed
                          if kind_of(self.spec.schemas[table].get(c)) is None})
        if untyped:  # a parser bug: a printed figure for a column that is not an amount, rate or date
            raise DocumentError(f"parser crashed: printed figures for columns {untyped}", check="parser_crash")
        implausible = negative_amount({table: [row for row, _ in rows] for table, rows in tables.items()})
        if implausible is not None:  # the document's own fault: quarantine it, keep none of its rows
            raise implausible        # (figures still as printed are checked in write())
        published = stored.published_at or ""
        for table, table_rows in tables.items():
            target = self.rows.setdefault(table, [])
            for seq, (row, printed) in enumerate(table_rows):
                target.append({**row, "document_id": stored.sha256, "_published_at": published, "_seq": seq})
                if printed:
                    self.printed.add(table, stored.sha256, seq, row.get("source_page"), printed)
        kept: dict[str, Any] = {"doc_type": parsed.doc_type,
                                "meta": {k: parsed.meta[k] for k in DECIDING_META if k in parsed.meta}}
        institutions = {r["institution_id"]: r["full_name_zh"] for r in parsed.tables.get("core.institutions", [])}
        aliases = {r["alias"]: r["institution_id"] for r in parsed.tables.get("core.institution_aliases", [])}
        if institutions:   # only the reference documents declare names
            kept["institutions"] = institutions
        if aliases:
            kept["aliases"] = aliases
        return kept

    def write(self) -> tuple[dict[str, tuple[str, tuple[str, ...]]], dict[str, dict[str, Any]]]:
        """One Parquet file per table; a document whose rows do not fit the warehouse's types
        (or whose printed figures do not read) is named with the column and value and none of its
        rows are written, never failing the batch.
        Returns (table → (path, columns), document_id → error fields of a misfit)."""
        defer_cells(False)
        frames = self._typed({table: self._frame(table, rows) for table, rows in sorted(self.rows.items())})
        files = {}
        for table, frame in frames.items():
            frame = frame.filter(~pl.col("document_id").is_in(list(self.misfits))) if self.misfits else frame
            if frame.is_empty():
                continue
            path = self.spec.work_dir / "rows" / table / f"{self.spec.batch_id}.parquet"
            path.parent.mkdir(parents=True, exist_ok=True)
            frame.write_parquet(path, compression="lz4", statistics=False)
            files[table] = (str(path), tuple(frame.columns))
        self.rows = {}
        return files, self.misfits

    def _frame(self, table: str, rows: list[dict[str, Any]]) -> pl.DataFrame:
        schema = self.spec.schemas[table]
        present = {k for row in rows for k in row}
        full = {**{c: t for c, t in schema.items() if c in present and c not in ROW_COLUMNS}, **ROW_COLUMNS}
        try:
            return _build(rows, full)
        except Exception:  # find the documents whose rows do not fit, leave them out, keep the rest
            for doc_id in dict.fromkeys(r["document_id"] for r in rows):
                try:
                    _build([r for r in rows if r["document_id"] == doc_id], full)
                except Exception as exc:
                    self.misfits.setdefault(doc_id, {
                        "reason": f"a value does not fit {table}: {type(exc).__name__}: {str(exc)[:300]}",
                        "check": "type_mismatch"})
            return _build([r for r in rows if r["document_id"] not in self.misfits], full)

    def _typed(self, frames: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
        """The figures parsers handed over as printed, typed as columns for the whole batch
        (``transforms.normalise.frames``); a document with a figure that does not read, does not
        fit its column or is an impossible negative is a misfit naming page, column and text."""
        frames, unreadable = self.printed.type_into(frames, self.spec.schemas)
        for doc_id, table, column, page, text, oversize in unreadable.iter_rows():
            dtype = self.spec.schemas[table][column]
            problem = f"does not fit {dtype}" if oversize else \
                f"is not {({'amount': 'a number', 'rate': 'a rate', 'date': 'a date'})[kind_of(dtype)]}"
            self.misfits.setdefault(doc_id, {  # worded as the parsers word it for the figures they type
                "reason": f"page {page}: {column} {problem}: {text!r}", "check": "bad_value", "page": page,
                "field": column, "value": text[:200]})
        for table, columns in NEVER_NEGATIVE.items():  # what keep() checks for the figures parsers typed
            frame = frames.get(table)
            columns = [c for c in columns if frame is not None and c in frame.columns]
            if not columns:
                continue
            below = frame.filter(pl.any_horizontal(pl.col(c) < 0 for c in columns))
            for row in below.select("document_id", "source_page", "source_row_label", *columns).to_dicts():
                error = negative_amount({table: [row]})
                if error is not None:
                    self.misfits.setdefault(row["document_id"], error_fields(error))
        return frames


def _build(rows: list[dict[str, Any]], schema: dict[str, pl.DataType]) -> pl.DataFrame:
    return pl.DataFrame([{c: row.get(c) for c in schema} for row in rows], schema=schema,
                        infer_schema_length=None, strict=True)


def batch_label(kind: str, first: int, last: int, total: int) -> str:
    return f"parse {kind} {first:,}–{last:,} of {total:,}"


__all__ = ["BatchSpec", "BatchResult", "BatchRows", "ParsedDoc", "parse_batch", "batch_label", "close_workers"]
