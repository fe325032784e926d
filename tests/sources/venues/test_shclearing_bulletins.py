"""The Shanghai Clearing connector against the sample market's imitation of its bulletin
search, article pages and download gateway, and its push-back."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests

from sample_market.venues.shclearing import GATEWAY_PATH, SEARCH_PATH
from sources.base import SHANGHAI, Cursor, Source
from sources.http import FetchError
from sources.polite import Politeness, SiteBlockedError
from sources.shclearing.bulletins import (
    ShclearingBulletins,
    ShclearingError,
    ShclearingSettings,
    attachment_name,
    publish_time,
    rows_from_answer,
)
from tests.sources.venues.abn_cases import NOTE, START
from tests.sources.venues.abn_cases import publish_abn_reports as publish

HEADERS = {"Referer": "https://www.shclearing.com.cn/sy/qwjs/", "X-Requested-With": "XMLHttpRequest"}


def connector(server, http, politeness, **settings) -> ShclearingBulletins:
    values = dict(base_url=server.url, page_size=4, politeness=politeness)
    values.update(settings)
    return ShclearingBulletins(ShclearingSettings(**values), http=http)


def test_pages_through_every_report_once_newest_first_and_downloads_the_bytes(shclearing_market, http, fast):
    published = publish(shclearing_market, 10)
    with shclearing_market.serve() as server:
        source = connector(server, http, fast)
        assert isinstance(source, Source)
        entries = list(source.list_new())
        files = {e.source_doc_id: source.download(e) for e in entries}
    by_title = {e.title: e for e in published}
    assert [e.title for e in entries] == [e.title for e in sorted(published, key=lambda e: e.published_at, reverse=True)]
    assert len({e.source_doc_id for e in entries}) == 10
    for entry in entries:
        truth = by_title[entry.title]
        assert entry.source == "shclearing" and entry.doc_type_hint == "abn_operating_report"
        assert entry.published_at == truth.published_at.astimezone(SHANGHAI)
        assert entry.page_url.startswith(server.url + "/xxpl/fxpl/") and entry.source_doc_id.startswith("xxpl/fxpl/")
        assert entry.source_doc_id.endswith(f"@{truth.published_at.astimezone(SHANGHAI):%Y%m%d%H%M%S}")
        assert files[entry.source_doc_id] == shclearing_market.file_bytes(truth)


def test_the_site_wants_its_headers_and_serves_files_only_through_the_gateway(shclearing_market):
    publish(shclearing_market, 2)
    with shclearing_market.serve() as server:
        bare = requests.post(server.url + SEARCH_PATH, data={"bondName": "运营报告", "limit": 5, "start": 0}, timeout=5)
        answered = requests.post(server.url + SEARCH_PATH, data={"bondName": "运营报告", "limit": 5, "start": 0},
                                 headers=HEADERS, timeout=5)
        rows = rows_from_answer(answered.content)
        article = requests.get(server.url + rows[0]["url"], timeout=5)
        name = attachment_name(article.text, rows[0]["url"])
        direct = requests.get(server.url + rows[0]["url"].rsplit("/", 1)[0] + "/" + name, timeout=5)
        no_referer = requests.get(server.url + GATEWAY_PATH, params={"FileName": name}, timeout=5)
        gateway = requests.get(server.url + GATEWAY_PATH, params={"FileName": name}, timeout=5,
                               headers={"Referer": server.url + rows[0]["url"]})
    assert bare.status_code == 403
    assert answered.json()["totalCount"] == 4 and len(rows) == 4  # both reports, the annual report, the notice
    assert name.startswith("P0") and name.endswith(".pdf")
    assert direct.status_code == 404 and no_referer.status_code == 403
    assert gateway.status_code == 200 and gateway.content.startswith(b"%PDF")
    with pytest.raises(ShclearingError, match="names no PDF attachment"):
        attachment_name("<script>var fileNames = '';</script>", "/xxpl/fxpl/abn/t1.html")
    with pytest.raises(ShclearingError, match="no root list"):
        rows_from_answer(b'{"success": true}')
    assert publish_time({"publishDate": "2025-03-03"}).isoformat() == "2025-03-03T00:00:00+08:00"


def test_incremental_runs_list_only_what_came_after_the_cursor(shclearing_market, http, fast, sent_urls):
    first = publish(shclearing_market, 9)
    with shclearing_market.serve() as server:
        source = connector(server, http, fast)
        cursor = Cursor().advance(list(source.list_new()))
        sent_urls.clear()
        assert list(source.list_new(cursor)) == []
        nothing_new = [u for u in sent_urls if SEARCH_PATH in u]
        latest = max(e.published_at for e in first)
        late = shclearing_market.add(f"{NOTE}信托资产运营报告(第10期)", latest + timedelta(days=30),
                                     category="abn_operating_report", code="082570077", abbr="25粮信ABN001优先A1")
        same_instant = shclearing_market.add(f"{NOTE}信托资产运营报告(第9期)(补充)", latest,
                                             category="abn_operating_report", code="082570077",
                                             abbr="25粮信ABN001优先A1")
        again = list(source.list_new(cursor))
    assert sorted(e.title for e in again) == sorted([late.title, same_instant.title])
    # the list has no date filter: a run with nothing new stops at the first page (it reaches the cursor)
    assert len(nothing_new) == 1


def test_a_first_run_stops_at_the_configured_start_date(shclearing_market, http, fast):
    published = publish(shclearing_market, 10)
    with shclearing_market.serve() as server:
        since = (START + timedelta(days=35)).date()
        entries = list(connector(server, http, fast, start_date=since).list_new())
    assert sorted(e.title for e in entries) == sorted(e.title for e in published if e.published_at.date() >= since)
    assert 0 < len(entries) < 10


def test_a_correction_published_later_is_a_new_document(shclearing_market, http, fast):
    original = publish(shclearing_market, 3)[1]
    with shclearing_market.serve() as server:
        source = connector(server, http, fast)
        cursor = Cursor().advance(list(source.list_new()))
        revised = shclearing_market.add(original.title + "(更正)", START + timedelta(days=60),
                                        category="abn_operating_report", code="082570077",
                                        abbr="25粮信ABN001优先A1", label="corrected")
        entries = list(source.list_new(cursor))
        data = source.download(entries[0])
    assert [e.title for e in entries] == [revised.title]
    assert data == shclearing_market.file_bytes(revised) != shclearing_market.file_bytes(original)


def test_an_article_republished_with_a_replaced_file_is_a_new_document():
    source = ShclearingBulletins(ShclearingSettings(base_url="https://www.shclearing.com.cn"))
    row = {"title": f"{NOTE}信托资产运营报告(第2期)", "url": "/xxpl/fxpl/abn/202503/t20250310_1234567.html"}
    first = source._entry({**row, "publishDate": "2025-03-10 16:00:00"})
    again = source._entry({**row, "publishDate": "2025-03-12 09:30:00"})
    assert first.page_url == again.page_url and first.source_doc_id != again.source_doc_id
    assert Cursor().advance([first]).is_new(again)


def test_repeated_and_shuffled_pages_still_list_everything_once(shclearing_market, http, fast):
    published = publish(shclearing_market, 13)
    with shclearing_market.serve(dup_page_rate=0.5, shuffle_rate=0.5, seed=2) as server:
        entries = list(connector(server, http, fast, page_size=3).list_new())
        assert server.stats.get("dup_page", 0) > 0
    assert sorted(e.title for e in entries) == sorted(e.title for e in published)


def test_block_page_and_429_raise_a_clear_error(shclearing_market, http, fast):
    publish(shclearing_market, 2)
    with shclearing_market.serve(block_rate=1.0) as server:
        with pytest.raises(SiteBlockedError) as blocked:
            list(connector(server, http, fast).list_new())
    assert "shclearing is refusing our requests" in str(blocked.value)
    assert "sources.shclearing.min_interval_seconds" in str(blocked.value)
    with shclearing_market.serve(error_rate=1.0, error_statuses=(429,)) as server:
        with pytest.raises(SiteBlockedError, match="429 after 4 attempt"):
            list(connector(server, http, fast).list_new())


def test_soft_ban_404s_on_pages_and_files_are_waited_out(shclearing_market, http):
    published = publish(shclearing_market, 6)
    waits = []
    politeness = Politeness(min_interval_seconds=0, jitter_seconds=0, soft_ban_retries=8, soft_ban_wait_seconds=5)
    with shclearing_market.serve(soft_ban_rate=0.4, seed=1) as server:
        source = ShclearingBulletins(ShclearingSettings(base_url=server.url, politeness=politeness), http=http,
                                     sleep=waits.append)
        data = [source.download(e) for e in source.list_new()]
        banned = server.stats.get("soft_ban", 0)
    assert sorted(data) == sorted(shclearing_market.file_bytes(e) for e in published)
    assert banned > 0 and source.client.soft_bans == banned and waits and set(waits) <= {5 * k for k in range(1, 9)}
    with shclearing_market.serve(soft_ban_rate=1.0) as server:
        source = connector(server, http, Politeness(0, 0, soft_ban_retries=2, soft_ban_wait_seconds=0))
        entry = next(iter(source.list_new()))
        with pytest.raises(FetchError, match="still 404 after 2 soft-ban retries"):
            source.download(entry)


def test_a_polite_client_is_never_refused_an_impolite_one_is_soft_banned(shclearing_market, http):
    publish(shclearing_market, 5)
    with shclearing_market.serve(venue_min_interval_ms=40) as server:
        polite = connector(server, http, Politeness(min_interval_seconds=0.05, jitter_seconds=0.01))
        for entry in polite.list_new():
            polite.download(entry)
        assert server.stats.get("too_fast", 0) == 0
        rude = connector(server, http, Politeness(0, 0, soft_ban_retries=0, soft_ban_wait_seconds=0), page_size=2)
        with pytest.raises((SiteBlockedError, FetchError)):
            for entry in rude.list_new():
                rude.download(entry)
        assert server.stats["too_fast"] > 0


def test_paging_settings_the_site_would_not_honour_are_refused_at_start():
    with pytest.raises(ValueError, match="page_size must be 1..100"):
        ShclearingSettings(page_size=101)
    assert ShclearingSettings().politeness.min_interval_seconds >= 2.5  # the site's own advice
