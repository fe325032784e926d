"""Yield-curve downloads against the loopback server (the real 2016 government-curve xlsx)."""

from __future__ import annotations

from datetime import datetime

import pytest

from sources.base import SHANGHAI, Cursor, Source
from sources.chinabond.curves import CURVES, CURVES_BY_KEY, CurveDownloadError, CurveSource, curve_url

GOVT = "2c9081e50a2f9606010a3068cae70001"
NOW = datetime(2025, 11, 19, 18, 0, tzinfo=SHANGHAI)


def curves(market, http, years, keys=("govt",)) -> CurveSource:
    return CurveSource(years, curves=keys, base_url=market.base_url, http=http, now=lambda: NOW)


def test_curve_table_holds_the_published_ids():
    assert {(c.key, c.curve_id) for c in CURVES} == {
        ("govt", "2c9081e50a2f9606010a3068cae70001"),
        ("mtn_aaa", "2c9081880fa9d507010fb8505b393fe7"),
        ("mtn_aa", "2c9081e50a2f9606010a30acdae40176"),
        ("corp_aaa", "2c9081e50a2f9606010a309f4af50111"),
        ("corp_aa_plus", "2c908188138b62cd01139a2ee6b51e25"),
    }
    assert CURVES_BY_KEY["govt"].name_cn == "中债国债收益率曲线"
    assert CURVES_BY_KEY["mtn_aaa"].name_cn == "中债中短期票据收益率曲线(AAA)"


def test_one_entry_per_curve_and_year(market, http):
    source = curves(market, http, range(2024, 2027), keys=("govt", "mtn_aaa"))
    entries = list(source.list_new())

    assert [(e.extra["curve_key"], e.extra["year"]) for e in entries] == [
        ("govt", 2024), ("govt", 2025), ("mtn_aaa", 2024), ("mtn_aaa", 2025),
    ]
    first = entries[0]
    assert first.download_url == f"{market.base_url}/cbweb-mn/yc/downYearBzqx?year=2024&ycDefId={GOVT}"
    assert first.source_doc_id == f"{GOVT}:2024"
    assert first.published_at == datetime(2025, 1, 1, tzinfo=SHANGHAI)
    assert entries[1].published_at == NOW and entries[1].extra["is_complete_year"] is False
    assert first.file_name == "中债国债收益率曲线_2024.xlsx"
    assert isinstance(source, Source)


def test_finished_years_are_listed_once_the_running_year_every_run(market, http):
    source = curves(market, http, range(2016, 2026))
    cursor = Cursor().advance(source.list_new())

    later = CurveSource(range(2016, 2026), curves=("govt",), base_url=market.base_url, http=http,
                        now=lambda: NOW.replace(day=20))
    assert [e.extra["year"] for e in later.list_new(cursor)] == [2025]


def test_served_xlsx_is_returned_as_bytes(market, http, real_curve_xlsx):
    market.state.curves[(GOVT, 2016)] = real_curve_xlsx
    source = curves(market, http, [2016])
    (entry,) = source.list_new()

    assert source.download(entry) == real_curve_xlsx


def test_html_error_body_with_status_200_is_a_clear_error_without_retry_loop(market, http):
    source = curves(market, http, [2016], keys=("corp_aa_plus",))
    (entry,) = source.list_new()

    with pytest.raises(CurveDownloadError) as caught:
        source.download(entry)
    message = str(caught.value)
    assert "中债企业债收益率曲线(AA+) 2016" in message and "暂无数据" in message
    assert caught.value.url == curve_url(market.base_url, CURVES_BY_KEY["corp_aa_plus"], 2016)
    assert market.state.hits["/cbweb-mn/yc/downYearBzqx"] == 1


def test_block_page_on_curve_download_is_retried(market, http, real_curve_xlsx):
    path = "/cbweb-mn/yc/downYearBzqx"
    market.script(path, market.Action("block"), market.Action("ok", 200, real_curve_xlsx))
    source = curves(market, http, [2016])

    assert source.download(next(source.list_new())) == real_curve_xlsx
    assert http.stats.retries == {"blocked": 1}
