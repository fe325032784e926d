"""A small sample market of exchange-ABS and ABN announcements for the venue connector tests.

Files are fake PDFs (the connectors never parse); the manifest says which venue publishes
each, with security codes, short names and family, exactly as the generator writes them.
The real sample-market server (``sample_market.server``) serves them over loopback HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from sample_market.manifest import ManifestEntry, write_manifest
from sample_market.server import Faults, serve
from sources.base import SHANGHAI
from sources.http import HttpClient, HttpSettings
from sources.polite import Politeness

FAST = Politeness(min_interval_seconds=0, jitter_seconds=0, soft_ban_retries=3, soft_ban_wait_seconds=0)
START = datetime(2025, 3, 3, 16, 30, tzinfo=SHANGHAI)


def fake_pdf(label: str) -> bytes:
    return f"%PDF-1.4\n% venue test file: {label}\n".encode() + bytes(range(256)) * 4 + b"\n%%EOF\n"


@dataclass
class VenueMarket:
    """Announcements of one venue in a directory; ``add`` publishes more (the running server
    re-reads the manifest), ``serve`` starts the real sample-market server on it."""

    directory: Path
    channel: str
    entries: list[ManifestEntry] = field(default_factory=list)

    def add(self, title: str, published_at: datetime, *, category: str, code: str, abbr: str,
            doc_id: str | None = None, label: str | None = None) -> ManifestEntry:
        doc_id = doc_id or str(700_000_000 + len(self.entries))
        rel_path = f"{self.channel}/{doc_id}.pdf"
        path = self.directory / rel_path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(fake_pdf(label or f"{title}|{doc_id}"))
        entry = ManifestEntry.for_file(
            self.directory, rel_path, file_name=f"{title}.pdf", title=title, published_at=published_at,
            channel=self.channel, doc_type=category, source_doc_id=doc_id, issue_year=2024,
            extra={"security_codes": [code], "security_abbrs": [abbr], "category": category})
        self.entries.append(entry)
        write_manifest(self.directory, self.entries)
        return entry

    def file_bytes(self, entry: ManifestEntry) -> bytes:
        return (self.directory / entry.rel_path).read_bytes()

    def serve(self, **faults):
        return serve(self.directory, faults=Faults(**faults))


def exchange_reports(market: VenueMarket, count: int, code: str, suffix: str) -> list[ManifestEntry]:
    """``count`` announcements, alternating 收益分配报告 and 资产管理报告, one per half day, plus
    one 评级 notice per five that a connector must not list (not a family the pipeline reads)."""
    out = []
    for i in range(count):
        when = START + timedelta(hours=12 * i)
        if i % 2 == 0:
            title = f"德邦证券股份有限公司关于德邦证券-京东融通2024年第一期小微贷款资产支持专项计划第{i + 1}期收益分配报告"
            category = "income_distribution"
        else:
            title = f"德邦证券-京东融通2024年第一期小微贷款资产支持专项计划{2024 + i % 2}年度资产管理报告{i}"
            category = "asset_management_report"
        out.append(market.add(title, when, category=category, code=f"{code}", abbr=f"24京融{suffix}A"))
        if i % 5 == 4:
            market.add(f"关于德邦证券-京东融通2024年第一期小微贷款资产支持专项计划跟踪评级结果的公告{i}",
                       when + timedelta(minutes=5), category="rating", code=code, abbr=f"24京融{suffix}A")
    return out


@pytest.fixture
def sse_market(tmp_path) -> VenueMarket:
    return VenueMarket(tmp_path, "sse")


@pytest.fixture
def szse_market(tmp_path) -> VenueMarket:
    return VenueMarket(tmp_path, "szse")


@pytest.fixture
def chinamoney_market(tmp_path) -> VenueMarket:
    return VenueMarket(tmp_path, "chinamoney")


@pytest.fixture
def shclearing_market(tmp_path) -> VenueMarket:
    return VenueMarket(tmp_path, "shclearing")


@pytest.fixture
def http():
    """A real HttpClient whose backoff does not really sleep (the server answers at once)."""
    client = HttpClient(HttpSettings(connect_timeout=2, read_timeout=5, max_attempts=4, max_total_seconds=60),
                        sleep=lambda seconds: None)
    yield client
    client.close()


@pytest.fixture
def fast() -> Politeness:
    return FAST


@pytest.fixture
def exchange():
    """``exchange(market, count, code)``: publish ``count`` exchange reports (see exchange_reports)."""
    return lambda market, count, code: exchange_reports(market, count, code, "1")


@pytest.fixture
def sent_urls(http) -> list[str]:
    """Every URL the client's session received an answer for, in order."""
    urls: list[str] = []
    http.session.hooks["response"].append(lambda response, *args, **kwargs: urls.append(response.url))
    return urls
