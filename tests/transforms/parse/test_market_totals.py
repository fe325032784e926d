"""Whole-market monthly statistics: month spellings, market names, units, order."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from sample_market.documents.market_totals import DEFAULT_LAYOUT, render_market_totals
from tests.transforms.parse.tabular_cases import assert_cents, assert_same_rows, edit_xlsx, load_into_schema
from transforms.parse.base import DocumentError
from transforms.parse.market_totals import parse_market_totals


@pytest.fixture
def totals():
    rows = []
    for month in (date(2024, 12, 1), date(2025, 1, 1), date(2025, 7, 1)):
        for i, market in enumerate(("credit_abs", "abn", "exchange_abs")):
            rows.append(dict(period_month=month, market=market, issuance_count=10 * month.month + i,
                             issuance_amount_cny=D("123456789012.34") + i, outstanding_count=None if i == 1 else 800 + i,
                             outstanding_amount_cny=D("2345678901234.56") * (i + 1)))
    return rows


@pytest.mark.parametrize("month_style", ["iso", "chinese", "compact", "slash", "serial", "serial_number"])
@pytest.mark.parametrize("long_names", [False, True])
def test_round_trip_month_and_market_spellings(totals, month_style, long_names):
    data = render_market_totals(totals, DEFAULT_LAYOUT.with_(date_style=month_style), long_market_names=long_names)
    doc = parse_market_totals(data)
    assert_same_rows(doc.tables["core.market_totals"], totals)
    assert_cents(doc)
    load_into_schema(doc)


@pytest.mark.parametrize("layout", [DEFAULT_LAYOUT.with_(amount_unit="wan", header_style="full", null_marker="—"),
                                    DEFAULT_LAYOUT.with_(header_style="wind", shuffle_seed=9, null_marker="-")])
def test_round_trip_units_and_headers(totals, layout):
    assert_same_rows(parse_market_totals(render_market_totals(totals, layout)).tables["core.market_totals"], totals)


def test_interbank_alone_is_not_a_market(totals):
    data = render_market_totals(totals)
    with pytest.raises(DocumentError, match="interbank") as err:
        parse_market_totals(edit_xlsx(data, {(3, "市场"): "银行间"}))
    assert (err.value.page, err.value.field) == (3, "market")


@pytest.mark.parametrize(("header", "value", "field"), [("月份", "2025-13", "period_month"),
                                                       ("发行单数", "3.5", "issuance_count"),
                                                       ("存续金额", "N/A?", "outstanding_amount_cny")])
def test_bad_values(totals, header, value, field):
    with pytest.raises(DocumentError) as err:
        parse_market_totals(edit_xlsx(render_market_totals(totals), {(4, header): value}))
    assert (err.value.page, err.value.field) == (4, field)


def test_same_rows_same_bytes(totals):
    assert render_market_totals(totals) == render_market_totals(list(reversed(totals)))
