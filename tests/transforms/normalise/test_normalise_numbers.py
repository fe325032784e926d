"""Amounts to CNY and rates to fractions, exactly, from every spelling sources use."""

from decimal import Decimal

import pytest

from transforms.normalise.numbers import UNIT_FACTORS, parse_amount, parse_rate, unit_from_header


@pytest.mark.parametrize(
    ("header", "unit"),
    [
        ("金额（万元）", "wan"),
        ("金额(万元)", "wan"),
        ("发行总额(亿元)", "yi"),
        ("发行总额（亿元）", "yi"),
        ("发行量(万元)", "wan"),
        ("发行量 (元)", "CNY"),
        ("本期兑付本金（元）", "CNY"),
        ("票面利率(发行时)\r\n[单位] %", "percent"),
        ("发行总额\n[单位]亿元", "yi"),
        ("收益率(%)", "percent"),
        ("收益率（％）", "percent"),
        ("单位：万元", "wan"),
        ("票面利率(发行时)", None),  # a bracket that is not a unit
        ("期限(年)", None),
        ("证券代码", None),
        ("", None),
        (None, None),
    ],
)
def test_unit_from_header(header: str | None, unit: str | None) -> None:
    assert unit_from_header(header) == unit


def test_unit_factors() -> None:
    assert UNIT_FACTORS == {
        "CNY": Decimal(1),
        "wan": Decimal(10_000),
        "yi": Decimal(100_000_000),
        "percent": Decimal("0.01"),
    }


@pytest.mark.parametrize(
    ("text", "unit", "cny"),
    [
        ("1,234,567.89", None, Decimal("1234567.89")),
        ("1234567.89", "CNY", Decimal("1234567.89")),
        ("(1,234.00)", None, Decimal("-1234.00")),
        ("（1,234.00）", None, Decimal("-1234.00")),
        ("\u22125.00", None, Decimal("-5.00")),
        ("-1,000", None, Decimal("-1000")),
        ("１，２３４．５０", None, Decimal("1234.50")),
        (" 80,000.00 ", "万元", Decimal("800000000.00")),
        ("5,000.00", "wan", Decimal("50000000.00")),
        ("5,000.00", "发行量(万元)", Decimal("50000000.00")),
        ("12.5", "发行总额(亿元)", Decimal("1250000000.0")),
        ("12.5", "yi", Decimal("1250000000")),
        ("3.5亿元", None, Decimal("350000000")),
        ("200万元", None, Decimal("2000000")),
        ("200万元", "金额（万元）", Decimal("2000000")),
        ("1.5E+8", None, Decimal("150000000")),
        (800000000, None, Decimal("800000000")),
        (0.5, "yi", Decimal("50000000")),
        (Decimal("1.10"), "wan", Decimal("11000.00")),
    ],
)
def test_parse_amount(text: object, unit: str | None, cny: Decimal) -> None:
    result = parse_amount(text, unit)
    assert isinstance(result, Decimal)
    assert result == cny


def test_parse_amount_keeps_decimal_exactness() -> None:
    assert parse_amount("0.10", "wan") + parse_amount("0.20", "wan") == Decimal("3000")
    assert str(parse_amount("9,146.69", "发行量(万元)")) == "91466900.00"


@pytest.mark.parametrize("empty", ["", " ", "-", "--", "—", "——", "－", "不适用", "N/A", "n/a", "NA", "/", "无", None])
def test_parse_amount_null_markers(empty: str | None) -> None:
    assert parse_amount(empty) is None
    assert parse_amount(empty, "wan") is None


@pytest.mark.parametrize("garbage", ["abc", "1,23", "12,34,567", "1.2.3", "12元5", "5%", "((5))", "(-5)", "2025年", True])
def test_parse_amount_raises_on_garbage_naming_the_text(garbage: object) -> None:
    with pytest.raises(ValueError) as info:
        parse_amount(garbage)
    assert repr(garbage) in str(info.value)


def test_parse_amount_rejects_unit_conflicts_and_unknown_units() -> None:
    with pytest.raises(ValueError, match="万元|wan"):
        parse_amount("3.5亿元", "wan")
    with pytest.raises(ValueError, match="unknown unit"):
        parse_amount("3.5", "期限(年)")
    with pytest.raises(ValueError, match="parse_rate"):
        parse_amount("3.5", "收益率(%)")


@pytest.mark.parametrize(
    ("text", "as_percent", "fraction"),
    [
        ("1.72%", None, Decimal("0.0172")),
        ("1.72%", False, Decimal("0.0172")),  # the sign decides
        ("1.72 %", True, Decimal("0.0172")),
        ("１．７２％", None, Decimal("0.0172")),
        ("0.00%", None, Decimal("0")),
        ("17.35%", None, Decimal("0.1735")),
        ("2.15", True, Decimal("0.0215")),
        ("0.0215", None, Decimal("0.0215")),
        ("0.0215", False, Decimal("0.0215")),
        ("2.15", False, Decimal("2.15")),  # caller insists it is a fraction
        ("-0.5%", None, Decimal("-0.005")),
        ("120bp", None, Decimal("0.012")),
        ("120 BP", None, Decimal("0.012")),
        ("35基点", None, Decimal("0.0035")),
        (0.0215, None, Decimal("0.0215")),
        (2.15, True, Decimal("0.0215")),
        (Decimal("3.6"), True, Decimal("0.036")),
    ],
)
def test_parse_rate(text: object, as_percent: bool | None, fraction: Decimal) -> None:
    assert parse_rate(text, as_percent) == fraction


def test_parse_rate_is_exact_not_float() -> None:
    assert str(parse_rate("2.15%")) == "0.0215"
    assert str(parse_rate("2.15", as_percent=True)) == "0.0215"


@pytest.mark.parametrize("empty", ["", "-", "—", "不适用", "N/A", None])
def test_parse_rate_null_markers(empty: str | None) -> None:
    assert parse_rate(empty) is None


@pytest.mark.parametrize("garbage", ["abc", "2.15%%", "%", "1.2.3%", "浮动", "bp"])
def test_parse_rate_raises_on_garbage(garbage: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_rate(garbage)
    assert repr(garbage) in str(info.value)


def test_parse_rate_refuses_to_guess_a_bare_number_above_one() -> None:
    with pytest.raises(ValueError, match="ambiguous rate '2.15'"):
        parse_rate("2.15")
