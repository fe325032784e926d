"""The sample market's loopback server, over real HTTP on 127.0.0.1.

Each test writes a small manifest and its files into tmp_path (fake PDFs as bytes, a yield
curve written with xlsxwriter), starts the server, and talks to it with requests (or
http.client where a byte count matters). Fault tests use rates of 1.0 or a fixed seed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import http.client
import io
import json
import random
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
import xlsxwriter

from sample_market.manifest import (
    MANIFEST_NAME,
    ManifestEntry,
    ManifestError,
    read_manifest,
    verify_manifest,
    write_manifest,
)
from sample_market.server import (
    BLOCK_PAGE,
    Faults,
    build_parser,
    faults_from_args,
    main,
    parse_latency,
    serve,
)

FORM_API = "/cbiw/trs/getDocsByConditions"
JSON_API = "/cbiw/trs/getContentByConditions"
TRUSTEE = "付息兑付与行权公告"
ISSUANCE = "发行文件"
GOVT_CURVE = "2c9081e50a2f9606010a3068cae70001"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REAL_ENTRY_KEYS = {
    "DOCCONTENT", "ShengXiaoShiJian", "FaXingRenId", "DocTitle", "docid", "DOCPUBURL",
    "MetaDataId", "OriginDocId", "SubDocTitle", "recid", "appendixIds", "FaXingNianFen",
}
"""Keys every entry of tests/fixtures/real_world/chinabond_trustee_report_listing_2025-11-19.json has."""

# (source_doc_id, title, published_at, issue_year); listed oldest-last on purpose
TRUSTEE_REPORTS = [
    ("854841365", "工元乐居2021年第一期个人住房抵押贷款证券化信托受托机构报告（第56期）", "2025-11-19T17:24:23+08:00", 2021),
    ("854841384", "常星2023年第一期个人消费贷款证券化信托受托机构报告(第30期)", "2025-11-19T17:57:50+08:00", 2023),
    ("853000001", "居融2016年第一期个人住房抵押贷款证券化信托受托机构报告（第99期）", "2024-12-20T10:00:00+08:00", 2016),
    ("854800000", "工元乐居2021年第一期个人住房抵押贷款证券化信托受托机构报告（第55期）", "2025-10-20T09:30:00+08:00", 2021),
    # published in UTC: 2025-06-30 01:00 UTC is 09:00 in Beijing
    ("854500000", "工元至诚惠银2025年第一期不良资产证券化信托受托机构报告（第1期）", "2025-06-30T01:00:00+00:00", 2025),
]


def fake_pdf(label: str) -> bytes:
    """Bytes that start like a PDF; long enough that a truncated copy is visibly short."""
    return f"%PDF-1.4\n% sample market test file: {label}\n".encode() + bytes(range(256)) * 8 + b"\n%%EOF\n"


def curve_xlsx() -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["日期", "标准期限说明", "标准期限(年)", "收益率(%)"])
    sheet.write_row(1, 0, ["2016/01/04", "1y", 1.0, "2.3186"])
    sheet.write_row(2, 0, ["2016/01/04", "10y", 10.0, "2.8652"])
    book.close()
    return buffer.getvalue()


def put(directory: Path, rel_path: str, data: bytes, **values) -> ManifestEntry:
    path = directory / rel_path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return ManifestEntry.for_file(directory, rel_path, **values)


def build_market(directory: Path) -> list[ManifestEntry]:
    """Five trustee reports, one offering with two files, a curve and a vendor export."""
    entries = []
    for docid, title, published_at, issue_year in TRUSTEE_REPORTS:
        entries.append(put(directory, f"docs/trustee/{docid}.pdf", fake_pdf(title), file_name=f"{title}.pdf",
                           title=title, published_at=published_at, channel="trustee_report",
                           doc_type="trustee_report", source_doc_id=docid, issue_year=issue_year))
    offering = "工元乐居2025年第一期个人住房抵押贷款证券化信托发行文件"
    for part in ("发行说明书", "发行办法"):
        entries.append(put(directory, f"docs/issuance/855000001_{part}.pdf", fake_pdf(part),
                           file_name=f"工元乐居2025年第一期{part}.pdf", title=offering,
                           published_at="2025-03-03T16:00:00+08:00", channel="issuance",
                           doc_type="offering_document", source_doc_id="855000001", issue_year=2025))
    entries.append(put(directory, "market/curves/govt_2016.xlsx", curve_xlsx(), file_name="中债国债收益率曲线_2016.xlsx",
                       title="中债国债收益率曲线 2016", published_at="2017-01-01T00:00:00+08:00",
                       channel="market_data", doc_type="yield_curve", source_doc_id="900000001",
                       issue_year=None, curve_id=GOVT_CURVE, year=2016))
    entries.append(put(directory, "vendor/万得_ABS发行统计.xlsx", b"PK\x03\x04 not really a workbook",
                       file_name="万得_ABS发行统计.xlsx", title="ABS发行统计（Wind导出）",
                       published_at="2025-11-20T08:00:00+08:00", channel="vendor_export",
                       doc_type="abs_issuance_export", source_doc_id="900000002", issue_year=None))
    write_manifest(directory, entries)
    return entries


@pytest.fixture
def market_dir(tmp_path) -> Path:
    build_market(tmp_path)
    return tmp_path


@pytest.fixture
def market(market_dir):
    with serve(market_dir) as running:
        yield running


def form_page(url: str, **fields) -> dict:
    data = {"parentChnlId": 948, "childChnlName": TRUSTEE, "pageNum": 1, "pageSize": 10, "isHasAppendix": 1,
            "keywords": "", "noticeYear": "", **fields}
    response = requests.post(url + FORM_API, data=data, timeout=5)
    assert response.status_code == 200
    return response.json()


def form_list(url: str, **fields) -> list[dict]:
    body = form_page(url, **fields)
    assert body["success"] is True
    return body["data"]["data"]["list"]


def docids(rows: list[dict]) -> list[int]:
    return [row.get("docid") or row.get("docId") for row in rows]


def titles(rows: list[dict]) -> list[str]:
    return [row.get("DocTitle") or row.get("docTitle") for row in rows]


# -- manifest ----------------------------------------------------------------------------------


def test_manifest_round_trips_and_keeps_unknown_keys(tmp_path):
    entries = build_market(tmp_path)
    lines = (tmp_path / MANIFEST_NAME).read_text(encoding="utf-8").splitlines()
    first = json.loads(lines[0])
    assert set(first) == {"doc_id", "rel_path", "file_name", "title", "published_at", "channel", "doc_type",
                          "source_doc_id", "issue_year"}
    assert first["published_at"] == "2025-11-19T17:24:23+08:00" and "工元乐居" in lines[0]  # not \u-escaped
    curve = json.loads(lines[7])
    assert (curve["curve_id"], curve["year"]) == (GOVT_CURVE, 2016)

    assert read_manifest(tmp_path) == entries
    assert verify_manifest(tmp_path) == []

    with (tmp_path / MANIFEST_NAME).open("a", encoding="utf-8") as handle:
        handle.write(json.dumps({**first, "rel_path": "docs/x.pdf", "layout_variant": "B"}, ensure_ascii=False) + "\n")
    (tmp_path / "docs/x.pdf").write_bytes(b"other bytes")
    again = read_manifest(tmp_path)
    extra = again[-1]
    assert extra.extra == {"layout_variant": "B"} and extra.to_dict()["layout_variant"] == "B"
    # values lines repeat are one object (a market year's server holds every entry)
    assert extra.published_at is again[0].published_at and extra.channel is again[0].channel
    assert verify_manifest(tmp_path) == ["docs/x.pdf: bytes do not match doc_id " + first["doc_id"][:12] + "…"]


@pytest.mark.parametrize("change, message", [
    ({"published_at": "2025-11-19T17:24:23"}, "time zone"),
    ({"published_at": "yesterday"}, "ISO 8601"),
    ({"channel": "rumours"}, "channel"),
    ({"rel_path": "../outside.pdf"}, "inside"),
    ({"doc_id": "abc"}, "sha256"),
    ({"issue_year": "2021"}, "issue_year"),
    ({"curve_id": GOVT_CURVE}, "together"),
    ({"encoding": "gbk"}, "encoding"),
])
def test_manifest_refuses_bad_lines(tmp_path, change, message):
    build_market(tmp_path)
    line = json.loads((tmp_path / MANIFEST_NAME).read_text(encoding="utf-8").splitlines()[0])
    (tmp_path / MANIFEST_NAME).write_text(json.dumps({**line, **change}) + "\n", encoding="utf-8")
    with pytest.raises(ManifestError, match=message):
        read_manifest(tmp_path)


def test_serve_refuses_a_manifest_whose_files_are_missing(market_dir):
    (market_dir / "docs/trustee/854841365.pdf").unlink()
    with pytest.raises(ManifestError, match="missing"):
        serve(market_dir)


# -- binding and health ---------------------------------------------------------------------


def test_binds_loopback_only_and_answers_health(market):
    assert market.host == "127.0.0.1" and market.url == f"http://127.0.0.1:{market.port}"
    assert market._httpd.socket.getsockname()[0] == "127.0.0.1"
    response = requests.get(market.url + "/health", timeout=5)
    assert (response.status_code, response.text) == (200, "ok")
    with pytest.raises(ValueError, match="loopback"):
        serve(market.directory, host="0.0.0.0")
    proc_tcp = Path("/proc/net/tcp")  # Linux: the kernel's own view of the listening socket
    if proc_tcp.exists():
        listening = [line.split()[1] for line in proc_tcp.read_text().splitlines()[1:]
                     if line.split()[3] == "0A" and int(line.split()[1].split(":")[1], 16) == market.port]
        assert listening == [f"0100007F:{market.port:04X}"]
    # if this machine has a non-loopback address, nothing listens on it
    others = {info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)}
    for address in sorted(a for a in others if not a.startswith("127."))[:2]:
        with pytest.raises(OSError):
            socket.create_connection((address, market.port), timeout=1).close()


def test_stop_is_idempotent_and_closes_the_port(market_dir):
    running = serve(market_dir)
    port = running.port
    running.stop()
    running.stop()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


# -- older form API -------------------------------------------------------------------------


def test_form_listing_pages_newest_first_with_total(market):
    body = form_page(market.url, pageSize=2)
    assert body["success"] is True and body["data"]["data"]["total"] == 5
    rows, page = [], 1
    while page <= 10:  # bounded
        chunk = form_list(market.url, pageSize=2, pageNum=page)
        if not chunk:
            break
        assert len(chunk) <= 2
        rows += chunk
        page += 1
    assert page == 4  # pages 1-3 hold 2+2+1 rows, page 4 is empty
    times = [row["ShengXiaoShiJian"] for row in rows]
    assert times == ["2025-11-19 17:57:50", "2025-11-19 17:24:23", "2025-10-20 09:30:00",
                     "2025-06-30 09:00:00", "2024-12-20 10:00:00"]
    assert [row["docid"] for row in rows] == [854841384, 854841365, 854800000, 854500000, 853000001]
    # every page size answers the same order
    assert form_list(market.url, pageSize=100) == rows
    assert len(form_list(market.url)) == 5  # default page size 10
    assert form_page(market.url, pageSize=1000)["data"]["data"]["total"] == 5  # clamped, not refused


def test_form_entries_have_the_real_keys_and_shapes(market):
    rows = form_list(market.url)
    for row in rows:
        assert set(row) == REAL_ENTRY_KEYS
        assert row["docid"] == row["MetaDataId"] == row["OriginDocId"] and isinstance(row["docid"], int)
        assert isinstance(row["recid"], int) and row["DOCCONTENT"] == row["SubDocTitle"] == ""
        assert re.fullmatch(r"\d{8}", row["FaXingRenId"])
        assert re.fullmatch(r"\d{4}", row["FaXingNianFen"])
        published = row["ShengXiaoShiJian"]
        stamp = published[:10].replace("-", "")
        assert re.fullmatch(
            re.escape(market.url) + r"/xxpl/ywzc_fxyfxdh/fxyfxdh_zqzl/zqzl_zjzzczj/zjzczq_(ABS|MBS)/(ABS|MBS)_fxdfyxqgg/"
            + stamp[:6] + "/t" + stamp + "_" + str(row["docid"]) + r"\.html", row["DOCPUBURL"])
        assert ("MBS" in row["DOCPUBURL"]) == ("住房抵押" in row["DocTitle"])
        attach_id, stored, original = row["appendixIds"].split("=", 2)
        assert attach_id.isdigit() and re.fullmatch(r"P0" + stamp + r"\d{12}\.pdf", stored)
        assert original == row["DocTitle"] + ".pdf"
    by_title = {row["DocTitle"]: row for row in rows}
    same_series = [row["FaXingRenId"] for title, row in by_title.items() if title.startswith("工元乐居")]
    assert len(same_series) == 2 and len(set(same_series)) == 1
    assert by_title[TRUSTEE_REPORTS[2][1]]["FaXingNianFen"] == "2016"


def test_form_filters_keywords_notice_year_and_time(market):
    assert titles(form_list(market.url, keywords="工元乐居")) == [TRUSTEE_REPORTS[0][1], TRUSTEE_REPORTS[3][1]]
    assert titles(form_list(market.url, keywords="工元乐居 第55期")) == [TRUSTEE_REPORTS[3][1]]
    assert form_list(market.url, keywords="没有这个") == []
    assert titles(form_list(market.url, noticeYear="2024")) == [TRUSTEE_REPORTS[2][1]]
    assert len(form_list(market.url, noticeYear=2025)) == 4
    window = form_list(market.url, startTime="2025-06-30 09:00:00", endTime="2025-11-19 17:24:23")
    assert [row["docid"] for row in window] == [854841365, 854800000, 854500000]  # both ends inclusive
    assert [row["docid"] for row in form_list(market.url, startTime="2025-11-19")] == [854841384, 854841365]
    assert [row["docid"] for row in form_list(market.url, endTime="2024-12-20")] == [853000001]


def test_form_refuses_what_the_real_api_refuses(market):
    refused = form_page(market.url, keywords="工元乐居（第55期）")
    assert refused["success"] is False and refused["code"] == "ERR_E_Y_CK_CBIW_0001"
    assert form_page(market.url, pageNum="two")["success"] is False
    assert form_page(market.url, startTime="yesterday")["success"] is False
    assert form_page(market.url, parentChnlId=999)["data"]["data"] == {"list": [], "total": 0}
    assert form_page(market.url, childChnlName="不存在的栏目")["data"]["data"]["total"] == 0
    assert requests.get(market.url + FORM_API, timeout=5).status_code == 405


def test_channels_issuance_market_data_and_vendor(market):
    offering = form_list(market.url, childChnlName=ISSUANCE)
    assert len(offering) == 1
    row = offering[0]
    assert "/zjzczq_MBS/MBS_fxwj/202503/t20250303_855000001.html" in row["DOCPUBURL"]
    items = row["appendixIds"].split(",")
    assert [item.split("=")[2] for item in items] == ["工元乐居2025年第一期发行说明书.pdf", "工元乐居2025年第一期发行办法.pdf"]
    assert len({item.split("=")[0] for item in items}) == 2
    assert titles(form_list(market.url, childChnlName="市场数据")) == ["中债国债收益率曲线 2016"]
    assert titles(form_list(market.url, childChnlName="vendor")) == ["ABS发行统计（Wind导出）"]
    assert form_page(market.url, childChnlName="")["data"]["data"]["total"] == 6  # trustee + issuance


# -- detail pages and attachments ----------------------------------------------------------------


def test_detail_page_links_to_the_attachment_bytes(market, market_dir):
    entries = {entry.source_doc_id: entry for entry in read_manifest(market_dir)}
    for row in form_list(market.url):
        page = requests.get(row["DOCPUBURL"], timeout=5)
        assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
        assert row["DocTitle"] in page.text
        hrefs = re.findall(r'<a href="([^"]+\.pdf)"', page.text)
        assert len(hrefs) == 1
        directory = row["DOCPUBURL"].rsplit("/", 1)[0] + "/"
        stored = row["appendixIds"].split("=")[1]
        assert requests.compat.urljoin(row["DOCPUBURL"], hrefs[0]) == directory + stored
        response = requests.get(directory + stored, timeout=5)
        entry = entries[str(row["docid"])]
        assert response.content == (market_dir / entry.rel_path).read_bytes()
        assert response.headers["Content-Type"] == "application/pdf"
        assert int(response.headers["Content-Length"]) == len(response.content)
        assert response.headers["ETag"] == f'"{entry.doc_id}"'
    assert requests.get(market.url + "/xxpl/nothing/t1.html", timeout=5).status_code == 404


def test_offering_detail_page_lists_both_files(market, market_dir):
    row = form_list(market.url, childChnlName=ISSUANCE)[0]
    page = requests.get(row["DOCPUBURL"], timeout=5).text
    hrefs = re.findall(r'<a href="([^"]+\.pdf)"[^>]*>([^<]+)</a>', page)
    assert [text for _, text in hrefs] == ["工元乐居2025年第一期发行说明书.pdf", "工元乐居2025年第一期发行办法.pdf"]
    bodies = [requests.get(requests.compat.urljoin(row["DOCPUBURL"], href), timeout=5).content for href, _ in hrefs]
    assert bodies == [fake_pdf("发行说明书"), fake_pdf("发行办法")]


# -- current JSON API -----------------------------------------------------------------------------


def json_page(url: str, **overrides) -> dict:
    query = {"keywords": "", "startDate": "", "endDate": "", "reportType": "", "reportYear": ""}
    query.update(overrides.pop("queryParam", {}))
    body = {"parentChnlName": "zqzl_zjzzczj", "excludeParentChnlNames": [], "childChnlDesc": TRUSTEE,
            "hasAppendix": True, "siteName": "chinaBond", "pageSize": 10, "pageNum": 1, "queryParam": query,
            **overrides}
    response = requests.post(url + JSON_API, json=body, timeout=5)
    assert response.status_code == 200
    return response.json()


def test_json_api_camel_case_rows_without_appendix_ids(market):
    body = json_page(market.url, pageSize=2)
    assert body["success"] is True and body["data"]["total"] == 5
    rows = body["data"]["list"]
    assert [row["docId"] for row in rows] == [854841384, 854841365]
    for row in rows:
        assert row["appendixIds"] is None
        assert {"docTitle", "shengXiaoShiJian", "docPubUrl", "faXingNianFen"} <= set(row)
    form_rows = form_list(market.url, pageSize=2)
    assert [row["docPubUrl"] for row in rows] == [row["DOCPUBURL"] for row in form_rows]
    assert [row["docId"] for row in json_page(market.url, pageSize=2, pageNum=3)["data"]["list"]] == [853000001]
    window = json_page(market.url, queryParam={"startDate": "2025-06-30", "endDate": "2025-10-20"})
    assert [row["docId"] for row in window["data"]["list"]] == [854800000, 854500000]
    assert json_page(market.url, queryParam={"keywords": "常星"})["data"]["total"] == 1
    assert json_page(market.url, parentChnlName="other")["data"]["total"] == 0
    assert json_page(market.url, queryParam={"keywords": "常星(第30期)"})["success"] is False


def test_real_connector_reads_both_apis_unchanged(market, market_dir):
    from sources.chinabond.listing import ChinaBondListing, ChinaBondListingSettings
    from sources.http import HttpClient, HttpSettings

    expected = {entry.doc_id for entry in read_manifest(market_dir) if entry.channel == "trustee_report"}
    for api in ("form", "json"):
        client = HttpClient(HttpSettings(connect_timeout=2, read_timeout=5, max_attempts=2), sleep=lambda s: None)
        source = ChinaBondListing(ChinaBondListingSettings(base_url=market.url, api=api, page_size=2), http=client)
        entries = list(source.list_new())
        assert len(entries) == 5
        assert {hashlib.sha256(source.download(entry)).hexdigest() for entry in entries} == expected
        client.close()


# -- yield curves and vendor files ------------------------------------------------------------------


def test_curve_download_and_error_page(market, market_dir):
    response = requests.get(market.url + "/cbweb-mn/yc/downYearBzqx", params={"year": 2016, "ycDefId": GOVT_CURVE},
                            timeout=5)
    assert response.status_code == 200 and response.headers["Content-Type"] == XLSX_TYPE
    assert response.content == (market_dir / "market/curves/govt_2016.xlsx").read_bytes()
    assert response.content.startswith(b"PK\x03\x04")
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    for params in ({"year": 2017, "ycDefId": GOVT_CURVE}, {"year": 2016, "ycDefId": "nope"}, {"year": "x"}):
        error = requests.get(market.url + "/cbweb-mn/yc/downYearBzqx", params=params, timeout=5)
        assert error.status_code == 200 and error.headers["Content-Type"].startswith("text/html")
        assert error.content.lstrip().startswith(b"<html") and len(error.content) < 500


def test_vendor_index_and_downloads(market, market_dir):
    index = requests.get(market.url + "/vendor/index.json", timeout=5).json()
    assert index["total"] == 2
    docs = index["documents"]
    assert [doc["doc_type"] for doc in docs] == ["abs_issuance_export", "yield_curve"]  # newest first
    assert docs[0]["title"] == "ABS发行统计（Wind导出）" and docs[0]["published_at"] == "2025-11-20T08:00:00+08:00"
    assert (docs[1]["curve_id"], docs[1]["year"]) == (GOVT_CURVE, 2016)
    for doc in docs:
        assert urlsplit(doc["url"]).netloc == f"127.0.0.1:{market.port}"
        data = requests.get(doc["url"], timeout=5).content
        assert hashlib.sha256(data).hexdigest() == doc["doc_id"] and len(data) == doc["size"]
    only = requests.get(market.url + "/vendor/index.json", params={"channel": "market_data"}, timeout=5).json()
    assert [doc["doc_type"] for doc in only["documents"]] == ["yield_curve"]
    since = requests.get(market.url + "/vendor/index.json", params={"since": "2025-01-01"}, timeout=5).json()
    assert since["total"] == 1
    # trustee reports are not vendor files
    assert requests.get(market.url + "/vendor/docs/trustee/854841365.pdf", timeout=5).status_code == 404


def test_text_downloads_declare_the_charset_the_manifest_states(market_dir):
    """A GB18030 CSV is served as such: a client that trusts the header decodes it right."""
    header, row = "日期,标准期限(年),收益率(%)", "2025-12-31,1,1.4321"
    entries = read_manifest(market_dir)
    for encoding, name in (("gb18030", "曲线_GB.csv"), ("utf-8-sig", "曲线_UTF8.csv")):
        entries.append(put(market_dir, f"market/{name}", f"{header}\r\n{row}\r\n".encode(encoding), file_name=name,
                           title=name, published_at="2026-01-01T08:00:00+08:00", channel="market_data",
                           doc_type="yield_curve_extract", source_doc_id=str(900000100 + len(entries)),
                           encoding=encoding))
    write_manifest(market_dir, entries)
    assert read_manifest(market_dir)[-1].encoding == "utf-8-sig"
    with serve(market_dir) as running:
        index = requests.get(running.url + "/vendor/index.json", params={"channel": "market_data"}, timeout=5).json()
        served = {doc["file_name"]: requests.get(doc["url"], timeout=5) for doc in index["documents"]}
    assert served["曲线_GB.csv"].headers["Content-Type"] == "text/csv; charset=GB18030"
    assert served["曲线_UTF8.csv"].headers["Content-Type"] == "text/csv; charset=UTF-8"
    assert served["曲线_GB.csv"].text.splitlines()[0] == header
    assert served["曲线_UTF8.csv"].text.lstrip("\ufeff").splitlines()[0] == header
    assert served["中债国债收益率曲线_2016.xlsx"].headers["Content-Type"] == XLSX_TYPE  # binary: no charset


def test_manifest_change_is_picked_up_while_running(market, market_dir):
    entries = read_manifest(market_dir)
    entries.append(put(market_dir, "docs/trustee/854900000.pdf", fake_pdf("new"), file_name="新报告.pdf",
                       title="常星2023年第一期个人消费贷款证券化信托受托机构报告(第31期)",
                       published_at="2025-12-19T18:00:00+08:00", channel="trustee_report",
                       doc_type="trustee_report", source_doc_id="854900000", issue_year=2023))
    write_manifest(market_dir, entries)
    market.reload()  # mtime can be too coarse to notice a change within the same tick
    rows = form_list(market.url)
    assert rows[0]["docid"] == 854900000 and len(rows) == 6


# -- faults ---------------------------------------------------------------------------------------------


def test_http_errors_429_with_retry_after_and_5xx(market_dir):
    with serve(market_dir, faults=Faults(error_rate=1.0, error_statuses=(429,), seed=1)) as running:
        answers = [requests.get(running.url + "/vendor/index.json", timeout=5) for _ in range(6)]
        assert {answer.status_code for answer in answers} == {429}
        assert {answer.headers["Retry-After"] for answer in answers} <= {"0", "1"}
        assert requests.get(running.url + "/health", timeout=5).status_code == 200  # exempt
        assert running.stats["error_429"] == 6
    with serve(market_dir, faults=Faults(error_rate=1.0, error_statuses=(500, 503), seed=2)) as running:
        statuses = [requests.post(running.url + FORM_API, data={"childChnlName": TRUSTEE}, timeout=5).status_code
                    for _ in range(12)]
        assert set(statuses) == {500, 503}


def test_dropped_connection_raises_a_connection_error(market_dir):
    with serve(market_dir, faults=Faults(drop_rate=1.0)) as running:
        with pytest.raises(requests.ConnectionError):
            requests.get(running.url + "/vendor/index.json", timeout=5)
        with pytest.raises(requests.ConnectionError):
            requests.post(running.url + FORM_API, data={"childChnlName": TRUSTEE}, timeout=5)
        assert running.stats["drop"] == 2


def test_truncated_body_is_short_of_its_content_length_and_disk_is_untouched(market_dir):
    entry = next(e for e in read_manifest(market_dir) if e.source_doc_id == "854841384")
    with serve(market_dir) as clean:
        row = form_list(clean.url, keywords="常星")[0]
    path = urlsplit(row["DOCPUBURL"]).path.rsplit("/", 1)[0] + "/" + row["appendixIds"].split("=")[1]
    with serve(market_dir, faults=Faults(truncate_rate=1.0, seed=5)) as running:
        connection = http.client.HTTPConnection("127.0.0.1", running.port, timeout=5)
        connection.request("GET", path)
        response = connection.getresponse()
        announced = int(response.getheader("Content-Length"))
        with pytest.raises(http.client.IncompleteRead) as cut:
            response.read()
        connection.close()
        assert announced == (market_dir / entry.rel_path).stat().st_size
        assert 0 < len(cut.value.partial) < announced
        with pytest.raises(requests.exceptions.ChunkedEncodingError):
            requests.get(running.url + path, timeout=5)
        with pytest.raises(requests.exceptions.ChunkedEncodingError):
            requests.post(running.url + FORM_API, data={"childChnlName": TRUSTEE}, timeout=5).json()
    assert hashlib.sha256((market_dir / entry.rel_path).read_bytes()).hexdigest() == entry.doc_id
    assert verify_manifest(market_dir) == []


def test_duplicated_page_repeats_the_previous_page(market_dir):
    page1, page2 = [854841384, 854841365], [854800000, 854500000]
    with serve(market_dir, faults=Faults(dup_page_rate=1.0)) as running:
        assert docids(form_list(running.url, pageSize=2, pageNum=1)) == page1  # nothing before page 1
        assert docids(form_list(running.url, pageSize=2, pageNum=2)) == page1
        assert docids(form_list(running.url, pageSize=2, pageNum=3)) == page2
        assert docids(json_page(running.url, pageSize=2, pageNum=2)["data"]["list"]) == page1
        assert running.stats["dup_page"] == 3


def test_shuffled_page_has_the_same_entries_out_of_order(market_dir):
    ordered = [854841384, 854841365, 854800000, 854500000, 853000001]
    with serve(market_dir, faults=Faults(shuffle_rate=1.0, seed=11)) as running:
        for _ in range(3):
            shuffled = form_list(running.url, pageSize=5)
            assert docids(shuffled) != ordered
            assert docids(sorted(shuffled, key=lambda row: row["ShengXiaoShiJian"], reverse=True)) == ordered
        assert docids(form_list(running.url, pageSize=2)) == [854841365, 854841384]  # two entries: always swapped
        assert running.stats["shuffle"] == 4


def test_block_page_with_status_200(market_dir):
    with serve(market_dir, faults=Faults(block_rate=1.0)) as running:
        listing = requests.post(running.url + FORM_API, data={"childChnlName": TRUSTEE}, timeout=5)
        curve = requests.get(running.url + "/cbweb-mn/yc/downYearBzqx",
                             params={"year": 2016, "ycDefId": GOVT_CURVE}, timeout=5)
        for response in (listing, curve):
            assert response.status_code == 200
            assert response.headers["Content-Type"].startswith("text/html")
            assert "访问受限" in response.content.decode("utf-8") and response.content == BLOCK_PAGE
        assert requests.get(running.url + "/health", timeout=5).text == "ok"
        assert running.stats["block"] == 2


def test_latency_fixed_and_ranged(market_dir):
    """Latency delays every request but /health (a sleep never ends early, so the lower bound
    holds on a busy machine; how fast /health answers is not asserted: it draws no fault plan)."""
    with serve(market_dir, faults=Faults(latency_ms=150)) as running:
        started = time.monotonic()
        requests.get(running.url + "/vendor/index.json", timeout=5)
        assert time.monotonic() - started >= 0.15
        requests.get(running.url + "/health", timeout=5)
        assert running.stats == {"requests": 1}
    ranged = Faults(latency_ms="20-200")
    delays = [ranged.plan(random.Random(seed)).latency_s for seed in range(50)]
    assert all(0.02 <= d <= 0.2 for d in delays) and len(set(delays)) > 1
    assert parse_latency("20-200") == (20.0, 200.0) and parse_latency(50) == (50.0, 50.0)
    assert Faults(latency_ms=(5, 10)).latency_ms == (5.0, 10.0)
    with pytest.raises(ValueError):
        Faults(latency_ms="200-20")
    with pytest.raises(ValueError):
        Faults(error_rate=1.5)


def outcomes(url: str, n: int) -> list[str]:
    """What each of n sequential listing requests got: status, 'drop', 'block' or 'cut'."""
    seen = []
    for _ in range(n):
        try:
            response = requests.post(url + FORM_API, data={"childChnlName": TRUSTEE, "pageSize": 5}, timeout=5)
            if "访问受限" in response.text:
                seen.append("block")
            else:
                rows = response.json()["data"]["data"]["list"] if response.status_code == 200 else []
                seen.append(f"{response.status_code}:" + ",".join(str(row["docid"]) for row in rows))
        except requests.exceptions.ChunkedEncodingError:
            seen.append("cut")
        except requests.ConnectionError:
            seen.append("drop")
    return seen


def test_same_seed_same_faults(market_dir):
    faults = Faults(seed=42, error_rate=0.2, drop_rate=0.15, truncate_rate=0.15, block_rate=0.15, shuffle_rate=0.3)
    runs = []
    for _ in range(2):
        with serve(market_dir, faults=faults) as running:
            runs.append(outcomes(running.url, 25))
    assert runs[0] == runs[1]
    kinds = {outcome.split(":")[0] for outcome in runs[0]}
    assert {"200", "drop", "cut", "block"} <= kinds and kinds & {"429", "500", "503"}
    with serve(market_dir, faults=dataclasses.replace(faults, seed=43)) as running:
        assert outcomes(running.url, 25) != runs[0]


def test_real_connector_survives_transient_faults(market_dir):
    from sources.chinabond.listing import ChinaBondListing, ChinaBondListingSettings
    from sources.http import HttpClient, HttpSettings

    expected = {entry.doc_id for entry in read_manifest(market_dir) if entry.channel == "trustee_report"}
    faults = Faults(seed=7, error_rate=0.15, drop_rate=0.1, truncate_rate=0.1, block_rate=0.1, dup_page_rate=0.2)
    with serve(market_dir, faults=faults) as running:
        client = HttpClient(HttpSettings(connect_timeout=2, read_timeout=5, max_attempts=8),
                            sleep=lambda s: None, rng=random.Random(1))
        source = ChinaBondListing(ChinaBondListingSettings(base_url=running.url, page_size=2), http=client)
        entries = list(source.list_new())
        assert {hashlib.sha256(source.download(entry)).hexdigest() for entry in entries} == expected
        client.close()
        stats = running.stats
    assert stats["requests"] > 2 * len(expected) and sum(v for k, v in stats.items() if k != "requests") > 0


# -- command line ----------------------------------------------------------------------------------------


def test_command_line_options_become_faults(tmp_path):
    args = build_parser().parse_args(["--dir", str(tmp_path), "--port", "0", "--error-rate", "0.2",
                                      "--latency-ms", "10-30", "--drop-rate", "0.1", "--shuffle", "--seed", "9",
                                      "--error-statuses", "429,503"])
    faults = faults_from_args(args)
    assert faults == Faults(seed=9, latency_ms=(10, 30), error_rate=0.2, error_statuses=(429, 503),
                            drop_rate=0.1, shuffle_rate=1.0)
    assert main(["--dir", str(tmp_path / "no-such-dir")]) == 2
    assert main(["--dir", str(tmp_path), "--error-rate", "2"]) == 2


def test_abs_etl_sample_serve_takes_the_servers_own_options(market_dir):
    """The installed command: prints its URL and the faults its options became, then serves
    with them (here every listing page shuffled, answering with the same five entries)."""
    command = [str(Path(sys.executable).with_name("abs-etl")), "sample", "serve", "--dir", str(market_dir),
               "--shuffle", "--seed", "11", "--dup-page-rate", "0", "--error-statuses", "503"]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = proc.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+", first)
        assert url, f"no URL in {first!r} (stderr: {proc.stderr.read() if proc.poll() is not None else ''})"
        faults = proc.stdout.readline()
        for knob in ("seed=11", "error_statuses=(503,)", "dup_page_rate=0.0", "shuffle_rate=1.0"):
            assert knob in faults, faults
        rows = form_list(url.group(0), pageSize=5)
        assert sorted(docids(rows)) == sorted([854841384, 854841365, 854800000, 854500000, 853000001])
        assert docids(rows) != [854841384, 854841365, 854800000, 854500000, 853000001]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    refused = subprocess.run(command[:3] + ["--dir", str(market_dir), "--error-rate", "2"],
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2 and "error_rate must be within 0..1" in refused.stderr
