"""The REAL deal-name list: 149 names, each with what the name states (via parse_deal_name)."""

from __future__ import annotations

from collections import Counter

import pytest

from sample_market.documents.workbook import Column, Layout, render_table
from tests.transforms.parse.tabular_cases import REAL
from transforms.normalise.ids import deal_id_for
from transforms.normalise.titles import parse_deal_name
from transforms.parse.base import DocumentError
from transforms.parse.deal_names import TABLE, parse_deal_names

FILE = REAL / "deal_names.xlsx"


@pytest.fixture(scope="module")
def rows():
    return parse_deal_names(FILE.read_bytes(), FILE.name).tables[TABLE]


def test_all_149_names(rows):
    assert len(rows) == 149 == len({r["deal_id"] for r in rows})
    assert [r["source_page"] for r in rows] == list(range(2, 151))
    assert all(r["deal_id"] == deal_id_for(r["deal_name_zh"]) for r in rows)


def test_each_row_is_what_the_name_says(rows):
    for row in rows:
        parsed = parse_deal_name(row["deal_name_zh"])
        assert (row["series_name"], row["vintage_year"], row["issue_number"], row["asset_class"],
                row["market_hint"], row["is_npl"]) == (parsed.series, parsed.vintage_year, parsed.issue_number,
                                                       parsed.asset_class, parsed.market_hint, parsed.is_npl)


@pytest.mark.parametrize(("name", "expected"), [
    ("工元至诚2019年第三期不良资产支持证券", ("工元至诚", 2019, 3, "npl", "credit_abs")),
    ("建鑫2022年第一期不良资产支持证券", ("建鑫", 2022, 1, "npl", "credit_abs")),
    ("华融华元1期资产支持专项计划", ("华融华元", None, 1, None, "exchange_abs")),
])
def test_spot_checks(rows, name, expected):
    row = next(r for r in rows if r["deal_name_zh"] == name)
    assert (row["series_name"], row["vintage_year"], row["issue_number"], row["asset_class"],
            row["market_hint"]) == expected


def test_markets_and_asset_classes_are_spread(rows):
    assert Counter(r["market_hint"] for r in rows)["abn"] > 40
    assert Counter(r["asset_class"] for r in rows)["npl"] >= 20


def test_duplicates_are_reported_once():
    data = render_table([Column.of("项目名称", "n")], [{"n": "建鑫2022年第一期不良资产支持证券"}] * 2, Layout())
    doc = parse_deal_names(data)
    assert len(doc.tables[TABLE]) == 1 and doc.meta["duplicates"] == [("建鑫2022年第一期不良资产支持证券", 2, 3)]


def test_no_name_column_is_refused():
    with pytest.raises(DocumentError, match="no deal name table"):
        parse_deal_names(render_table([Column.of("代码", "n")], [{"n": "x"}], Layout()))
