"""AMC financial statements: a sheet per period or one long sheet, units on a `单位：` line or
in the headers, company names through the alias map."""

from __future__ import annotations

from datetime import date

import pytest

from sample_market.documents.amc_financials import DEFAULT_LAYOUT, render_amc_financials
from sample_market.documents.workbook import Layout
from tests.transforms.parse.tabular_cases import assert_cents, assert_same_rows, edit_xlsx, load_into_schema
from transforms.parse.amc_financials import parse_amc_financials, parse_period
from transforms.parse.base import DocumentError


def names(rows, short=True):
    return {a["amc_id"]: a["short_name_zh" if short else "full_name_zh"] for a in rows["core.amcs"]}


@pytest.mark.parametrize("shape", ["per_period", "long"])
@pytest.mark.parametrize("period_style", ["code", "chinese", "date"])
@pytest.mark.parametrize("layout", [DEFAULT_LAYOUT, DEFAULT_LAYOUT.with_(amount_unit="wan"),
                                    DEFAULT_LAYOUT.with_(unit_line=False, header_style="full", null_marker="—"),
                                    DEFAULT_LAYOUT.with_(amount_unit="CNY", shuffle_seed=6, null_marker="-")],
                         ids=["yi_line", "wan_line", "units_in_headers", "cny_shuffled"])
def test_round_trip(amc_rows, amc_aliases, shape, period_style, layout):
    data = render_amc_financials(amc_rows["core.amc_financials"], names(amc_rows), layout, shape=shape,
                                 period_style=period_style)
    doc = parse_amc_financials(data, aliases=amc_aliases)
    assert_same_rows(doc.tables["core.amc_financials"], amc_rows["core.amc_financials"])
    assert_cents(doc)
    load_into_schema(doc)


@pytest.mark.parametrize(("text", "expected"), [
    ("2024H1", (date(2024, 6, 30), "H1")), ("2024年中报", (date(2024, 6, 30), "H1")),
    ("2024 年报", (date(2024, 12, 31), "FY")), ("2023FY", (date(2023, 12, 31), "FY")),
    ("2024-06-30", (date(2024, 6, 30), "H1")), ("20231231", (date(2023, 12, 31), "FY"))])
def test_periods(text, expected):
    assert parse_period(text) == expected


def test_quarter_end_is_not_a_statement_period():
    with pytest.raises(ValueError, match="neither a June nor a December"):
        parse_period("2024-09-30")


def test_no_unit_anywhere_is_refused(amc_rows, amc_aliases):
    data = render_amc_financials(amc_rows["core.amc_financials"], names(amc_rows), Layout(unit_line=False),
                                 shape="long")
    data = edit_xlsx(data, {(1, "资产总额"): "资产总额"})
    with pytest.raises(DocumentError, match="no unit") as err:
        parse_amc_financials(data, aliases=amc_aliases)
    assert err.value.check == "missing_unit"


@pytest.mark.parametrize(("header", "value", "field"), [("净利润", "亏损", "net_profit_cny"),
                                                       ("报告期", "2024Q3", "period"),
                                                       ("公司名称", "火星资产", "company")])
def test_bad_values(amc_rows, amc_aliases, header, value, field):
    data = render_amc_financials(amc_rows["core.amc_financials"], names(amc_rows), shape="long")
    with pytest.raises(DocumentError) as err:
        parse_amc_financials(edit_xlsx(data, {(3, header): value}), aliases=amc_aliases)
    assert (err.value.page, err.value.field) == (3, field)


def test_provenance_is_the_sheet_row_and_company(amc_rows, amc_aliases):
    data = render_amc_financials(amc_rows["core.amc_financials"], names(amc_rows, short=False))
    doc = parse_amc_financials(data, aliases=amc_aliases)
    assert {(r["source_page"], r["source_row_label"]) for r in doc.tables["core.amc_financials"]} >= {
        (3, "浙江省浙商资产管理股份有限公司")}


def test_same_rows_same_bytes(amc_rows):
    rows = amc_rows["core.amc_financials"]
    assert render_amc_financials(rows, names(amc_rows)) == render_amc_financials(rows[::-1], names(amc_rows))


def test_seed_world_financials_round_trip(seed_world_tables):
    rows = seed_world_tables.get("core.amc_financials", [])
    if not rows:
        pytest.skip("the world has no AMC financials yet")
    amcs = seed_world_tables["core.amcs"]
    doc = parse_amc_financials(render_amc_financials(rows, {a["amc_id"]: a["full_name_zh"] for a in amcs}),
                               aliases={a["full_name_zh"]: a["full_name_zh"] for a in amcs})
    assert_same_rows(doc.tables["core.amc_financials"], rows)
