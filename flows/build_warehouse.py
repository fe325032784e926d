"""The main job as a Prefect flow: thin wiring of plain steps (see ``pipeline.run``)."""

from __future__ import annotations

from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_progress_artifact, update_progress_artifact

from pipeline.run import RunHooks, run_job
from pipeline.sources import open_sources
from settings import get_settings


@task(name="run-pipeline", task_run_name="build warehouse from {source}")
def run_pipeline(source: str, inbox_paths: list[str] | None) -> dict[str, Any]:
    from pipeline.hooks import default_hooks

    settings = get_settings()
    logger = get_run_logger()
    progress_id = create_progress_artifact(progress=0.0, key="build-warehouse-progress",
                                           description="Documents parsed in this run")

    def progress(stage: str, done: int, total: int) -> None:
        if stage == "parse" and total:
            update_progress_artifact(progress_id, progress=100.0 * done / total)

    with open_sources(settings, source, inbox_paths=inbox_paths) as sources:
        hooks: RunHooks = default_hooks(settings)
        summary = run_job(settings, sources, hooks, progress=progress)
    logger.info(summary["message"])
    return summary


@flow(name="build_warehouse", flow_run_name="build-warehouse-{source}", log_prints=True)
def build_warehouse(source: str = "sample_market", inbox_paths: list[str] | None = None) -> dict[str, Any]:
    """Fetch what is new, parse, validate, load, audit and publish the warehouse."""
    summary = run_pipeline(source, inbox_paths)
    create_markdown_artifact(key="build-warehouse-summary", markdown=summary_markdown(summary),
                             description="What this run did")
    return summary


def summary_markdown(summary: dict[str, Any]) -> str:
    docs = summary.get("documents", {})
    lines = [
        f"# Run {summary['run_id']}: {summary['outcome']}",
        "",
        summary.get("message", ""),
        "",
        "| outcome | documents |", "|---|---|",
        *(f"| {k} | {v} |" for k, v in docs.items()),
        "",
        "| table | rows loaded |", "|---|---|",
        *(f"| {k} | {v} |" for k, v in sorted(summary.get("rows_loaded", {}).items())),
        "",
        "| step | seconds |", "|---|---|",
        *(f"| {k} | {v} |" for k, v in summary.get("timings", {}).items()),
    ]
    return "\n".join(lines)
