"""The sources a run reads, built from settings: the sample market (default), ChinaBond, or
an inbox of files. The sample market is generated on first use (cached by generator version
and seed) and served on loopback, then read with the same connectors as the real sites."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from settings import Settings
from sources.base import Source
from sources.chinabond.curves import CURVES, CurveDef, CurveSource
from sources.chinabond.listing import OFFERING_DOCUMENTS, TRUSTEE_REPORTS, ChinaBondListing, ChinaBondListingSettings
from sources.http import HttpClient, HttpSettings
from sources.inbox import InboxSource
from sources.vendor_feed import VendorFeed


@contextmanager
def open_sources(settings: Settings, source: str, inbox_paths: list[str] | None = None) -> Iterator[list[Source]]:
    if source == "inbox":
        if not inbox_paths:
            raise ValueError("the inbox source needs paths: abs-etl ingest PATH…")
        yield [InboxSource([Path(p) for p in inbox_paths], max_document_mb=settings.limits.max_document_mb)]
    elif source == "chinabond":
        cb = settings.sources.chinabond
        http = HttpClient(HttpSettings(read_timeout=cb.timeout_seconds, max_attempts=cb.max_attempts,
                                       max_body_mb=settings.limits.max_document_mb),
                          session=pooled_session(3 * cb.download_concurrency))
        yield chinabond_sources(cb.base_url, cb.curve_base_url, http, cb.page_size, curve_years=())
    elif source == "sample_market":
        from sample_market.generate import ensure_generated
        from sample_market.server import Faults, serve

        sm = settings.sources.sample_market
        directory = ensure_generated(settings.paths.sample_dir, scale=sm.scale, seed=sm.seed)
        faults = Faults(seed=sm.fault_seed, latency_ms=sm.latency_ms, error_rate=sm.error_rate,
                        truncate_rate=sm.truncate_rate, drop_rate=sm.drop_rate, block_rate=sm.block_rate)
        with serve(directory, host=sm.host, faults=faults) as server:
            http = HttpClient(HttpSettings(backoff_base=0.02, backoff_cap=0.5, max_retry_after=1.0,
                                           max_total_seconds=120.0, max_attempts=12,
                                           max_body_mb=settings.limits.max_document_mb),
                              session=pooled_session(3 * sm.download_concurrency))
            curves = _sample_curves(directory)
            years = sorted({year for _, year in curves})
            sources = chinabond_sources(server.url, server.url, http, 100, curve_years=years,
                                        curves=[c for c, _ in curves])
            sources.append(VendorFeed(server.url + "/vendor/index.json", http=http,
                                      exclude_doc_types=("yield_curve",)))
            yield sources
    else:
        raise ValueError(f"unknown source {source!r}: sample_market, chinabond or inbox")


def pooled_session(connections: int):
    """A requests session that keeps a connection per concurrent download (urllib3 keeps 10)."""
    import requests
    from requests.adapters import HTTPAdapter

    session = requests.Session()
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


def chinabond_sources(base_url: str, curve_base_url: str, http: HttpClient, page_size: int,
                      curve_years: list[int] | tuple[int, ...], curves: list[CurveDef] | None = None) -> list[Source]:
    listings: list[Source] = [
        ChinaBondListing(ChinaBondListingSettings(base_url=base_url, channel=channel, page_size=page_size), http=http)
        for channel in (OFFERING_DOCUMENTS, TRUSTEE_REPORTS)
    ]
    if curve_years:
        listings.append(CurveSource(curve_years, curves=curves or CURVES, base_url=curve_base_url, http=http))
    return listings


def _sample_curves(directory: Path) -> list[tuple[CurveDef, int]]:
    """Curves the sample market publishes (ids and years), named as ChinaBond names them."""
    from sample_market.manifest import read_manifest

    known = {c.curve_id: c for c in CURVES}
    out = set()
    for entry in read_manifest(directory):
        if entry.curve_id:
            curve = known.get(entry.curve_id) or CurveDef(entry.curve_id, entry.title.split(" ")[0], entry.curve_id)
            out.add((curve, int(entry.year)))
    return sorted(out, key=lambda cy: (cy[0].curve_id, cy[1]))
