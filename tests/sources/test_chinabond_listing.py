"""ChinaBond listing connector against the loopback server serving the REAL listing."""

from __future__ import annotations

import json
from datetime import datetime
from urllib.parse import parse_qs

import pytest
from sources.base import SHANGHAI, Cursor, Source
from sources.chinabond.listing import (
    ChinaBondListing,
    ChinaBondListingSettings,
    ListingError,
    attachment_links,
    clean_keywords,
    parse_appendix_ids,
    parse_publish_time,
    rows_from_response,
)

DIR_ABS = "/xxpl/ywzc_fxyfxdh/fxyfxdh_zqzl/zqzl_zjzzczj/zjzczq_ABS/ABS_fxdfyxqgg/202511/"
DIR_MBS = "/xxpl/ywzc_fxyfxdh/fxyfxdh_zqzl/zqzl_zjzzczj/zjzczq_MBS/MBS_fxdfyxqgg/202511/"

# Exact expectations taken by hand from the real file.
KNOWN = {
    "854841384": (
        "常星2023年第一期个人消费贷款证券化信托受托机构报告(第30期)",
        datetime(2025, 11, 19, 17, 57, 50, tzinfo=SHANGHAI),
        DIR_ABS + "P020251119646709475115.pdf",
    ),
    "854841375": (
        "工元乐居2021年第七期个人住房抵押贷款证券化信托受托机构报告（第49期）",
        datetime(2025, 11, 19, 17, 30, 42, tzinfo=SHANGHAI),
        DIR_MBS + "P020251119630429428292.pdf",
    ),
    "854841372": (
        "居融2016年第一期个人住房抵押贷款证券化信托受托机构报告（第110期）",
        datetime(2025, 11, 19, 17, 28, 58, tzinfo=SHANGHAI),
        DIR_MBS + "P020251119629384512429.pdf",
    ),
    "854841369": (
        "京诚2021年第一期个人住房抵押贷款资产证券化信托受托机构报告（第55期）",
        datetime(2025, 11, 19, 17, 27, 1, tzinfo=SHANGHAI),
        DIR_MBS + "P020251119628215033551.pdf",
    ),
}


def listing(market, http, **settings) -> ChinaBondListing:
    return ChinaBondListing(ChinaBondListingSettings(base_url=market.base_url, **settings), http=http)


def listing_requests(market) -> list[dict]:
    """The form fields of every listing POST the server received."""
    return [
        {k: v[0] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
        for method, path, body, _ in market.state.requests
        if path == "/cbiw/trs/getDocsByConditions"
    ]


def by_docid(entries) -> dict:
    return {entry.extra["docid"]: entry for entry in entries}


def test_form_api_lists_all_100_real_entries_with_exact_fields(market, http, real_listing):
    entries = list(listing(market, http, page_size=30).list_new())

    assert [e.title for e in entries] == [row["DocTitle"] for row in real_listing]
    assert [e.extra["docid"] for e in entries] == [str(row["docid"]) for row in real_listing]
    assert all(e.published_at.tzinfo is SHANGHAI for e in entries)
    assert [e.published_at.strftime("%Y-%m-%d %H:%M:%S") for e in entries] == [
        row["ShengXiaoShiJian"] for row in real_listing
    ]
    found = by_docid(entries)
    for docid, (title, published_at, path) in KNOWN.items():
        entry = found[docid]
        assert (entry.title, entry.published_at, entry.download_url) == (title, published_at, market.url(path))
        assert entry.source == "chinabond"
        assert entry.source_doc_id == f"{docid}:{path.rsplit('/', 1)[1]}"
        assert entry.doc_type_hint == "trustee_report"
        assert entry.page_url == market.url(path.rsplit("/", 1)[0] + f"/t20251119_{docid}.html")
    assert found["854841384"].file_name == "常星2023年第一期个人消费贷款证券化信托受托机构报告(第30期).pdf"
    assert found["854841384"].extra["attach_id"] == "1983659"
    assert found["854841384"].extra["issue_year"] == "2023"


def test_form_api_pages_with_the_requested_page_size(market, http):
    entries = list(listing(market, http, page_size=30).list_new())

    sent = listing_requests(market)
    assert [(form["pageNum"], form["pageSize"]) for form in sent] == [(str(n), "30") for n in (1, 2, 3, 4)]
    assert sent[0]["parentChnlId"] == "948"
    assert sent[0]["childChnlName"] == "付息兑付与行权公告"
    assert sent[0]["isHasAppendix"] == "1"
    assert len(entries) == 100
    assert market.state.hits[DIR_ABS + "P020251119646709475115.pdf"] == 0  # listing never downloads


def test_pdf_urls_of_the_live_site_are_directory_of_docpuburl_plus_stored_name(market, http):
    market.state.rewrite_host = False
    found = by_docid(listing(market, http, page_size=100).list_new())

    for docid, (_, _, path) in KNOWN.items():
        assert found[docid].download_url == "https://www.chinabond.com.cn" + path
    assert len(found) == 100


def test_json_api_reads_attachment_links_from_detail_pages(market, http, real_listing):
    form_entries = list(listing(market, http, page_size=40).list_new())
    json_entries = list(listing(market, http, page_size=40, api="json").list_new())

    assert len(json_entries) == 100
    assert [(e.title, e.published_at, e.download_url, e.source_doc_id) for e in json_entries] == [
        (e.title, e.published_at, e.download_url, e.source_doc_id) for e in form_entries
    ]
    found = by_docid(json_entries)
    for docid, (title, published_at, path) in KNOWN.items():
        assert (found[docid].title, found[docid].published_at, found[docid].download_url) == (
            title, published_at, market.url(path),
        )
        assert found[docid].file_name.endswith(".pdf")
        assert found[docid].extra["api"] == "json"
    detail_paths = {row["DOCPUBURL"].replace("https://www.chinabond.com.cn", "") for row in real_listing}
    assert all(market.state.hits[path] == 1 for path in detail_paths)
    posted = [json.loads(body) for _, path, body, _ in market.state.requests if path.endswith("getContentByConditions")]
    assert posted[0]["parentChnlName"] == "zqzl_zjzzczj"
    assert posted[0]["childChnlDesc"] == "付息兑付与行权公告"
    assert posted[0]["hasAppendix"] is True
    assert set(posted[0]["queryParam"]) >= {"keywords", "startDate", "endDate"}


@pytest.mark.parametrize("api", ["form", "json"])
def test_download_returns_the_attachment_bytes(market, http, api):
    source = listing(market, http, page_size=100, api=api)
    entries = list(source.list_new())

    for entry in entries[:5]:
        assert source.download(entry) == market.attachment_bytes(entry.extra["docid"])


@pytest.mark.parametrize("api", ["form", "json"])
def test_second_run_after_the_first_returns_nothing(market, http, api):
    source = listing(market, http, page_size=30, api=api)
    cursor = Cursor().advance(source.list_new())

    assert cursor.published_at == datetime(2025, 11, 19, 17, 57, 50, tzinfo=SHANGHAI)
    assert list(source.list_new(Cursor.from_json(cursor.to_json()))) == []


def new_row(template: dict, docid: int, published: str, stored: str) -> dict:
    directory = template["DOCPUBURL"].rsplit("/", 1)[0]
    title = template["DocTitle"].replace("第30期", "第31期")
    return {
        **template,
        "docid": docid,
        "OriginDocId": docid,
        "MetaDataId": docid,
        "DocTitle": title,
        "ShengXiaoShiJian": published,
        "DOCPUBURL": f"{directory}/t20251120_{docid}.html",
        "appendixIds": f"{docid % 10_000_000}={stored}={title}.pdf",
    }


@pytest.mark.parametrize("api", ["form", "json"])
def test_added_entries_are_the_only_ones_returned(market, http, real_listing, api):
    source = listing(market, http, page_size=30, api=api)
    cursor = Cursor().advance(source.list_new())
    same_second = new_row(real_listing[0], 854841400, "2025-11-19 17:57:50", "P020251119999999999001.pdf")
    later = [
        new_row(real_listing[0], 854841402, "2025-11-20 09:00:00", "P020251120000000000002.pdf"),
        new_row(real_listing[0], 854841401, "2025-11-20 08:30:00", "P020251120000000000001.pdf"),
    ]
    market.state.rows[:0] = later + [same_second]

    fresh = list(source.list_new(cursor))

    assert sorted(e.extra["docid"] for e in fresh) == ["854841400", "854841401", "854841402"]
    assert by_docid(fresh)["854841402"].download_url == market.url(DIR_ABS + "P020251120000000000002.pdf")
    assert list(source.list_new(cursor.advance(fresh))) == []


@pytest.mark.parametrize("api", ["form", "json"])
def test_duplicated_pages_give_each_docid_once(market, http, real_listing, api):
    market.state.overlap = 7  # as if 7 entries were published while we paged
    entries = list(listing(market, http, page_size=25, api=api).list_new())

    docids = [e.extra["docid"] for e in entries]
    assert len(docids) == len(set(docids)) == 100
    assert set(docids) == {str(row["docid"]) for row in real_listing}


@pytest.mark.parametrize("api", ["form", "json"])
def test_out_of_order_pages_give_each_docid_once(market, http, real_listing, api):
    market.state.reverse_pages = True
    market.state.shuffle_seed = 3
    market.state.overlap = 4
    entries = list(listing(market, http, page_size=20, api=api).list_new())

    docids = [e.extra["docid"] for e in entries]
    assert len(docids) == len(set(docids)) == 100
    assert set(docids) == {str(row["docid"]) for row in real_listing}
    assert Cursor().advance(entries).published_at == datetime(2025, 11, 19, 17, 57, 50, tzinfo=SHANGHAI)


def test_shuffled_pages_after_a_cursor_return_only_new_entries(market, http, real_listing):
    source = listing(market, http, page_size=20)
    cursor = Cursor().advance(source.list_new())
    market.state.rows[:0] = [new_row(real_listing[1], 854841500, "2025-11-21 10:00:00", "P020251121000000000001.pdf")]
    market.state.shuffle_seed = 11

    assert [e.extra["docid"] for e in source.list_new(cursor)] == ["854841500"]


def test_a_server_that_ignores_page_num_does_not_loop_forever(market, http):
    market.state.ignore_page_num = True
    entries = list(listing(market, http, page_size=10, patience=2).list_new())

    assert len(entries) == 10
    # The first page, then two pages without news, each asked again REPEATED_PAGE_RETRIES times
    # because a repeated page may be a glitch that hides the real page.
    assert len(listing_requests(market)) == 1 + 2 * (1 + 3)


def test_incremental_run_stops_paging_once_pages_are_older_than_the_cursor(market, http):
    source = listing(market, http, page_size=10, patience=2)
    cursor = Cursor().advance(source.list_new())
    market.state.requests.clear()

    assert list(source.list_new(cursor)) == []
    assert len(listing_requests(market)) == 2


def test_page_size_above_100_is_refused():
    with pytest.raises(ValueError, match="page_size"):
        ChinaBondListingSettings(page_size=101)


def test_listing_source_satisfies_the_protocol(market, http):
    source = listing(market, http)
    assert isinstance(source, Source)
    assert source.name == "chinabond_trustee_reports"


def test_appendix_ids_with_several_files_and_commas_in_names():
    raw = (
        "1416267=P020240605408595602651.pdf=兴瑞2024年第三期不良资产支持证券承销团成员名单.pdf,"
        "1416268=P020240605408595801526.pdf=兴瑞2024年第三期,发行办法.pdf,"
        "1416273=P020240605408596747644.pdf=兴瑞2024年第三期不良资产支持证券 《惠誉博华信用评级报告》.pdf"
    )
    page = "https://www.chinabond.com.cn/xxpl/a/ABS_fxwj_ath/202406/t20240605_853811574.html"
    files = parse_appendix_ids(raw, page)

    assert [f.url for f in files] == [
        "https://www.chinabond.com.cn/xxpl/a/ABS_fxwj_ath/202406/P020240605408595602651.pdf",
        "https://www.chinabond.com.cn/xxpl/a/ABS_fxwj_ath/202406/P020240605408595801526.pdf",
        "https://www.chinabond.com.cn/xxpl/a/ABS_fxwj_ath/202406/P020240605408596747644.pdf",
    ]
    assert files[1].original_name == "兴瑞2024年第三期,发行办法.pdf"
    assert [f.attach_id for f in files] == ["1416267", "1416268", "1416273"]
    assert parse_appendix_ids("1=P1.pdf=a.pdf*2=P2.pdf=b.pdf", page)[1].stored_name == "P2.pdf"
    assert parse_appendix_ids(None, page) == parse_appendix_ids("null", page) == []


def test_offering_documents_yield_one_entry_per_attachment(market, http, real_listing):
    row = dict(real_listing[0], appendixIds="1=P0201.pdf=发行说明书.pdf,2=P0202.pdf=发行公告.pdf")
    market.state.rows = [row]
    entries = list(listing(market, http).list_new())

    assert [e.source_doc_id for e in entries] == ["854841384:P0201.pdf", "854841384:P0202.pdf"]
    assert [e.file_name for e in entries] == ["发行说明书.pdf", "发行公告.pdf"]


def test_detail_page_links_are_absolute_and_only_documents():
    html = (
        "<html><body><a href='/index.html'>首页</a><a href='javascript:void(0)'>x</a>"
        "<a href='./P1.pdf'>报告（第1期）</a><a href=\"P1.pdf\">again</a>"
        "<A HREF='/files/P2.XLSX'>附表</A></body></html>"
    )
    links = attachment_links(html, "https://x.cn/a/b/t1.html")

    assert [(a.url, a.original_name) for a in links] == [
        ("https://x.cn/a/b/P1.pdf", "报告（第1期）"),
        ("https://x.cn/files/P2.XLSX", "附表"),
    ]


def test_response_shapes_of_both_apis():
    assert rows_from_response({"success": True, "data": {"data": {"list": [{"docid": 1}]}}}) == [{"docid": 1}]
    assert rows_from_response({"success": True, "data": {"list": [{"docId": 2}], "total": 1}}) == [{"docId": 2}]
    assert rows_from_response({"success": True, "data": {"data": None}}) == []
    with pytest.raises(ListingError, match="ERR_E_Y_CK_CBIW_0001"):
        rows_from_response({"success": False, "code": "ERR_E_Y_CK_CBIW_0001", "msg": "参数错误"})
    with pytest.raises(ListingError):
        rows_from_response({"success": True, "data": {"rows": []}})


def test_publish_times_are_beijing_time():
    expected = datetime(2025, 11, 19, 17, 57, 50, tzinfo=SHANGHAI)
    assert parse_publish_time("2025-11-19 17:57:50") == expected
    assert parse_publish_time(int(expected.timestamp() * 1000)) == expected
    assert parse_publish_time("2025-11-19T09:57:50+00:00") == expected
    assert parse_publish_time("2025-11-19") == datetime(2025, 11, 19, tzinfo=SHANGHAI)


def test_malformed_rows_are_skipped_and_counted(market, http, real_listing):
    market.state.rows = [real_listing[0], {**real_listing[1], "ShengXiaoShiJian": ""}, real_listing[2]]
    source = listing(market, http)

    assert [e.extra["docid"] for e in source.list_new()] == ["854841384", "854841372"]
    assert source.skipped_rows == 1


def test_keywords_lose_the_punctuation_the_api_rejects():
    assert clean_keywords("常星2023（第30期）") == "常星2023 第30期"
