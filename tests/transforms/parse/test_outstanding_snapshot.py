"""Vendor balance snapshots: the date as a column or above the header, 亿元/万元/元, CSV too."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from sample_market.documents.outstanding_snapshot import DEFAULT_LAYOUT, render_outstanding_snapshot
from sample_market.documents.workbook import Column, render_table
from tests.transforms.parse.tabular_cases import assert_cents, assert_same_rows, edit_xlsx, load_into_schema
from transforms.parse.base import DocumentError
from transforms.parse.outstanding_snapshot import parse_outstanding_snapshot


@pytest.fixture
def balances():
    rows = []
    for day in (date(2025, 6, 30), date(2025, 7, 31)):
        for code, amount in (("2189123.IB", "123456789.01"), ("135572.SZ", "99999999999.99"), ("082480001.IB", "0.01"),
                             ("135574.SZ", "100000000.00")):
            rows.append(dict(tranche_id=code, as_of_date=day, outstanding_cny=D(amount)))
    return rows


LAYOUTS = {
    "default": DEFAULT_LAYOUT,
    "wind_wan_serial": DEFAULT_LAYOUT.with_(header_style="wind", amount_unit="wan", date_style="serial"),
    "full_cny_compact_shuffled": DEFAULT_LAYOUT.with_(header_style="full", amount_unit="CNY", date_style="compact",
                                                      shuffle_seed=2),
    "csv_gb18030_slash": DEFAULT_LAYOUT.with_(file_format="csv", encoding="gb18030", date_style="slash"),
}


@pytest.mark.parametrize("layout", LAYOUTS.values(), ids=LAYOUTS.keys())
def test_round_trip(balances, layout):
    doc = parse_outstanding_snapshot(render_outstanding_snapshot(balances, layout, short_names={"2189123.IB": "21建鑫6A"}))
    assert_same_rows(doc.tables["core.tranche_balances"], balances)
    assert_cents(doc)
    load_into_schema(doc)


def test_date_above_the_header(balances):
    june = [b for b in balances if b["as_of_date"].month == 6]
    doc = parse_outstanding_snapshot(render_outstanding_snapshot(june, date_in_title=True))
    assert_same_rows(doc.tables["core.tranche_balances"], june)
    assert doc.meta["as_of_dates"] == [date(2025, 6, 30)]


def test_no_date_anywhere_needs_the_callers_date(balances):
    june = [b for b in balances if b["as_of_date"].month == 6]
    bare = render_table([Column.of("证券代码", "tranche_id"), Column.of("债券余额", "outstanding_cny", "amount")], june,
                        DEFAULT_LAYOUT)
    with pytest.raises(DocumentError, match="截止日期") as err:
        parse_outstanding_snapshot(bare)
    assert (err.value.page, err.value.field) == (2, "as_of_date")
    doc = parse_outstanding_snapshot(bare, as_of=date(2025, 6, 30))
    assert_same_rows(doc.tables["core.tranche_balances"], june)


def test_bad_amount_and_duplicate_code(balances):
    data = render_outstanding_snapshot(balances)
    with pytest.raises(DocumentError) as err:
        parse_outstanding_snapshot(edit_xlsx(data, {(3, "债券余额"): "一亿"}))
    assert (err.value.page, err.value.field) == (3, "outstanding_cny")
    with pytest.raises(DocumentError, match="listed twice") as err:
        parse_outstanding_snapshot(edit_xlsx(data, {(3, "证券代码"): "135574.SZ"}))
    assert err.value.check == "duplicate"


def test_same_rows_same_bytes(balances):
    assert render_outstanding_snapshot(balances) == render_outstanding_snapshot(list(reversed(balances)))
