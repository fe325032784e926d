"""The main job as a Prefect flow: thin wiring of plain steps (see ``pipeline.run``)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_progress_artifact, update_progress_artifact

from flows.run_artifacts import publish_run_artifacts
from pipeline.run import run_job
from pipeline.sources import FEEDS, open_sources
from settings import get_settings


@task(name="run-pipeline", task_run_name="build warehouse from {source}")
def run_pipeline(source: str, inbox_paths: list[str] | None, feeds: list[str] | None = None) -> dict[str, Any]:
    """Fetch, parse, validate, load, audit and publish; progress goes to a Prefect artifact and,
    on a terminal, to a progress bar."""
    from rich.progress import Progress

    from pipeline.hooks import default_hooks

    settings = get_settings()
    progress_id = create_progress_artifact(progress=0.0, key="build-warehouse-progress",
                                           description="Documents parsed in this run")
    with Progress(transient=True, disable=not sys.stderr.isatty()) as bar:
        fetching = bar.add_task("fetching documents", total=None)
        parsing = bar.add_task("parsing documents", total=None, visible=False)

        def progress(stage: str, done: int, total: int) -> None:
            if stage == "fetch":
                bar.update(fetching, completed=done)
            elif stage == "parse" and total:
                bar.update(fetching, visible=False)
                bar.update(parsing, completed=done, total=total, visible=True)
                update_progress_artifact(progress_id, progress=100.0 * done / total)

        with open_sources(settings, source, inbox_paths=inbox_paths, feeds=feeds or FEEDS) as sources:
            summary = run_job(settings, sources, default_hooks(settings), progress=progress)
    get_run_logger().info(summary["message"])
    return summary


@flow(name="build_warehouse", flow_run_name="build-warehouse-{source}", log_prints=True)
def build_warehouse(source: str = "sample_market", inbox_paths: list[str] | None = None,
                    feeds: list[str] | None = None) -> dict[str, Any]:
    """Fetch what is new (from every feed, or only ``feeds``: see ``pipeline.sources``), parse,
    validate, load, audit and publish the warehouse."""
    summary = run_pipeline(source, inbox_paths, feeds)
    publish_run_artifacts("Warehouse build", summary, Path(summary["published_path"]), summary.get("timings"))
    return summary
