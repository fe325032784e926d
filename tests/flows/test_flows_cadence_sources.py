"""Each cadence flow fetches its own sources: run against the sample market's loopback server
(through the session's Prefect server), the market-data flow asks only for curve downloads and
market-data files, the AMC flow only for AMC files, the trustee-report flow for the disclosure
listing, its attachments, the vendors' deal exports and the inbox, the exchange flow only the
SSE, SZSE, chinamoney and Shanghai Clearing imitations — read from the server's access log.
Together the four fetch every document of the market, and each reports the marts over the
tables it loaded as assets."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from urllib.parse import unquote

import duckdb
import pytest

from sample_market.manifest import read_manifest
from sample_market.server import CURVE_PATH, FORM_API_PATH, JSON_API_PATH, VENDOR_INDEX_PATH, VENDOR_PREFIX
from sample_market.venues import chinamoney, shclearing, sse, szse

pytestmark = pytest.mark.slow

ACCESS = re.compile(r'"(GET|POST|HEAD) (\S+) HTTP/1\.[01]"')
MARKET_DATA_FILES = {"vendor file: yield_curve_extract", "vendor file: bond_valuations", "vendor file: market_totals"}
AMC_FILES = {f"vendor file: {t}" for t in ("amc_registry", "amc_licence_events", "amc_bonds", "amc_bond_events",
                                           "amc_issuer_ratings", "amc_financials")}
DEAL_EXPORTS = {f"vendor file: {t}" for t in ("issuance_export", "cnabs_export", "outstanding_snapshot",
                                              "rating_actions")}
VENUE_ENDPOINTS = (  # (path or prefix, what it is), the exchange venues' imitations
    (sse.LIST_PATH, "SSE list"), (sse.FILE_PREFIX, "SSE file"),
    (szse.LIST_PATH, "SZSE list"), (szse.DOWNLOAD_PREFIX + szse.ATTACH_PREFIX, "SZSE file"),
    (chinamoney.WARM_UP_PATH, "chinamoney search page"), (chinamoney.TOKEN_PATH, "chinamoney token"),
    (chinamoney.SEARCH_PATH, "chinamoney search"), (chinamoney.DETAIL_PREFIX, "chinamoney detail page"),
    (chinamoney.DOWNLOAD_PATH, "chinamoney file"),
    (shclearing.SEARCH_PATH, "Shanghai Clearing search"), (shclearing.ARTICLE_PREFIX, "Shanghai Clearing article"),
    (shclearing.GATEWAY_PATH, "Shanghai Clearing file"),
)
EXCHANGE_CALLS = {what for _, what in VENUE_ENDPOINTS}


@pytest.fixture(scope="module")
def market(prefect_server, seed_market, sample_market_base, tmp_path_factory):
    """A fresh data dir reading the session's seed market, flows run in process on the server."""
    from settings import get_settings

    data = tmp_path_factory.mktemp("cadence-data")
    (data / "sample_market").symlink_to(sample_market_base, target_is_directory=True)
    patch = pytest.MonkeyPatch()
    patch.setenv("ABS_ETL_PATHS__DATA_DIR", str(data))
    patch.setenv("ABS_ETL_PIPELINE__LOCK_TIMEOUT_SECONDS", "300")
    get_settings.cache_clear()
    try:
        with prefect_server.client_settings():
            yield data, seed_market
    finally:
        patch.undo()
        get_settings.cache_clear()


def endpoint(method: str, path: str, doc_types: dict[str, str]) -> str:
    """What a request asked the sample market for, in the words of the test."""
    for prefix, what in VENUE_ENDPOINTS:
        if path.startswith(prefix):
            return what
    if path in (FORM_API_PATH, JSON_API_PATH):
        return "disclosure listing"
    if path == CURVE_PATH:
        return "curve download"
    if path == VENDOR_INDEX_PATH:
        return "vendor index"
    if path.startswith(VENDOR_PREFIX):
        return f"vendor file: {doc_types[path[len(VENDOR_PREFIX):]]}"
    if path.startswith("/xxpl/"):
        return "disclosure detail page" if path.endswith(".html") else "disclosure attachment"
    return f"{method} {path}"


def run_and_log(directory: Path, flow, **parameters) -> tuple[dict, set[str]]:
    """Run the flow with the server's access log (``sources.sample_market.access_log``) in a
    fresh file; returns the summary and what the requests asked for."""
    from settings import get_settings

    doc_types = {entry.rel_path: entry.doc_type for entry in read_manifest(directory)}
    access = Path(tempfile.mkdtemp()) / "access.log"
    patch = pytest.MonkeyPatch()
    patch.setenv("ABS_ETL_SOURCES__SAMPLE_MARKET__ACCESS_LOG", str(access))
    get_settings.cache_clear()
    try:
        summary = flow(calendar="every_day", **parameters)
    finally:
        patch.undo()
        get_settings.cache_clear()
    lines = access.read_text(encoding="utf-8").splitlines()
    requests = {endpoint(m, unquote(p.split("?")[0]), doc_types)
                for line in lines for m, p in ACCESS.findall(line)}
    assert summary["outcome"] == "published", summary.get("message")
    return summary, requests


def test_each_cadence_flow_calls_only_its_own_endpoints(market, prefect_server):
    from flows.deployments import (
        discover_exchange_disclosures,
        discover_trustee_reports,
        ingest_amc_bonds,
        ingest_market_data,
    )

    data, directory = market

    summary, called = run_and_log(directory, ingest_market_data)
    assert called == {"curve download", "vendor index", *MARKET_DATA_FILES}
    assert set(summary["rows_loaded"]) == {"core.yield_curves", "core.bond_valuations", "core.market_totals"}

    summary, called = run_and_log(directory, ingest_amc_bonds)
    assert called == {"vendor index", *AMC_FILES}
    assert {t for t, n in summary["rows_loaded"].items() if n} >= {"core.amcs", "core.amc_bonds", "core.amc_financials"}
    assert not {t for t in summary["rows_loaded"] if t.startswith(("core.deal", "core.tranche", "core.yield"))}

    inbox = data / "inbox"
    inbox.mkdir()
    (inbox / "会议纪要.txt").write_text("not a report\n", encoding="utf-8")
    summary, called = run_and_log(directory, discover_trustee_reports, inbox_paths=[str(inbox)])
    assert {"disclosure listing", "disclosure attachment", "vendor index", *DEAL_EXPORTS} <= called
    assert called <= {"disclosure listing", "disclosure attachment", "disclosure detail page", "vendor index",
                      *DEAL_EXPORTS}
    assert {"core.deals", "core.tranches", "core.pool_performance", "core.tranche_payments"} <= set(summary["rows_loaded"])

    summary, called = run_and_log(directory, discover_exchange_disclosures)
    # every venue asked, nothing else (chinamoney's detail page only for notices without attachment paths)
    assert EXCHANGE_CALLS - {"chinamoney detail page"} <= called <= EXCHANGE_CALLS
    assert {t for t, n in summary["rows_loaded"].items() if n} >= {"core.pool_performance", "core.tranche_payments"}

    con = duckdb.connect(str(data / "warehouse" / "abs_warehouse.duckdb"), read_only=True)
    try:
        registered = {r[0] for r in con.execute("SELECT document_id FROM raw.documents").fetchall()}
        inbox_outcome = con.execute("SELECT outcome FROM raw.documents WHERE source = 'inbox'").fetchall()
        cursors = [r[0] for r in con.execute("SELECT source FROM raw.fetch_cursors ORDER BY 1").fetchall()]
    finally:
        con.close()
    # the four feeds together fetch every document the market published, each under its own cursor
    assert registered >= {entry.doc_id for entry in read_manifest(directory)}
    assert inbox_outcome == [("quarantined",)]
    assert {"vendor_feed_market_data", "vendor_feed_amc_bonds", "vendor_feed_deal_exports", "chinabond_curves",
            "inbox", "sse_abs_bulletins", "szse_abs_announcements", "chinamoney_abn_reports",
            "shclearing_abn_reports"} <= set(cursors)


def test_a_load_reports_the_marts_over_the_tables_it_wrote(market, prefect_server):
    """Marts are views recreated by every load: the market-data run above reported the marts
    over yield curves as materialized assets, depending on the core tables they read."""
    found = prefect_server.wait_for("the materialization of marts.market_totals_by_month", lambda: prefect_server.api(
        "POST", "/events/filter", {"filter": {"event": {"prefix": ["prefect.asset.materialization.succeeded"]},
                                              "resource": {"id": ["duckdb://marts.market_totals_by_month"]}},
                                   "limit": 5})["events"], 60, 1.0)
    upstream = {r["prefect.resource.id"] for r in found[-1]["related"] if r["prefect.resource.role"] == "asset"}
    assert upstream == {"duckdb://core.market_totals"}
