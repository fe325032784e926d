"""The main job without Prefect: the stages of ``pipeline.job`` run in order, parse batches on a
pool of isolated worker processes (``pipeline.max_workers``), downloads on threads.

``flows.build_warehouse`` wires the same stages as a Prefect graph; this runner is for tests,
benchmarks that compare against Prefect's bookkeeping, and embedding the job in other programs.
Everything a run did is returned as a summary dict, recorded in ``dq.runs`` of the build it
published and in ``last_run.json`` beside the warehouse (refused runs publish nothing).
"""

from __future__ import annotations

import queue
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import duckdb

from pipeline.batches import close_workers, parse_batch
from pipeline.fetch import FetchReport
from pipeline.job import Job, ParseSchedule, new_run_id
from settings import Settings
from sources.base import Source
from warehouse.rawstore import StoredDocument

Progress = Callable[[str, int, int], None]


def run_job(
    settings: Settings,
    sources: Iterable[Source],
    *,
    flow_name: str = "build_warehouse",
    run_id: str | None = None,
    progress: Progress | None = None,
    extra_documents: Iterable[StoredDocument] = (),
    after_load: Iterable[Callable[[duckdb.DuckDBPyConnection], None]] = (),
    download_concurrency: int = 4,
    sources_done: Callable[[], object] = lambda: None,
) -> dict[str, Any]:
    """Run the whole job under the writer lock; returns the run summary (raises when refused).
    ``sources_done`` is called once every source is fetched (it ends what serves them)."""
    job = Job(settings, flow_name=flow_name, run_id=run_id or new_run_id(), extra_documents=tuple(extra_documents),
              after_load=tuple(after_load), download_concurrency=download_concurrency)
    job.open()
    try:
        with ThreadPoolExecutor(settings.pipeline.max_workers, thread_name_prefix="parse") as parsers:
            t = time.perf_counter()
            schedule = ParseSchedule(job, lambda spec: parsers.submit(parse_batch, spec))
            for doc in job.extra_documents:
                schedule.add(doc)
            stored: queue.Queue = queue.Queue()  # each source's listing, then its documents as stored

            def list_and_fetch(source: Source) -> FetchReport:
                listing = job.list_source(source)
                stored.put(listing)
                return job.download(listing, stored.put)

            with ThreadPoolExecutor(max(1, len(sources)), thread_name_prefix="source") as downloads:
                futures = [downloads.submit(list_and_fetch, source) for source in sources]
                schedule.drain(stored, lambda: all(f.done() for f in futures),
                               (lambda n: progress("fetch", n, 0)) if progress else None)
                for future in futures:
                    job.record_fetch(future.result(), time.perf_counter() - t)
            sources_done()

            def batch_done(_: Any) -> None:
                if progress:
                    progress("parse", len(job.parsed), len(schedule.fetched))

            fetched = schedule.finish(batch_done)
        close_workers()  # the parse children: their memory is not needed past parsing
        job.decide(fetched)
        for table in job.tables():
            job.stage_table(table)
        job.validate()
        job.load()
        job.audit()
    except BaseException as exc:
        job.fail(exc)
        raise
    finally:
        close_workers()
    return job.publish()


__all__ = ["run_job", "new_run_id"]
