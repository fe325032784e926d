"""收益分配报告 parser against the sample market's renderer: every payment of the seed world's
exchange deals, in every manager's layout, parses back to its truth rows exactly; broken,
revised and inconsistent reports are refused or marked with the reason."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sample_market.documents import income_distribution as render
from sample_market.documents.exchange_layout import LAYOUTS
from sample_market.documents.render import render_pdf
from tests.transforms.parse.exchange_cases import differences, distributions
from transforms.parse.base import DocumentError
from transforms.parse.detect import detect_doc_type
from transforms.parse.disclosure_text import read_disclosure
from transforms.parse.income_distribution import parse_income_distribution


@pytest.fixture(scope="module")
def reports():
    return distributions()


def rows_by_tranche(parsed):
    return {r["tranche_id"]: r for r in parsed.tables["core.tranche_payments"]}


def test_every_payment_in_rotating_layouts_parses_to_its_truth_rows(reports):
    assert len(reports) > 100
    problems = []
    for index, report in enumerate(reports):
        layout = LAYOUTS[index % len(LAYOUTS)]
        parsed = parse_income_distribution(render.render_income_distribution(report, layout))
        got = rows_by_tranche(parsed)
        assert set(got) == {p["tranche_id"] for p in report.payments}
        for truth in report.payments:
            problems += [f"{truth['tranche_id']} period {truth['period_number']}: {d}"
                         for d in differences(truth, got[truth["tranche_id"]])]
        assert parsed.meta["report_key"] == f"{report.deal['deal_id']}:{report.period_number}:income_distribution"
        assert parsed.meta["deal_name"] == report.deal["deal_name_zh"]
    assert problems == []


@pytest.mark.parametrize("layout", LAYOUTS, ids=lambda l: f"{l.title_style}-{l.tranche_table}-{l.plan_style}")
def test_each_layout_reads_a_repaying_period_and_a_final_period(reports, layout):
    repaying = next(r for r in reports if any(p["principal_paid_cny"] for p in r.payments))
    final = max((r for r in reports if r.deal["deal_id"] == repaying.deal["deal_id"]), key=lambda r: r.period_number)
    for report in (repaying, final):
        pdf = render.render_income_distribution(report, layout)
        assert detect_doc_type(pdf, "download.pdf", "") == "income_distribution"
        got = rows_by_tranche(parse_income_distribution(pdf))
        for truth in report.payments:
            assert differences(truth, got[truth["tranche_id"]]) == []
            assert got[truth["tranche_id"]]["principal_paid_cny"] == (
                got[truth["tranche_id"]]["principal_paid_per_unit"] * got[truth["tranche_id"]]["unit_count"])


def test_bare_codes_take_the_suffix_of_the_registrar(reports):
    sz = next(r for r in reports if r.venue == "SZ")
    sh = next(r for r in reports if r.venue == "SH")
    bare = LAYOUTS[0].with_(code_suffix=False)
    for report, suffix in ((sz, ".SZ"), (sh, ".SH")):
        pdf = render.render_income_distribution(report, bare)
        doc = read_disclosure(pdf, title_stops=("专项计划名称",))
        codes = [row[1] for row in doc.tables()[0].rows if row[1]]
        assert codes and all("." not in code for code in codes)  # printed bare
        assert all(r["tranche_id"].endswith(suffix) for r in parse_income_distribution(pdf).tables["core.tranche_payments"])


def test_revised_and_superseded_versions(reports):
    report = reports[5]
    revised = parse_income_distribution(render.render_income_distribution(report, LAYOUTS[1], "revised"))
    wrong = parse_income_distribution(render.render_income_distribution(report, LAYOUTS[1], "superseded"))
    assert revised.meta["is_revision"] and not wrong.meta["is_revision"]
    assert revised.meta["report_key"] == wrong.meta["report_key"]
    first = next(p for p in sorted(report.payments, key=lambda p: p["tranche_id"]) if p["interest_paid_per_unit"])
    assert rows_by_tranche(wrong)[first["tranche_id"]]["interest_paid_per_unit"] == \
        first["interest_paid_per_unit"] + render.SUPERSEDED_DELTA
    assert rows_by_tranche(revised)[first["tranche_id"]]["interest_paid_per_unit"] == first["interest_paid_per_unit"]


@pytest.mark.parametrize("variant, reason", [
    ("truncated", "truncated or corrupt"), ("image_only", "has no text layer"),
    ("missing_row", "兑付日 not found"), ("bad_number", "is not a number: 'O.0000'"),
])
def test_broken_reports_are_refused_with_where_and_why(reports, variant, reason):
    with pytest.raises(DocumentError) as refused:
        parse_income_distribution(render.render_income_distribution(reports[5], LAYOUTS[0], variant))
    assert reason in str(refused.value)


def test_a_stated_total_that_is_not_per_unit_times_units_is_refused(reports):
    report = reports[7]
    payments = [dict(p) for p in report.payments]
    payments[0]["interest_paid_cny"] = Decimal(payments[0]["interest_paid_cny"]) + Decimal("1.00")
    broken = render.DistributionData(**{**report.__dict__, "payments": tuple(payments)})
    with pytest.raises(DocumentError, match=r"units = .* but the report states") as refused:
        parse_income_distribution(render.render_income_distribution(broken, LAYOUTS[0]))
    assert refused.value.check == "arithmetic" and refused.value.field == "分配资金合计"


def test_a_tranche_table_that_disagrees_with_face_times_units_is_refused(reports):
    report = reports[9]
    builder = render._Builder(report, LAYOUTS[0], "normal")
    items = builder.build()
    table = next(i for i in items if getattr(i, "header", None) and "剩余规模（万元）" in i.header)
    table.rows[0][-1] = render.Num("1.00", None)
    pdf = render_pdf(items, "x", "y", "{n}")
    with pytest.raises(DocumentError, match="剩余规模 of .* but face"):
        parse_income_distribution(pdf)


def test_a_document_of_another_family_is_not_read_as_one():
    from tests.transforms.parse.exchange_cases import annual_reports
    from sample_market.documents.asset_management_report import render_asset_management_report

    pdf = render_asset_management_report(annual_reports()[0], LAYOUTS[0])
    with pytest.raises(DocumentError, match="not a 收益分配报告"):
        parse_income_distribution(pdf)
