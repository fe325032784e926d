"""Trustee reports both ways: sample-market renderer → real PDF/XLSX bytes → parser → the same rows.

The round trips run on real bytes for every template and format, so a template change that the
parser cannot follow fails here, and every broken variant must be quarantined with its reason.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
from decimal import Decimal as D
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from sample_market.documents.trustee_report import (
    SUPERSEDED_DELTA,
    TEMPLATES,
    TITLE_STYLES,
    TrusteeReportData,
    listing_title,
    render_trustee_report,
    report_title,
)
from tests.fixtures import REAL_WORLD
from transforms.normalise.ids import deal_id_for
from transforms.parse.base import DocumentError
from transforms.parse.pdf_text import pdf_lines
from transforms.parse.trustee_report import _layout, parse_trustee_report

REAL_LISTING = REAL_WORLD / "chinabond_trustee_report_listing_2025-11-19.json"
PROVENANCE = ("document_id", "source_page", "source_table", "source_row_label")
TRUSTEE = "中国对外经济贸易信托有限公司"

# ───────────────────────────── hand-made reports ─────────────────────────────
NUMBERS = ["一", "二", "三", "四", "五", "六", "七", "八", "九"]


def _tranches(codes_from: int, labels: list[str], amounts: list[D]) -> list[dict]:
    return [
        {"tranche_id": f"{codes_from + i}.IB", "security_code": f"{codes_from + i}.IB", "tranche_name": label,
         "amount_cny": amount}
        for i, (label, amount) in enumerate(zip(labels, amounts))
    ]


def _pool(deal_id: str, n: int, pay: dt.date, **values) -> dict:
    row = {
        "deal_id": deal_id, "period_number": n, "report_date": pay - dt.timedelta(days=7),
        "collection_period_start": dt.date(pay.year, pay.month, 1) - dt.timedelta(days=31),
        "collection_period_end": dt.date(pay.year, pay.month, 1) - dt.timedelta(days=1), "payment_date": pay,
        "pool_balance_begin_cny": None, "pool_balance_end_cny": None, "loan_count_end": None,
        "principal_collected_cny": None, "interest_collected_cny": None, "prepayment_cny": None,
        "new_default_cny": None, "cumulative_default_cny": None, "cumulative_default_rate": None,
        "delinquent_1_30_cny": None, "delinquent_31_60_cny": None, "delinquent_61_90_cny": None,
        "delinquent_90_plus_cny": None, "revolving_purchase_cny": None, "cumulative_revolving_purchase_cny": None,
        "recovery_cny": None, "cumulative_recovery_cny": None, "other_income_cny": None,
        "not_applicable_reason": None,
    }
    row.update(values)
    return row


def _payments(deal_id: str, n: int, pay: dt.date, tranches: list[dict], paid: list[D], interest: list[D],
              excess: D | None = None) -> list[dict]:
    rows = []
    for t, p, i in zip(tranches, paid, interest):
        before = t["amount_cny"] - p * 3
        rows.append({
            "tranche_id": t["tranche_id"], "period_number": n, "deal_id": deal_id, "payment_date": pay,
            "principal_before_cny": before, "principal_paid_cny": p, "principal_after_cny": before - p,
            "interest_paid_cny": i, "other_income_paid_cny": None,
        })
    if excess is not None:
        rows[-1]["other_income_paid_cny"] = excess
    return rows


def _history(deal_id: str, upto: int, pay: dt.date) -> list[dict]:
    """Earlier periods with their own (smaller) cumulative figures: only the current row may be read."""
    return [
        _pool(deal_id, k, pay - dt.timedelta(days=30 * (upto - k)),
              cumulative_default_cny=D("1000.00") * k, cumulative_default_rate=D("0.00000130") * k)
        for k in range(1, upto)
    ]


def performing(name: str, n: int = 5, *, revolving: bool = False, unit: str | None = None,
               hundreds: bool = False, tranche_count: int = 3, history: int | None = None,
               liquidation: str | None = None) -> TrusteeReportData:
    deal_id = deal_id_for(name)
    pay = dt.date(2025, 8, 26)
    labels = (["优先A1级", "优先A2级", "优先B级", "次级"] if tranche_count <= 4
              else [f"优先A-{i + 1}级" for i in range(tranche_count - 1)] + ["次级"])[:tranche_count]
    amounts = [D("800000000.00")] * (tranche_count - 1) + [D("120000000.00")]
    tranches = _tranches(2389101, labels, amounts)
    cents = D("0") if hundreds else D("0.37")
    pool = _pool(
        deal_id, n, pay,
        pool_balance_begin_cny=D("1834567800") + cents, pool_balance_end_cny=D("1734500100") + cents,
        loan_count_end=84213, principal_collected_cny=D("97654300") + cents,
        interest_collected_cny=D("8765400") + cents, prepayment_cny=D("12345600") + cents,
        new_default_cny=D("2413400") + cents, cumulative_default_cny=D("9876500") + cents,
        cumulative_default_rate=D("0.00493825"), delinquent_1_30_cny=D("3456700") + cents,
        delinquent_31_60_cny=D("1234500") + cents, delinquent_61_90_cny=D("567800") + cents,
        delinquent_90_plus_cny=D("0.00") if not hundreds else D("300"),
        not_applicable_reason="performing pool: 90+ loans are reported as new defaults; no NPL recovery measures",
    )
    if revolving:
        pool.update(revolving_purchase_cny=D("96500000") + cents, cumulative_revolving_purchase_cny=D("612300000") + cents)
    else:
        pool["not_applicable_reason"] += "; static pool: no revolving purchases"
    paid = [D("45678900") + cents] * (tranche_count - 1) + [D("0.00")]
    interest = [D("1234500") + cents] * (tranche_count - 1) + [D("0.00")]
    payments = _payments(deal_id, n, pay, tranches, paid, interest, excess=D("2345600") + cents)
    event = None
    if liquidation:
        pool["pool_balance_end_cny"] = D("0.00")
        event = {"deal_id": deal_id, "liquidation_method": liquidation, "event_date": pay,
                 "price_cny": None if liquidation == "in_kind_distribution" else D("171234500") + cents,
                 "remaining_pool_principal_cny": D("170000000") + cents, "pool_cumulative_default_rate": D("0.00493825")}
    return TrusteeReportData(
        deal_name=name, trustee_name=TRUSTEE, asset_class="micro_enterprise_loan", tranches=tranches, pool=pool,
        payments=payments, liquidation=event, history=_history(deal_id, n if history is None else history, pay),
        is_revolving=revolving, unit=unit,
    )


def npl(name: str = "建鑫2021年第六期不良资产支持证券", unit: str | None = None) -> TrusteeReportData:
    deal_id = deal_id_for(name)
    pay = dt.date(2025, 10, 26)
    tranches = _tranches(2189201, ["优先级", "次级"], [D("600000000.00"), D("150000000.00")])
    pool = _pool(
        deal_id, 9, pay, pool_balance_begin_cny=D("2345678901.23"), pool_balance_end_cny=D("2200000000.01"),
        loan_count_end=1203, recovery_cny=D("43210987.65"), cumulative_recovery_cny=D("398765432.19"),
        other_income_cny=D("345678.91"), not_applicable_reason="NPL pool: no default or delinquency measures",
    )
    payments = _payments(deal_id, 9, pay, tranches, [D("40000000.00"), D("0.00")], [D("3210000.55"), D("0.00")])
    return TrusteeReportData(deal_name=name, trustee_name="建信信托有限责任公司", asset_class="npl", tranches=tranches,
                             pool=pool, payments=payments, unit=unit)


CASES = {
    "amortising": lambda: performing("常星2023年第一期个人消费贷款证券化信托", 30),
    "revolving": lambda: performing("飞驰建普2025年第一期微小企业贷款资产证券化信托", 4, revolving=True),
    "npl": npl,
    "npl_wan": lambda: npl("和萃2016年第二期不良资产支持证券", unit="万元"),
    "clean_up_call": lambda: performing("龙惠2018年第一期微小企业贷款资产支持证券", 22, liquidation="clean_up_call"),
    "in_kind": lambda: performing("兴渝2019年第一期微小企业贷款资产支持证券", 18, liquidation="in_kind_distribution"),
    "wan": lambda: performing("工元乐居2021年第七期个人住房抵押贷款证券化信托", 49, unit="万元"),
    "wan_hundreds": lambda: performing("交盈2019年第二期个人住房抵押贷款资产证券化信托", 77, unit="万元", hundreds=True),
    "many_tranches": lambda: performing("建元2007年第一期个人住房抵押贷款证券化信托", 60, tranche_count=9, history=60),
}


def business(row: dict) -> dict:
    return {k: v for k, v in row.items() if k not in PROVENANCE}


def parsed(report: TrusteeReportData, template: str, fmt: str, variant: str = "normal", **kwargs):
    return parse_trustee_report(render_trustee_report(report, template, fmt, variant), **kwargs)


# ───────────────────────────── round trips ─────────────────────────────
@pytest.mark.parametrize("fmt", ["pdf", "xlsx"])
@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("case", sorted(CASES))
def test_round_trip_gives_the_input_rows_exactly(case, template, fmt):
    report = CASES[case]()
    doc = parsed(report, template, fmt)

    (pool,) = doc.tables["core.pool_performance"]
    assert business(pool) == dict(report.pool)
    assert [business(r) for r in doc.tables.get("core.tranche_payments", [])] == [dict(p) for p in report.payments]
    events = [business(r) for r in doc.tables.get("core.liquidation_events", [])]
    assert events == ([dict(report.liquidation)] if report.liquidation else [])
    assert doc.meta["report_key"] == f"{deal_id_for(report.deal_name)}:{report.period_number}:trustee_report"
    assert (doc.meta["is_revision"], doc.meta["is_english"], doc.meta["report_date"]) == (False, False, report.report_date)
    for row in (pool, *doc.tables["core.tranche_payments"]):
        assert isinstance(row["source_page"], int) and row["source_page"] >= 1
        assert row["source_table"] and row["source_row_label"]


def test_amounts_are_exact_to_the_cent_even_in_wan():
    """万元 prints 6 decimals unless every amount is a whole hundred 元 (then the usual 2)."""
    cents, hundreds = CASES["wan"](), CASES["wan_hundreds"]()
    for report, places in ((cents, 6), (hundreds, 2)):
        pdf = render_trustee_report(report, "trust_a", "pdf")
        text = "".join(p.get_textpage().get_text_range() for p in pdfium.PdfDocument(pdf))
        shown = report.pool["pool_balance_end_cny"] / 10_000
        assert f"{shown:,.{places}f}" in text
        assert "（万元）" in text
    assert business(parsed(cents, "trust_a", "pdf").tables["core.pool_performance"][0]) == dict(cents.pool)


def test_pdf_text_has_the_chinese_labels_through_the_embedded_font():
    pdf = render_trustee_report(CASES["amortising"](), "trust_a", "pdf")
    text = "".join(p.get_textpage().get_text_range() for p in pdfium.PdfDocument(pdf))
    for label in ("期末资产池余额", "本息兑付情况", "每百元面额兑付本金", "受托机构", "逾期31-60天", "不适用原因"):
        assert label in text
    assert b"/FontFile2" in pdf and b"WenQuanYi" in pdf  # a TrueType subset travels inside the file
    assert b"STSong" not in pdf


def test_a_table_runs_over_a_page_break_in_every_template():
    report = CASES["many_tranches"]()
    for template in TEMPLATES:
        layout = _layout(pdf_lines(render_trustee_report(report, template, "pdf")))
        assert any(len({line.page for line in b.lines}) > 1 for b in layout.blocks), template


def test_same_input_gives_identical_bytes_in_another_process():
    report = CASES["npl"]()
    here = {fmt: render_trustee_report(report, "trust_b", fmt) for fmt in ("pdf", "xlsx")}
    assert here == {fmt: render_trustee_report(report, "trust_b", fmt) for fmt in ("pdf", "xlsx")}
    script = (
        "import hashlib, sys; sys.path.insert(0, %r); "
        "from tests.transforms.parse.test_trustee_report import CASES; "
        "from sample_market.documents.trustee_report import render_trustee_report as r; "
        "print(*(hashlib.sha256(r(CASES['npl'](), 'trust_b', f)).hexdigest() for f in ('pdf', 'xlsx')))"
    ) % str(Path(__file__).resolve().parents[3])
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout.split()
    import hashlib

    assert out == [hashlib.sha256(here[f]).hexdigest() for f in ("pdf", "xlsx")]


# ───────────────────────────── what the parser must not be fooled by ─────────────────────────────
def test_npl_other_income_is_not_a_recovery_and_inapplicable_fields_are_none():
    report = CASES["npl"]()
    for template in TEMPLATES:
        pool = parsed(report, template, "pdf").tables["core.pool_performance"][0]
        assert pool["recovery_cny"] == D("43210987.65")  # 处置中 + 本期处置完毕, not + 其他收入
        assert pool["other_income_cny"] == D("345678.91")
        assert pool["cumulative_default_rate"] is None and pool["delinquent_1_30_cny"] is None
        assert pool["not_applicable_reason"] == "NPL pool: no default or delinquency measures"


def test_only_the_current_row_of_the_history_table_is_read():
    """trust_b prints 累计违约率 only in the history table (percent column, earlier rows first)."""
    report = CASES["amortising"]()
    pool = parsed(report, "trust_b", "pdf").tables["core.pool_performance"][0]
    assert pool["cumulative_default_rate"] == D("0.00493825")
    assert pool["cumulative_default_cny"] == report.pool["cumulative_default_cny"]


def test_format_is_sniffed_from_bytes_not_the_name():
    report = CASES["revolving"]()
    pdf, xlsx = (render_trustee_report(report, "trust_c", f) for f in ("pdf", "xlsx"))
    assert parse_trustee_report(pdf, file_name="report.xlsx").meta["file_format"] == "pdf"
    assert parse_trustee_report(xlsx, file_name="report.pdf").meta["file_format"] == "xlsx"
    with pytest.raises(DocumentError, match="not a PDF or XLSX"):
        parse_trustee_report("<html>访问受限</html>".encode(), file_name="report.pdf")


def test_xlsx_provenance_points_at_the_sheet_row():
    import openpyxl, io

    report = CASES["amortising"]()
    for template in TEMPLATES:
        data = render_trustee_report(report, template, "xlsx")
        pool = parse_trustee_report(data).tables["core.pool_performance"][0]
        book = openpyxl.load_workbook(io.BytesIO(data))
        labels = [c.value for sheet in book for c in sheet[pool["source_page"]] if c.value]
        assert pool["source_row_label"] in labels


def test_pdf_provenance_points_at_the_page():
    report = CASES["many_tranches"]()
    pdf = render_trustee_report(report, "trust_b", "pdf")
    doc = parse_trustee_report(pdf)
    pages = pdfium.PdfDocument(pdf)
    for row in doc.tables["core.tranche_payments"]:
        assert row["source_row_label"] in pages[row["source_page"] - 1].get_textpage().get_text_range()


# ───────────────────────────── variants ─────────────────────────────
BROKEN = [
    ("pdf", "truncated", r"^PDF is truncated or corrupt"),
    ("xlsx", "truncated", r"^XLSX is truncated or corrupt"),
    ("pdf", "image_only", r"^page \d+ has no text layer"),
    ("xlsx", "wrong_encoding", r"^sheet \S+ row \d+: text is mis-encoded \(GBK bytes read as Windows-1252\)"),
    ("pdf", "missing_row", r"^page \d+: row 期末资产池余额 not found in section \S+"),
    ("xlsx", "missing_row", r"^sheet \S+: row 期末资产池余额 not found in section \S+"),
    ("pdf", "bad_number", r"^page \d+: cannot read pool_balance_end_cny \(\S+\) from '[\d,.]*O[\d,.]*'"),
    ("xlsx", "bad_number", r"^sheet \S+ row \d+: cannot read pool_balance_end_cny \(\S+\) from '[\d,.]*O[\d,.]*'"),
]


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize(("fmt", "variant", "reason"), BROKEN, ids=[f"{f}-{v}" for f, v, _ in BROKEN])
def test_broken_documents_raise_with_a_specific_reason(template, fmt, variant, reason):
    data = render_trustee_report(CASES["amortising"](), template, fmt, variant)
    with pytest.raises(DocumentError) as caught:
        parse_trustee_report(data)
    assert re.search(reason, caught.value.reason), caught.value.reason
    if variant == "bad_number":
        assert caught.value.field == "pool_balance_end_cny" and "O" in caught.value.value
    if variant == "image_only":
        assert caught.value.page == int(re.search(r"page (\d+)", caught.value.reason).group(1))


@pytest.mark.parametrize("fmt", ["pdf", "xlsx"])
@pytest.mark.parametrize("template", TEMPLATES)
def test_revision_english_and_superseded_versions_share_the_report_key(template, fmt):
    report = CASES["clean_up_call"]()
    normal, revised, superseded, english = (
        parsed(report, template, fmt, v) for v in ("normal", "revised", "superseded", "english"))
    assert normal.meta["report_key"] == revised.meta["report_key"] == english.meta["report_key"] \
        == superseded.meta["report_key"]
    assert (revised.meta["is_revision"], revised.meta["is_english"]) == (True, False)
    assert (english.meta["is_revision"], english.meta["is_english"]) == (False, True)
    assert english.tables == {}
    assert business(revised.tables["core.pool_performance"][0]) == dict(report.pool)
    wrong = superseded.tables["core.pool_performance"][0]
    assert wrong["interest_collected_cny"] == report.pool["interest_collected_cny"] + SUPERSEDED_DELTA
    assert superseded.meta["is_revision"] is False


def test_revision_and_language_also_come_from_the_listing_title():
    report = CASES["amortising"]()
    data = render_trustee_report(report, "trust_a", "pdf")
    assert parse_trustee_report(data, title=listing_title(report, "trust_a", "revised")).meta["is_revision"]
    assert parse_trustee_report(data, file_name="报告（英文版）.pdf").meta["is_english"]


def test_unsupported_variant_format_pairs_are_refused():
    report = CASES["amortising"]()
    for fmt, variant in (("xlsx", "image_only"), ("pdf", "wrong_encoding")):
        with pytest.raises(ValueError, match="does not exist"):
            render_trustee_report(report, "trust_a", fmt, variant)


# ───────────────────────────── titles ─────────────────────────────
@pytest.mark.parametrize("style", TITLE_STYLES)
@pytest.mark.parametrize("mark", [None, "更正", "以此为准", "english"])
def test_every_title_spelling_gives_the_period_number(style, mark):
    from transforms.normalise.titles import parse_report_title

    deal = "工元至诚惠银2025年第一期不良资产证券化信托"
    title = report_title(deal, 57, dt.date(2025, 11, 19), style, revision=None if mark in (None, "english") else mark,
                         english=mark == "english", in_year_number=11)
    parsed_title = parse_report_title(title)
    assert parsed_title.period_number == 57, title
    assert parsed_title.is_revision == (mark in ("更正", "以此为准"))
    assert parsed_title.is_english == (mark == "english")
    assert parsed_title.deal.issue_number == 1  # 2025年第一期 stays the issue, never the period


def test_title_styles_cover_every_spelling_in_the_real_chinabond_listing():
    patterns = []
    for style in TITLE_STYLES:
        for monthly in (False, True):
            sample = report_title("@", 987, dt.date(2999, 7, 1), style, monthly=monthly, in_year_number=654)
            regex = re.escape(sample).replace("@", ".+?").replace("987", r"\d+").replace("2999", r"\d{4}")
            patterns.append(re.compile(regex.replace("654", r"\d+").replace("7月", r"\d{1,2}月")))
    titles = [entry["DocTitle"] for entry in json.loads(REAL_LISTING.read_text(encoding="utf-8"))]
    unmatched = [t for t in titles if not any(p.fullmatch(t) for p in patterns)]
    assert not unmatched
