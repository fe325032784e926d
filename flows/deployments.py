"""The flows ``prefect.yaml`` deploys, one per cadence — each a table of contents:

    ingest_market_data        daily after the close, exchange trading days   → build_warehouse(market_data)
    discover_trustee_reports  several times per business day                 → build_warehouse(trustee_reports)
    ingest_amc_bonds          daily                                          → build_warehouse(amc_bonds)
    discover_exchange_disclosures  four times per business day             → build_warehouse(exchange_disclosures)
    reconcile_warehouse       weekly, read-only full reconciliation          → expectations
    backfill_warehouse        on demand: reprocess a date range              → the build_warehouse graph

Each cadence flow fetches only its own feed (``pipeline.sources``): curves, valuations and
market totals; disclosure listings, the vendors' deal exports and the inbox; the AMC sources;
SSE, SZSE, chinamoney and Shanghai Clearing (exchange ABS and ABN reports).
Every load recreates the marts (views over ``core``) in the build it publishes and reports the
marts over the tables it wrote as assets.

Every flow that writes holds the writer slot (``flows.writer_slot``) for the whole build, so
two runs never build the warehouse at once: the second waits, then runs. Each leaves the
``warehouse-run-summary`` and ``warehouse-dq-results`` artifacts and reports the tables it
wrote as assets (``flows.assets``); a failure is sent through the notification block
(``flows.notifications``). Gated flows check China's business-day calendar
(``flows.business_days``) on the day the run was *scheduled* for, in Beijing time, and end
in a ``Skipped`` state (a Completed type) with the reason when it is not a day to run.
"""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.states import Completed, State

from flows.assets import declare_lineage, run_lineage
from flows.build_warehouse import build_warehouse
from flows.business_days import Calendar, check_day, shanghai_date
from flows.notifications import notify_failure
from flows.run_artifacts import publish_run_artifacts
from flows.writer_slot import writer_slot
from pipeline.sources import AMC_BONDS, EXCHANGE_FEED, MARKET_DATA, TRUSTEE_REPORT_FEED
from settings import get_settings

FAILURE_HOOKS = {"on_failure": [notify_failure], "on_crashed": [notify_failure]}


# ── run names ────────────────────────────────────────────────────────────────────────────
def scheduled_day() -> date:
    """The Beijing-time day this run was scheduled for (a late run still checks its own day)."""
    from prefect.runtime import flow_run

    return shanghai_date(flow_run.scheduled_start_time)


def _named(prefix: str):
    """``<prefix>-<source>-<scheduled day>``, e.g. ``ingest-market-data-chinabond-2026-03-02``."""

    def name() -> str:
        from prefect.runtime import flow_run

        source = (flow_run.parameters or {}).get("source") or get_settings().sources.default
        return f"{prefix}-{source}-{scheduled_day():%Y-%m-%d}"

    name.__name__ = f"{prefix.replace('-', '_')}_run_name"
    return name


def _dated(prefix: str):
    def name() -> str:
        return f"{prefix}-{scheduled_day():%Y-%m-%d}"

    name.__name__ = f"{prefix.replace('-', '_')}_run_name"
    return name


# ── cadence flows: gate on the calendar, hold the writer slot, build, report ──────────────
@flow(name="ingest_market_data", flow_run_name=_named("ingest-market-data"), **FAILURE_HOOKS)
def ingest_market_data(source: str | None = None, calendar: Calendar = "exchange") -> dict[str, Any] | State:
    """Yield curves, bond valuations and market totals, once a day after the close."""
    return _load("Market data", MARKET_DATA, source, None, calendar)


@flow(name="discover_trustee_reports", flow_run_name=_named("discover-trustee-reports"), **FAILURE_HOOKS)
def discover_trustee_reports(source: str | None = None, inbox_paths: list[str] | None = None,
                             calendar: Calendar = "business") -> dict[str, Any] | State:
    """Look for new trustee reports (受托机构报告) and offering documents in the disclosure
    listings, the vendors' deal exports and the inbox (``inbox_paths``); load what is new."""
    return _load("Trustee reports", TRUSTEE_REPORT_FEED, source, inbox_paths, calendar)


@flow(name="ingest_amc_bonds", flow_run_name=_named("ingest-amc-bonds"), **FAILURE_HOOKS)
def ingest_amc_bonds(source: str | None = None, calendar: Calendar = "every_day") -> dict[str, Any] | State:
    """The AMC registry and local-AMC bonds, their events, ratings and financials, once a day."""
    return _load("AMC bonds", AMC_BONDS, source, None, calendar)


@flow(name="discover_exchange_disclosures", flow_run_name=_named("discover-exchange-disclosures"), **FAILURE_HOOKS)
def discover_exchange_disclosures(source: str | None = None, calendar: Calendar = "business") -> dict[str, Any] | State:
    """Exchange ABS 收益分配报告 and 资产管理报告 (SSE, SZSE) and ABN 资产运营报告 (chinamoney,
    Shanghai Clearing), politely (one request at a time, seconds apart); load what is new."""
    return _load("Exchange disclosures", EXCHANGE_FEED, source, None, calendar)


def _load(title: str, feed: str, source: str | None, inbox_paths: list[str] | None,
          calendar: str) -> dict[str, Any] | State:
    logger = get_run_logger()
    check = check_day(scheduled_day(), calendar)
    (logger.warning if check.fallback else logger.info)("calendar %s: %s", calendar, check.reason)
    if not check.should_run:
        logger.info("skipping this run: %s", check.reason)
        return Completed(name="Skipped", message=f"not a day to run: {check.reason}")
    settings = get_settings()
    source = source or settings.sources.default
    started = time.monotonic()
    with writer_slot(logger, settings.pipeline.lock_timeout_seconds) as slot:
        t = time.monotonic()
        try:
            summary = build_warehouse(source=source, inbox_paths=inbox_paths, feeds=[feed], hold_writer_slot=False)
        except BaseException:
            _report_failed_run(title, settings, slot.acquired_at)
            raise
        build_s = round(time.monotonic() - t, 3)
    timings = {"writer_slot_wait_s": slot.waited_s, "build_warehouse_s": build_s}
    return _report(title, summary, source, settings, timings, started)


def _report(title: str, summary: dict[str, Any], source: str, settings, timings: dict[str, float],
            started: float, notes: list[str] | None = None) -> dict[str, Any]:
    """Artifacts and lineage of a published run (outside the writer slot: they only read)."""
    from warehouse.publish import WarehouseLayout

    published = WarehouseLayout(settings.paths.warehouse_dir).published  # a lake backend reads its catalog instead
    t = time.monotonic()
    declare_lineage(run_lineage(summary, source, published))
    timings = {**timings, "lineage_s": round(time.monotonic() - t, 3),
               "flow_total_s": round(time.monotonic() - started, 3)}
    dq = publish_run_artifacts(title, summary, published, timings, notes)
    summary["dq_failed_checks"] = sum(1 for r in dq.get("results", []) if not r["success"])
    return summary


def _report_failed_run(title: str, settings, since) -> None:
    """A refused or failed build still leaves a summary: the reason the job recorded
    (only if it is this run's record, i.e. started after this run took the writer slot)."""
    from datetime import datetime

    from warehouse.publish import WarehouseLayout, read_last_run

    layout = WarehouseLayout(settings.paths.warehouse_dir)
    last = read_last_run(layout)
    if not last or last.get("outcome") not in ("refused", "failed") or since is None:
        return
    if datetime.fromisoformat(last["started_at"]) >= since:
        publish_run_artifacts(title, last, layout.published)


# ── backfill ─────────────────────────────────────────────────────────────────────────────
@flow(name="backfill_warehouse", flow_run_name="backfill-warehouse-{date_from}-to-{date_to}", **FAILURE_HOOKS)
def backfill_warehouse(date_from: date, date_to: date, source: str | None = None,
                       inbox_paths: list[str] | None = None) -> dict[str, Any]:
    """Reprocess the documents published from ``date_from`` to ``date_to`` (Beijing time, both
    included). Idempotent: what the warehouse already holds is not loaded twice."""
    from flows.backfill import Window, parse_day
    from flows.build_warehouse import backfill_window

    logger = get_run_logger()
    settings = get_settings()
    window = Window(parse_day(date_from), parse_day(date_to))
    source = source or settings.sources.default
    started = time.monotonic()
    with writer_slot(logger, settings.pipeline.lock_timeout_seconds) as slot:
        t = time.monotonic()
        try:
            summary = backfill_window(source, window.date_from, window.date_to, inbox_paths)  # the graph, as a subflow
        except BaseException:
            _report_failed_run(f"Backfill {window}", settings, slot.acquired_at)
            raise
        build_s = round(time.monotonic() - t, 3)
    timings = {"writer_slot_wait_s": slot.waited_s, "backfill_s": build_s}
    return _report(f"Backfill {window}", summary, source, settings, timings, started, summary.get("notes"))


# ── weekly full reconciliation (read-only) ───────────────────────────────────────────────
class ReconciliationFailed(RuntimeError):
    """The published warehouse breaks at least one check; the artifact lists them."""


@task(name="check-reconciliations", cache_policy=NO_CACHE,
      task_run_name="reconcile sums and histories of the published warehouse")
def check_reconciliations(published: Path) -> list[dict[str, Any]]:
    """Every cross-row and cross-table reconciliation over the whole published warehouse."""
    from expectations.reconcile import CHECKS
    from warehouse.backends import open_published_or_none

    con = open_published_or_none(get_settings(), published)
    try:
        out = []
        for check in CHECKS:
            rows = con.execute(check.sql).fetchall()
            out.append({"group": "reconciliation", "check": check.name, "table": "", "success": not rows,
                        "violations": len(rows), "checked": None,
                        "detail": check.description + (f"; first: {rows[0]}" if rows else "")})
        return out
    finally:
        con.close()


@task(name="check-expectations", cache_policy=NO_CACHE,
      task_run_name="every expectation over every core table of the published warehouse")
def check_expectations(published: Path) -> list[dict[str, Any]]:
    """Each core table's suite over its full contents, relationships against the warehouse's
    own keys: the rows a batch gate let through still hold together."""
    from expectations.gate import Checkpoints, quarantine_rows, warehouse_parent_keys
    from warehouse.backends import open_published_or_none

    con = open_published_or_none(get_settings(), published)
    try:
        tables = [f"core.{t}" for (t,) in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'core' AND database_name = current_database() "
            "ORDER BY 1").fetchall()]
        parents = warehouse_parent_keys(con, tables)
        checkpoints = Checkpoints(run_name="weekly reconciliation")
        out = []
        for table in tables:
            frame = con.sql(f"SELECT * FROM {table}").pl()
            if frame.is_empty():
                continue
            for r in checkpoints.run(table, frame, parents):
                out.append({"group": "expectation", "check": r["expectation"], "table": table, "success": r["success"],
                            "violations": r["unexpected_count"] or 0, "checked": r["element_count"],
                            "detail": (r["observed_value"] or "")[:200]})
            gate = quarantine_rows({table: frame})
            out.append({"group": "row rules", "check": "rows that break a row-level rule", "table": table,
                        "success": not gate.quarantined, "violations": gate.quarantined_rows(), "checked": frame.height,
                        "detail": gate.quarantined[0]["reason"] if gate.quarantined else ""})
        return out
    finally:
        con.close()


@task(name="check-raw-store-registered", cache_policy=NO_CACHE,
      task_run_name="every raw-store document registered in raw.documents")
def check_raw_store_registered(published: Path) -> list[dict[str, Any]]:
    """Every document kept in the raw store (the configured one: ``raw_dir`` or S3) is accounted
    for in ``raw.documents``."""
    from warehouse.backends import open_published_or_none, open_raw_store

    settings = get_settings()
    stored = open_raw_store(settings).all()
    con = open_published_or_none(settings, published)
    try:
        registered = {r[0] for r in con.execute("SELECT document_id FROM raw.documents").fetchall()}
    finally:
        con.close()
    missing = [d for d in stored if d.sha256 not in registered]
    return [{"group": "registry", "check": "raw_store_documents_registered", "table": "raw.documents",
             "success": not missing, "violations": len(missing), "checked": len(stored),
             "detail": f"first unregistered: {missing[0].source}:{missing[0].title}" if missing else ""}]


@flow(name="reconcile_warehouse", flow_run_name=_dated("reconcile-warehouse"), **FAILURE_HOOKS)
def reconcile_warehouse(fail_on_violations: bool = True) -> dict[str, Any] | State:
    """Check the whole published warehouse (read-only): reconciliations, every expectation on
    every core table, and the raw store against the registry. Fails when any check fails."""
    from prefect.artifacts import create_markdown_artifact, create_table_artifact

    from flows.run_artifacts import RECONCILIATION_KEY, RECONCILIATION_TABLE_KEY
    from warehouse.backends import open_backend
    from warehouse.publish import WarehouseLayout

    logger = get_run_logger()
    settings = get_settings()
    published = WarehouseLayout(settings.paths.warehouse_dir).published
    backend = open_backend(settings)
    if not backend.exists():
        logger.info("no published warehouse at %s: nothing to reconcile", backend.location)
        return Completed(name="Skipped", message="no published warehouse yet")
    t = time.monotonic()
    results = [*check_reconciliations(published), *check_expectations(published),
               *check_raw_store_registered(published)]
    failed = [r for r in results if not r["success"]]
    verdict = f"{len(results) - len(failed)} of {len(results)} checks passed"
    rows = [f"| {r['group']} | {r['check']} | {r['table']} | {r['violations']} | {r['detail'][:150]} |"
            for r in failed] or ["| — | every check passed | | 0 | |"]
    markdown = "\n".join([
        f"# Weekly reconciliation: {'FAILED' if failed else 'passed'}", "",
        f"**{verdict}** over `{backend.location}` in {time.monotonic() - t:.1f} s.", "",
        "| group | check | table | violations | detail |", "|---|---|---|---:|---|", *rows,
    ])
    create_markdown_artifact(key=RECONCILIATION_KEY, markdown=markdown, description=verdict)
    create_table_artifact(key=RECONCILIATION_TABLE_KEY, table=results, description=verdict)
    logger.info(verdict)
    if failed and fail_on_violations:
        raise ReconciliationFailed(f"{verdict}; failed: " + ", ".join(f"{r['table'] or r['group']}:{r['check']}"
                                                                     for r in failed[:10]))
    return {"checks": len(results), "failed": len(failed)}
