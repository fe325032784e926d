"""ChinaBond valuation exports (CSV and XLSX): yields as fractions, clean prices to 4 places,
columns the warehouse does not keep are ignored."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from sample_market.documents.bond_valuations import DEFAULT_LAYOUT, render_bond_valuations
from tests.transforms.parse.tabular_cases import assert_same_rows, edit_xlsx, load_into_schema
from transforms.parse.base import DocumentError
from transforms.parse.bond_valuations import parse_bond_valuations


@pytest.fixture
def valuations():
    rows = []
    for day in (date(2025, 6, 30), date(2025, 7, 1)):
        for code, yld, price in (("102080123.IB", "0.02345678", "101.2345"), ("188123.SH", "0.1125", "76.5"),
                                 ("2189123.IB", "0.0199", None), ("135999.SZ", None, "12.0001")):
            rows.append(dict(security_code=code, valuation_date=day, valuation_yield=None if yld is None else D(yld),
                             clean_price=None if price is None else D(price)))
    return rows


LAYOUTS = {
    "xlsx": DEFAULT_LAYOUT,
    "xlsx_full_serial_shuffled": DEFAULT_LAYOUT.with_(header_style="full", date_style="serial", shuffle_seed=4),
    "csv_gb18030": DEFAULT_LAYOUT.with_(file_format="csv", encoding="gb18030", null_marker="—"),
    "csv_utf8_compact": DEFAULT_LAYOUT.with_(file_format="csv", encoding="utf-8", date_style="compact",
                                             header_style="wind"),
}


@pytest.mark.parametrize("layout", LAYOUTS.values(), ids=LAYOUTS.keys())
def test_round_trip(valuations, layout):
    doc = parse_bond_valuations(render_bond_valuations(valuations, layout, short_names={"188123.SH": "21浙资Y1"}))
    assert_same_rows(doc.tables["core.bond_valuations"], valuations)
    load_into_schema(doc)


@pytest.mark.parametrize(("header", "value", "field"), [("估价收益率", "二点三", "valuation_yield"),
                                                       ("估值日期", "2025-06-31", "valuation_date"),
                                                       ("估价净价", "1O1.2", "clean_price")])
def test_bad_values(valuations, header, value, field):
    with pytest.raises(DocumentError) as err:
        parse_bond_valuations(edit_xlsx(render_bond_valuations(valuations), {(5, header): value}))
    assert (err.value.page, err.value.field) == (5, field)


def test_same_rows_same_bytes(valuations):
    layout = DEFAULT_LAYOUT.with_(file_format="csv")
    assert render_bond_valuations(valuations, layout) == render_bond_valuations(list(reversed(valuations)), layout)
    assert render_bond_valuations(valuations) == render_bond_valuations(valuations)
