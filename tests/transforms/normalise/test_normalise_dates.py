"""Dates from Chinese text, ISO-ish strings, yyyymmdd, Excel serials and epoch milliseconds."""

import datetime as dt
from decimal import Decimal

import polars as pl
import pytest

from tests.fixtures import REAL_WORLD
from transforms.normalise.dates import from_epoch_millis, from_excel_serial, parse_date
from transforms.normalise.numbers import parse_rate, unit_from_header

JULY_31 = dt.date(2025, 7, 31)


@pytest.mark.parametrize(
    "value",
    [
        "2025年7月31日",
        "2025 年 7 月 31 日",
        "2025年07月31日",
        "２０２５年７月３１日",
        "2025-07-31",
        "2025/7/31",
        "2025/07/31",
        "2025.07.31",
        "2025-07-31 17:57:50",
        "2025-07-31T09:30:00",
        "20250731",
        20250731,
        "45869",  # Excel serial as text
        45869,
        45869.75,  # serial with a time of day
        1753891200000,  # epoch ms: 2025-07-30T16:00Z is 31 July in Beijing
        "1753891200000",
        dt.date(2025, 7, 31),
        dt.datetime(2025, 7, 31, 23, 59),
        dt.datetime(2025, 7, 30, 16, 0, tzinfo=dt.timezone.utc),  # aware → Beijing day
    ],
)
def test_parse_date_spellings(value: object) -> None:
    assert parse_date(value) == JULY_31


def test_curve_file_style_leading_zeros() -> None:
    assert parse_date("2016/01/04") == dt.date(2016, 1, 4)


@pytest.mark.parametrize("empty", ["", "  ", "-", "--", "—", "不适用", "N/A", None])
def test_parse_date_null_markers(empty: object) -> None:
    assert parse_date(empty) is None


@pytest.mark.parametrize(
    "garbage",
    ["abc", "2025-02-30", "2025年13月1日", "2025", "31/07/2025", "2025-07", "7月31日", 2025, 123456789, True, 3.5],
)
def test_parse_date_raises_on_garbage(garbage: object) -> None:
    with pytest.raises(ValueError) as info:
        parse_date(garbage)
    assert repr(garbage) in str(info.value)


@pytest.mark.parametrize(
    ("serial", "day"),
    [(1, dt.date(1900, 1, 1)), (59, dt.date(1900, 2, 28)), (61, dt.date(1900, 3, 1)), (42373, dt.date(2016, 1, 4))],
)
def test_excel_1900_system_including_the_fake_leap_day(serial: int, day: dt.date) -> None:
    assert from_excel_serial(serial) == day


def test_excel_serial_60_does_not_exist() -> None:
    with pytest.raises(ValueError, match="1900-02-29"):
        from_excel_serial(60)


def test_epoch_millis_use_beijing_time() -> None:
    assert from_epoch_millis(1753891199000) == dt.date(2025, 7, 30)  # 23:59:59 Beijing
    assert from_epoch_millis(1753891200000) == dt.date(2025, 7, 31)  # 00:00:00 Beijing


def test_real_chinabond_curve_file_dates_and_yields() -> None:
    """Every 日期 and 收益率(%) of the real 2016 govvies curve download parses."""
    curve = pl.read_excel(REAL_WORLD / "chinabond_govt_curve_2016.xlsx", engine="calamine", infer_schema_length=0)
    assert curve.height == 4116
    dates = [parse_date(value) for value in curve["日期"]]
    assert len(set(dates)) == 251
    assert (min(dates), max(dates)) == (dt.date(2016, 1, 4), dt.date(2016, 12, 31))
    rate_header = curve.columns[3]
    assert unit_from_header(rate_header) == "percent"
    yields = [parse_rate(value, as_percent=True) for value in curve[rate_header]]
    assert yields[0] == Decimal("0.01927")  # '1.927' on 2016/01/04, tenor 0d
    assert (min(yields), max(yields)) == (Decimal("0.016325"), Decimal("0.040702"))
