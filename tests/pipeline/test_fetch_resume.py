"""A run that dies after downloading but before publishing loses no work: the next run lists
the same documents again (its cursor never moved) and takes them from the raw store without a
single download."""

from __future__ import annotations

import gc
from concurrent.futures import Future
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from pipeline.fetch import download_listing, fetch_new, list_source
from sample_market.manifest import ManifestEntry, write_manifest
from sample_market.server import serve
from sources.chinabond.listing import ChinaBondListing, ChinaBondListingSettings
from sources.http import HttpClient, HttpSettings
from warehouse.rawstore import RawStore

SHANGHAI = ZoneInfo("Asia/Shanghai")


def market(tmp_path, n: int = 3):
    directory = tmp_path / "market"
    (directory / "docs").mkdir(parents=True)
    entries = []
    for i in range(n):
        rel = f"docs/report_{i}.pdf"
        (directory / rel).write_bytes(b"%PDF-1.4\n" + f"report {i}".encode() * 50 + b"\n%%EOF\n")
        entries.append(ManifestEntry.for_file(
            directory, rel, file_name=f"测试2025年第一期受托机构报告（第{i + 1}期）.pdf",
            title=f"测试2025年第一期个人消费贷款资产支持证券受托机构报告（第{i + 1}期）",
            published_at=datetime(2025, 3, 1 + i, 17, tzinfo=SHANGHAI), channel="trustee_report",
            doc_type="trustee_report", source_doc_id=str(900000000 + i), issue_year=2025))
    write_manifest(directory, entries)
    return directory


def test_resumed_run_downloads_nothing_it_has(tmp_path):
    store = RawStore(tmp_path / "raw")
    with serve(market(tmp_path)) as server, HttpClient() as http:
        source = ChinaBondListing(ChinaBondListingSettings(base_url=server.url, page_size=10), http=http)
        first = fetch_new([source], store, cursors={})
        assert len(first.stored) == 3 and first.reused == 0
        downloads_before = server.stats["requests"]
        # the run dies here: its cursor was never written, so the next run starts from scratch
        again = fetch_new([source], store, cursors={})
        listing_requests = server.stats["requests"] - downloads_before
    assert again.reused == 3 and [d.sha256 for d in again.stored] == [d.sha256 for d in first.stored]
    assert listing_requests == 1  # one listing page, no attachment downloads


def test_cursor_stops_before_a_failed_download(tmp_path):
    store = RawStore(tmp_path / "raw")
    directory = market(tmp_path)
    with serve(directory) as server, HttpClient(HttpSettings(max_attempts=1)) as http:
        (directory / "docs" / "report_1.pdf").unlink()  # the site lists it but cannot serve it
        source = ChinaBondListing(ChinaBondListingSettings(base_url=server.url, page_size=10), http=http)
        report = fetch_new([source], store, cursors={})
    assert [f["title"][-5:] for f in report.failures] == ["（第2期）"]
    cursor = report.cursors[source.name]
    # only the report published before the failure is behind the cursor; the failed one and
    # everything after it will be listed again next run
    assert cursor.published_at == datetime(2025, 3, 1, 17, tzinfo=SHANGHAI)


def test_a_long_listing_is_handed_to_the_download_threads_a_few_at_a_time(tmp_path):
    """Not a future per listed document at once (≈ 1.7 KB each until the whole source is done:
    a market year's trustee reports held ≈ 55 MB of them while they downloaded)."""
    def futures() -> int:
        return sum(isinstance(o, Future) for o in gc.get_objects())

    store = RawStore(tmp_path / "raw")
    gc.collect()
    before = futures()
    alive: list[int] = []
    with serve(market(tmp_path, n=28)) as server, HttpClient() as http:
        source = ChinaBondListing(ChinaBondListingSettings(base_url=server.url, page_size=100), http=http)
        report = download_listing(list_source(source, {}), store, concurrency=1,
                                  on_stored=lambda doc: alive.append(futures() - before))
    assert len(report.stored) == 28 and not report.failures
    assert max(alive) <= 4, alive  # two per download thread (IN_FLIGHT_PER_THREAD), not one per document


def test_downloading_consumes_the_listing_entry_by_entry(tmp_path):
    """Each entry leaves the listing once its document is stored (a market year's listings held
    ≈ 57 MB until the last download); the counts the schedule plans with stay as listed."""
    store = RawStore(tmp_path / "raw")
    left: list[int] = []
    with serve(market(tmp_path, n=5)) as server, HttpClient() as http:
        source = ChinaBondListing(ChinaBondListingSettings(base_url=server.url, page_size=10), http=http)
        listing = list_source(source, {})
        report = download_listing(listing, store, concurrency=1,
                                  on_stored=lambda doc: left.append(sum(e is not None for e in listing.entries)))
    assert left == [5, 4, 3, 2, 1]     # counted before each stored document's entry leaves
    assert listing.entries == [None] * 5 and len(report.stored) == 5
    assert listing.counts() == {"trustee_report": 5}
    assert report.cursors[source.name].published_at == datetime(2025, 3, 5, 17, tzinfo=SHANGHAI)


def test_a_retried_download_goes_on_where_the_failed_attempt_stopped(tmp_path):
    """As Prefect retries the fetch task with the same listing: nothing is downloaded twice, each
    document an attempt could not hand on is handed on by the next, the cursor covers every entry
    and a document taken from the store is counted once however many attempts met it."""
    store = RawStore(tmp_path / "raw")
    handed: list[str] = []
    fail_at = {2, 3}   # the 3rd document while downloading, the 4th when the retry takes it from the store

    def on_stored(doc) -> None:
        if len(handed) in fail_at:
            fail_at.discard(len(handed))
            raise RuntimeError("the parse schedule is gone")
        handed.append(doc.source_doc_id)

    with serve(market(tmp_path, n=5)) as server, HttpClient() as http:
        source = ChinaBondListing(ChinaBondListingSettings(base_url=server.url, page_size=10), http=http)
        listing = list_source(source, {})
        for _ in range(2):
            with pytest.raises(RuntimeError):
                download_listing(listing, store, concurrency=1, on_stored=on_stored)
        report = download_listing(listing, store, concurrency=1, on_stored=on_stored)
        requests = server.stats["requests"]
    assert sorted(h.split(":")[0] for h in handed) == [str(900000000 + i) for i in range(5)]
    assert requests == 1 + 5                                   # one listing page, every document once
    # the 3rd and 4th were downloaded by the first attempt (the 4th in flight when it failed)
    assert len(report.stored) == 5 and report.reused == 2
    assert report.cursors[source.name].published_at == datetime(2025, 3, 5, 17, tzinfo=SHANGHAI)
