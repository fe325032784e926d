"""The sources a run reads, built from settings: the sample market (default), the real sites
(``chinabond``: ChinaBond, and SSE, SZSE, chinamoney and Shanghai Clearing for the exchange
feed), or an inbox of files. The sample market is generated on first use (cached by generator version and seed) and
served on loopback, then read with the same connectors as the real sites.

Sources come in four *feeds*, one per cadence flow (``flows.deployments``), so each scheduled
run fetches only what it is for; the main job (``abs-etl run``) takes all four:

- ``market_data``: yield curves (the annual curve downloads), bond valuations, market totals;
- ``trustee_reports``: the disclosure listings (trustee reports 受托机构报告 and offering
  documents 发行文件), the vendors' deal exports (issuance, CNABS, outstanding snapshots, rating
  actions: they describe the same deals) and the inbox, when paths are given;
- ``amc_bonds``: the AMC registry, bonds, bond events, issuer ratings and financial statements;
- ``exchange_disclosures``: exchange ABS 收益分配报告 and 资产管理报告 (SSE, SZSE) and ABN
  资产运营报告 (chinamoney, Shanghai Clearing), each site with its polite connector
  (``sources/polite.py``).

Every vendor-index feed has its own cursor name, so one feed's run never moves another's cursor.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from settings import Settings
from sources.base import Source
from sources.chinabond.curves import CURVES, CurveDef, CurveSource
from sources.chinabond.listing import OFFERING_DOCUMENTS, TRUSTEE_REPORTS, ChinaBondListing, ChinaBondListingSettings
from sources.chinamoney.notices import ChinamoneyNotices, ChinamoneySettings
from sources.http import HttpClient, HttpSettings
from sources.inbox import InboxSource
from sources.polite import Politeness
from sources.shclearing.bulletins import ShclearingBulletins, ShclearingSettings
from sources.sse.bulletins import SseBulletins, SseSettings
from sources.szse.announcements import SzseAnnouncements, SzseSettings
from sources.vendor_feed import SOURCE as VENDOR_FEED
from sources.vendor_feed import VendorFeed
from transforms.normalise.dates import MARKET_TIMEZONE

MARKET_DATA, TRUSTEE_REPORT_FEED, AMC_BONDS = "market_data", "trustee_reports", "amc_bonds"
EXCHANGE_FEED = "exchange_disclosures"
FEEDS: tuple[str, ...] = (MARKET_DATA, TRUSTEE_REPORT_FEED, AMC_BONDS, EXCHANGE_FEED)

MARKET_DATA_EXPORTS = ("yield_curve_extract", "bond_valuations", "market_totals")
AMC_EXPORTS = ("amc_registry", "amc_licence_events", "amc_bonds", "amc_bond_events", "amc_issuer_ratings",
               "amc_financials")
CURVE_DOWNLOADS = ("yield_curve",)
"""Annual curve files are fetched from the curve download (``CurveSource``), not from the index."""


@contextmanager
def open_sources(settings: Settings, source: str, inbox_paths: list[str] | None = None,
                 feeds: Iterable[str] = FEEDS) -> Iterator[list[Source]]:
    """The sources of ``feeds`` (all by default) for ``source``; the inbox (``inbox_paths``)
    belongs to the trustee-report feed, and ``source="inbox"`` reads only the inbox."""
    feeds = _checked(feeds)
    inbox = ([InboxSource([Path(p) for p in inbox_paths], max_document_mb=settings.limits.max_document_mb)]
             if inbox_paths and TRUSTEE_REPORT_FEED in feeds else [])
    if source == "inbox":
        if not inbox_paths:
            raise ValueError("the inbox source needs paths: abs-etl ingest PATH…")
        if TRUSTEE_REPORT_FEED not in feeds:
            raise ValueError(f"the inbox is read by the {TRUSTEE_REPORT_FEED} feed (discover_trustee_reports), "
                             f"not by {', '.join(feeds)}")
        yield inbox
    elif source == "chinabond":
        cb = settings.sources.chinabond
        http = HttpClient(HttpSettings(read_timeout=cb.timeout_seconds, max_attempts=cb.max_attempts,
                                       max_body_mb=settings.limits.max_document_mb),
                          session=pooled_session(3 * cb.download_concurrency))
        this_year = datetime.now(MARKET_TIMEZONE).year
        venues = venue_sources(settings) if EXCHANGE_FEED in feeds else []
        yield [*chinabond_sources(cb.base_url, cb.curve_base_url, http, cb.page_size, feeds,
                                  curve_years=(this_year - 1, this_year)), *venues, *inbox]
    elif source == "sample_market":
        from sample_market.generate import ensure_generated
        from sample_market.server import Faults
        from sample_market.server_process import ServerProcess

        sm = settings.sources.sample_market
        directory = ensure_generated(settings.paths.sample_dir, scale=sm.scale, seed=sm.seed)
        faults = Faults(seed=sm.fault_seed, latency_ms=sm.latency_ms, error_rate=sm.error_rate,
                        truncate_rate=sm.truncate_rate, drop_rate=sm.drop_rate, block_rate=sm.block_rate,
                        soft_ban_rate=sm.soft_ban_rate)
        # the server runs in a child process: its requests are answered on a core of their own
        with ServerProcess(directory, host=sm.host, faults=faults, access_log=sm.access_log) as server:
            # retries are cheap on loopback: a fault drill (20 % errors, 20 % cut bodies, 5 % drops:
            # 39 % of attempts fail) loses one of ~1,500 documents in 2 % of runs with 12 attempts
            # (0.39^12 a document; it happened), 3·10⁻⁷ with 24, whose waits (≤ 1 s each) stay
            # inside the 120 s budget
            http = HttpClient(HttpSettings(backoff_base=0.02, backoff_cap=0.5, max_retry_after=1.0,
                                           max_total_seconds=120.0, max_attempts=24,
                                           max_body_mb=settings.limits.max_document_mb),
                              session=pooled_session(3 * sm.download_concurrency, loopback=True))
            curves = _sample_curves(directory)
            sources = chinabond_sources(server.url, server.url, http, 100, feeds,
                                        curve_years=sorted({year for _, year in curves}),
                                        curves=[c for c, _ in curves])
            sources.extend(vendor_feeds(server.url + "/vendor/index.json", http, feeds))
            if EXCHANGE_FEED in feeds:
                spaced = sm.venue_min_interval_seconds > 0
                loopback = Politeness(min_interval_seconds=sm.venue_min_interval_seconds, jitter_seconds=0,
                                      soft_ban_wait_seconds=0.05, in_flight=1 if spaced else sm.download_concurrency)
                sources.extend(venue_sources(settings, http=http, base_url=server.url, politeness=loopback,
                                             page_size=50))
            yield [*sources, *inbox]
    else:
        raise ValueError(f"unknown source {source!r}: sample_market, chinabond or inbox")


def pooled_session(connections: int, *, loopback: bool = False):
    """A requests session that keeps a connection per concurrent download (urllib3 keeps 10)."""
    import requests
    from requests.adapters import HTTPAdapter

    session = requests.Session()
    if loopback:  # no proxy or .netrc applies to 127.0.0.1: not read from the environment per request
        session.trust_env = False
    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=max(10, connections))
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


INBOX_DOWNLOAD_CONCURRENCY = 4  # local files: a few reads at once keep the disk busy


def download_concurrency(settings: Settings, source: str) -> int:
    """Downloads in flight at once per source: polite for real sites, high for the loopback market."""
    if source == "sample_market":
        return settings.sources.sample_market.download_concurrency
    if source == "chinabond":
        return settings.sources.chinabond.download_concurrency
    return INBOX_DOWNLOAD_CONCURRENCY


def chinabond_sources(base_url: str, curve_base_url: str, http: HttpClient, page_size: int, feeds: Iterable[str],
                      curve_years: list[int] | tuple[int, ...], curves: list[CurveDef] | None = None) -> list[Source]:
    """The disclosure listings (trustee-report feed) and the curve downloads (market-data feed)."""
    feeds = _checked(feeds)
    out: list[Source] = []
    if TRUSTEE_REPORT_FEED in feeds:
        out.extend(ChinaBondListing(ChinaBondListingSettings(base_url=base_url, channel=channel, page_size=page_size),
                                    http=http) for channel in (OFFERING_DOCUMENTS, TRUSTEE_REPORTS))
    if MARKET_DATA in feeds and curve_years:
        out.append(CurveSource(curve_years, curves=curves or CURVES, base_url=curve_base_url, http=http))
    return out


def vendor_feeds(index_url: str, http: HttpClient, feeds: Iterable[str]) -> list[Source]:
    """One reader of the vendor index per feed, each with its own cursor; the trustee-report
    feed takes every document type the other two do not, so a new type is never left out."""
    feeds = _checked(feeds)
    out: list[Source] = []
    if MARKET_DATA in feeds:
        out.append(VendorFeed(index_url, http=http, doc_types=MARKET_DATA_EXPORTS, name=f"{VENDOR_FEED}_{MARKET_DATA}"))
    if TRUSTEE_REPORT_FEED in feeds:
        out.append(VendorFeed(index_url, http=http, exclude_doc_types=(*MARKET_DATA_EXPORTS, *AMC_EXPORTS, *CURVE_DOWNLOADS),
                              name=f"{VENDOR_FEED}_deal_exports"))
    if AMC_BONDS in feeds:
        out.append(VendorFeed(index_url, http=http, doc_types=AMC_EXPORTS, name=f"{VENDOR_FEED}_{AMC_BONDS}"))
    return out


def venue_sources(settings: Settings, *, http: HttpClient | None = None, base_url: str | None = None,
                  politeness: Politeness | None = None, page_size: int | None = None) -> list[Source]:
    """SSE, SZSE, chinamoney and Shanghai Clearing connectors from their settings (the exchange
    feed); ``base_url`` (the sample market) replaces every host, ``politeness`` and
    ``page_size`` the configured ones."""
    def polite(v) -> Politeness:
        return politeness or Politeness(v.min_interval_seconds, v.jitter_seconds, v.soft_ban_retries,
                                        v.soft_ban_wait_seconds)

    def client(v) -> HttpClient:
        return http or HttpClient(HttpSettings(read_timeout=v.timeout_seconds, max_attempts=v.max_attempts,
                                               max_body_mb=settings.limits.max_document_mb))

    sse, szse, cm, sh = (settings.sources.sse, settings.sources.szse, settings.sources.chinamoney,
                         settings.sources.shclearing)
    return [
        SseBulletins(SseSettings(query_url=base_url or sse.query_url, static_url=base_url or sse.static_url,
                                 referer=(base_url + "/") if base_url else sse.referer,
                                 page_size=min(page_size or sse.page_size, 100), start_date=sse.start_date,
                                 politeness=polite(sse)), http=client(sse)),
        SzseAnnouncements(SzseSettings(base_url=base_url or szse.base_url, static_url=base_url or szse.static_url,
                                       channel_codes=tuple(szse.channel_codes),
                                       small_category_ids=tuple(szse.small_category_ids),
                                       page_size=min(page_size or szse.page_size, 50), start_date=szse.start_date,
                                       politeness=polite(szse)), http=client(szse)),
        ChinamoneyNotices(ChinamoneySettings(base_url=base_url or cm.base_url, search_text=cm.search_text,
                                             page_size=page_size or cm.page_size, start_date=cm.start_date,
                                             politeness=polite(cm)), http=client(cm)),
        ShclearingBulletins(ShclearingSettings(base_url=base_url or sh.base_url, search_text=sh.search_text,
                                               page_size=min(page_size or sh.page_size, 100), start_date=sh.start_date,
                                               politeness=polite(sh)), http=client(sh)),
    ]


def _checked(feeds: Iterable[str]) -> tuple[str, ...]:
    feeds = tuple(feeds)
    unknown = sorted(set(feeds) - set(FEEDS))
    if unknown or not feeds:
        raise ValueError(f"unknown feeds {unknown}: choose from {', '.join(FEEDS)}" if unknown else "no feed chosen")
    return feeds


def _sample_curves(directory: Path) -> list[tuple[CurveDef, int]]:
    """Curves the sample market publishes (ids and years), named as ChinaBond names them.

    Only manifest lines that name a curve are read (the manifest leaves out keys it has no
    value for): a market year's 42,855 lines hold a dozen curves, and reading them all cost a
    run with nothing new ~1 s."""
    import json

    from sample_market.manifest import MANIFEST_NAME, ManifestEntry

    known = {c.curve_id: c for c in CURVES}
    out = set()
    with (directory / MANIFEST_NAME).open(encoding="utf-8-sig") as lines:
        for line in lines:
            if '"curve_id"' not in line:
                continue
            entry = ManifestEntry.from_dict(json.loads(line))
            if entry.curve_id:
                curve = known.get(entry.curve_id) or CurveDef(entry.curve_id, entry.title.split(" ")[0], entry.curve_id)
                out.add((curve, int(entry.year)))
    return sorted(out, key=lambda cy: (cy[0].curve_id, cy[1]))
