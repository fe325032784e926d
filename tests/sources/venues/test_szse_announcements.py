"""The SZSE connector against the sample market's imitation of www.szse.cn / disc.static.szse.cn."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
import requests

from sources.base import SHANGHAI, Cursor, Source
from sources.polite import Politeness, SiteBlockedError
from sources.szse.announcements import SzseAnnouncements, SzseListingError, SzseSettings, rows_from_answer

TODAY = date(2025, 12, 31)


def connector(server, http, politeness, **settings) -> SzseAnnouncements:
    values = dict(base_url=server.url, static_url=server.url, page_size=4, politeness=politeness)
    values.update(settings)
    return SzseAnnouncements(SzseSettings(**values), http=http, today=lambda: TODAY)


def test_pages_through_every_report_once_newest_first_and_downloads_the_bytes(szse_market, http, fast, exchange):
    published = exchange(szse_market, 11, "135627")
    with szse_market.serve() as server:
        source = connector(server, http, fast)
        assert isinstance(source, Source)
        entries = list(source.list_new())
        files = {e.source_doc_id: source.download(e) for e in entries}
    by_title = {e.title: e for e in published}
    assert [e.title for e in entries] == [e.title for e in sorted(published, key=lambda e: e.published_at, reverse=True)]
    for entry in entries:
        truth = by_title[entry.title]
        assert entry.source == "szse" and entry.published_at == truth.published_at.astimezone(SHANGHAI)
        assert entry.download_url.startswith(server.url + "/download/disc/disk03/finalpage/")
        assert entry.download_url.endswith(".PDF") and entry.file_name.endswith(".pdf")
        assert entry.extra["security_codes"] == ["135627"]
        assert entry.extra["small_category_id"] == ("013904" if "收益分配" in entry.title else "013903")
        assert files[entry.source_doc_id] == szse_market.file_bytes(truth)


def test_the_site_wants_its_ajax_headers_and_a_json_body(szse_market, exchange):
    exchange(szse_market, 3, "135627")
    body = json.dumps({"channelCode": ["bondinfoNotice_disc"], "pageSize": 2, "pageNum": 1})
    with szse_market.serve() as server:
        url = server.url + "/api/disc/announcement/annList?random=0.5"
        bare = requests.post(url, data=body, headers={"Content-Type": "application/json"}, timeout=5)
        ajax = requests.post(url, data=body, timeout=5,
                             headers={"Content-Type": "application/json", "X-Request-Type": "ajax"})
        other_channel = requests.post(url, data=json.dumps({"channelCode": ["listedNotice_disc"]}), timeout=5,
                                      headers={"Content-Type": "application/json", "X-Request-Type": "ajax"})
    assert bare.status_code == 403
    assert ajax.json()["announceCount"] == 3 and len(rows_from_answer(ajax.content)) == 2
    assert other_channel.json() == {"announceCount": 0, "data": []}
    with pytest.raises(SzseListingError, match="no data list"):
        rows_from_answer(b'{"message": "error"}')


def test_incremental_runs_list_only_what_came_after_the_cursor(szse_market, http, fast, exchange, sent_urls):
    first = exchange(szse_market, 9, "135627")
    with szse_market.serve() as server:
        source = connector(server, http, fast)
        cursor = Cursor().advance(list(source.list_new()))
        assert list(source.list_new(cursor)) == []
        latest = max(e.published_at for e in first)
        late = szse_market.add("天风证券股份有限公司关于天风证券-网商云帆2025年第二期小微贷款资产支持专项计划第7期收益分配公告",
                               latest + timedelta(days=2), category="income_distribution", code="135627", abbr="25云帆1A")
        again = list(source.list_new(cursor))
    assert [e.title for e in again] == [late.title]


def test_a_correction_published_later_is_a_new_document(szse_market, http, fast, exchange):
    original = exchange(szse_market, 4, "135627")[1]
    with szse_market.serve() as server:
        source = connector(server, http, fast)
        cursor = Cursor().advance(list(source.list_new()))
        revised = szse_market.add(original.title + "（更新）", max(e.published_at for e in szse_market.entries)
                                  + timedelta(hours=6), category="asset_management_report", code="135627",
                                  abbr="25云帆1A", label="updated report")
        entries = list(source.list_new(cursor))
        data = source.download(entries[0])
    assert [e.title for e in entries] == [revised.title]
    assert data == szse_market.file_bytes(revised) != szse_market.file_bytes(original)


def test_repeated_pages_still_list_everything_once(szse_market, http, fast, exchange):
    published = exchange(szse_market, 11, "135627")
    with szse_market.serve(dup_page_rate=0.6, seed=8) as server:
        entries = list(connector(server, http, fast).list_new())
        assert server.stats.get("dup_page", 0) > 0
    assert sorted(e.title for e in entries) == sorted(e.title for e in published)


def test_block_page_and_403_raise_a_clear_error(szse_market, http, fast, exchange):
    exchange(szse_market, 3, "135627")
    with szse_market.serve(block_rate=1.0) as server:
        with pytest.raises(SiteBlockedError, match="szse is refusing our requests"):
            list(connector(server, http, fast).list_new())
    with szse_market.serve(error_rate=1.0, error_statuses=(403,)) as server:
        with pytest.raises(SiteBlockedError, match="403 after 4 attempt"):
            list(connector(server, http, fast).list_new())


def test_soft_ban_404s_on_files_are_waited_out(szse_market, http, exchange):
    published = exchange(szse_market, 6, "135627")
    politeness = Politeness(min_interval_seconds=0, jitter_seconds=0, soft_ban_retries=6, soft_ban_wait_seconds=0)
    with szse_market.serve(soft_ban_rate=0.5, seed=1) as server:
        source = connector(server, http, politeness)
        data = [source.download(e) for e in source.list_new()]
        assert server.stats.get("soft_ban", 0) == source.client.soft_bans > 0
    assert sorted(data) == sorted(szse_market.file_bytes(e) for e in published)


def test_too_fast_is_answered_429_and_a_polite_client_never_sees_it(szse_market, http, exchange):
    exchange(szse_market, 6, "135627")
    with szse_market.serve(venue_min_interval_ms=40) as server:
        polite = connector(server, http, Politeness(min_interval_seconds=0.05, jitter_seconds=0.01))
        for entry in polite.list_new():
            polite.download(entry)
        assert server.stats.get("too_fast", 0) == 0
        rude = connector(server, http, Politeness(min_interval_seconds=0, jitter_seconds=0), page_size=2)
        with pytest.raises(SiteBlockedError, match="429"):
            for entry in rude.list_new():
                rude.download(entry)
