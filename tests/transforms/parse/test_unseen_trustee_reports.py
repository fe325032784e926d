"""Trustee reports in layouts the sample market never makes, written by hand from what real
reports look like (the real-spellings and real-world-formats references: the 臻粹
NPL report's tranches-as-columns bond table with per-100 factor rows, its disposal table and
`2-其他现金流流入`; as-of tables; history tables of every period; ABN 资产运营报告 titles;
labels from other trustees' templates). Each must load with exactly the values written in it.

The figures below are the documents' own: nothing is derived from the parser or the generator.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from tests.transforms.parse.handmade import PAGE_W, Column, Pdf, xlsx
from transforms.normalise.ids import deal_id_for
from transforms.parse.base import DocumentError
from transforms.parse.trustee_report import parse_trustee_report

PROVENANCE = ("source_page", "source_table", "source_row_label")
POOL_FIELDS = (
    "pool_balance_begin_cny", "pool_balance_end_cny", "loan_count_end", "principal_collected_cny",
    "interest_collected_cny", "prepayment_cny", "new_default_cny", "cumulative_default_cny",
    "cumulative_default_rate", "delinquent_1_30_cny", "delinquent_31_60_cny", "delinquent_61_90_cny",
    "delinquent_90_plus_cny", "revolving_purchase_cny", "cumulative_revolving_purchase_cny", "recovery_cny",
    "cumulative_recovery_cny", "other_income_cny",
)
LEFT = Column(60, 230)


def pool_row(deal: str, period: int, dates: tuple[dt.date, dt.date, dt.date, dt.date], reason: str | None,
             **values: object) -> dict:
    report, start, end, pay = dates
    row = {"deal_id": deal_id_for(deal), "period_number": period, "report_date": report,
           "collection_period_start": start, "collection_period_end": end, "payment_date": pay}
    row.update({name: None for name in POOL_FIELDS})
    row.update(values)
    row["not_applicable_reason"] = reason
    return row


def payment(deal: str, period: int, pay: dt.date, code: str, before, paid, after, interest, excess=None) -> dict:
    return {"tranche_id": code, "period_number": period, "deal_id": deal_id_for(deal), "payment_date": pay,
            "principal_before_cny": before, "principal_paid_cny": paid, "principal_after_cny": after,
            "interest_paid_cny": interest, "other_income_paid_cny": excess}


def business(row: dict) -> dict:
    return {k: v for k, v in row.items() if k not in PROVENANCE}


# ───────────────────────────── 1. the real NPL layout ─────────────────────────────
ZHENCUI = "臻粹2026年第二期不良资产支持证券"


def zhencui_npl() -> bytes:
    """The 臻粹 第4期 report as real-spellings.md describes it: a title wrapped before
    受托机构报告, 「报告日期：2026 年 8 月 17 日」, 「本期支付日 2026 年8 月24 日」 as one text
    block, 「（二）资产支持证券本息兑付情况：」 with tranches as columns and no header row
    (「证券代码 2689075 2689076」), per-100 factor rows, the pool balance as of the cut-off
    date / period start / period end, and the disposal table with 「2-其他现金流流入」."""
    pdf = Pdf(running_header="臻粹2026年第二期不良资产支持证券受托机构报告", footer="- {n} -")
    pdf.space(120)
    pdf.line(ZHENCUI, x=PAGE_W / 2, size=16, align="c", gap=26)
    pdf.line("受托机构报告2026年度第4期（总第4期）", x=PAGE_W / 2, size=16, align="c", gap=60)
    pdf.line("中国对外经济贸易信托有限公司", x=PAGE_W / 2, size=12, align="c", gap=22)
    pdf.line("报告日期：2026 年 8 月 17 日", x=PAGE_W / 2, size=12, align="c")
    pdf.new_page()
    pdf.line("一、信托基本情况", size=12, gap=22)
    pdf.line("报告期末：2026 年 7 月 31 日")
    pdf.line("收款期间：2026 年 5 月 1 日至 2026 年 7 月 31 日")
    pdf.line("二、信托财产收支情况", size=12, gap=22)
    fees = [Column(60, 300), Column(300, 520, "r")]
    pdf.table(fees, [["信托报酬", "52,000.00"], ["贷款服务机构报酬", "120,000.00"], ["增值税及附加", "8,000.00"]],
              header=["项目", "金额（元）"])
    pdf.new_page()
    pdf.line("本期支付日 2026 年8 月24 日")
    pdf.line("三、资产支持证券概况", size=12, gap=22)
    pdf.line("（二）资产支持证券本息兑付情况：", size=11, gap=20)
    bond = [Column(60, 260), Column(260, 400, "r"), Column(400, 520, "r")]
    pdf.table(bond, [
        ["证券代码", "2689075", "2689076"],
        ["本期兑付前本金总额(元)", "96,018,000.00", "50,000,000.00"],
        ["本期兑付本金金额", "12,039,600.00", "0.00"],
        ["本次兑付本金值（元/百元面额）", "9.120909", "0.000000"],
        ["本息兑付后剩余本金值", "83,978,400.00", "50,000,000.00"],
        ["本息兑付后每百元面额剩余本金值", "63.620000", "100.000000"],
        ["本期付息金额", "511,295.85", "不适用"],
        ["是否足额兑付", "是", "是"],
    ])
    pdf.new_page()
    pdf.line("四、资产池表现情况", size=12, gap=22)
    pdf.line("（一）资产池余额变动", size=11, gap=20)
    balance = [Column(60, 220), Column(220, 330, "r"), Column(330, 430, "r"), Column(430, 530, "r")]
    pdf.table(balance, [["未偿本息费余额（元）", "3,142,587,200.00", "2,950,000,000.00", "2,910,000,000.00"],
                        ["借款人户数", "131,125", "120,000", "118,500"]],
              header=["项目", "初始起算日", "本报告期期初", "本报告期期末"])
    pdf.line("（三）资金池现金流流入", size=11, gap=20)
    pdf.line("1、贷款情况", size=10, gap=18)
    disposal = [Column(60, 200), Column(200, 300, "r"), Column(300, 400, "r"), Column(400, 460, "r"),
                Column(460, 530, "r")]
    pdf.table(disposal, [["处置中", "6,339,491.27", "30,466,642.99", "不适用", "不适用"],
                         ["本期处置完毕", "1,155,311.30", "29,941,313.75", "不适用", "96.76%"]],
              header=["处置状态", "本期回收金额", "累计回收金额", "本期回收率", "累计回收率"])
    pdf.cells([(Column(60, 130), "2-其他现金流流入"), (Column(130, 195, "r"), "本期回收金额"),
               (Column(200, 300, "r"), "5,180.97")])
    return pdf.bytes("臻粹2026年第二期不良资产支持证券受托机构报告")


def test_the_real_npl_layout_loads_with_its_own_figures():
    doc = parse_trustee_report(zhencui_npl(), file_name="P020260817363380159323.pdf")
    dates = (dt.date(2026, 8, 17), dt.date(2026, 5, 1), dt.date(2026, 7, 31), dt.date(2026, 8, 24))
    (pool,) = doc.tables["core.pool_performance"]
    assert business(pool) == pool_row(
        ZHENCUI, 4, dates, "NPL pool: no default or delinquency measures",
        pool_balance_begin_cny=D("2950000000.00"), pool_balance_end_cny=D("2910000000.00"), loan_count_end=118500,
        recovery_cny=D("7494802.57"), cumulative_recovery_cny=D("60407956.74"), other_income_cny=D("5180.97"))
    assert [business(r) for r in doc.tables["core.tranche_payments"]] == [
        payment(ZHENCUI, 4, dates[3], "2689075.IB", D("96018000.00"), D("12039600.00"), D("83978400.00"),
                D("511295.85")),
        payment(ZHENCUI, 4, dates[3], "2689076.IB", D("50000000.00"), D("0.00"), D("50000000.00"), None),
    ]
    assert doc.meta["deal_name"] == ZHENCUI and doc.meta["report_key"] == f"{deal_id_for(ZHENCUI)}:4:trustee_report"
    assert pool["source_page"] == 4 and doc.tables["core.tranche_payments"][0]["source_page"] == 3
    assert "core.liquidation_events" not in doc.tables


# ───────────────────────────── 2. a new ABN's first report ─────────────────────────────
HUIXIANG = "惠享2025年度第一期小微企业贷款资产支持票据"


def huixiang_first_report() -> bytes:
    """The first 资产运营报告 of a new small-micro ABN: 第一部分/第二部分/第三部分 sections named
    as no template of ours names them, no 信托名称 row (the title names the deal), a 报告日期
    label whose date is on the next line, qualified dates (含该日), tranches as rows in 万元
    with a 合计 row, the pool as of two dates printed as column headers, and each table in
    its own unit (元, 万元)."""
    pdf = Pdf(footer="第{n}页")
    pdf.space(100)
    pdf.line(HUIXIANG, x=PAGE_W / 2, size=15, align="c", gap=24)
    pdf.line("信托资产运营报告（第1期）", x=PAGE_W / 2, size=15, align="c", gap=50)
    pdf.line("受托机构：华润深国投信托有限公司", x=PAGE_W / 2, size=11, align="c")
    pdf.new_page()
    pdf.line("第一部分 报告期概要", size=12, gap=22)
    pdf.line("报告日期：", gap=16)
    pdf.line("2025年9月19日")
    pdf.line("收款期间：2025年7月10日（含该日）至2025年8月31日（含该日）")
    pdf.line("本次支付日：2025年9月26日")
    pdf.line("第二部分 证券兑付", size=12, gap=22)
    pdf.line("单位：万元", x=535, align="r", size=8, gap=14)
    cols = [Column(60, 170), Column(170, 240), Column(240, 310, "r"), Column(310, 380, "r"), Column(380, 450, "r"),
            Column(450, 535, "r")]
    pdf.table(cols, [
        ["25惠享ABN001优先A", "082580123", "80,000.0000", "9,517.1450", "227.9452", "70,482.8550"],
        ["25惠享ABN001优先B", "082580124", "5,000.0000", "0.0000", "15.4110", "5,000.0000"],
        ["25惠享ABN001次", "082580125", "10,000.0000", "0.0000", "0.0000", "10,000.0000"],
        ["合计", "-", "95,000.0000", "9,517.1450", "243.3562", "85,482.8550"],
    ], header=["证券简称", "证券代码", "本期兑付前本金", "本期兑付本金金额", "本期付息金额", "本息兑付后剩余本金值"], size=7.5)
    pdf.line("第三部分 基础资产运行情况", size=12, gap=22)
    pdf.line("（一）资产池情况", size=11, gap=20)
    asof = [Column(60, 260), Column(260, 400, "r"), Column(400, 535, "r")]
    pdf.table(asof, [["资产池未偿本金余额（元）", "950,000,000.00", "853,412,345.67"], ["贷款笔数", "12,345", "11,876"]],
              header=["项目", "2025年7月9日", "2025年8月31日"])
    pdf.line("（二）现金流入", size=11, gap=20)
    pdf.line("金额单位：人民币元", x=535, align="r", size=8, gap=14)
    kv = [Column(60, 300), Column(300, 535, "r")]
    pdf.table(kv, [["本金回收", "96,587,654.33"], ["其中：提前偿还", "12,345,678.90"], ["利息回收", "5,432,100.00"]],
              header=["项目", "金额"])
    pdf.line("（三）逾期情况", size=11, gap=20)
    late = [Column(60, 200), Column(200, 290, "r"), Column(290, 430, "r"), Column(430, 535, "r")]
    pdf.table(late, [["正常", "11,700", "84,300.7433", "98.78%"], ["逾期1-30天", "120", "712.3456", "0.83%"],
                     ["逾期31-60天", "40", "201.1111", "0.24%"], ["逾期61-90天", "16", "127.7779", "0.15%"],
                     ["逾期90天以上", "0", "0.0000", "0.00%"], ["合计", "11,876", "85,341.9779", "100.00%"]],
              header=["逾期状态", "笔数", "金额（万元）", "占比"])
    pdf.line("（四）违约情况", size=11, gap=20)
    pdf.table(kv, [["当期新增违约金额", "0.00"], ["累计违约金额", "0.00"]], header=["项目", "金额（元）"])
    history = [Column(60, 200, "c"), Column(200, 360, "c"), Column(360, 535, "r")]
    pdf.table(history, [["第1期", "2025-09-26", "0.00%"]], header=["期数", "支付日", "累计违约率"])
    return pdf.bytes(f"{HUIXIANG}信托资产运营报告")


def test_a_new_abn_first_report_in_an_unseen_layout_loads():
    """The user's case: quarantined with "row 信托名称 not found in section 信托基本信息"."""
    doc = parse_trustee_report(huixiang_first_report(), file_name="惠享2025年度第一期运营报告.pdf")
    dates = (dt.date(2025, 9, 19), dt.date(2025, 7, 10), dt.date(2025, 8, 31), dt.date(2025, 9, 26))
    (pool,) = doc.tables["core.pool_performance"]
    assert business(pool) == pool_row(
        HUIXIANG, 1, dates, None,
        pool_balance_begin_cny=D("950000000.00"), pool_balance_end_cny=D("853412345.67"), loan_count_end=11876,
        principal_collected_cny=D("96587654.33"), interest_collected_cny=D("5432100.00"),
        prepayment_cny=D("12345678.90"), new_default_cny=D("0.00"), cumulative_default_cny=D("0.00"),
        cumulative_default_rate=D("0"), delinquent_1_30_cny=D("7123456.00"), delinquent_31_60_cny=D("2011111.00"),
        delinquent_61_90_cny=D("1277779.00"), delinquent_90_plus_cny=D("0.00"))
    pay = dates[3]
    assert [business(r) for r in doc.tables["core.tranche_payments"]] == [
        payment(HUIXIANG, 1, pay, "082580123.IB", D("800000000.00"), D("95171450.00"), D("704828550.00"),
                D("2279452.00")),
        payment(HUIXIANG, 1, pay, "082580124.IB", D("50000000.00"), D("0.00"), D("50000000.00"), D("154110.00")),
        payment(HUIXIANG, 1, pay, "082580125.IB", D("100000000.00"), D("0.00"), D("100000000.00"), D("0.00")),
    ]
    assert doc.meta["trustee_name"] == "华润深国投信托有限公司"


# ───────────────────────────── 3. sections re-ordered, 1. numbering, history ─────────────────────────────
HUIYUAN = "汇元2024年第三期个人消费贷款资产支持证券"


def huiyuan_consumer() -> bytes:
    """A consumer-loan report numbered 1. / 1.1, pool first and the trust's facts last, labels
    with footnote marks glued on (期初未偿本息余额(注1), 84213(注1)), tables in 万元 (a unit
    line), 亿元 (a header cell) and 元, a history table of every period split over a page
    without its header, and a bond table (tranches as columns, a 合计 column) split over a
    page with its header repeated, with per-100 factor rows."""
    pdf = Pdf(running_header=f"{HUIYUAN}受托机构报告", footer="{n}")
    pdf.space(120)
    pdf.line(f"{HUIYUAN}受托机构报告", x=PAGE_W / 2, size=14, align="c", gap=24)
    pdf.line("2025年第8期（总第12期）", x=PAGE_W / 2, size=14, align="c", gap=40)
    pdf.new_page()
    pdf.line("1. 资产池表现", size=12, gap=22)
    pdf.line("1.1 资产池余额", size=11, gap=20)
    kv = [Column(60, 300), Column(300, 535, "r")]
    pdf.table(kv, [["期初未偿本息余额(注1)", "1,834,567,800.37"], ["期末本息余额(元)", "1,734,500,100.37"],
                   ["贷款笔数", "84213(注1)"]])
    pdf.line("注1：本息余额含应收未收利息；贷款笔数为期末数。", size=8)
    pdf.line("1.2 现金流", size=11, gap=20)
    pdf.line("金额单位：万元", x=535, align="r", size=8, gap=14)
    pdf.table(kv, [["本期本金回收", "9,765.43"], ["本期利息回收", "876.54"], ["提前偿还", "1,234.56"]],
              header=["项目", "金额"])
    pdf.line("1.3 拖欠与违约", size=11, gap=20)
    three = [Column(60, 250), Column(250, 400, "r"), Column(400, 535, "r")]
    pdf.table(three, [["1-30天", "0.034567", "0.20%"], ["31-60天", "0.012345", "0.07%"],
                      ["61-90天", "0.005678", "0.03%"], ["90天以上", "0.000000", "0.00%"]],
              header=["账龄", "金额（亿元）", "占比"])
    pdf.line("当期新增违约金额：2,413,400.00元")
    pdf.line("1.4 累计违约率（各期）", size=11, gap=20)
    history = [Column(60, 140, "c"), Column(140, 280, "c"), Column(280, 430, "r"), Column(430, 535, "r")]
    rows = [[f"第{k}期", f"{(dt.date(2024, 7, 31) + dt.timedelta(days=31 * k)).replace(day=1) - dt.timedelta(days=1)}",
             f"{800_000 * k:,}.00", f"{0.03 * k:.2f}"] for k in range(1, 13)]
    pdf.space(pdf.y - 250)  # the table starts low on the page and runs over it
    pdf.table(history, rows, header=["报告期", "收款期间截止日", "累计违约金额（元）", "累计违约率(%)"], repeat_header=False)
    pdf.line("2. 证券兑付", size=12, gap=22)
    pdf.line("2.1 本期兑付", size=11, gap=20)
    pdf.space(pdf.y - 140)
    bond = [Column(60, 180), Column(180, 250, "r"), Column(250, 320, "r"), Column(320, 390, "r"),
            Column(390, 460, "r"), Column(460, 535, "r")]
    pdf.table(bond, [
        ["证券代码", "2489101", "2489102", "2489103", "2489104", "-"],
        ["本期兑付前本金", "720,000,000.00", "800,000,000.00", "120,000,000.00", "200,000,000.00", "1,840,000,000.00"],
        ["每百元兑付本金", "5.709863", "0.000000", "0.000000", "0.000000", "-"],
        ["本期兑付本金金额", "45,678,900.37", "0.00", "0.00", "0.00", "45,678,900.37"],
        ["本期兑付后剩余本金值", "674,321,099.63", "800,000,000.00", "120,000,000.00", "200,000,000.00",
         "1,794,321,099.63"],
        ["付息金额", "1,234,500.37", "1,876,500.00", "312,000.00", "0.00", "3,423,000.37"],
        ["次级档超额收益", "-", "-", "-", "2,345,600.37", "2,345,600.37"],
        ["每百元支付利息", "0.171458", "0.234563", "0.260000", "0.000000", "-"],
    ], header=["项目（元）", "优先A1级", "优先A2级", "优先B级", "次级", "合计"], size=7.5)
    pdf.line("3. 信托基本信息", size=12, gap=22)
    pdf.table(kv, [["信托名称", HUIYUAN], ["报告期数", "第12期"], ["收款期间起始日", "2025/7/1"],
                   ["收款期间截止日", "2025/7/31"], ["本期支付日", "2025/8/26"], ["报告日期", "2025/8/19"]])
    return pdf.bytes(f"{HUIYUAN}受托机构报告")


def test_reordered_sections_footnotes_units_history_and_a_split_bond_table():
    doc = parse_trustee_report(huiyuan_consumer())
    dates = (dt.date(2025, 8, 19), dt.date(2025, 7, 1), dt.date(2025, 7, 31), dt.date(2025, 8, 26))
    (pool,) = doc.tables["core.pool_performance"]
    assert business(pool) == pool_row(
        HUIYUAN, 12, dates, None,
        pool_balance_begin_cny=D("1834567800.37"), pool_balance_end_cny=D("1734500100.37"), loan_count_end=84213,
        principal_collected_cny=D("97654300.00"), interest_collected_cny=D("8765400.00"),
        prepayment_cny=D("12345600.00"), new_default_cny=D("2413400.00"), cumulative_default_cny=D("9600000.00"),
        cumulative_default_rate=D("0.0036"), delinquent_1_30_cny=D("3456700.00"),
        delinquent_31_60_cny=D("1234500.00"), delinquent_61_90_cny=D("567800.00"), delinquent_90_plus_cny=D("0.00"))
    pay = dates[3]
    assert [business(r) for r in doc.tables["core.tranche_payments"]] == [
        payment(HUIYUAN, 12, pay, "2489101.IB", D("720000000.00"), D("45678900.37"), D("674321099.63"),
                D("1234500.37")),
        payment(HUIYUAN, 12, pay, "2489102.IB", D("800000000.00"), D("0.00"), D("800000000.00"), D("1876500.00")),
        payment(HUIYUAN, 12, pay, "2489103.IB", D("120000000.00"), D("0.00"), D("120000000.00"), D("312000.00")),
        payment(HUIYUAN, 12, pay, "2489104.IB", D("200000000.00"), D("0.00"), D("200000000.00"), D("0.00"),
                D("2345600.37")),
    ]
    pages = {r["source_page"] for r in doc.tables["core.tranche_payments"]}
    assert len(pages) == 1  # the bond table's header page


# ───────────────────────────── 4. a workbook ─────────────────────────────
JINCHENG = "锦程2023年第二期个人汽车抵押贷款资产支持证券"


def jincheng_workbook() -> bytes:
    """An XLSX report: one sheet per part and no headings at all, the period in Chinese
    numerals in the title (第二十五期), labels with their values in the next cell, real date
    cells, numbers stored as numbers, an as-of table (本期报告期初 / 本期报告期末), delinquency
    written M1/M2/M3/M3+, a bare rate under 累计违约率(%), tranches as columns."""
    return xlsx([
        ("封面", [[f"{JINCHENG}受托机构报告（第二十五期）"], None, ["报告日期", dt.date(2025, 8, 19)],
                  ["受托机构", "上海国际信托有限公司"]]),
        ("基本信息", [["收款期间开始日", dt.date(2025, 7, 1)], ["收款期间截止日", dt.date(2025, 7, 31)],
                      ["本计息期支付日", dt.date(2025, 8, 26)]]),
        ("资产池", [
            ["单位：元"],
            ["指标", "本期报告期初", "本期报告期末"],
            ["贷款本息余额", 612345678.9, 598765432.1],
            ["贷款笔数", 23456, 23001],
            None,
            ["项目", "金额"],
            ["本金回收", 12345678.9], ["利息回收", 2345678.12], ["提前还款", 1234567.89],
            None,
            ["逾期天数", "金额(元)"],
            ["M1", 345678.12], ["M2", 123456.78], ["M3", 23456.78], ["M3+", 0],
            None,
            ["当期新增违约金额", 56789.01], ["累计违约金额", 3456789.01], ["累计违约率(%)", 0.52],
        ]),
        ("证券兑付", [
            ["证券名称", "优先A档", "优先B档", "次级档"],
            ["证券代码", "2389201", "2389202", "2389203"],
            ["本期兑付前本金", 400000000, 60000000, 40000000],
            ["本期兑付本金", 12345678.9, 0, 0],
            ["本期兑付后剩余本金值", 387654321.1, 60000000, 40000000],
            ["资产支持证券利息", 1023456.78, 189000, 0],
        ]),
    ])


def test_a_workbook_with_sheets_instead_of_sections_loads():
    doc = parse_trustee_report(jincheng_workbook(), file_name="锦程2023-2受托报告.xlsx")
    dates = (dt.date(2025, 8, 19), dt.date(2025, 7, 1), dt.date(2025, 7, 31), dt.date(2025, 8, 26))
    (pool,) = doc.tables["core.pool_performance"]
    assert business(pool) == pool_row(
        JINCHENG, 25, dates, None,
        pool_balance_begin_cny=D("612345678.90"), pool_balance_end_cny=D("598765432.10"), loan_count_end=23001,
        principal_collected_cny=D("12345678.90"), interest_collected_cny=D("2345678.12"),
        prepayment_cny=D("1234567.89"), new_default_cny=D("56789.01"), cumulative_default_cny=D("3456789.01"),
        cumulative_default_rate=D("0.0052"), delinquent_1_30_cny=D("345678.12"), delinquent_31_60_cny=D("123456.78"),
        delinquent_61_90_cny=D("23456.78"), delinquent_90_plus_cny=D("0.00"))
    pay = dates[3]
    assert [business(r) for r in doc.tables["core.tranche_payments"]] == [
        payment(JINCHENG, 25, pay, "2389201.IB", D("400000000.00"), D("12345678.90"), D("387654321.10"),
                D("1023456.78")),
        payment(JINCHENG, 25, pay, "2389202.IB", D("60000000.00"), D("0.00"), D("60000000.00"), D("189000.00")),
        payment(JINCHENG, 25, pay, "2389203.IB", D("40000000.00"), D("0.00"), D("40000000.00"), D("0.00")),
    ]
    assert pool["source_table"] == "资产池" and doc.meta["file_format"] == "xlsx"


# ───────────────────────────── 5. no headings, a clean-up call ─────────────────────────────
LONGXIN = "龙信2019年第一期个人住房抵押贷款资产支持证券"


def longxin_clean_up_call() -> bytes:
    """A last report with no numbered headings at all: unnumbered section lines, every label
    written `label：value` in one text block (amounts with their unit glued on), and a clean-up
    call stated as 清仓回购日 / 清仓回购价格 without a 清算方式 row."""
    pdf = Pdf()
    pdf.space(80)
    pdf.line(f"{LONGXIN}受托机构报告（第72期）", x=PAGE_W / 2, size=13, align="c", gap=40)
    pdf.line("报告日期：2025年10月19日")
    pdf.line("信托名称：" + LONGXIN)
    pdf.line("本期收款期间：2025年9月1日至2025年9月30日")
    pdf.line("本期支付日：2025年10月26日")
    pdf.line("资产池情况", size=12, gap=22)
    pdf.line("期初资产池余额：171,234,500.37元")
    pdf.line("期末资产池余额：0.00元")
    pdf.line("期末贷款笔数：0笔")
    pdf.line("本期本金回收：1,234,500.00元")
    pdf.line("本期利息回收：812,300.55元")
    pdf.line("累计违约率：1.25%")
    pdf.line("证券兑付情况", size=12, gap=22)
    cols = [Column(60, 200), Column(200, 300), Column(300, 380, "r"), Column(380, 460, "r"), Column(460, 535, "r")]
    pdf.table(cols, [["优先A级", "1989011", "168,000,000.00", "168,000,000.00", "512,300.00"],
                     ["次级", "1989012", "30,000,000.00", "30,000,000.00", "0.00"]],
              header=["档次", "证券代码", "兑付前本金余额", "本期兑付本金", "本期利息"])
    pdf.line("清仓回购情况", size=12, gap=22)
    pdf.line("清仓回购日：2025年10月26日")
    pdf.line("清仓回购价格：171,234,500.37元")
    pdf.line("剩余资产池未偿本金余额：170,000,000.37元")
    return pdf.bytes()


def test_no_numbered_sections_and_a_clean_up_call_without_a_method_row():
    doc = parse_trustee_report(longxin_clean_up_call())
    dates = (dt.date(2025, 10, 19), dt.date(2025, 9, 1), dt.date(2025, 9, 30), dt.date(2025, 10, 26))
    (pool,) = doc.tables["core.pool_performance"]
    assert business(pool) == pool_row(
        LONGXIN, 72, dates, None, pool_balance_begin_cny=D("171234500.37"), pool_balance_end_cny=D("0.00"),
        loan_count_end=0, principal_collected_cny=D("1234500.00"), interest_collected_cny=D("812300.55"),
        cumulative_default_rate=D("0.0125"))
    assert [business(r) for r in doc.tables["core.tranche_payments"]] == [
        payment(LONGXIN, 72, dates[3], "1989011.IB", D("168000000.00"), D("168000000.00"), D("0.00"),
                D("512300.00")),
        payment(LONGXIN, 72, dates[3], "1989012.IB", D("30000000.00"), D("30000000.00"), D("0.00"), D("0.00")),
    ]
    (event,) = doc.tables["core.liquidation_events"]
    assert {k: v for k, v in event.items() if k not in PROVENANCE} == {
        "deal_id": deal_id_for(LONGXIN), "liquidation_method": "clean_up_call", "event_date": dt.date(2025, 10, 26),
        "price_cny": D("171234500.37"), "remaining_pool_principal_cny": D("170000000.37"),
        "pool_cumulative_default_rate": None}


# ───────────────────────────── refused, with the reason ─────────────────────────────
def test_a_report_without_a_pool_balance_is_refused_naming_what_is_missing():
    pdf = Pdf()
    pdf.line(f"{LONGXIN}受托机构报告（第71期）", size=13)
    pdf.line("本期支付日：2025年9月26日")
    pdf.line("期初资产池余额：181,234,500.37元")
    with pytest.raises(DocumentError) as caught:
        parse_trustee_report(pdf.bytes())
    assert caught.value.field == "期末资产池余额" and "not found" in caught.value.reason


def test_a_value_printed_twice_differently_is_a_contradiction():
    pdf = Pdf()
    pdf.line(f"{LONGXIN}受托机构报告（第71期）", size=13)
    pdf.line("本期支付日：2025年9月26日")
    pdf.line("期初资产池余额：181,234,500.37元")
    pdf.line("期末资产池余额：171,234,500.37元")
    pdf.line("期末资产池余额：171,234,900.37元")
    with pytest.raises(DocumentError) as caught:
        parse_trustee_report(pdf.bytes())
    assert caught.value.check == "inconsistent" and caught.value.field == "pool_balance_end_cny"
    assert caught.value.page == 1 and "171234900.37" in caught.value.reason


def test_a_history_table_without_the_current_period_is_refused():
    pdf = Pdf()
    pdf.line(f"{LONGXIN}受托机构报告（第71期）", size=13)
    pdf.line("本期支付日：2025年9月26日")
    pdf.line("期初资产池余额：181,234,500.37元")
    pdf.line("期末资产池余额：171,234,500.37元")
    cols = [Column(60, 200, "c"), Column(200, 400, "r")]
    pdf.table(cols, [["第69期", "1.10%"], ["第70期", "1.20%"]], header=["期数", "累计违约率"])
    with pytest.raises(DocumentError) as caught:
        parse_trustee_report(pdf.bytes())
    assert "current period 71 not found" in caught.value.reason and caught.value.page == 1


@pytest.mark.parametrize(("printed", "rate"), [("1.25%", D("0.0125")), ("12.5‰", D("0.0125")), ("125bp", D("0.0125")),
                                               ("0.0125", D("0.0125"))])
def test_a_rate_reads_in_its_own_unit(printed, rate):
    """% / ‰ / bp written with the figure; a bare figure is a fraction."""
    pdf = Pdf()
    pdf.line(f"{LONGXIN}受托机构报告（第71期）", size=13)
    pdf.line("本期支付日：2025年9月26日")
    pdf.line("期初资产池余额：181,234,500.37元")
    pdf.line("期末资产池余额：171,234,500.37元")
    pdf.table([Column(60, 300), Column(300, 520, "r")], [["累计违约率", printed]], header=["项目", "数值"])
    pdf.line("本期各档资产支持证券均无本息兑付。")
    doc = parse_trustee_report(pdf.bytes())
    assert doc.tables["core.pool_performance"][0]["cumulative_default_rate"] == rate
    assert "core.tranche_payments" not in doc.tables  # the report says nothing was paid
