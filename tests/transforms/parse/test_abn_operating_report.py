"""ABN 资产运营报告 parser against the sample market's renderer: every period of the seed
world's ABN deals parses back to its pool and payment rows, whichever way a trust company lays
out the payment table; broken and inconsistent reports are refused, naming where."""

from __future__ import annotations

import dataclasses

import pytest

from sample_market.documents import abn_operating_report as render
from sample_market.documents.exchange_layout import LAYOUTS
from tests.transforms.parse.exchange_cases import differences, operating_reports
from transforms.parse.abn_operating_report import parse_abn_operating_report
from transforms.parse.base import DocumentError
from transforms.parse.detect import detect_doc_type

ORIENTATIONS = {"rows": LAYOUTS[0], "columns": LAYOUTS[1].with_(tranche_table="huabei"),
                "wan-bare": LAYOUTS[3].with_(code_suffix=False)}


@pytest.mark.parametrize("name", ORIENTATIONS)
def test_every_period_parses_to_its_truth_rows(name):
    layout = ORIENTATIONS[name]
    reports = operating_reports()
    assert len(reports) >= 30
    problems = []
    for report in reports:
        pdf = render.render_abn_operating_report(report, layout, names={"originator": "某原始权益人"})
        parsed = parse_abn_operating_report(pdf)
        (pool,) = parsed.tables["core.pool_performance"]
        problems += [f"{report.pool['deal_id']} {report.period_number} pool: {d}"
                     for d in differences(dict(report.pool), pool)]
        got = {r["tranche_id"]: r for r in parsed.tables.get("core.tranche_payments", [])}
        for truth in report.payments:
            problems += [f"{truth['tranche_id']} {report.period_number}: {d}"
                         for d in differences(dict(truth), got.get(truth["tranche_id"]))]
        assert pool["grain"] == "payment_period" and parsed.meta["deal_name"] == report.deal_name
    assert problems == []


def test_detected_by_its_title_and_named_by_the_crawler_rule():
    report = operating_reports()[0]
    pdf = render.render_abn_operating_report(report, LAYOUTS[0])
    assert detect_doc_type(pdf, "", "") == "abn_operating_report"
    assert detect_doc_type(b"%PDF-1.4 broken", "中粮信托2025年度网商粮信第一期资产支持票据信托资产运营报告(第3期).pdf", "") \
        == "abn_operating_report"


def test_revised_and_superseded_versions():
    report = operating_reports()[4]
    revised = parse_abn_operating_report(render.render_abn_operating_report(report, LAYOUTS[0], "revised"))
    wrong = parse_abn_operating_report(render.render_abn_operating_report(report, LAYOUTS[0], "superseded"))
    assert revised.meta["is_revision"] and not wrong.meta["is_revision"]
    assert revised.meta["report_key"] == wrong.meta["report_key"] == \
        f"{report.pool['deal_id']}:{report.period_number}:abn_operating_report"
    assert wrong.tables["core.pool_performance"][0]["interest_collected_cny"] == \
        report.pool["interest_collected_cny"] + render.SUPERSEDED_DELTA


@pytest.mark.parametrize("variant, reason", [
    ("truncated", "truncated or corrupt"), ("image_only", "has no text layer"),
    ("missing_row", "row 期末资产池余额 not found"), ("bad_number", "期初资产池余额 is not a number"),
])
def test_broken_reports_are_refused_with_where_and_why(variant, reason):
    with pytest.raises(DocumentError) as refused:
        parse_abn_operating_report(render.render_abn_operating_report(operating_reports()[2], LAYOUTS[0], variant))
    assert reason in str(refused.value)


def test_a_tranche_whose_balances_do_not_roll_is_refused():
    report = operating_reports()[6]
    payments = [dict(p) for p in report.payments]
    payments[0]["principal_after_cny"] = payments[0]["principal_after_cny"] + 5
    broken = dataclasses.replace(report, payments=tuple(payments))
    with pytest.raises(DocumentError, match="is not 期末") as refused:
        parse_abn_operating_report(render.render_abn_operating_report(broken, LAYOUTS[0]))
    assert refused.value.field == "期末本金余额"
