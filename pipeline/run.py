"""One run of the main job: fetch → parse → decide → validate → load → audit → publish.

Plain functions (no Prefect here); ``flows.build_warehouse`` wires the same steps as tasks.
Everything a run did is returned as a summary dict, recorded in ``dq.runs`` of the build it
published and in ``last_run.json`` beside the warehouse (refused runs publish nothing).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import duckdb

from expectations.agreement import check_source_agreement
from pipeline import steps
from pipeline.fetch import fetch_new, read_cursors, write_cursors
from pipeline.outcomes import DocumentResult, decide_outcomes
from pipeline.plausibility import quarantine_implausible
from settings import Settings
from sources.base import Source
from warehouse.publish import (
    PublishRefused, WarehouseLayout, discard_build, publish_build, start_build, write_last_run, writer_lock,
)
from warehouse.rawstore import RawStore, StoredDocument

Progress = Callable[[str, int, int], None]


@dataclass
class RunHooks:
    """The pluggable parts of a run, so tests and the flow can swap in what they need."""

    parse_one: Callable[[StoredDocument, bytes, dict[str, Any]], Any]
    context: Callable[[duckdb.DuckDBPyConnection], dict[str, Any]] = lambda con: {}
    order: Callable[[StoredDocument], Any] | None = None
    validate: Callable[[duckdb.DuckDBPyConnection, dict, str], tuple[dict, int]] | None = None
    audit: Callable[[duckdb.DuckDBPyConnection, str], None] | None = None
    after_load: list[Callable[[duckdb.DuckDBPyConnection], None]] = field(default_factory=list)


def new_run_id() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]


def run_job(
    settings: Settings,
    sources: Iterable[Source],
    hooks: RunHooks,
    *,
    flow_name: str = "build_warehouse",
    run_id: str | None = None,
    progress: Progress | None = None,
    extra_documents: Iterable[StoredDocument] = (),
) -> dict[str, Any]:
    """Run the whole job under the writer lock; returns the run summary."""
    run_id = run_id or new_run_id()
    layout = WarehouseLayout(settings.paths.warehouse_dir)
    store = RawStore(settings.paths.raw_dir)
    summary: dict[str, Any] = {
        "run_id": run_id, "flow_name": flow_name,
        "started_at": datetime.now(timezone.utc).isoformat(), "timings": {},
    }
    timings = summary["timings"]
    with writer_lock(layout, settings.pipeline.lock_timeout_seconds):
        build = start_build(layout, run_id)
        summary["build_path"] = str(build)
        con = duckdb.connect(str(build))
        stashed = import_stashed_quality(con, layout)
        try:
            t = time.perf_counter()
            report = fetch_new(sources, store, read_cursors(con),
                               (lambda name, n: progress("fetch", n, 0)) if progress else None)
            fetched = _new_documents(con, [*report.stored, *extra_documents])
            timings["fetch_s"] = round(time.perf_counter() - t, 3)
            summary["fetch_failures"] = report.failures

            t = time.perf_counter()
            results = parse_in_batches(store, fetched, hooks, con, settings.pipeline.batch_size, progress)
            quarantine_implausible(results, con)
            decide_outcomes(results, steps.registered_documents(con))
            timings["parse_s"] = round(time.perf_counter() - t, 3)

            frames, lost = steps.frames_to_load(results, con)
            summary["rows_superseded_in_batch"] = len(lost)
            rows_quarantined = 0
            if hooks.validate:
                t = time.perf_counter()
                frames, rows_quarantined = hooks.validate(con, frames, run_id)
                timings["validate_s"] = round(time.perf_counter() - t, 3)
            summary["rows_quarantined"] = rows_quarantined

            t = time.perf_counter()
            disagreements = check_source_agreement(con, run_id, frames, lost)
            summary["source_disagreements"] = sum(n for counts in disagreements.values() for n in counts.values())
            summary["rows_loaded"] = steps.load_frames(con, frames)
            steps.register_documents(con, results, run_id)
            steps.quarantine_documents(con, results, run_id)
            write_cursors(con, report.cursors)
            for step in hooks.after_load:
                step(con)
            timings["load_s"] = round(time.perf_counter() - t, 3)
            summary.update(steps.summarise(results))

            t = time.perf_counter()
            if hooks.audit:
                hooks.audit(con, run_id)
            timings["audit_s"] = round(time.perf_counter() - t, 3)

            summary.update(outcome="published", finished_at=datetime.now(timezone.utc).isoformat())
            summary["message"] = _message(summary)
            steps.record_run(con, summary)
            con.execute("CHECKPOINT")
        except PublishRefused as exc:
            summary.update(outcome="refused", message=str(exc), finished_at=datetime.now(timezone.utc).isoformat())
            stash_refused_quality(con, layout, summary)
            con.close()
            discard_build(build)
            write_last_run(layout, summary)
            raise
        except BaseException as exc:
            con.close()
            discard_build(build)
            summary.update(outcome="failed", message=f"{type(exc).__name__}: {exc}",
                           finished_at=datetime.now(timezone.utc).isoformat())
            write_last_run(layout, summary)
            raise
        con.close()
        summary["published_path"] = str(publish_build(layout, build, settings.publish.keep_builds))
        for path in stashed:  # now part of the published history
            path.unlink(missing_ok=True)
    write_last_run(layout, summary)
    return summary


QUALITY_TABLES = ("dq.results", "dq.quarantine")


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


def import_stashed_quality(con: duckdb.DuckDBPyConnection, layout: WarehouseLayout) -> list[Any]:
    """Load the dq rows of refused runs into this build; returns the files to delete once published."""
    files = sorted((layout.warehouse_dir / "dq_pending").glob("*.parquet"))
    for path in files:
        table = ".".join(path.name.split(".")[1:3])
        con.execute(f"INSERT INTO {table} SELECT * FROM read_parquet('{path}')")
    return files


def _new_documents(con: duckdb.DuckDBPyConnection, stored: list[StoredDocument]) -> list[StoredDocument]:
    """Drop documents this warehouse already registered under the same source id (a re-listing
    after a resumed run is not a new fetch); keep one entry per (source, id)."""
    known = set(
        con.execute("SELECT source, source_doc_id, document_id FROM raw.documents").fetchall()
    )
    out, seen = [], set()
    for s in stored:
        key = (s.source, s.source_doc_id)
        if key in seen or (s.source, s.source_doc_id, s.sha256) in known:
            continue
        seen.add(key)
        out.append(s)
    return out


def parse_in_batches(
    store: RawStore,
    docs: list[StoredDocument],
    hooks: RunHooks,
    con: duckdb.DuckDBPyConnection,
    batch_size: int,
    progress: Progress | None = None,
) -> list[DocumentResult]:
    context = hooks.context(con)
    if hooks.order is not None:
        docs = sorted(docs, key=hooks.order)
    results: list[DocumentResult] = []
    for start in range(0, len(docs), batch_size):
        results.extend(steps.parse_batch(store, docs[start:start + batch_size], hooks.parse_one, context))
        if progress:
            progress("parse", len(results), len(docs))
    return results


def _message(summary: dict[str, Any]) -> str:
    d = summary.get("documents", {})
    return (
        f"{summary.get('documents_fetched', 0)} documents: {d.get('loaded', 0)} loaded, "
        f"{d.get('superseded', 0)} superseded, {d.get('duplicate', 0)} duplicate, "
        f"{d.get('skipped', 0)} skipped, {d.get('quarantined', 0)} quarantined; "
        f"{summary.get('rows_quarantined', 0)} rows quarantined"
    )
