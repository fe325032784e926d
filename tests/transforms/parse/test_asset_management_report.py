"""资产管理报告 parser against the sample market's renderer: every annual report of the seed
world's exchange deals, in every layout, gives back its annual row and its period rows exactly;
a report that contradicts itself or lost a row is refused, naming where."""

from __future__ import annotations

import pytest

from sample_market.documents import asset_management_report as render
from sample_market.documents.exchange_layout import LAYOUTS
from sample_market.documents.render import render_pdf
from tests.transforms.parse.exchange_cases import annual_reports, differences
from transforms.parse.asset_management_report import parse_asset_management_report
from transforms.parse.base import DocumentError
from transforms.parse.detect import detect_doc_type


@pytest.mark.parametrize("layout", LAYOUTS, ids=lambda l: f"{l.section_style}-{l.amount_unit}-{l.history_scope}")
def test_every_annual_report_parses_to_its_truth_rows(layout):
    reports = annual_reports(layout)
    assert len(reports) >= 10
    problems = []
    for report in reports:
        parsed = parse_asset_management_report(render.render_asset_management_report(report, layout))
        rows = {(r["grain"], r["period_number"]): r for r in parsed.tables["core.pool_performance"]}
        assert set(rows) == {("annual", report.year)} | {("payment_period", p["period_number"]) for p in report.periods}
        for truth in (report.annual, *report.periods):
            problems += [f"{report.deal['deal_id']} {truth['grain']} {truth['period_number']}: {d}"
                         for d in differences(truth, rows[(truth["grain"], truth["period_number"])])]
        assert parsed.meta["report_key"] == f"{report.deal['deal_id']}:{report.year}:asset_management_report"
    assert problems == []


def test_a_year_without_revolving_and_the_detection():
    report = next(r for r in annual_reports() if r.deal.get("is_revolving"))
    plain = render.AnnualReportData(**{**report.__dict__, "deal": {**report.deal, "is_revolving": False},
                                       "annual": {**report.annual, "revolving_purchase_cny": None,
                                                  "cumulative_revolving_purchase_cny": None}})
    pdf = render.render_asset_management_report(plain, LAYOUTS[0])
    assert detect_doc_type(pdf, "", "") == "asset_management_report"
    annual = parse_asset_management_report(pdf).tables["core.pool_performance"][0]
    assert annual["grain"] == "annual" and annual["revolving_purchase_cny"] is None
    assert annual["pool_balance_end_cny"] == report.annual["pool_balance_end_cny"]


def test_revised_and_superseded_versions():
    report = annual_reports()[2]
    revised = parse_asset_management_report(render.render_asset_management_report(report, LAYOUTS[2], "revised"))
    wrong = parse_asset_management_report(render.render_asset_management_report(report, LAYOUTS[2], "superseded"))
    assert revised.meta["is_revision"] and not wrong.meta["is_revision"]
    assert revised.meta["report_key"] == wrong.meta["report_key"]
    interest = report.annual["interest_collected_cny"]
    assert wrong.tables["core.pool_performance"][0]["interest_collected_cny"] == interest + render.SUPERSEDED_DELTA
    assert revised.tables["core.pool_performance"][0]["interest_collected_cny"] == interest


@pytest.mark.parametrize("variant, reason", [
    ("truncated", "truncated or corrupt"), ("image_only", "has no text layer"),
    ("missing_row", "row 未偿本金余额 not found"), ("bad_number", "期末未偿本金余额 is not a number"),
])
def test_broken_reports_are_refused_with_where_and_why(variant, reason):
    with pytest.raises(DocumentError) as refused:
        parse_asset_management_report(render.render_asset_management_report(annual_reports()[1], LAYOUTS[1], variant))
    assert reason in str(refused.value)


def test_an_account_that_does_not_balance_is_refused():
    report = annual_reports()[3]
    builder = render._Builder(report, LAYOUTS[0], "normal")
    items = builder.build()
    cash = next(i for i in items if getattr(i, "header", None) and i.header[0].startswith("期初余额"))
    cash.rows[0][3] = render.Num("1.00", None)
    pdf = render_pdf(items, "x", "y", "{n}")
    with pytest.raises(DocumentError, match="is not the closing balance") as refused:
        parse_asset_management_report(pdf)
    assert refused.value.check == "arithmetic"


def test_delinquency_buckets_must_add_up():
    report = annual_reports()[4]
    items = render._Builder(report, LAYOUTS[0], "normal").build()
    table = next(i for i in items if getattr(i, "header", None) and i.header[0] == "类型")
    total = next(row for row in table.rows if row[0] == "逾期合计")
    total[1] = render.Num("9.99", None)
    with pytest.raises(DocumentError, match="delinquency buckets add up to"):
        parse_asset_management_report(render_pdf(items, "x", "y", "{n}"))
