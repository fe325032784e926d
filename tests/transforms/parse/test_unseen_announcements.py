"""Issuance documents in layouts the sample market never makes, written by hand from what real
ones look like (the real-spellings reference §2–3: the 臻粹 簿记建档发行结果公告 with one
tranche per page and labels above their values, its prospectus table with a header wrapped
over three lines and a 总计 row, 「发行规模为 182,000,000.00 元」 in prose, the 参与机构 items
「（一）发起机构/贷款服务机构：…（简称“…”）」). Each must load with exactly the values in it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from tests.transforms.parse.handmade import PAGE_W, Column, Pdf, xlsx
from transforms.normalise.ids import deal_id_for, institution_id_for
from transforms.parse.base import DocumentError
from transforms.parse.detect import detect_doc_type
from transforms.parse.issuance_announcement import parse_issuance_results, parse_offering_circular
from transforms.parse.parties import agency_institution_id

PROVENANCE = ("source_page", "source_table", "source_row_label")


def tranche(deal: str, code: str | None, name: str, cls: str, rank: int, amount: D, **values) -> dict:
    row = {
        "tranche_id": code, "deal_id": deal_id_for(deal), "security_code": code, "tranche_name": name,
        "tranche_class": cls, "seniority_rank": rank, "amount_cny": amount, "coupon_rate": None,
        "coupon_type": None, "issue_price_per_100": None, "amortisation": None, "expected_maturity_date": None,
        "legal_maturity_date": None, "expected_tenor_years": None, "initial_rating": None,
        "initial_rating_agency_id": None, "is_externally_placed": None, "originator_retained_share": None,
        "period_return_rate": None, "delisting_date": None,
    }
    row.update(values)
    return row


def business(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if k not in PROVENANCE} for r in rows]


# ───────────────────────────── one tranche per page ─────────────────────────────
HUIXIANG = "惠享2025年度第一期小微企业贷款资产支持票据"


def huixiang_results() -> bytes:
    """The issuance result of a new small-micro ABN laid out as the 臻粹 簿记建档发行结果公告:
    a title wrapped before 簿记建档发行结果公告, no 基本信息 section, one tranche per page, each
    label on its own line above its value, amounts with 万元 glued on, 无票面利率 for the junior."""
    pdf = Pdf(footer="第{n}页")
    tranches = [
        ("优先A档资产支持票据", "25惠享ABN001优先A", "082580123", "2026年9月26日", "80,000.00万元", "2.0500%"),
        ("优先B档资产支持票据", "25惠享ABN001优先B", "082580124", "2027年3月26日", "5,000.00万元", "2.3500%"),
        ("次级档资产支持票据", "25惠享ABN001次", "082580125", "2028年9月26日", "10,000.00万元", "无票面利率"),
    ]
    for index, (name, short, code, maturity, amount, coupon) in enumerate(tranches):
        if index:
            pdf.new_page()
        else:
            pdf.line(HUIXIANG, x=PAGE_W / 2, size=14, align="c", gap=22)
            pdf.line("簿记建档发行结果公告", x=PAGE_W / 2, size=14, align="c", gap=30)
            pdf.line("本期资产支持票据已于2025年7月8日完成簿记建档并于2025年7月10日起息，现将发行结果公告如下。", size=9)
        for label, value in (("证券名称", name), ("证券简称", short), ("证券代码", code), ("预期到期日", maturity),
                             ("实际发行总额", amount), ("票面利率", coupon), ("发行价格", "100.00元")):
            pdf.line(label, x=80, size=10, gap=16)
            pdf.line(value, x=80, size=10, gap=22)
    return pdf.bytes(f"{HUIXIANG}簿记建档发行结果公告")


def test_one_tranche_per_page_with_labels_above_values_loads():
    """The user's case: quarantined with "no section '基本信息'"."""
    data = huixiang_results()
    assert detect_doc_type(data, "P020250710363380159323.pdf", "") == "issuance_results"
    doc = parse_issuance_results(data, "P020250710363380159323.pdf")
    price = D("100.0000")
    assert business(doc.tables["core.tranches"]) == [
        tranche(HUIXIANG, "082580123.IB", "优先A档资产支持票据", "senior", 1, D("800000000.00"),
                coupon_rate=D("0.02050000"), issue_price_per_100=price, expected_maturity_date=dt.date(2026, 9, 26)),
        tranche(HUIXIANG, "082580124.IB", "优先B档资产支持票据", "mezzanine", 2, D("50000000.00"),
                coupon_rate=D("0.02350000"), issue_price_per_100=price, expected_maturity_date=dt.date(2027, 3, 26)),
        tranche(HUIXIANG, "082580125.IB", "次级档资产支持票据", "subordinated", 3, D("100000000.00"),
                issue_price_per_100=price, expected_maturity_date=dt.date(2028, 9, 26)),
    ]
    assert [r["source_page"] for r in doc.tables["core.tranches"]] == [1, 2, 3]


# ───────────────────────────── tranches as columns, 亿元 ─────────────────────────────
ANYING = "安盈2025年第四期个人住房抵押贷款资产支持证券"


def anying_workbook(total: float = 9.5) -> bytes:
    """A 发行情况公告 as a workbook: the deal's facts as label | value rows, then the tranches as
    columns (项目 | 优先A1档 | 优先A2档 | 次级档) in 亿元, coupons under 票面利率(%) without the sign,
    two agencies' ratings in one cell ordered by the header 评级（中债资信/中诚信）."""
    return xlsx([("发行结果", [
        [f"{ANYING}发行情况公告"],
        None,
        ["项目名称", ANYING],
        ["发行总额（亿元）", total],
        None,
        ["项目", "优先A1档", "优先A2档", "次级档"],
        ["证券代码", "2589001", "2589002", "2589003"],
        ["发行规模（亿元）", 5, 3.5, 1],
        ["票面利率(%)", 1.95, 2.1, "-"],
        ["利率类型", "浮动利率（以5年期LPR为基准）", "固定利率", "无票面利率"],
        ["还本方式", "过手摊还型", "过手摊还型", "剩余收益"],
        ["预期到期日", "2027/12/26", "2029/6/26", "2031/12/26"],
        ["法定到期日", "2045/12/26", "2045/12/26", "2045/12/26"],
        ["评级（中债资信/中诚信）", "AAAsf/AAAsf", "AAAsf/AAAsf", "无评级"],
        ["发行价格（元）", 100, 100, 100],
    ])])


def test_tranches_as_columns_in_yi_with_two_agencies_in_one_cell_load():
    doc = parse_issuance_results(anying_workbook(), "发行情况公告.xlsx")
    cbr = agency_institution_id("中债资信")
    legal = dt.date(2045, 12, 26)
    common = {"issue_price_per_100": D("100.0000"), "legal_maturity_date": legal}
    assert business(doc.tables["core.tranches"]) == [
        tranche(ANYING, "2589001.IB", "优先A1档", "senior", 1, D("500000000.00"), coupon_rate=D("0.01950000"),
                coupon_type="floating", amortisation="pass_through", expected_maturity_date=dt.date(2027, 12, 26),
                initial_rating="AAAsf", initial_rating_agency_id=cbr, **common),
        tranche(ANYING, "2589002.IB", "优先A2档", "senior", 2, D("350000000.00"), coupon_rate=D("0.02100000"),
                coupon_type="fixed", amortisation="pass_through", expected_maturity_date=dt.date(2029, 6, 26),
                initial_rating="AAAsf", initial_rating_agency_id=cbr, **common),
        tranche(ANYING, "2589003.IB", "次级档", "subordinated", 3, D("100000000.00"),
                expected_maturity_date=dt.date(2031, 12, 26), **common),
    ]
    assert {r["institution_id"] for r in doc.tables["core.institutions"]} == {cbr}


def test_tranche_sizes_that_do_not_add_up_to_the_deal_size_are_refused():
    with pytest.raises(DocumentError) as caught:
        parse_issuance_results(anying_workbook(total=9.6), "发行情况公告.xlsx")
    assert caught.value.check == "inconsistent" and caught.value.field == "deal_amount_cny"
    assert caught.value.page == 4 and "960000000" in caught.value.reason


# ───────────────────────────── tranches as rows, 元, 合计 ─────────────────────────────
HENGYUAN = "恒远2025年第二期微小企业贷款资产支持证券"


def hengyuan_workbook(total: str = "1,450,000,000.00") -> bytes:
    """Sections numbered 第一节 / 第二节, labels and values in one cell (发行日期：…), tranches as
    rows in 元 with amounts stored as text with separators, a 合计 row and a footnote."""
    return xlsx([("发行情况公告", [
        [f"{HENGYUAN}发行情况公告"],
        None,
        ["第一节 发行概况"],
        ["发行日期：2025年6月18日"],
        ["起息日：2025年6月20日"],
        None,
        ["第二节 证券发行结果"],
        ["档次", "证券代码", "类别", "发行金额（元）", "发行利率", "评级", "评级机构", "法定到期日"],
        ["优先A档", "2581101", "优先级", "1,200,000,000.00", "1.88%", "AAAsf", "联合资信", "2030年6月26日"],
        ["优先B档", "2581102", "夹层级", "100,000,000.00", "2.35%", "AA+sf", "联合资信", "2030年6月26日"],
        ["次级档", "2581103", "次级", "150,000,000.00", "-", "无评级", "-", "2030年6月26日"],
        ["合计", "-", "-", total],
        ["注：评级机构为联合资信评估股份有限公司。"],
    ])])


def test_tranches_as_rows_in_yuan_with_a_total_row_load():
    doc = parse_issuance_results(hengyuan_workbook(), "恒远发行情况公告.xlsx")
    lianhe = agency_institution_id("联合资信")
    legal = dt.date(2030, 6, 26)
    assert business(doc.tables["core.tranches"]) == [
        tranche(HENGYUAN, "2581101.IB", "优先A档", "senior", 1, D("1200000000.00"), coupon_rate=D("0.01880000"),
                legal_maturity_date=legal, initial_rating="AAAsf", initial_rating_agency_id=lianhe),
        tranche(HENGYUAN, "2581102.IB", "优先B档", "mezzanine", 2, D("100000000.00"), coupon_rate=D("0.02350000"),
                legal_maturity_date=legal, initial_rating="AA+sf", initial_rating_agency_id=lianhe),
        tranche(HENGYUAN, "2581103.IB", "次级档", "subordinated", 3, D("150000000.00"), legal_maturity_date=legal),
    ]


def test_a_total_row_that_is_not_the_sum_is_refused():
    with pytest.raises(DocumentError) as caught:
        parse_issuance_results(hengyuan_workbook(total="1,460,000,000.00"), "恒远发行情况公告.xlsx")
    assert caught.value.check == "inconsistent" and "合计" in caught.value.reason
    assert "证券发行结果" in caught.value.reason and caught.value.value == "1,460,000,000.00"


# ───────────────────────────── the prospectus ─────────────────────────────
ZHENCUI = "臻粹2026年第二期不良资产支持证券"


def zhencui_offering() -> bytes:
    """发行说明书 as real-spellings.md §2 quotes it: the size and the market in sentences, the
    issuance table with tranches as rows in 万元, its header wrapped over three lines
    (还本 / 方式, 评级 / （中债资信/中诚信）) and a 总计 row; the parties as numbered items
    with the role and a short name in brackets, one of them wrapped onto the next line."""
    pdf = Pdf(footer="{n}")
    pdf.line(ZHENCUI, x=PAGE_W / 2, size=15, align="c", gap=24)
    pdf.line("发行说明书", x=PAGE_W / 2, size=15, align="c", gap=36)
    pdf.line("本期资产支持证券发行规模为 182,000,000.00 元的臻粹2026年第二期不良资产支持证券。", size=9)
    pdf.line("本期资产支持证券拟采用公开簿记建档的方式在全国银行间债券市场发行。", size=9, gap=26)
    pdf.line("一、发行概况", size=12, gap=22)
    columns = [Column(60, 120), Column(120, 190, "r"), Column(190, 240, "r"), Column(240, 280), Column(280, 340),
               Column(340, 400), Column(400, 460), Column(460, 545)]
    heads = [Column(c.left, c.right, "c") for c in columns]
    pdf.cells([(heads[0], "证券名称"), (heads[1], "发行金额（万元）"), (heads[2], "规模占比"), (heads[3], "还本")],
              size=7.5, gap=11)
    pdf.cells([(heads[3], "方式"), (heads[4], "利率类型"), (heads[5], "预期到期日"), (heads[6], "法定到期日"),
               (heads[7], "评级")], size=7.5, gap=11)
    pdf.cells([(heads[7], "（中债资信/中诚信）")], size=7.5, gap=16)
    pdf.table(columns, [
        ["优先档", "13,200.00", "72.53%", "过手", "固定利率", "2028/2/23", "2032/4/23", "AAAsf/AAAsf"],
        ["次级档", "5,000.00", "27.47%", "过手", "无票面利率", "2029/4/23", "2032/4/23", "无评级"],
        ["总计", "18,200.00", "100.00%", "-"],
    ], size=7.5)
    pdf.new_page()
    pdf.line("二、各参与机构名单", size=12, gap=22)
    pdf.line("（一）发起机构/贷款服务机构：广发银行股份有限公司（简称“广发", size=12, gap=16)
    pdf.line("银行”）", size=12, gap=20)
    pdf.line("（二）受托机构/发行人：中国对外经济贸易信托有限公司（简称“外贸信托”）", size=11, gap=20)
    pdf.line("（三）资金保管机构：中国工商银行股份有限公司", size=11, gap=20)
    return pdf.bytes(f"{ZHENCUI}发行说明书")


def test_the_real_prospectus_layout_loads():
    data = zhencui_offering()
    assert detect_doc_type(data, "P020260101.pdf", "") == "offering_circular"
    doc = parse_offering_circular(data, "P020260101.pdf")
    (deal,) = doc.tables["core.deals"]
    originator, trustee = institution_id_for("广发银行股份有限公司"), institution_id_for("中国对外经济贸易信托有限公司")
    expected = {
        "deal_id": deal_id_for(ZHENCUI), "deal_name_zh": ZHENCUI, "deal_short_name": None, "series_name": "臻粹",
        "vintage_year": 2026, "issue_number": 2, "market": "credit_abs", "asset_class": "npl", "asset_subclass": None,
        "is_public_offering": True, "originator_id": originator, "asset_provider_id": None, "trustee_id": trustee,
        "issue_date": None, "value_date": None, "legal_maturity_date": None, "deal_amount_cny": D("182000000.00"),
        "initial_pool_balance_cny": None, "pool_loan_count": None, "pool_borrower_count": None,
        "avg_balance_per_loan_cny": None, "avg_balance_per_borrower_cny": None, "wa_contract_term_months": None,
        "wa_remaining_term_months": None, "wa_pool_rate": None, "wa_overdue_months": None,
        "expected_gross_recovery_rate": None, "is_revolving": None, "revolving_period_months": None,
        "has_external_enhancement": False,
    }
    assert {k: v for k, v in deal.items() if k not in PROVENANCE} == expected
    institutions = {r["institution_id"]: (r["full_name_zh"], r["short_name_zh"], r["institution_type"])
                    for r in doc.tables["core.institutions"]}
    assert institutions == {originator: ("广发银行股份有限公司", "广发银行", "other"),
                            trustee: ("中国对外经济贸易信托有限公司", "外贸信托", "trust")}


def test_a_prospectus_whose_table_contradicts_its_stated_size_is_refused():
    pdf = Pdf()
    pdf.line(f"{ZHENCUI}发行说明书", size=14)
    pdf.line("本期资产支持证券发行规模为 182,000,000.00 元。", size=9)
    columns = [Column(60, 160), Column(160, 300, "r")]
    pdf.table(columns, [["优先档", "13,200.00"], ["次级档", "4,000.00"], ["总计", "17,200.00"]],
              header=["证券名称", "发行金额（万元）"])
    with pytest.raises(DocumentError) as caught:
        parse_offering_circular(pdf.bytes(), "x.pdf")
    assert caught.value.check == "inconsistent" and caught.value.field == "deal_amount_cny"
    assert "182000000" in caught.value.reason and "172000000" in caught.value.reason


# ───────────────────────────── the ABN's offering circular ─────────────────────────────
def huixiang_offering() -> bytes:
    """The new ABN's 发行说明书（摘要）: chapters numbered 第一章 / 第二章, the deal's facts as
    label | value rows (the size written 人民币95,000.00万元), the parties as label | value rows
    with the role only, and no table of tranche sizes."""
    pdf = Pdf(footer="{n}")
    pdf.line(f"{HUIXIANG}发行说明书（摘要）", x=PAGE_W / 2, size=13, align="c", gap=36)
    kv = [Column(60, 220), Column(220, 535)]
    pdf.line("第一章 本期资产支持票据概况", size=12, gap=22)
    pdf.table(kv, [["项目名称", HUIXIANG], ["发行总额", "人民币95,000.00万元"], ["发行方式", "公开发行"],
                   ["基础资产类型", "小微企业贷款"], ["起息日", "2025年7月10日"], ["法定到期日", "2033年9月26日"]])
    pdf.line("第二章 交易参与机构", size=12, gap=22)
    pdf.table(kv, [["发起机构", "浙江惠享农村商业银行股份有限公司"], ["受托机构", "华润深国投信托有限公司"],
                   ["主承销商", "兴业银行股份有限公司"]])
    return pdf.bytes(f"{HUIXIANG}发行说明书（摘要）")


def test_the_abn_offering_circular_loads():
    doc = parse_offering_circular(huixiang_offering(), "发行说明书.pdf")
    (deal,) = doc.tables["core.deals"]
    picked = {k: deal[k] for k in ("deal_name_zh", "series_name", "vintage_year", "issue_number", "market",
                                   "asset_class", "is_public_offering", "value_date", "legal_maturity_date",
                                   "deal_amount_cny", "originator_id", "trustee_id")}
    assert picked == {
        "deal_name_zh": HUIXIANG, "series_name": "惠享", "vintage_year": 2025, "issue_number": 1, "market": "abn",
        "asset_class": "small_micro_loan", "is_public_offering": True, "value_date": dt.date(2025, 7, 10),
        "legal_maturity_date": dt.date(2033, 9, 26), "deal_amount_cny": D("950000000.00"),
        "originator_id": institution_id_for("浙江惠享农村商业银行股份有限公司"),
        "trustee_id": institution_id_for("华润深国投信托有限公司")}
    types = {r["full_name_zh"]: r["institution_type"] for r in doc.tables["core.institutions"]}
    assert types == {"浙江惠享农村商业银行股份有限公司": "rural_commercial_bank", "华润深国投信托有限公司": "trust"}


def test_an_agency_no_registry_knows_becomes_a_new_institution():
    """A rating agency outside the registry (a regional one) is not a reason to refuse the results."""
    data = xlsx([("发行结果", [
        [f"{ANYING}发行结果公告"],
        ["证券名称", "证券代码", "发行金额（万元）", "票面利率", "评级", "评级机构"],
        ["优先A档", "2589101", "50,000.00", "2.10%", "AAAsf", "安融信用评级有限公司"],
        ["次级档", "2589102", "5,000.00", "-", "无评级", "-"],
    ])])
    doc = parse_issuance_results(data, "r.xlsx")
    senior = doc.tables["core.tranches"][0]
    assert senior["initial_rating"] == "AAAsf"
    assert senior["initial_rating_agency_id"] == institution_id_for("安融信用评级有限公司")
    assert [(r["full_name_zh"], r["institution_type"]) for r in doc.tables["core.institutions"]] == [
        ("安融信用评级有限公司", "rating_agency")]
