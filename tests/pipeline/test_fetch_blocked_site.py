"""A site that refuses us does not stop the run: its listing is reported among the fetch
failures with the connector's clear message, its cursor stays where it was, and every other
source is fetched as usual. The next run, with the site answering again, lists what was missed."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from pipeline.fetch import fetch_new
from sample_market.manifest import ManifestEntry, write_manifest
from sample_market.server import Faults, serve
from sources.base import Cursor
from sources.http import HttpClient, HttpSettings
from sources.polite import Politeness
from sources.sse.bulletins import SseBulletins, SseSettings
from sources.szse.announcements import SzseAnnouncements, SzseSettings
from warehouse.rawstore import RawStore

SHANGHAI = ZoneInfo("Asia/Shanghai")
FAST = Politeness(min_interval_seconds=0, jitter_seconds=0, soft_ban_wait_seconds=0)
PLAN = "德邦证券-京东融通2024年第一期小微贷款资产支持专项计划"


def venue_market(directory, channel: str, count: int):
    entries = []
    for i in range(count):
        rel = f"{channel}/{i}.pdf"
        (directory / channel).mkdir(parents=True, exist_ok=True)
        (directory / rel).write_bytes(f"%PDF-1.4\n{channel} {i}\n".encode() * 40 + b"%%EOF\n")
        title = f"关于{PLAN}第{i + 1}期收益分配报告"
        entries.append(ManifestEntry.for_file(
            directory, rel, file_name=f"{title}.pdf", title=title,
            published_at=datetime(2025, 3, 3, 17, tzinfo=SHANGHAI) + timedelta(days=30 * i), channel=channel,
            doc_type="income_distribution", source_doc_id=str(800_000_000 + i), issue_year=2024,
            extra={"security_codes": ["270452"], "security_abbrs": ["24京融1A"], "category": "income_distribution"}))
    write_manifest(directory, entries)
    return directory


def sources(sse_url: str, szse_url: str, http: HttpClient):
    today = lambda: date(2025, 12, 31)  # noqa: E731
    return [SseBulletins(SseSettings(query_url=sse_url, static_url=sse_url, referer=sse_url + "/", politeness=FAST),
                         http=http, today=today),
            SzseAnnouncements(SzseSettings(base_url=szse_url, static_url=szse_url, politeness=FAST),
                              http=http, today=today)]


def test_a_blocked_site_is_reported_and_the_other_sources_are_fetched(tmp_path):
    sse_dir, szse_dir = venue_market(tmp_path / "sse", "sse", 3), venue_market(tmp_path / "szse", "szse", 4)
    store = RawStore(tmp_path / "raw")
    http = HttpClient(HttpSettings(max_attempts=2, max_total_seconds=30), sleep=lambda seconds: None)
    with serve(sse_dir) as sse, serve(szse_dir, faults=Faults(block_rate=1.0)) as szse:
        report = fetch_new(sources(sse.url, szse.url, http), store, cursors={})
    assert sorted(d.source for d in report.stored) == ["sse"] * 3
    [refused] = report.failures
    assert refused["source"] == "szse_abs_announcements" and refused["title"] == "listing of szse_abs_announcements"
    assert "szse is refusing our requests" in refused["error"] and "min_interval_seconds" in refused["error"]
    assert report.cursors["szse_abs_announcements"] == Cursor()  # not moved: everything is listed again
    assert report.cursors["sse_abs_bulletins"].published_at == datetime(2025, 5, 2, 17, tzinfo=SHANGHAI)

    with serve(sse_dir) as sse, serve(szse_dir) as szse:
        again = fetch_new(sources(sse.url, szse.url, http), store, cursors=report.cursors)
    http.close()
    assert sorted(d.source for d in again.stored) == ["szse"] * 4 and again.failures == []
