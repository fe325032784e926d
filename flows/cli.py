"""The `abs-etl` command line: run the main job, inspect and query what is published, and
drive the sample market. Every command has --help; long work shows a progress bar."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

def _prefect_defaults() -> None:
    """Offline-friendly Prefect defaults for CLI runs; explicit environment settings win."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")


def _skip_final_collection() -> None:
    """At exit, leave the run's objects out of the interpreter's last garbage collection: it
    walks every object a run made (1.2 s of a market-year run with nothing new) for memory the
    process returns to the system a moment later. (At exit, not now: a process that calls the
    command in-process, such as a test, keeps collecting its garbage.)"""
    import atexit
    import gc

    atexit.register(gc.freeze)


def _import_flows() -> None:
    """The flow and what it runs (Prefect's engine, polars, DuckDB: ~1 s), imported while
    Prefect's temporary server starts."""
    import flows.build_warehouse  # noqa: F401


app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)
sample_app = typer.Typer(no_args_is_help=True, help="The embedded sample market: generate documents, serve them.")
app.add_typer(sample_app, name="sample")
cluster_app = typer.Typer(no_args_is_help=True, help="The scale-out cluster on this host (docs/scale-out.md).")
app.add_typer(cluster_app, name="cluster")
console = Console()


@app.command()
def run(
    source: Optional[str] = typer.Option(None, help="sample_market (default), chinabond or inbox"),
    scale: Optional[str] = typer.Option(None, help="Sample-market scale: seed or market-year"),
) -> None:
    """Run the main job: fetch, parse, validate, load, audit and publish the warehouse."""
    _prefect_defaults()
    from flows.temporary_server import temporary_api
    from settings import get_settings

    settings = get_settings()
    if scale:
        settings.sources.sample_market.scale = scale
    with temporary_api(meanwhile=_import_flows):
        from flows.build_warehouse import build_warehouse

        summary = build_warehouse(source=source or settings.sources.default)
    _print_summary(summary)
    status(as_json=False)
    _skip_final_collection()


@app.command()
def ingest(paths: list[Path] = typer.Argument(..., exists=True, help="Files or folders to ingest")) -> None:
    """Ingest files a person dropped (trustee reports, exports, curve downloads) through the
    same pipeline; their type is recognised from content and name."""
    _prefect_defaults()
    from flows.temporary_server import temporary_api

    with temporary_api(meanwhile=_import_flows):
        from flows.build_warehouse import build_warehouse

        summary = build_warehouse(source="inbox", inbox_paths=[str(p) for p in paths])
    _print_summary(summary)
    _skip_final_collection()


@app.command()
def status(as_json: bool = typer.Option(False, "--json", help="Print JSON instead of tables")) -> None:
    """What is published: the warehouse path, build time, tables with row counts, last run."""
    from settings import get_settings
    from warehouse.backends import open_backend

    info = open_backend(get_settings()).describe()
    if as_json:
        print(json.dumps(info, ensure_ascii=False, indent=2, default=str))
        return
    if not info["exists"]:
        console.print(f"No published warehouse at {info['path']} yet: run [bold]abs-etl run[/bold].")
    else:
        console.print(f"Published warehouse: [bold]{info['path']}[/bold]")
        console.print(f"Built at {info['built_at']}, {info['size_bytes'] / 1e6:.1f} MB, migrations {info['migrations']}")
        if info.get("snapshots"):
            console.print("DuckLake snapshots (time travel: ATTACH … (SNAPSHOT_VERSION n)): " + ", ".join(
                f"{s['snapshot_id']} at {s['at']} ({s['message'] or 'no message'})" for s in info["snapshots"][:5]))
        table = Table("table", "rows", title="Tables")
        for t in info["tables"]:
            table.add_row(t["table"], f"{t['rows']:,}")
        console.print(table)
        if info.get("views"):
            console.print(f"Marts (views): {', '.join(info['views'])}")
    last = info.get("last_run")
    if last:
        console.print(f"Last run {last.get('run_id')}: [bold]{last.get('outcome')}[/bold] — {last.get('message')}")


@app.command()
def query(sql: str = typer.Argument(..., help="SQL to run on the published warehouse (read-only)")) -> None:
    """Run SQL on the published warehouse, read-only, and print the result."""
    from settings import get_settings
    from warehouse.backends import open_backend

    con = open_backend(get_settings()).open_read_only()
    try:
        rel = con.sql(sql)
        if rel is None:
            return
        columns, rows = rel.columns, rel.fetchall()
    finally:
        con.close()
    table = Table(*columns)
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    console.print(table)


@app.command()
def figures(
    ids: list[str] = typer.Argument(None, help="Figure IDs such as L-02 S-07 (default: all)"),
    output: str = typer.Option("text", "--format", help="text (for people), json or csv (exact values, for scripts)"),
    wide: bool = typer.Option(False, "--wide", help="One table per figure, as wide as the figure"),
    all_rows: bool = typer.Option(False, "--all", help="Every row of long figures (text output folds after 20)"),
) -> None:
    """Answer seed-report figures from the published warehouse's marts, each value as the report
    prints it (亿元, %, bp, dates) beside the report's printed value, ✓ or ✗."""
    import shutil

    from reports.printed import MAX_ROWS, answer, render_csv, render_json, render_text
    from settings import get_settings
    from warehouse.figures import load_catalogue
    from warehouse.backends import open_backend

    if output not in ("text", "json", "csv"):
        raise typer.BadParameter(f"--format must be text, json or csv, not {output!r}")
    catalogue = [f for f in load_catalogue() if not ids or f.id in set(ids)]
    if ids and len(catalogue) != len(set(ids)):
        unknown = sorted(set(ids) - {f.id for f in catalogue})
        raise typer.BadParameter(f"unknown figure IDs: {', '.join(unknown)}")
    con = open_backend(get_settings()).open_read_only()
    try:
        answers = [answer(con, figure) for figure in catalogue]
    finally:
        con.close()
    if output == "json":
        sys.stdout.write(render_json(answers))
    elif output == "csv":
        sys.stdout.write(render_csv(answers))
    elif wide:
        for a in answers:
            table = Table(*a.columns, title=f"{a.figure.id} — {a.figure.description}",
                          caption="matches the report" if not a.mismatches else
                          "differs: " + "; ".join(f"{c.column} {c.text} (report {c.printed_text})" for c in a.mismatches))
            for row in (a.rows if all_rows else a.rows[:MAX_ROWS]):
                table.add_row(*_printed_row(a, row))
            console.print(table)
    else:
        width = shutil.get_terminal_size((80, 24)).columns
        sys.stdout.write(render_text(answers, width=max(40, width), max_rows=10**9 if all_rows else MAX_ROWS))


def _printed_row(a, row: tuple) -> list[str]:
    from reports.printed import format_value

    return [format_value(a.figure, c, v) for c, v in zip(a.columns, row)]


@app.command()
def dictionary() -> None:
    """Regenerate docs/data-dictionary.md from the warehouse's comments."""
    from warehouse.dictionary import write_dictionary

    console.print(f"wrote {write_dictionary()}")


@sample_app.command("generate")
def sample_generate(
    out: Path = typer.Option(..., help="Directory to write documents, manifest and truth into"),
    scale: str = typer.Option("seed", help="seed or market-year"),
    seed: int = typer.Option(20251231, help="Seed number: same seed, same bytes"),
) -> None:
    """Generate the sample market's documents, manifest and ground truth."""
    from sample_market.generate import generate

    with console.status(f"generating the {scale} sample market (seed {seed}) …"):
        result = generate(out, scale=scale, seed=seed)
    console.print(f"{result.documents} documents in {out} ({result.seconds:.1f} s); truth in {out / 'truth'}")


@sample_app.command("serve", add_help_option=False,
                    context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def sample_serve(ctx: typer.Context) -> None:
    """Serve a generated sample market on loopback like the real disclosure sites (--help: fault knobs)."""
    from sample_market.server import main as serve_main

    raise typer.Exit(serve_main(ctx.args, prog="abs-etl sample serve"))


def _print_summary(summary: dict) -> None:
    console.print(f"Run {summary.get('run_id')}: [bold]{summary.get('outcome')}[/bold] — {summary.get('message')}")
    failures = summary.get("fetch_failures") or []
    if failures:
        console.print(f"[yellow]{len(failures)} downloads failed and will be retried next run[/yellow]")


# ── operating with Prefect: backfill and deploy (flows/deployments.py, prefect.yaml) ─────
@app.command()
def backfill(
    date_from: str = typer.Option(..., "--from", help="First publish day to reprocess, YYYY-MM-DD (Beijing time)"),
    date_to: str = typer.Option(..., "--to", help="Last publish day to reprocess, YYYY-MM-DD (included)"),
    source: Optional[str] = typer.Option(None, help="sample_market, chinabond or inbox (default: the configured one)"),
    inbox: Optional[list[Path]] = typer.Option(None, exists=True, help="Inbox files or folders (with --source inbox)"),
) -> None:
    """Reprocess the documents published in a date range, idempotently: what the warehouse
    already holds is not loaded twice, and the incremental cursors of the schedules stay put."""
    _prefect_defaults()
    from flows.backfill import Window, parse_day
    from flows.deployments import backfill_warehouse
    from flows.temporary_server import temporary_api

    try:
        window = Window(parse_day(date_from), parse_day(date_to))
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    with temporary_api():
        summary = backfill_warehouse(date_from=window.date_from, date_to=window.date_to, source=source,
                                     inbox_paths=[str(p) for p in inbox] if inbox else None)
    _print_summary(summary)
    for note in summary.get("notes", []):
        console.print(f"  {note}")


@app.command()
def deploy(
    pool: str = typer.Option("abs-etl-process", help="Process work pool the deployments use (as in prefect.yaml)"),
    only_setup: bool = typer.Option(False, "--only-setup", help="Create the pool and the limit, do not deploy"),
) -> None:
    """Prepare the Prefect server and deploy every flow of prefect.yaml: creates the `process`
    work pool and the one-slot warehouse writer limit if missing, then runs
    `prefect deploy --all`. Needs PREFECT_API_URL pointing at a running server."""
    import os
    import subprocess

    from prefect import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectNotFound
    from prefect.settings import PREFECT_API_URL
    from prefect.workers.process import ProcessWorker

    from flows.writer_slot import ensure_writer_limit
    from settings import PROJECT_ROOT

    api_url = PREFECT_API_URL.value()
    if not api_url:
        console.print("[red]PREFECT_API_URL is not set[/red]: start a server (`prefect server start`) and export "
                      "PREFECT_API_URL=http://127.0.0.1:4200/api — deployments on a temporary server vanish with it.")
        raise typer.Exit(2)
    with get_client(sync_client=True) as client:
        try:
            client.read_work_pool(pool)
            console.print(f"work pool {pool!r} exists")
        except ObjectNotFound:
            client.create_work_pool(WorkPoolCreate(
                name=pool, type="process", description="abs-etl flows, run as processes on this machine",
                base_job_template=ProcessWorker.get_default_base_job_template()))
            console.print(f"created work pool {pool!r} (type process)")
        console.print(ensure_writer_limit(client))
    if only_setup:
        return
    command = [sys.executable, "-m", "prefect", "--no-prompt", "deploy", "--all",
               "--prefect-file", str(PROJECT_ROOT / "prefect.yaml")]
    console.print(f"deploying to {api_url}: {' '.join(command[2:])}")
    result = subprocess.run(command, cwd=PROJECT_ROOT, env=os.environ.copy())
    if result.returncode != 0:
        raise typer.Exit(result.returncode)
    console.print(f"start a worker: [bold]prefect worker start --pool {pool}[/bold]")


# ── analysts: from a number to the documents behind it (reports/trace.py) ─────────────────
@app.command()
def trace(
    subject: str = typer.Argument(..., help="A figure ID (S-07), a mart row (marts.deal_facts:deal_id=…), "
                                            "a core row (core.deals:deal_id=…) or a bare key (a deal, tranche, bond or AMC id)"),
    render: Optional[Path] = typer.Option(None, "--render", help="Write each cited PDF page as a PNG with the cited "
                                                                 "cells boxed, and workbook cells as HTML, into this directory"),
    output: str = typer.Option("text", "--format", help="text or json"),
    all_items: bool = typer.Option(False, "--all", help="Every document and row (text output folds after 20 documents)"),
) -> None:
    """List the rows and documents behind a number: title, source, publish date, page, table, row
    label, the line as printed, and whether a later revision superseded the document. Read-only."""
    import shutil

    import duckdb

    from reports.trace import Tracer, parse_subject, render_pages, render_trace_text, trace_json
    from settings import get_settings
    from warehouse.figures import load_catalogue
    from warehouse.backends import open_backend

    try:
        kind, value = parse_subject(subject)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    con = open_backend(get_settings()).open_read_only()
    try:
        tracer = Tracer(con)
        try:
            if kind == "figure":
                figure = next((f for f in load_catalogue() if f.id == value), None)
                if figure is None:
                    raise typer.BadParameter(f"unknown figure ID {value}")
                result = tracer.trace_figure(figure)
            elif kind == "mart":
                result = tracer.trace_mart_row(*value)
            elif kind == "core":
                result = tracer.trace_core(*value)
            else:
                hits = tracer.find_key(value)
                if not hits:
                    raise typer.BadParameter(f"{value!r} is not a figure ID nor a key of any core table")
                result = tracer.trace_core(*hits[0])
        except (ValueError, duckdb.Error) as exc:
            raise typer.BadParameter(str(exc)) from None
        if output == "json":
            sys.stdout.write(trace_json(result))
        else:
            width = max(40, shutil.get_terminal_size((80, 24)).columns)
            big = 10**9
            sys.stdout.write(render_trace_text(result, width=width, max_documents=big if all_items else 20,
                                               max_rows=big if all_items else 8))
        if render is not None:
            written = render_pages(tracer, result, render, max_documents=None if all_items else 20)
            for path in written:
                console.print(f"wrote {path}")
    finally:
        con.close()


# ── analysts: the written market review (reports/review.py) ──────────────────────────────
@app.command()
def review(
    period: str = typer.Option(..., "--period", help="2025, 2025-H1, 2025-H2 or 2025-Q1 … 2025-Q4"),
    out: Path = typer.Option(..., "--out", help="Directory to write review.html and review.pdf into"),
    no_pdf: bool = typer.Option(False, "--no-pdf", help="Write the HTML only (no Chromium needed)"),
) -> None:
    """Write a Chinese market review of the period from the published warehouse (read-only):
    sections like the seed reports, sentences and tables built from the numbers, the charts of
    `abs-etl report`, every number linked to a footnote with its query and source documents.
    Writes OUT/review.html (one offline file) and OUT/review.pdf (headless Chromium)."""
    from reports.browser import BrowserMissing
    from reports.charts import has_marts, open_with_marts
    from reports.review import parse_period, write_review
    from settings import get_settings
    from warehouse.backends import open_backend

    try:
        window = parse_period(period)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    backend = open_backend(get_settings())
    path = backend.location
    con = backend.open_read_only()
    try:
        if not has_marts(con):
            con.close()
            con = open_with_marts(path)
        with console.status(f"writing the {window.label} review from {path} …"):
            try:
                result = write_review(con, window, out, pdf=not no_pdf)
            except BrowserMissing as exc:
                console.print(f"[red]{exc}[/red]; the HTML is written: {out / 'review.html'}")
                raise typer.Exit(2) from None
    finally:
        con.close()
    console.print(f"wrote {result.html_path}" + (f" and {result.pdf_path}" if result.pdf_path else ""))
    if not result.has_data:
        console.print(f"[yellow]the warehouse holds no data for {window.label}: the review says so[/yellow]")
    timings = ", ".join(f"{k.removesuffix('_s')} {v:.1f} s" for k, v in result.timings.items())
    console.print(f"{result.numbers} numbers, {result.footnotes} footnotes; {timings}")


# ── analysts: the seed reports' charts as an offline HTML page (reports/charts.py) ──────
@app.command()
def report(out: Path = typer.Option(..., "--out", help="Directory to write index.html and the chart PNGs into")) -> None:
    """Rebuild the seed reports' charts from the published warehouse (read-only): one PNG per
    chart and an offline index.html with a caption per chart naming the tables it reads."""
    from reports.charts import build_report, has_marts, open_with_marts
    from settings import get_settings
    from warehouse.backends import open_backend

    backend = open_backend(get_settings())
    path = backend.location
    con = backend.open_read_only()
    try:
        if not has_marts(con):
            # built before its marts existed: lay them over the file in memory, never writing to it
            con.close()
            console.print(f"[yellow]{path} has no marts: creating them in memory over the read-only file[/yellow]")
            con = open_with_marts(path)
        with console.status(f"drawing charts from {path} …"):
            written = build_report(con, out)
    finally:
        con.close()
    for p in written:
        console.print(f"wrote {p}")
    console.print(f"open [bold]{out / 'index.html'}[/bold] in a browser ({len(written) - 1} charts)")


# ── the scale-out cluster (cluster/, docs/scale-out.md) ──────────────────────────────────
_HOST_OPTION = typer.Option(None, "--host", help="This host's name in cluster.roles (default: the host name)")


@cluster_app.command("up")
def cluster_up(host: Optional[str] = _HOST_OPTION,
               deploy: bool = typer.Option(False, "--deploy", help="Also deploy prefect.yaml to the cluster's server")) -> None:
    """Start this host's services: PostgreSQL, the S3 store, the Prefect server, Dask scheduler
    and workers, Prefect workers (as cluster.roles assigns them); waits until each is ready."""
    from cluster.control import HostCluster, secrets_file
    from settings import get_settings

    cluster = HostCluster(get_settings(), host, say=console.print)
    try:
        cluster.up(deploy=deploy)
    except Exception as exc:
        console.print(f"[red]cluster up failed:[/red] {exc}")
        raise typer.Exit(1) from None
    console.print(f"cluster up: state in {cluster.state}; use it from a shell with "
                  f"[bold]set -a; . {secrets_file(cluster.settings)}; eval \"$(abs-etl cluster env)\"[/bold]")


@cluster_app.command("down")
def cluster_down(host: Optional[str] = _HOST_OPTION) -> None:
    """Stop this host's services (workers first, PostgreSQL last); data stays in the state folder."""
    from cluster.control import HostCluster
    from settings import get_settings

    stopped = HostCluster(get_settings(), host).down()
    console.print("stopped " + (", ".join(stopped) if stopped else "nothing (no service was running)"))


@cluster_app.command("status")
def cluster_status(host: Optional[str] = _HOST_OPTION,
                   as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table")) -> None:
    """Each service of this host: running, address, answering."""
    from cluster.control import HostCluster
    from settings import get_settings

    rows = HostCluster(get_settings(), host).status()
    if as_json:
        print(json.dumps(rows, indent=2))
        return
    table = Table("service", "pid", "address", "running", "ready", title="abs-etl cluster")
    for r in rows:
        table.add_row(r["service"], str(r.get("pid") or ""), r["address"], "yes" if r["running"] else "no",
                      "yes" if r["ready"] else "no")
    console.print(table)
    if not all(r["ready"] for r in rows):
        raise typer.Exit(3)


@cluster_app.command("env")
def cluster_env() -> None:
    """Shell exports to use the cluster (Prefect server, lake, S3 raw store, Dask): eval "$(abs-etl cluster env)"."""
    import shlex

    from cluster.control import client_environment
    from settings import get_settings

    for key, value in client_environment(get_settings()).items():
        print(f"export {key}={shlex.quote(value)}")


# Last, after every command is defined: `python -m flows.cli <command>` sees them all.
if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
