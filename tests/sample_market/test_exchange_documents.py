"""The sample market's exchange-ABS and ABN renderers and the venue imitations: deterministic
bytes, layouts that really change the document, nothing of the venues on the ChinaBond listing."""

from __future__ import annotations

import pytest
import requests

from sample_market.documents.abn_operating_report import render_abn_operating_report
from sample_market.documents.asset_management_report import render_asset_management_report
from sample_market.documents.exchange_layout import LAYOUTS, ExchangeLayout
from sample_market.documents.income_distribution import render_income_distribution
from sample_market.manifest import ManifestEntry, write_manifest
from sample_market.server import serve
from tests.transforms.parse.exchange_cases import annual_reports, distributions, operating_reports
from transforms.parse.disclosure_text import read_disclosure


def test_renderers_are_deterministic():
    cases = [(render_income_distribution, distributions()[3]), (render_asset_management_report, annual_reports()[1]),
             (render_abn_operating_report, operating_reports()[2])]
    for render, data in cases:
        assert render(data, LAYOUTS[1]) == render(data, LAYOUTS[1])


def test_layouts_change_what_the_document_says():
    report = distributions()[10]
    texts = {}
    for layout in LAYOUTS:
        doc = read_disclosure(render_income_distribution(report, layout), title_stops=("专项计划名称",))
        texts[layout] = (doc.title, doc.tables()[0].header, doc.text())
    titles = {t[0] for t in texts.values()}
    assert len(titles) == 3  # 报告, 的公告, 2025年第k期(总第N期)
    headers = {tuple(t[1]) for t in texts.values()}
    assert any("剩余规模（亿元）" in h for h in headers) and any("剩余规模（万元）" in h for h in headers)
    assert any("按面值分期偿还后的简称" in h for h in headers)
    prose = [t[2] for t in texts.values()]
    assert any("分配资金=" in p for p in prose) and any("分配资金为" in p for p in prose)
    assert ExchangeLayout().with_(date_style="spaced").date(report.payment_date).count(" ") == 5


def test_unknown_variants_are_refused():
    with pytest.raises(ValueError, match="unknown variant"):
        render_income_distribution(distributions()[0], LAYOUTS[0], "sideways")


def test_venue_documents_are_not_on_the_chinabond_listing(tmp_path):
    (tmp_path / "sse").mkdir()
    (tmp_path / "sse" / "a.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    entry = ManifestEntry.for_file(tmp_path, "sse/a.pdf", file_name="a.pdf", title="某专项计划第1期收益分配报告",
                                   published_at="2025-03-03T16:30:00+08:00", channel="sse",
                                   doc_type="income_distribution", source_doc_id="700000001", issue_year=2024,
                                   extra={"security_codes": ["270452.SH"], "security_abbrs": ["24京融1A"],
                                          "category": "income_distribution"})
    write_manifest(tmp_path, [entry])
    with serve(tmp_path) as server:
        listing = requests.post(server.url + "/cbiw/trs/getDocsByConditions", timeout=5,
                                data={"parentChnlId": 948, "childChnlName": "", "pageNum": 1, "pageSize": 10}).json()
        sse = requests.get(server.url + "/commonSoaQuery.do", timeout=5, headers={"Referer": "https://www.sse.com.cn/"},
                           params={"sqlId": "BS_ZQ_GGLL", "bondType": "CORPORATE_ASSET_BOND_BULLETIN"}).json()
    assert listing["data"]["data"]["total"] == 0
    assert [row["title"] for row in sse["result"]] == ["某专项计划第1期收益分配报告"]
    assert sse["result"][0]["securityCode"] == "270452"
