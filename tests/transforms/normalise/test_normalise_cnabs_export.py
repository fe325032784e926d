"""Every value of the real CNABS export goes through the normalisers (no loader here).

329 tranches of 103 ABS / ABN deals: tranche class from 类型, amount from the 发行量(万元)
text, coupon fraction from 发行利率(%), market from the code suffix and the deal name, expected
maturity, and each agency's original and current rating.
"""

import collections
import datetime as dt
from decimal import Decimal

import polars as pl
import pytest

from tests.fixtures import REAL_WORLD
from transforms.normalise.dates import parse_date
from transforms.normalise.markets import market_from_code, refine_market
from transforms.normalise.numbers import parse_amount, parse_rate, unit_from_header
from transforms.normalise.ratings import Rating, agency, parse_rating, resolve_agency
from transforms.normalise.titles import parse_deal_name
from transforms.normalise.tranches import parse_tranche_label


@pytest.fixture(scope="module")
def cnabs() -> pl.DataFrame:
    return pl.read_excel(REAL_WORLD / "cnabs_securities_export.xlsx", engine="calamine", infer_schema_length=0)


def test_export_shape(cnabs: pl.DataFrame) -> None:
    assert cnabs.height == 329
    assert cnabs["产品全称"].n_unique() == 103


def test_every_tranche_type_has_a_class(cnabs: pl.DataFrame) -> None:
    classes = collections.Counter(parse_tranche_label(value).tranche_class for value in cnabs["类型"])
    assert classes == {"senior": 140, "mezzanine": 93, "subordinated": 96}


def test_every_amount_in_wan_matches_the_amount_in_yuan(cnabs: pl.DataFrame) -> None:
    """The 万元 text is rounded to 0.01 万元 (100 元): equal except one tranche, off by 28 元."""
    header = "发行量(万元)"
    assert unit_from_header(header) == "wan"
    mismatched = {}
    for code, yuan_text, wan_text in cnabs.select("证券代码", "发行量", header).iter_rows():
        from_wan, from_yuan = parse_amount(wan_text, header), parse_amount(yuan_text)
        assert abs(from_wan - from_yuan) <= 50, code
        if from_wan != from_yuan:
            mismatched[code] = (wan_text, from_wan, from_yuan)
    assert mismatched == {"082580062.IB": ("9,146.69", Decimal("91466900.00"), Decimal("91466928"))}
    assert sum(parse_amount(v, header) for v in cnabs[header]) == Decimal("119140227400.00")
    assert sum(parse_amount(v) for v in cnabs["发行量"]) == Decimal("119140227428")


def test_every_coupon_is_a_fraction_equal_to_the_fraction_column(cnabs: pl.DataFrame) -> None:
    header = "发行利率(%)"
    as_percent = unit_from_header(header) == "percent"
    assert as_percent
    coupons = []
    for code, percent_text, fraction_text in cnabs.select("证券代码", header, "发行利率").iter_rows():
        coupon = parse_rate(percent_text, as_percent=as_percent)
        assert coupon == parse_rate(fraction_text, as_percent=False), code
        coupons.append(coupon)
    assert (min(coupons), max(coupons)) == (Decimal("0"), Decimal("0.1735"))
    assert sum(c == 0 for c in coupons) == 92
    by_code = dict(zip(cnabs["证券代码"], coupons))
    assert by_code["082400476.IB"] == Decimal("0.0215")  # '2.15%'
    assert by_code["135572.SZ"] == Decimal("0.0278")  # '2.78%'


def test_every_code_gives_a_market_consistent_with_the_deal_name(cnabs: pl.DataFrame) -> None:
    venues = collections.Counter(market_from_code(code) for code in cnabs["证券代码"])
    assert venues == {"exchange_abs": 187, "interbank": 142}
    markets = collections.Counter(
        refine_market(market_from_code(code), parse_deal_name(name).market_hint)
        for code, name in cnabs.select("证券代码", "产品全称").iter_rows()
    )
    # The two interbank tranches left undecided belong to a `…定向资产支持证券` deal, whose
    # name says neither 票据 (ABN) nor a credit asset.
    assert markets == {"exchange_abs": 187, "abn": 140, "interbank": 2}


def test_every_expected_maturity_is_a_date(cnabs: pl.DataFrame) -> None:
    dates = [parse_date(value) for value in cnabs["预计到期日"]]
    assert all(isinstance(d, dt.date) for d in dates)
    assert (min(dates), max(dates)) == (dt.date(2024, 9, 30), dt.date(2075, 7, 22))


EXPECTED_GRADES = {
    "lianhe": {"AAA": 50, "AA+": 34, "A": 7, "AA": 2, "BBB+": 2, "A-": 2, "A+": 2, "AA-": 2},
    "ccxi": {"AAA": 52, "AA+": 25, "A-": 4, "BBB": 4, "AA-": 3},
    "dagong": {"AAA": 3, "AA+": 2},
    "golden_credit": {"AAA": 8, "AA+": 1},
    "pengyuan": {"AAA": 5, "AA+": 2},
    "brilliance": {"AAA": 7, "AA+": 2},
    "united_credit": {"AAA": 1, "AA-": 1},
}
EXPECTED_NR = {"lianhe": 44, "ccxi": 36, "dagong": 2, "golden_credit": 5, "pengyuan": 4, "brilliance": 3, "united_credit": 1}


def _agency_columns(cnabs: pl.DataFrame) -> list[str]:
    return [c for c in cnabs.columns if c.endswith(("（原始）", "（当前）"))]


def test_every_rating_column_resolves_to_an_agency_except_the_placeholder(cnabs: pl.DataFrame) -> None:
    resolved = {}
    for column in _agency_columns(cnabs):
        try:
            resolved[column] = resolve_agency(column)
        except ValueError:
            resolved[column] = None
    assert sorted({v for v in resolved.values() if v}) == sorted(EXPECTED_GRADES)
    assert [c for c, v in resolved.items() if v is None] == ["评级机构1（原始）", "评级机构1（当前）"]
    assert agency(resolved["鹏元资信（原始）"]).short_name == "中证鹏元"
    assert agency(resolved["新世纪评级（当前）"]).short_name == "上海新世纪"


@pytest.mark.parametrize("moment", ["原始", "当前"])
def test_every_rating_value_parses(cnabs: pl.DataFrame, moment: str) -> None:
    for column in _agency_columns(cnabs):
        if not column.endswith(f"（{moment}）"):
            continue
        values = cnabs[column].to_list()
        ratings = [parse_rating(v) for v in values]
        if column.startswith("评级机构1"):  # unnamed agency: only 'N/A' or empty
            assert set(values) <= {None, "N/A"} and all(r is None for r in ratings)
            continue
        agency_id = resolve_agency(column)
        grades = collections.Counter(r.grade for r in ratings if r is not None)
        assert grades == EXPECTED_GRADES[agency_id], column
        assert sum(v == "NR" for v in values) == EXPECTED_NR[agency_id], column
        assert not any(r.is_structured for r in ratings if r is not None)  # CNABS drops the sf


def test_rated_tranches_by_class(cnabs: pl.DataFrame) -> None:
    """Subordinated tranches are never rated; 221 of the 233 senior and mezzanine tranches are."""
    originals = [c for c in _agency_columns(cnabs) if c.endswith("（原始）") and not c.startswith("评级机构1")]
    counts = collections.Counter()
    for row in cnabs.iter_rows(named=True):
        rated = any(parse_rating(row[c]) is not None for c in originals)
        counts[(parse_tranche_label(row["类型"]).tranche_class, rated)] += 1
    assert counts == {
        ("senior", True): 129,
        ("senior", False): 11,
        ("mezzanine", True): 92,
        ("mezzanine", False): 1,
        ("subordinated", False): 96,
    }
    first = cnabs.row(0, named=True)
    assert parse_rating(first["联合资信（原始）"]) == Rating("AAA", False)
