"""One run of the main job as stages over one warehouse build — plain functions and one class,
no Prefect. ``flows.build_warehouse`` wires the stages as Prefect tasks; ``pipeline.run.run_job``
runs the same stages without Prefect.

    open build ─▶ list sources ─▶ download (concurrent) ─▶ admit: new? duplicate by content?
        ─▶ parse batches (reference documents, independent documents; then the documents that
           need the names the reference phase declared) ─▶ resolve bare codes ─▶ decide outcomes
        ─▶ stage each table (Parquet scans → polars → one staged file a table) ─▶ validate (the GX
           gate, a table at a time) ─▶ load
        ─▶ audit ─▶ publish

Every fetched document ends loaded, superseded, duplicate, skipped or quarantined, exactly as
the rules of ``pipeline.outcomes`` say; what a document parses to depends only on its bytes and
the frozen context of the reference phase, never on the order documents arrive in.
"""

from __future__ import annotations

import queue
import shutil
import time
import uuid
from collections.abc import Callable, Iterable, MutableMapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Protocol

import duckdb
import polars as pl

from pipeline import steps
from pipeline.batches import ROW_COLUMNS, BatchResult, BatchSpec, ParsedDoc, batch_label
from pipeline.fetch import FetchReport, Listing, download_listing, list_source, read_cursors, write_cursors
from pipeline.hooks import ParseContext
from pipeline.isolation import WorkerLimits
from pipeline.outcomes import DUPLICATE, LOADED, DocumentResult, decide_outcomes
from pipeline.plausibility import BALANCES, unit_slips
from pipeline.resolve import BARE_CODES_TABLE, bare_code_map, resolve_bare_codes, unresolved_codes
from settings import Settings
from sources.base import Source
from warehouse.backends import open_backend, open_raw_store
from warehouse.load import dedupe_newest, polars_schemas
from warehouse.publish import PublishRefused, WarehouseLayout, write_last_run
from warehouse.rawstore import StoredDocument
from warehouse.staging import StagedTables
from warehouse.tables import RULES, rule_for

# Reference documents declare the names other documents use; they parse first, against the names
# the warehouse already holds. Families whose parsers never read names parse as soon as they
# arrive; every other document (AMC bonds, financials, ratings, licence events, anything
# unknown) waits for the reference phase and parses against the names it declared.
DECLARES_NAMES = ("amc_registry", "issuance_export", "offering_document", "offering_circular", "issuance_results")
NAME_FREE = ("trustee_report", "yield_curve", "yield_curve_extract", "rating_actions", "bond_valuations",
             "market_totals", "outstanding_snapshot", "cnabs_export", "deal_names",
             # the exchange and ABN venues' periodic reports (most of a market year's documents)
             "income_distribution", "asset_management_report", "abn_operating_report")
REFERENCE, INDEPENDENT, NAMED = "reference", "independent", "uses names"
UNKNOWN_NAME = "unknown_entity"  # the check of a parse that met a name no document declared

QUALITY_TABLES = ("dq.results", "dq.quarantine")
ROW_COLUMNS_PUBLISHED = {"document_id": pl.String, "_published_at": pl.String}


class Future(Protocol):
    def result(self) -> Any: ...


Submit = Callable[[BatchSpec], Future]


def new_run_id() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]


def document_kind(doc: StoredDocument) -> str:
    """The family a document is batched under: the listing's hint, else its name's."""
    if doc.doc_type_hint:
        return doc.doc_type_hint
    from transforms.parse.detect import from_name

    return from_name(doc.file_name or "", doc.title or "") or "document"


def parse_phase(kind: str) -> str:
    if kind in DECLARES_NAMES:
        return REFERENCE
    return INDEPENDENT if kind in NAME_FREE else NAMED


class Job:
    """The state of one run over one build: open it, run its stages, close it (publish or discard).

    A plain class on purpose: Prefect tasks take it as an argument, and Prefect walks dataclass
    arguments looking for futures.
    """

    def __init__(self, settings: Settings, *, flow_name: str = "build_warehouse", run_id: str | None = None,
                 extra_documents: Iterable[StoredDocument] = (),
                 after_load: Iterable[Callable[[duckdb.DuckDBPyConnection], None]] = (),
                 download_concurrency: int = 1) -> None:
        self.settings, self.flow_name, self.run_id = settings, flow_name, run_id or new_run_id()
        self.extra_documents = tuple(extra_documents)
        self.after_load = tuple(after_load)
        self.download_concurrency = download_concurrency   # per source (``pipeline.sources.download_concurrency``)
        self.layout = WarehouseLayout(self.settings.paths.warehouse_dir)  # this machine's run record, batch files
        self.backend = open_backend(self.settings)      # where the build is written and published
        self.store = open_raw_store(self.settings)
        self.summary: dict[str, Any] = {
            "run_id": self.run_id, "flow_name": self.flow_name,
            "started_at": datetime.now(timezone.utc).isoformat(), "timings": {},
        }
        self.timings: dict[str, float] = self.summary["timings"]
        self.results: list[DocumentResult] = []     # every fetched document, in the end
        self.parsed: dict[str, ParsedDoc] = {}      # document_id → its parse
        self.files: dict[str, list[str]] = {}       # table → batch Parquet files
        self.columns: dict[str, set[str]] = {}      # table → columns some batch wrote
        self.fetch = FetchReport()
        self.frames: MutableMapping[str, pl.DataFrame] = {}   # staged tables (in the work folder once open)
        self.lost: list[dict] = []
        self._lock = None
        self.con: duckdb.DuckDBPyConnection | None = None

    # ── build life cycle ─────────────────────────────────────────────────────────────────
    def open(self) -> "Job":
        """Take the writer lock, start a build (a copy of the published warehouse, or a lake
        transaction), open it."""
        self.layout.ensure()
        self._lock = self.backend.writer_lock(self.settings.pipeline.lock_timeout_seconds)
        self._lock.__enter__()
        try:
            self.build = self.backend.start_build(self.run_id)
            self.summary["build_path"] = str(self.build)
            self.con = self.build.connect()
            self.stashed = import_stashed_quality(self.con, self.layout)
            for stale in self.layout.builds_dir.glob("work-*"):  # batch files of a run that died
                shutil.rmtree(stale, ignore_errors=True)
            self.work_dir = self.layout.builds_dir / f"work-{self.run_id}"
            self.work_dir.mkdir(parents=True, exist_ok=True)
            self.frames = StagedTables(self.work_dir / "staged")
            self.schemas = polars_schemas(self.con, RULES)
            self.cursors = read_cursors(self.con)
            self.registered = steps.registered_documents(self.con)
            self.known = set(self.con.execute("SELECT source, source_doc_id, document_id FROM raw.documents").fetchall())
            self.base_context = warehouse_context(self.con, self.settings.limits)
        except BaseException:
            self._lock.__exit__(None, None, None)
            raise
        return self

    def fail(self, exc: BaseException) -> None:
        """Discard the build; a refused build keeps its quality records for the next build."""
        finished = datetime.now(timezone.utc).isoformat()
        try:
            if isinstance(exc, PublishRefused):
                self.summary.update(outcome="refused", message=str(exc), finished_at=finished)
                if self.con is not None:
                    stash_refused_quality(self.con, self.layout, self.summary)
            else:
                self.summary.update(outcome="failed", message=f"{type(exc).__name__}: {exc}", finished_at=finished)
            self.con = None
            self.build.discard()   # closes the build's connection; a lake build rolls back
            write_last_run(self.layout, self.summary)
        finally:
            self._release()

    def _release(self) -> None:
        shutil.rmtree(getattr(self, "work_dir", Path("/nonexistent")), ignore_errors=True)
        if self._lock is not None:
            lock, self._lock = self._lock, None
            lock.__exit__(None, None, None)

    # ── fetch ────────────────────────────────────────────────────────────────────────────
    def list_source(self, source: Source) -> Listing:
        return list_source(source, self.cursors)

    def download(self, listing: Listing, on_stored: Callable[[StoredDocument], None]) -> FetchReport:
        return download_listing(listing, self.store, self.download_concurrency, on_stored)

    def record_fetch(self, report: FetchReport, seconds: float) -> None:
        self.fetch.merge(report)
        self.timings["fetch_s"] = round(max(self.timings.get("fetch_s", 0.0), seconds), 3)

    # ── admission: new, duplicate by content, or already registered under this id ─────────
    def admit(self, doc: StoredDocument, seen: dict[tuple[str, str], StoredDocument]) -> bool:
        """True when the document must be parsed. Known (source, id, bytes) are not a new fetch;
        bytes registered before, or met already in this run, are duplicates — never parsed."""
        key = (doc.source, doc.source_doc_id)
        if key in seen or (doc.source, doc.source_doc_id, doc.sha256) in self.known:
            return False
        seen[key] = doc
        return True

    # ── parse results ────────────────────────────────────────────────────────────────────
    def add_batch(self, result: BatchResult) -> None:
        for doc in result.documents:
            self.parsed[doc.document_id] = doc
        for table, (path, columns) in result.files.items():
            self.files.setdefault(table, []).append(path)
            self.columns.setdefault(table, set()).update(columns)

    def reference_context(self, reference_docs: Iterable[ParsedDoc]) -> ParseContext:
        """The frozen context of the documents that use names: the warehouse's names and those
        the reference documents declare (later publications win; quarantined, English and
        superseded versions declare nothing)."""
        docs = [d for d in reference_docs if d.error is None]
        results = [DocumentResult(stored=d.stored, meta=dict(d.meta)) for d in docs]
        decide_outcomes(results, {})
        keep = {r.document_id for r in results if r.outcome == LOADED}
        aliases = dict(self.base_context.aliases)
        full_names = dict(self.base_full_names)
        ordered = sorted((d for d in docs if d.document_id in keep),
                         key=lambda d: (d.stored.published_at or "", d.document_id))
        for d in ordered:
            for alias, inst_id in d.aliases.items():
                full = d.institutions.get(inst_id) or full_names.get(inst_id)
                if full:
                    aliases[alias] = full
            for inst_id, full in d.institutions.items():
                full_names[inst_id] = full
                aliases.setdefault(full, full)
        return ParseContext(aliases, self.settings.limits)

    @property
    def base_full_names(self) -> dict[str, str]:
        return dict(self.con.execute("SELECT institution_id, full_name_zh FROM core.institutions").fetchall())

    # ── decide ───────────────────────────────────────────────────────────────────────────
    def decide(self, fetched: list[StoredDocument]) -> list[DocumentResult]:
        """Resolve bare codes (a join over every parsed row), then every document's outcome."""
        t = time.perf_counter()
        fetched = canonical_order(fetched)
        results, first_copy = [], {}
        for doc in fetched:
            parsed = self.parsed.get(doc.sha256)
            result = DocumentResult(stored=doc)
            if parsed is not None and doc.sha256 not in first_copy:
                first_copy[doc.sha256] = doc
                result.doc_type, result.meta = parsed.doc_type, parsed.meta   # read, never changed: not copied
                result.file_format = parsed.file_format
                result.error = parsed.document_error()
            results.append(result)
        parsed_ok = {d for d, p in self.parsed.items() if p.error is None}
        code_map = bare_code_map(self.con, self.files.get("core.tranches", []), parsed_ok)
        unresolved = unresolved_codes(self.files.get(BARE_CODES_TABLE, []), code_map)
        for r in results:
            if r.error is None and r.document_id in unresolved and r.stored is first_copy.get(r.document_id):
                r.error = unresolved[r.document_id]
        slips = unit_slips(self.con, {table: self._scan(table, (key, "period_number", close, opening, "source_page"))
                                      for table, key, close, opening in BALANCES if table in self.files},
                           (r.document_id for r in results if r.error is None and r.stored is first_copy.get(r.document_id)))
        for r in results:
            if r.error is None and r.document_id in slips and r.stored is first_copy.get(r.document_id):
                r.error = slips[r.document_id]
        self.code_map = code_map
        decide_outcomes(results, self.registered)
        self.results = results
        self.timings["decide_s"] = round(time.perf_counter() - t, 3)
        return results

    def _scan(self, table: str, columns: tuple[str, ...]) -> pl.LazyFrame:
        """These columns (and document_id) of a table's parsed rows, across every batch file."""
        schema = {c: self.schemas[table][c] for c in columns}
        return pl.scan_parquet(self.files[table], schema={**schema, "document_id": pl.String},
                               missing_columns="insert", extra_columns="ignore")

    # ── stage, validate, load ────────────────────────────────────────────────────────────
    def tables(self) -> list[str]:
        return sorted(self.files)

    def stage_table(self, table: str) -> int:
        """One table's rows of loaded documents: scanned from the batch files, codes resolved,
        newest document wins per key; returns the rows staged."""
        # the loaded documents, with the publish time of the copy registered (a copy of the same
        # bytes listed at another time may be the one that was parsed)
        loaded = pl.DataFrame({"document_id": [r.document_id for r in self.results if r.outcome == LOADED],
                               "_published_at": [r.stored.published_at or "" for r in self.results
                                                 if r.outcome == LOADED]}, schema=ROW_COLUMNS_PUBLISHED)
        schema = {c: t for c, t in self.schemas[table].items() if c in self.columns[table]}
        frame = (pl.scan_parquet(self.files[table], schema={**schema, **ROW_COLUMNS}, missing_columns="insert")
                 .drop("_published_at").join(loaded.lazy(), on="document_id", how="inner", maintain_order="left"))
        if table == BARE_CODES_TABLE:
            frame = resolve_bare_codes(frame, self.code_map)
        frame = frame.sort("_published_at", "document_id", "_seq").drop("_seq").collect()
        if frame.is_empty():
            return 0
        rule = rule_for(table)
        for column, value in rule.defaults:  # a key column the documents need not state (grain)
            frame = frame.with_columns((pl.col(column).fill_null(value) if column in frame.columns
                                        else pl.lit(value)).cast(self.schemas[table][column]).alias(column))
        keep = [c for c in self.schemas[table] if c in frame.columns]
        if "document_id" not in self.schemas[table]:
            keep = [c for c in keep if c != "document_id"]
        kept, dropped = dedupe_newest(frame.select([*keep, "_published_at"]), rule.key, "_published_at", rule.mode)
        self.lost.extend({"table": table, **d} for d in dropped.drop("_published_at").to_dicts())
        self.frames[table] = kept.drop("_published_at")   # to the work folder: not held in memory
        return kept.height

    def validate(self) -> int:
        from expectations.gate import validate

        t = time.perf_counter()
        p = self.settings.pipeline
        self.frames, rows = validate(self.con, self.frames, self.run_id, p.quarantine_share_limit,
                                     self.settings.paths.dq_docs_dir)
        self.summary["rows_quarantined"] = rows
        self.timings["validate_s"] = round(time.perf_counter() - t, 3)
        return rows

    def load(self) -> dict[str, int]:
        """Merge every staged table, register every document, quarantine, cursors, derive, marts."""
        from expectations.agreement import check_source_agreement
        from transforms.derive.subordinated_cash_flows import TABLE as CASH_FLOWS
        from transforms.derive.subordinated_cash_flows import derive_frame
        from warehouse.load import replace_rows
        from warehouse.marts import apply_marts

        t = time.perf_counter()
        self.summary["rows_superseded_in_batch"] = len(self.lost)
        disagreements = check_source_agreement(self.con, self.run_id, self.frames, self.lost)
        self.summary["source_disagreements"] = sum(n for c in disagreements.values() for n in c.values())
        self.summary["rows_loaded"] = steps.load_frames(self.con, self.frames)  # empties self.frames
        self.lost = []
        steps.register_documents(self.con, self.results, self.run_id, self.work_dir)
        steps.quarantine_documents(self.con, self.results, self.run_id)
        write_cursors(self.con, self.fetch.cursors)
        replace_rows(self.con, CASH_FLOWS, derive_frame(self.con))
        apply_marts(self.con)
        for step in self.after_load:
            step(self.con)
        self.summary.update(steps.summarise(self.results))
        self.summary["fetch_failures"] = self.fetch.failures
        self.timings["load_s"] = round(time.perf_counter() - t, 3)
        return self.summary["rows_loaded"]

    def audit(self) -> None:
        from expectations.reconcile import check_required_tables, run_reconciliations

        t = time.perf_counter()
        check_required_tables(self.con, self.run_id, self.settings.pipeline.required_tables)
        run_reconciliations(self.con, self.run_id)
        self.timings["audit_s"] = round(time.perf_counter() - t, 3)

    def publish(self) -> dict[str, Any]:
        """Record the run in the build, swap it in, release the lock; returns the summary."""
        t = time.perf_counter()
        self.summary.setdefault("rows_quarantined", 0)
        self.summary.setdefault("fetch_failures", self.fetch.failures)
        self.summary.update(outcome="published", finished_at=datetime.now(timezone.utc).isoformat())
        self.summary["message"] = run_message(self.summary)
        steps.record_run(self.con, self.summary)
        try:
            # one atomic step: the file renamed over the published one, or one lake snapshot commit
            self.summary["published_path"] = self.build.publish()
        except BaseException as exc:
            self.fail(exc)
            raise
        self.con = None
        try:
            for path in self.stashed:  # now part of the published history
                path.unlink(missing_ok=True)
            self.timings["publish_s"] = round(time.perf_counter() - t, 3)
            write_last_run(self.layout, self.summary)
        finally:
            self._release()
        return self.summary


# ── the parse schedule: batches as documents arrive, by phase ─────────────────────────────
class ParseSchedule:
    """Turns stored documents into named parse batches and submits them as they fill.

    Reference and independent documents are submitted at once; documents that use names wait
    for the reference phase to end (every download done, every reference batch parsed), then
    parse against the frozen context it declared.
    """

    def __init__(self, job: Job, submit: Submit, planned: dict[str, int] | None = None) -> None:
        self.job, self.submit = job, submit
        self.size = job.settings.pipeline.batch_size
        self.limits = WorkerLimits.from_settings(job.settings.limits)
        self.planned = dict(planned or {})
        self.seen: dict[tuple[str, str], StoredDocument] = {}
        self.fetched: list[StoredDocument] = []
        self.pending: dict[str, list[StoredDocument]] = {}
        self.numbered: dict[str, int] = {}
        self.parse_once: set[str] = set(job.registered)   # bytes registered before: duplicates
        self.futures: dict[str, list[Future]] = {REFERENCE: [], INDEPENDENT: [], NAMED: []}
        self.batches = 0
        self.submitted_at: float | None = None

    def add(self, doc: StoredDocument) -> None:
        if not self.job.admit(doc, self.seen):
            return
        self.fetched.append(doc)
        if doc.sha256 in self.parse_once:
            return  # same bytes as a document registered or already queued: never parsed twice
        self.parse_once.add(doc.sha256)
        kind = document_kind(doc)
        queue = self.pending.setdefault(kind, [])
        queue.append(doc)
        if len(queue) >= self.size and parse_phase(kind) != NAMED:
            self._flush(kind)

    def _flush(self, kind: str, context: ParseContext | None = None) -> None:
        docs = self.pending.pop(kind, [])
        for start in range(0, len(docs), self.size):
            chunk = tuple(sorted(docs[start:start + self.size], key=lambda d: d.sha256))
            first = self.numbered.get(kind, 0) + 1
            self.numbered[kind] = first + len(chunk) - 1
            total = max(self.planned.get(kind, 0), self.numbered[kind])
            self.batches += 1
            spec = BatchSpec(
                batch_id=f"{self.batches:05d}", label=batch_label(kind, first, self.numbered[kind], total),
                documents=chunk, context=context or self.job.base_context, work_dir=self.job.work_dir,
                schemas=self.job.schemas, limits=self.limits, batch_size=self.size)
            self.submitted_at = self.submitted_at or time.perf_counter()
            self.futures[parse_phase(kind)].append(self.submit(spec))

    def plan(self, counts: dict[str | None, int]) -> None:
        """A listing's documents by family: the totals batch names count against."""
        for hint, n in counts.items():
            self.planned[hint or "document"] = self.planned.get(hint or "document", 0) + n

    def drain(self, stored: "queue.Queue[StoredDocument | Listing]", downloads_done: Callable[[], bool],
              on_progress: Callable[[int], None] | None = None) -> None:
        """Admit documents as the download threads store them, until every download is done (a
        source's listing comes first, for the totals)."""
        while True:
            try:
                doc = stored.get(timeout=0.2)
            except queue.Empty:
                if downloads_done() and stored.empty():
                    return
                continue
            if isinstance(doc, Listing):
                self.plan(doc.counts())
                continue
            self.add(doc)
            if on_progress:
                on_progress(len(self.fetched))

    def finish(self, on_batch: Callable[[BatchResult], None] | None = None,
               freeze: Callable[[list[ParsedDoc]], ParseContext] | None = None) -> list[StoredDocument]:
        """Every download is in: flush, end the reference phase (``freeze`` its names into the
        context of the documents that use them), parse the rest, collect."""
        for kind in [k for k in self.pending if parse_phase(k) != NAMED]:
            self._flush(kind)
        reference = [d for r in self._collect(REFERENCE, on_batch) for d in r.documents]
        context = (freeze or self.job.reference_context)(reference)
        # A reference document that named what only another declares (licence events saved
        # under a registry's name) parses again, against the frozen names, with the rest.
        for doc in reference:
            if doc.error is not None and doc.error.get("check") == UNKNOWN_NAME:
                self.pending.setdefault(f"{document_kind(doc.stored)} (with reference names)", []).append(doc.stored)
        for kind in [k for k in self.pending if parse_phase(k) == NAMED]:
            self._flush(kind, context)
        self._collect(INDEPENDENT, on_batch)
        self._collect(NAMED, on_batch)
        if self.submitted_at is not None:
            self.job.timings["parse_s"] = round(time.perf_counter() - self.submitted_at, 3)
        return self.fetched

    def _collect(self, phase: str, on_batch: Callable[[BatchResult], None] | None) -> list[BatchResult]:
        out = []
        for future in self.futures[phase]:
            result = future.result()
            self.job.add_batch(result)
            if on_batch:
                on_batch(result)
            out.append(result)
        self.futures[phase] = []
        return out


def canonical_order(docs: Iterable[StoredDocument]) -> list[StoredDocument]:
    """A fixed order whatever the arrival: publish time, source, id (the first copy of some bytes
    in this order is the one registered; later copies are duplicates)."""
    return sorted(docs, key=lambda d: (d.published_at or "", d.source, d.source_doc_id))


def warehouse_context(con: duckdb.DuckDBPyConnection, limits: Any = None) -> ParseContext:
    """Names known to the warehouse before this run: alias → full name (full names alias themselves)."""
    aliases = dict(con.execute(
        "SELECT a.alias, i.full_name_zh FROM core.institution_aliases a JOIN core.institutions i USING (institution_id)"
    ).fetchall())
    return ParseContext(aliases, limits)


def stash_refused_quality(con: duckdb.DuckDBPyConnection, layout: WarehouseLayout, summary: dict[str, Any]) -> None:
    """A refused build is discarded, but what its checks found is kept: its dq rows and its run
    row wait beside the warehouse and join the history in the next published build."""
    target = layout.warehouse_dir / "dq_pending"
    target.mkdir(parents=True, exist_ok=True)
    run_id = summary["run_id"]
    steps.record_run(con, summary)
    for table in (*QUALITY_TABLES, "dq.runs"):
        con.execute(f"COPY (SELECT * FROM {table} WHERE run_id = ?) TO '{target / f'{run_id}.{table}.parquet'}' "
                    "(FORMAT parquet)", [run_id])


def import_stashed_quality(con: duckdb.DuckDBPyConnection, layout: WarehouseLayout) -> list[Path]:
    """Load the dq rows of refused runs into this build; returns the files to delete once published."""
    files = sorted((layout.warehouse_dir / "dq_pending").glob("*.parquet"))
    for path in files:
        table = ".".join(path.name.split(".")[1:3])
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM read_parquet('{path}')")
    return files


def run_message(summary: dict[str, Any]) -> str:
    d = summary.get("documents", {})
    return (
        f"{summary.get('documents_fetched', 0)} documents: {d.get('loaded', 0)} loaded, "
        f"{d.get('superseded', 0)} superseded, {d.get('duplicate', 0)} duplicate, "
        f"{d.get('skipped', 0)} skipped, {d.get('quarantined', 0)} quarantined; "
        f"{summary.get('rows_quarantined', 0)} rows quarantined"
    )


__all__ = ["Job", "ParseSchedule", "new_run_id", "document_kind", "parse_phase", "canonical_order", "DUPLICATE"]
