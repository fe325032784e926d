"""The main job as a Prefect graph: every stage a task run with its own timing, logs and retries.

    open build ─▶ list <source> ─▶ fetch <source>: N documents   (every source at once, each in
                                      │                             a thread; downloads concurrent)
                                      │ documents as they are stored
                                      ▼
                 parse <kind> 1–200 of N …   (the parse task runner: threads supervising
                                              pipeline.max_workers isolated parse children, a
                                              process pool, or a Dask cluster)
                 freeze reference names ─▶ parse <kind that uses names> …
    ─▶ decide outcomes ─▶ stage <table> … ─▶ validate ─▶ load ─▶ audit ─▶ publish

The stages are plain functions and one plain class (``pipeline.job``); this module only wires
them. ``run_graph`` is the graph itself, run inside whichever flow calls it (``build_warehouse``,
``backfill_warehouse``); the flow that calls it holds the warehouse writer slot.
"""

from __future__ import annotations

import contextvars
import os
import queue
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager, nullcontext
from datetime import date
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_progress_artifact, update_progress_artifact
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ProcessPoolTaskRunner, ThreadPoolTaskRunner
from prefect.utilities.annotations import quote

from flows.run_artifacts import publish_run_artifacts
from flows.writer_slot import writer_slot
from pipeline.batches import BatchResult, BatchSpec, ParsedDoc, close_workers, parse_batch
from pipeline.fetch import FetchReport, Listing
from pipeline.hooks import ParseContext
from pipeline.job import Job, ParseSchedule
from pipeline.sources import FEEDS, download_concurrency, open_sources
from settings import Settings, get_settings

STAGE = {"cache_policy": NO_CACHE, "log_prints": True}
# Parameters holding thousands of documents are passed ``quote``d: Prefect would otherwise walk
# every element of them looking for futures, for each task run.


# ── the stages as tasks ──────────────────────────────────────────────────────────────────
@task(name="open-build", task_run_name="open build {job.run_id}", **STAGE)
def open_build(job: Job) -> str:
    """Take the writer lock, copy the published warehouse into a new build, migrate it."""
    job.open()
    return str(job.build)


@task(name="list-source", task_run_name="list {name}", retries=2, retry_delay_seconds=5, **STAGE)
def list_source(job: Job, source: Any, name: str) -> Listing:
    listing = job.list_source(source)
    get_run_logger().info("%s lists %d new documents: %s", name, len(listing.entries),
                          ", ".join(f"{k or 'unknown'} {v}" for k, v in sorted(listing.counts().items(), key=str)))
    return listing


@task(name="fetch-source", task_run_name="fetch {name}: {count} documents", retries=2, retry_delay_seconds=5, **STAGE)
def fetch_source(job: Job, listing: Listing, on_stored: Callable, name: str, count: int) -> FetchReport:
    """Download what the raw store lacks, ``download_concurrency`` at a time; each stored document
    goes straight to the parse schedule."""
    t = time.perf_counter()
    report = job.download(listing, on_stored)
    get_run_logger().info("%s: %d downloaded, %d already in the raw store, %d failed in %.1f s", name,
                          len(report.stored) - report.reused, report.reused, len(report.failures),
                          time.perf_counter() - t)
    return report


@task(name="parse-batch", task_run_name="{spec.label}", retries=1, retry_delay_seconds=2, cache_policy=NO_CACHE)
def parse_documents(spec: BatchSpec) -> BatchResult:
    """Parse a batch in an isolated worker process; rows go to the build's work folder as Parquet."""
    return parse_batch(spec)


@task(name="freeze-reference-names", task_run_name="freeze the names {count} reference documents declare", **STAGE)
def freeze_names(job: Job, reference: list[ParsedDoc], count: int) -> ParseContext:
    context = job.reference_context(reference)
    get_run_logger().info("%d names known to the documents that use them", len(context.aliases))
    return context


@task(name="decide-outcomes", task_run_name="resolve codes and decide outcomes of {count} documents", **STAGE)
def decide(job: Job, fetched: list, count: int) -> dict[str, int]:
    from pipeline.outcomes import count_outcomes

    counts = count_outcomes(job.decide(fetched))
    get_run_logger().info("outcomes: %s", ", ".join(f"{k} {v}" for k, v in counts.items()))
    return counts


@task(name="stage-table", task_run_name="stage {table}", **STAGE)
def stage_table(job: Job, table: str) -> int:
    """Scan the table's batch files, keep loaded documents' rows, resolve codes, newest wins per key."""
    return job.stage_table(table)


@task(name="validate", task_run_name="validate {count} tables (expectations gate)", **STAGE)
def validate(job: Job, count: int) -> int:
    return job.validate()


@task(name="load", task_run_name="load into the build", **STAGE)
def load(job: Job) -> dict[str, int]:
    return job.load()


@task(name="audit", task_run_name="audit the build", **STAGE)
def audit(job: Job) -> None:
    job.audit()


@task(name="publish", task_run_name="publish build {job.run_id}", **STAGE)
def publish(job: Job) -> dict[str, Any]:
    return job.publish()


# ── the graph ────────────────────────────────────────────────────────────────────────────
def parse_task_runner(settings: Settings):
    """Where parse batches run: threads of this process (default), a local process pool, or an
    existing Dask cluster.

    Every batch is parsed in a lean isolated child process (``pipeline.isolation``) whichever
    runner supervises it, so threads already use every core; a process pool adds a Prefect
    engine per worker (~250 MB each) for nothing but supervision."""
    p = settings.pipeline
    if p.task_runner == "dask":
        if not p.dask_address:
            raise ValueError("pipeline.task_runner = 'dask' needs pipeline.dask_address, e.g. tcp://127.0.0.1:8786")
        from prefect_dask import DaskTaskRunner

        return DaskTaskRunner(address=p.dask_address)
    if p.task_runner == "process":
        return ProcessPoolTaskRunner(max_workers=p.max_workers)
    return ThreadPoolTaskRunner(max_workers=p.max_workers)


@contextmanager
def api_for_workers() -> Iterator[str]:
    """Make the API this flow reports to the API of the task-runner's worker processes.

    Spawned workers read ``PREFECT_API_URL`` from the environment; without it each would start
    a temporary server of its own (seconds and ~150 MB each, and their task runs would not show
    on this run). With no server configured, this flow runs on Prefect's temporary server: the
    workers get its address."""
    from prefect.settings import PREFECT_API_URL

    url = PREFECT_API_URL.value()
    if not url:
        from prefect.server.api.server import SubprocessASGIServer

        server = SubprocessASGIServer()
        server.start()  # the running temporary server (one per process), or a new one
        url = server.api_url
    before = os.environ.get("PREFECT_API_URL")
    os.environ["PREFECT_API_URL"] = url
    try:
        yield url
    finally:
        if before is None:
            os.environ.pop("PREFECT_API_URL", None)
        else:
            os.environ["PREFECT_API_URL"] = before


def run_graph(settings: Settings, sources: Iterable[Any], *, source: str, flow_name: str,
              extra_documents: Iterable[Any] = (), after_load: Iterable[Callable] = (),
              progress_key: str = "build-warehouse-progress",
              sources_done: Callable[[], object] = lambda: None) -> dict[str, Any]:
    """Run the job's stages as tasks of the calling flow; returns the run summary.
    ``sources_done`` is called once every source is fetched (it ends what serves them)."""
    logger = get_run_logger()
    sources = list(sources)
    job = Job(settings, flow_name=flow_name, extra_documents=extra_documents, after_load=after_load,
              download_concurrency=download_concurrency(settings, source))
    progress_id = create_progress_artifact(progress=0.0, key=progress_key, description="Documents parsed in this run")
    started = time.perf_counter()
    open_build(job)
    try:
        stored: queue.Queue = queue.Queue()   # each source's listing, then its documents as stored

        def list_and_fetch(source: Any) -> FetchReport:
            listing = list_source(job, source, source.name)
            stored.put(listing)
            return fetch_source(job, quote(listing), stored.put, source.name, len(listing.entries))

        with api_for_workers(), parse_task_runner(settings) as parsers, \
                ThreadPoolExecutor(max(1, len(sources)), thread_name_prefix="source") as fetchers:
            # (a batch's spec is a plain object, which Prefect passes without walking it; a quoted
            # argument would not do: the Dask runner sends it on as a bare tuple)
            schedule = ParseSchedule(job, lambda spec: parsers.submit(parse_documents, {"spec": spec}))
            for doc in job.extra_documents:
                schedule.add(doc)
            # every source is listed and fetched at once, in a thread of its own (with this flow
            # run's context, so its tasks are this run's)
            downloads = [fetchers.submit(contextvars.copy_context().run, list_and_fetch, source) for source in sources]
            with _progress_bar() as bar:
                schedule.drain(stored, lambda: all(f.done() for f in downloads), bar.fetched)
                for future in downloads:
                    job.record_fetch(future.result(), time.perf_counter() - started)
                sources_done()

                def batch_done(result: BatchResult) -> None:
                    done = len(job.parsed)
                    total = max(len(schedule.parse_once) - len(job.registered), 1)
                    bar.parsed(done, total)
                    update_progress_artifact(progress_id, progress=min(100.0, 100.0 * done / total))

                fetched = schedule.finish(batch_done, lambda docs: freeze_names(job, quote(docs), len(docs)))
        close_workers()  # the parse children of this process: their memory is not needed past parsing
        update_progress_artifact(progress_id, progress=100.0)
        decide(job, quote(fetched), len(fetched))
        for table in job.tables():
            stage_table(job, table)
        validate(job, len(job.frames))
        load(job)
        audit(job)
    except BaseException as exc:
        close_workers()
        job.fail(exc)
        raise
    summary = publish(job)
    summary["timings"]["graph_s"] = round(time.perf_counter() - started, 3)
    logger.info(summary["message"])
    return summary


class _progress_bar:
    """A progress bar on a terminal (nothing elsewhere)."""

    def __enter__(self) -> "_progress_bar":
        from rich.progress import Progress

        # off a terminal nothing is drawn, and nothing is counted either: rich's bookkeeping of a
        # hidden bar, once a document, was 2 % of the flow process's Python time at a market year
        self.shown = sys.stderr.isatty()
        self._bar = Progress(transient=True, disable=not self.shown)
        self._bar.__enter__()
        self._fetching = self._bar.add_task("fetching documents", total=None)
        self._parsing = self._bar.add_task("parsing documents", total=None, visible=False)
        return self

    def fetched(self, done: int) -> None:
        if self.shown:
            self._bar.update(self._fetching, completed=done)

    def parsed(self, done: int, total: int) -> None:
        if self.shown:
            self._bar.update(self._fetching, visible=False)
            self._bar.update(self._parsing, completed=done, total=total, visible=True)

    def __exit__(self, *exc: Any) -> None:
        self._bar.__exit__(*exc)


@flow(name="backfill_window", flow_run_name="backfill-window-{date_from}-to-{date_to}", log_prints=True)
def backfill_window(source: str, date_from: date, date_to: date, inbox_paths: list[str] | None = None) -> dict[str, Any]:
    """Reprocess what the sources published in the window (see ``flows.backfill``) through the
    job's graph. Its own flow, in this importable module, because the flow run's context travels
    with every parse task to the Dask workers, which must import the flow it names (a flow in the
    deployments' entry file is loaded from its path by a Prefect worker, as a module Dask
    workers cannot import). The caller holds the writer slot."""
    from flows.backfill import Window, plan_backfill, restore_cursors
    from warehouse.backends import open_raw_store

    settings = get_settings()
    window = Window(date_from, date_to)
    with ExitStack() as serving:
        sources = serving.enter_context(open_sources(settings, source, inbox_paths=inbox_paths))
        plan = plan_backfill(sources, open_raw_store(settings), window)
        summary = run_graph(settings, plan.sources, source=source, flow_name="backfill_warehouse",
                            extra_documents=plan.replayed, after_load=[restore_cursors(plan)],
                            progress_key="backfill-warehouse-progress", sources_done=serving.close)
    summary["notes"] = plan.notes()
    get_run_logger().info("%s — %s", summary["message"], "; ".join(summary["notes"]))
    return summary


@flow(name="build_warehouse", flow_run_name="build-warehouse-{source}", log_prints=True)
def build_warehouse(source: str = "sample_market", inbox_paths: list[str] | None = None,
                    feeds: list[str] | None = None, hold_writer_slot: bool = True) -> dict[str, Any]:
    """Fetch what is new (from every feed, or only ``feeds``: see ``pipeline.sources``), parse,
    validate, load, audit and publish the warehouse.

    Holds the warehouse writer slot for the whole build, unless the calling flow holds it
    (``hold_writer_slot=False``, as the cadence flows of ``flows.deployments`` do)."""
    settings = get_settings()
    logger = get_run_logger()
    slot = writer_slot(logger, settings.pipeline.lock_timeout_seconds) if hold_writer_slot else nullcontext()
    with slot as held, ExitStack() as serving:
        sources = serving.enter_context(open_sources(settings, source, inbox_paths=inbox_paths, feeds=feeds or FEEDS))
        # the sample market's server ends with the fetch: its memory (≈ 120 MB at a market year)
        # would otherwise stay through the rest of parsing, validation and the load
        summary = run_graph(settings, sources, source=source, flow_name="build_warehouse", sources_done=serving.close)
    timings = {"writer_slot_wait_s": held.waited_s} if held is not None else {}
    publish_run_artifacts("Warehouse build", summary, Path(summary["published_path"]), timings)
    return summary
