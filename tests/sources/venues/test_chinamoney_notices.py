"""The chinamoney connector against the sample market's imitation of its notice search:
cookie warm-up, token, cursor paging, fileDownLoad.do, and its push-back."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import requests

from sample_market.venues.chinamoney import TOKEN_USES
from sources.base import SHANGHAI, Cursor, Source
from sources.chinamoney.notices import ChinamoneyNotices, ChinamoneySettings, clean_title, is_periodic_report
from sources.polite import Politeness, SiteBlockedError
from tests.sources.venues.abn_cases import NOTE
from tests.sources.venues.abn_cases import publish_abn_reports as publish

TODAY = date(2025, 12, 31)


def connector(server, http, politeness, **settings) -> ChinamoneyNotices:
    values = dict(base_url=server.url, page_size=4, politeness=politeness)
    values.update(settings)
    return ChinamoneyNotices(ChinamoneySettings(**values), http=http, today=lambda: TODAY)


def test_titles_and_the_periodic_report_filter():
    assert clean_title(f"{NOTE}信托资产<font color='red'>运营报告</font>(第3期)") == f"{NOTE}信托资产运营报告(第3期)"
    assert is_periodic_report("公司2023年度第一期资产支持票据(债券通)信托资产运营报告(第31期)")
    assert is_periodic_report(f"{NOTE}信托资产运营报告(第3期)(更正)")
    assert not is_periodic_report(f"{NOTE}2025年度资产运营报告")
    assert not is_periodic_report("某某公司2025年度第一期中期票据付息公告")


def test_pages_through_every_report_once_and_downloads_the_bytes(chinamoney_market, http, fast):
    published = publish(chinamoney_market, 10)
    with chinamoney_market.serve() as server:
        source = connector(server, http, fast)
        assert isinstance(source, Source)
        entries = list(source.list_new())
        files = {e.source_doc_id: source.download(e) for e in entries}
    by_title = {e.title: e for e in published}
    assert [e.title for e in entries] == [e.title for e in sorted(published, key=lambda e: e.published_at, reverse=True)]
    for entry in entries:
        truth = by_title[entry.title]
        assert entry.source == "chinamoney" and entry.published_at == truth.published_at.astimezone(SHANGHAI)
        assert "/dqs/cm-s-notice-query/fileDownLoad.do?mode=open&contentId=" in entry.download_url
        assert files[entry.source_doc_id] == chinamoney_market.file_bytes(truth)
    # some notices list no attachment path: their content id came from the detail page
    assert any(not e.extra["paths"] for e in entries) and any(e.extra["paths"] for e in entries)


def test_the_site_admits_only_after_the_warm_up_and_with_a_token(chinamoney_market, http, fast):
    publish(chinamoney_market, 2)
    with chinamoney_market.serve() as server:
        cold = requests.post(server.url + "/ses/rest/cm-u-notice-ses-cn/query", params={"text": "运营报告"}, timeout=5,
                             headers={"Referer": server.url + "/chinese/qwjsn/"})
        session = requests.Session()
        session.get(server.url + "/chinese/qwjsn/", timeout=5)
        no_token = session.post(server.url + "/ses/rest/cm-u-notice-ses-cn/query", params={"text": "运营报告"},
                                timeout=5, headers={"Referer": server.url + "/chinese/qwjsn/"})
        token = session.post(server.url + "/lss/rest/cm-s-account/getLT", data={"type": "0"}, timeout=5).json()["data"]
        no_referer = session.post(server.url + "/ses/rest/cm-u-notice-ses-cn/query", timeout=5,
                                  params={"text": "运营报告", "infoLevel": token["UT"], "sign": token["sign"].strip()})
    assert cold.status_code == 403
    assert {"AlteonP10", "lss", "apache", "ags", "_ulta_id"} <= set(session.cookies.keys())
    assert no_token.json()["head"]["rep_code"] == "401"
    assert token["sign"].endswith("\n")
    assert no_referer.status_code == 403


def test_an_expired_token_is_renewed(chinamoney_market, http, fast):
    published = publish(chinamoney_market, TOKEN_USES + 6)
    with chinamoney_market.serve() as server:
        source = connector(server, http, fast, page_size=1)
        entries = list(source.list_new())
    assert len(entries) == len(published) and source.token_refreshes >= 1


def test_incremental_runs_list_only_what_came_after_the_cursor(chinamoney_market, http, fast, sent_urls):
    first = publish(chinamoney_market, 6)
    with chinamoney_market.serve() as server:
        source = connector(server, http, fast)
        cursor = Cursor().advance(list(source.list_new()))
        assert list(source.list_new(cursor)) == []
        latest = max(e.published_at for e in first)
        late = chinamoney_market.add(f"{NOTE}信托资产运营报告(第7期)", latest + timedelta(days=30),
                                     category="abn_operating_report", code="082570077", abbr="25粮信ABN001优先A1")
        sent_urls.clear()
        again = list(source.list_new(cursor))
    assert [e.title for e in again] == [late.title]
    searches = [u for u in sent_urls if "cm-u-notice-ses-cn/query" in u]
    assert searches and all(f"start={latest:%Y-%m-%d}" in u for u in searches)


def test_a_correction_published_later_is_a_new_document(chinamoney_market, http, fast):
    original = publish(chinamoney_market, 3)[2]
    with chinamoney_market.serve() as server:
        source = connector(server, http, fast)
        cursor = Cursor().advance(list(source.list_new()))
        revised = chinamoney_market.add(original.title + "(更正)", original.published_at + timedelta(days=1),
                                        category="abn_operating_report", code="082570077",
                                        abbr="25粮信ABN001优先A1", label="corrected")
        entries = list(source.list_new(cursor))
        data = source.download(entries[0])
    assert [e.title for e in entries] == [revised.title]
    assert data == chinamoney_market.file_bytes(revised) != chinamoney_market.file_bytes(original)


def test_cursor_pages_that_repeat_are_asked_again(chinamoney_market, http, fast):
    published = publish(chinamoney_market, 13)
    with chinamoney_market.serve(dup_page_rate=0.5, seed=2) as server:
        entries = list(connector(server, http, fast, page_size=3).list_new())
        assert server.stats.get("dup_page", 0) > 0
    assert sorted(e.title for e in entries) == sorted(e.title for e in published)


def test_blocked_451_raises_a_clear_error(chinamoney_market, http, fast):
    publish(chinamoney_market, 2)
    with chinamoney_market.serve(error_rate=1.0, error_statuses=(451,)) as server:
        with pytest.raises(SiteBlockedError) as blocked:
            list(connector(server, http, fast).list_new())
    message = str(blocked.value)
    assert "chinamoney is refusing our requests (451" in message and "mainland network" in message
    with chinamoney_market.serve(block_rate=1.0) as server:
        with pytest.raises(SiteBlockedError, match="block page|refusing"):
            list(connector(server, http, fast).list_new())


def test_soft_ban_404s_on_files_are_waited_out(chinamoney_market, http):
    published = publish(chinamoney_market, 6)
    politeness = Politeness(min_interval_seconds=0, jitter_seconds=0, soft_ban_retries=6, soft_ban_wait_seconds=0)
    with chinamoney_market.serve(soft_ban_rate=0.5, seed=1) as server:
        source = connector(server, http, politeness)
        data = [source.download(e) for e in source.list_new()]
        assert server.stats.get("soft_ban", 0) == source.client.soft_bans > 0
    assert sorted(data) == sorted(chinamoney_market.file_bytes(e) for e in published)


def test_a_session_lost_on_the_site_is_renewed(chinamoney_market, http, fast):
    """The site forgets sessions (here: a new server on the same files); the connector warms up again."""
    publish(chinamoney_market, 4)
    with chinamoney_market.serve() as server:
        source = connector(server, http, fast)
        assert len(list(source.list_new())) == 4
    with chinamoney_market.serve() as server:
        source.settings = ChinamoneySettings(base_url=server.url, page_size=4, politeness=fast)
        assert len(list(source.list_new())) == 4


def test_a_polite_client_is_never_refused(chinamoney_market, http):
    publish(chinamoney_market, 5)
    with chinamoney_market.serve(venue_min_interval_ms=40) as server:
        source = connector(server, http, Politeness(min_interval_seconds=0.05, jitter_seconds=0.01))
        for entry in source.list_new():
            source.download(entry)
        assert server.stats.get("too_fast", 0) == 0
