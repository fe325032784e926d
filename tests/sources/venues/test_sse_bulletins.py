"""The SSE connector against the sample market's imitation of query.sse.com.cn / static.sse.com.cn."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import requests

from sources.base import SHANGHAI, Cursor, Source
from sources.http import FetchError
from sources.polite import Politeness, SiteBlockedError
from sources.sse.bulletins import SseBulletins, SseListingError, SseSettings, publish_time, rows_from_answer

TODAY = date(2025, 12, 31)


def connector(server, http, politeness, **settings) -> SseBulletins:
    values = dict(query_url=server.url, static_url=server.url, referer=server.url + "/", page_size=4,
                  politeness=politeness)
    values.update(settings)
    return SseBulletins(SseSettings(**values), http=http, today=lambda: TODAY)


def test_pages_through_every_report_once_newest_first_and_downloads_the_bytes(sse_market, http, fast, exchange):
    published = exchange(sse_market, 11, "270452")
    with sse_market.serve() as server:
        source = connector(server, http, fast)
        assert isinstance(source, Source)
        entries = list(source.list_new())
        files = {e.source_doc_id: source.download(e) for e in entries}
    by_title = {e.title: e for e in published}
    assert [e.title for e in entries] == [e.title for e in sorted(published, key=lambda e: e.published_at, reverse=True)]
    assert len({e.source_doc_id for e in entries}) == 11
    for entry in entries:
        truth = by_title[entry.title]
        assert entry.source == "sse"
        assert entry.published_at == truth.published_at.astimezone(SHANGHAI)
        assert entry.download_url.startswith(server.url + "/disclosure/bond/announcement/asset/c/new/")
        assert entry.extra["security_code"] == "270452"
        assert entry.doc_type_hint == ("income_distribution" if "收益分配" in entry.title else "asset_management_report")
        assert files[entry.source_doc_id] == sse_market.file_bytes(truth)


def test_sends_what_the_site_wants_and_reads_its_jsonp(sse_market, exchange):
    exchange(sse_market, 3, "270452")
    with sse_market.serve() as server:
        params = {"sqlId": "BS_ZQ_GGLL", "bondType": "CORPORATE_ASSET_BOND_BULLETIN", "isPagination": "true",
                  "pageHelp.pageNo": 1, "pageHelp.pageSize": 2, "jsonCallBack": "jsonpCallback42"}
        refused = requests.get(server.url + "/commonSoaQuery.do", params=params, timeout=5)
        answered = requests.get(server.url + "/commonSoaQuery.do", params=params, timeout=5,
                                headers={"Referer": "https://bond.sse.com.cn/disclosure/announ/abs/"})
    assert refused.status_code == 403  # no Referer from sse.com.cn
    assert answered.text.startswith("jsonpCallback42(") and answered.text.endswith(")")
    rows = rows_from_answer(answered.content)
    assert len(rows) == 2 and rows[0]["securityCode"] == "270452" and rows[0]["url"].endswith(".pdf")
    with pytest.raises(SseListingError, match="sqlId"):
        rows_from_answer(b'cb({"actionErrors": ["sqlId XX \xe4\xb8\x8d\xe5\xad\x98\xe5\x9c\xa8"]})')
    assert publish_time({"sseDate": "2025-12-19"}).isoformat() == "2025-12-19T00:00:00+08:00"
    assert publish_time({"createTime": "2025-12-19 16:35:12", "sseDate": "2025-12-19"}).hour == 16


def test_incremental_runs_list_only_what_came_after_the_cursor(sse_market, http, fast, exchange, sent_urls):
    first = exchange(sse_market, 9, "270452")
    with sse_market.serve() as server:
        source = connector(server, http, fast)
        taken = list(source.list_new())
        cursor = Cursor().advance(taken)
        assert list(source.list_new(cursor)) == []
        latest = max(e.published_at for e in first)
        late = sse_market.add("德邦证券股份有限公司关于德邦证券-京东融通2024年第一期小微贷款资产支持专项计划第10期收益分配报告",
                              latest + timedelta(days=3), category="income_distribution", code="270452", abbr="24京融1A")
        same_instant = sse_market.add("德邦证券-京东融通2024年第一期小微贷款资产支持专项计划2024年度资产管理报告（补充）",
                                      latest, category="asset_management_report", code="270452", abbr="24京融1A")
        sent_urls.clear()
        again = list(source.list_new(cursor))
    assert sorted(e.title for e in again) == sorted([late.title, same_instant.title])
    assert cursor.published_at.date() == latest.date()
    # the second run asked the site for the cursor's day onwards, not the whole history
    assert sent_urls and all(f"sseDate={latest:%Y-%m-%d}+00%3A00%3A00" in url for url in sent_urls)


def test_a_correction_published_later_is_a_new_document(sse_market, http, fast, exchange):
    original = exchange(sse_market, 4, "270452")[0]
    with sse_market.serve() as server:
        source = connector(server, http, fast)
        cursor = Cursor().advance(list(source.list_new()))
        revised = sse_market.add(original.title.replace("收益分配报告", "收益分配报告（更正）"),
                                 max(e.published_at for e in sse_market.entries) + timedelta(days=1),
                                 category="income_distribution", code="270452", abbr="24京融1A", label="revised bytes")
        entries = list(source.list_new(cursor))
        data = source.download(entries[0])
    assert [e.title for e in entries] == [revised.title]
    assert data == sse_market.file_bytes(revised) != sse_market.file_bytes(original)


def test_repeated_and_shuffled_pages_still_list_everything_once(sse_market, http, fast, exchange):
    published = exchange(sse_market, 11, "270452")
    with sse_market.serve(dup_page_rate=0.5, shuffle_rate=0.5, seed=3) as server:
        entries = list(connector(server, http, fast).list_new())
        stats = server.stats
    assert sorted(e.title for e in entries) == sorted(e.title for e in published)
    assert stats.get("dup_page", 0) > 0


def test_block_page_and_451_raise_a_clear_error(sse_market, http, fast, exchange):
    exchange(sse_market, 3, "270452")
    with sse_market.serve(block_rate=1.0) as server:
        with pytest.raises(SiteBlockedError) as blocked:
            list(connector(server, http, fast).list_new())
    assert "sse is refusing our requests" in str(blocked.value) and "min_interval_seconds" in str(blocked.value)
    with sse_market.serve(error_rate=1.0, error_statuses=(451,)) as server:
        with pytest.raises(SiteBlockedError, match="451 after 4 attempt"):
            list(connector(server, http, fast).list_new())


def test_soft_ban_404s_on_files_are_waited_out(sse_market, http, exchange):
    published = exchange(sse_market, 6, "270452")
    waits = []
    politeness = Politeness(min_interval_seconds=0, jitter_seconds=0, soft_ban_retries=6, soft_ban_wait_seconds=7)
    with sse_market.serve(soft_ban_rate=0.5, seed=1) as server:
        source = SseBulletins(SseSettings(query_url=server.url, static_url=server.url, referer=server.url + "/",
                                          politeness=politeness), http=http, today=lambda: TODAY, sleep=waits.append)
        data = [source.download(e) for e in source.list_new()]
        banned = server.stats.get("soft_ban", 0)
    assert sorted(data) == sorted(sse_market.file_bytes(e) for e in published)
    assert banned > 0 and source.client.soft_bans == banned and set(waits) <= {7, 14, 21, 28, 35, 42}
    with sse_market.serve(soft_ban_rate=1.0) as server:
        source = connector(server, http, Politeness(0, 0, soft_ban_retries=2, soft_ban_wait_seconds=0))
        entry = next(iter(source.list_new()))
        with pytest.raises(FetchError, match="still 404 after 2 soft-ban retries"):
            source.download(entry)


def test_a_polite_client_is_never_refused_an_impolite_one_is_blocked(sse_market, http, exchange):
    exchange(sse_market, 7, "270452")
    with sse_market.serve(venue_min_interval_ms=40) as server:
        polite = connector(server, http, Politeness(min_interval_seconds=0.05, jitter_seconds=0.01))
        entries = list(polite.list_new())
        for entry in entries:
            polite.download(entry)
        assert server.stats.get("too_fast", 0) == 0
        rude = connector(server, http, Politeness(min_interval_seconds=0, jitter_seconds=0), page_size=2)
        with pytest.raises(SiteBlockedError, match="403"):
            for entry in rude.list_new():
                rude.download(entry)
        assert server.stats["too_fast"] > 0


def test_paging_settings_a_site_would_not_honour_are_refused_at_start():
    with pytest.raises(ValueError, match="page_size must be 1..100"):
        SseSettings(page_size=101)
    with pytest.raises(ValueError, match="max_pages and patience"):
        SseSettings(patience=0)
    with pytest.raises(ValueError, match="must not be negative"):
        Politeness(min_interval_seconds=-1)
