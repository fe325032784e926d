"""detect_doc_type on every rendered family (all their formats), on the real files, on trustee
reports (PDF and XLSX, from the sample market's renderer), content before names, and the
documents that must be refused."""

from __future__ import annotations

import io

import pytest

from sample_market.documents import (
    amc_bonds,
    amc_financials,
    amc_registry,
    bond_valuations,
    issuance_export,
    market_totals,
    outstanding_snapshot,
    rating_actions,
    yield_curve,
)
from sample_market.documents.workbook import Column, Layout, render_table
from tests.transforms.parse import tabular_cases as cases
from transforms.parse.base import DocumentError
from transforms.parse.detect import DOC_TYPES, PARSERS, detect_doc_type, parser_for
from transforms.parse.parties import agency_institution_id


def _documents() -> list[tuple[str, str, bytes]]:
    """(expected doc type, case id, bytes) for every family and format the sample market makes."""
    iss, amc = cases.issuance_rows(), cases.amc_rows()
    short = {a["amc_id"]: a["short_name_zh"] for a in amc["core.amcs"]}
    agencies = {agency_institution_id("中诚信国际"): "中诚信国际", agency_institution_id("联合资信"): "联合资信"}
    from datetime import date
    from decimal import Decimal as D

    points = [dict(curve_id="x", curve_name_zh="中债国债收益率曲线", curve_date=date(2025, 7, 1), tenor_years=D(y),
                   tenor_label=label, yield_rate=D("0.0151")) for y, label in (("0.25", "3m"), ("1", "1y"))]
    balances = [dict(tranche_id="2189123.IB", as_of_date=date(2025, 6, 30), outstanding_cny=D("1.00"))]
    actions = [dict(tranche_id="2189123.IB", agency_id=agency_institution_id("中诚信国际"), action_date=date(2025, 6, 1),
                    action_type="initial", rating_before=None, rating_after="AAAsf")]
    totals = [dict(period_month=date(2025, 7, 1), market="abn", issuance_count=1, issuance_amount_cny=D("1.00"),
                   outstanding_count=2, outstanding_amount_cny=D("2.00"))]
    valuations = [dict(security_code="188123.SH", valuation_date=date(2025, 7, 1), valuation_yield=D("0.02"),
                       clean_price=D("100"))]
    csv = Layout(file_format="csv")
    docs = [
        ("issuance_export", "issuance", issuance_export.render_issuance_export(
            iss["core.deals"], iss["core.tranches"], iss["core.institutions"], iss["core.deal_labels"],
            iss["core.credit_enhancements"])),
        ("issuance_export", "issuance_wind_shuffled", issuance_export.render_issuance_export(
            iss["core.deals"], iss["core.tranches"], iss["core.institutions"],
            layout=issuance_export.DEFAULT_LAYOUT.with_(header_style="wind", shuffle_seed=1))),
        ("rating_actions", "ratings_csv", rating_actions.render_rating_actions(actions, agencies)),
        ("rating_actions", "ratings_gb18030", rating_actions.render_rating_actions(
            actions, agencies, rating_actions.DEFAULT_LAYOUT.with_(encoding="gb18030"))),
        ("rating_actions", "ratings_xlsx", rating_actions.render_rating_actions(
            actions, agencies, rating_actions.DEFAULT_LAYOUT.with_(file_format="xlsx"))),
        ("outstanding_snapshot", "balances", outstanding_snapshot.render_outstanding_snapshot(balances)),
        ("outstanding_snapshot", "balances_dated_title", outstanding_snapshot.render_outstanding_snapshot(
            balances, date_in_title=True)),
        ("market_totals", "totals", market_totals.render_market_totals(totals)),
        ("yield_curve", "curve_annual", yield_curve.render_annual_xlsx(points, 2025)),
        ("yield_curve", "curve_csv_long", yield_curve.render_curve_csv(points, shape="long")),
        ("yield_curve", "curve_csv_wide", yield_curve.render_curve_csv(points, shape="wide", encoding="utf-8")),
        ("yield_curve", "curve_json", yield_curve.render_range_json(points)),
        ("bond_valuations", "valuations_xlsx", bond_valuations.render_bond_valuations(valuations)),
        ("bond_valuations", "valuations_csv", bond_valuations.render_bond_valuations(valuations, csv)),
        ("amc_registry", "registry_csv", amc_registry.render_amc_registry(amc["core.amcs"])),
        ("amc_registry", "registry_gb18030", amc_registry.render_amc_registry(
            amc["core.amcs"], amc_registry.REGISTRY_LAYOUT.with_(encoding="gb18030"))),
        ("amc_registry", "licence_events_csv", amc_registry.render_amc_licence_events(
            amc["core.amc_licence_events"], amc["core.amcs"])),
        ("amc_registry", "registry_workbook", amc_registry.render_amc_registry_workbook(
            amc["core.amcs"], amc["core.amc_licence_events"])),
        ("amc_bonds", "amc_bonds", amc_bonds.render_amc_bonds(amc["core.amc_bonds"], short, amc["core.institutions"])),
        ("amc_bonds", "amc_bond_events", amc_bonds.render_amc_bond_events(amc["core.amc_bond_events"])),
        ("amc_bonds", "amc_issuer_ratings", amc_bonds.render_amc_issuer_ratings(
            amc["core.amc_issuer_ratings"], short, agencies)),
        ("amc_financials", "financials_per_period", amc_financials.render_amc_financials(
            amc["core.amc_financials"], short)),
        ("amc_financials", "financials_long", amc_financials.render_amc_financials(
            amc["core.amc_financials"], short, shape="long")),
    ]
    return docs


DOCUMENTS = _documents()


@pytest.mark.parametrize(("expected", "data"), [(e, d) for e, _, d in DOCUMENTS], ids=[i for _, i, _ in DOCUMENTS])
def test_every_rendered_family_is_recognised_by_content(expected, data):
    assert detect_doc_type(data, "download", "") == expected
    # A misleading name does not win over the content.
    assert detect_doc_type(data, "某信托受托机构报告.xlsx", "中债估值") == expected


def test_every_rendered_family_parses_with_the_parser_detection_names():
    kwargs = {"yield_curve": {"curve_id": "x", "curve_name_zh": "中债国债收益率曲线"}}
    for expected, case, data in DOCUMENTS:
        doc = parser_for(detect_doc_type(data))(data, **kwargs.get(expected, {}))
        assert doc.doc_type == expected and any(doc.tables.values()), case


@pytest.mark.parametrize(("file", "expected"), [
    ("chinabond_govt_curve_2016.xlsx", "yield_curve"),
    ("cnabs_securities_export.xlsx", "cnabs_export"),
    ("deal_names.xlsx", "deal_names"),
])
def test_real_files(file, expected):
    assert detect_doc_type((cases.REAL / file).read_bytes(), "file.xlsx", "") == expected


@pytest.fixture(scope="module")
def trustee_reports(seed_world_tables):
    from sample_market.documents.trustee_report import TEMPLATES, render_trustee_report, reports_from_tables

    report = next(reports_from_tables(seed_world_tables), None)
    if report is None:
        pytest.skip("the seed world has no trustee reports yet")
    return {(t, f, v): render_trustee_report(report, t, f, v) for t in TEMPLATES for f in ("pdf", "xlsx")
            for v in ("normal", "english")}


def test_trustee_reports_by_content(trustee_reports):
    for key, data in trustee_reports.items():
        assert detect_doc_type(data, "attachment.bin", "") == "trustee_report", key


def test_a_trustee_report_pdf_without_text_falls_back_to_its_name():
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, invariant=1)
    page.rect(10, 10, 100, 100)
    page.save()
    data = buffer.getvalue()
    with pytest.raises(DocumentError, match="unrecognised document"):
        detect_doc_type(data, "scan.pdf", "")
    assert detect_doc_type(data, "scan.pdf", "建鑫2021年第六期不良资产支持证券受托机构报告（第3期）") == "trustee_report"


def test_name_decides_only_when_the_content_says_nothing():
    unknown = render_table([Column.of("甲", "a"), Column.of("乙", "b")], [{"a": 1, "b": 2}], Layout())
    with pytest.raises(DocumentError, match="^unrecognised document") as err:
        detect_doc_type(unknown, "x.xlsx", "")
    assert err.value.check == "unrecognised"
    assert detect_doc_type(unknown, "中债估值_20250701.xlsx", "") == "bond_valuations"


def test_html_error_page_is_refused_whatever_its_name():
    with pytest.raises(DocumentError, match="^not an xlsx: HTML error page"):
        detect_doc_type(yield_curve.render_error_page(), "中债国债收益率曲线_2016.xlsx", "")


def test_every_family_has_a_parser():
    assert set(DOC_TYPES) - {"trustee_report"} == set(PARSERS)
