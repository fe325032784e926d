"""Calendar dates from every spelling sources use, as `datetime.date`.

Reports write `2025年7月31日` (with or without spaces), listings `2025-07-31`, curve files
`2016/01/04`, APIs `20250731` or epoch milliseconds (chinamoney), and Excel hands over serial
numbers. Present-but-unreadable text raises ValueError so the row can be quarantined.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from transforms.normalise.numbers import NULL_MARKERS
from transforms.normalise.text import fold_width

MARKET_TIMEZONE = ZoneInfo("Asia/Shanghai")
"""Beijing time, the project's one time zone: the market publishes in it and its documents date
in it (an epoch time is the Beijing calendar day it names), the schedules and China's
business-day calendar run in it. Every other module takes the zone from here."""

# Excel's 1900 date system makes 1900-01-01 day 1 and wrongly includes 1900-02-29 (serial
# 60); from serial 61 on, day 0 is effectively 1899-12-30.
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_EXCEL_MAX_SERIAL = 2_958_465  # 9999-12-31

_TIME_SUFFIX = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
_CHINESE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?" + _TIME_SUFFIX)
_SEPARATED = re.compile(r"(\d{4})\s*([-/.])\s*(\d{1,2})\s*\2\s*(\d{1,2})" + _TIME_SUFFIX)
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_EPOCH_MS = re.compile(r"-?\d{13}")
_SERIAL = re.compile(r"\d{5}(?:\.\d+)?")
# Auto-detected serials must have five digits (1927-05-18 … 2173-10-14): a bare `2025` is a
# year, not 1905-07-17. Call from_excel_serial directly for anything older.
_SERIAL_RANGE = range(10_000, 100_000)


def parse_date(value: object) -> dt.date | None:
    """A date from text, Excel serials, epoch milliseconds or date/datetime objects.

    Null markers (`-`, `—`, `不适用`, empty) give None; anything else that is not a real
    calendar date raises ValueError naming the input.
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.astimezone(MARKET_TIMEZONE).date() if value.tzinfo else value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise ValueError(f"not a date: {value!r}")
    if isinstance(value, int):
        return _from_integer(value, value)
    if isinstance(value, float):
        if value.is_integer() and len(str(abs(int(value)))) in (8, 13):
            return _from_integer(int(value), value)
        return _from_serial(value, value)
    if not isinstance(value, str):
        raise ValueError(f"not a date: {value!r}")
    return _from_text(value)


def _from_text(value: str) -> dt.date | None:
    """Try each textual spelling in turn; the first full match decides."""
    text = fold_width(value).strip()
    if "".join(text.split()).upper() in NULL_MARKERS:
        return None
    for pattern in (_CHINESE, _SEPARATED):
        match = pattern.fullmatch(text)
        if match:
            year, month, day = match.group(1), match.groups()[-2], match.groups()[-1]
            return _make(int(year), int(month), int(day), value)
    if _COMPACT.fullmatch(text) or _EPOCH_MS.fullmatch(text):
        return _from_integer(int(text), value)
    if _SERIAL.fullmatch(text):
        return _from_serial(float(text), value)
    raise ValueError(f"not a date: {value!r}")


def _from_integer(number: int, original: object) -> dt.date:
    """Integers are yyyymmdd (8 digits), epoch milliseconds (13 digits) or Excel serials (5)."""
    digits = len(str(abs(number)))
    if digits == 8:
        return _make(number // 10_000, number // 100 % 100, number % 100, original)
    if digits == 13:
        return from_epoch_millis(number)
    if digits == 5:
        return from_excel_serial(number)
    raise ValueError(f"not a date: {original!r} (expected yyyymmdd, epoch ms or a five-digit Excel serial)")


def _from_serial(serial: float, original: object) -> dt.date:
    """Auto-detected Excel serial: only the five-digit range counts as a date."""
    if serial != serial or serial in (float("inf"), float("-inf")) or int(serial) not in _SERIAL_RANGE:
        raise ValueError(f"not a date: {original!r} (Excel serials are read only from 10000 to 99999)")
    return from_excel_serial(serial)


def from_excel_serial(serial: int | float) -> dt.date:
    """Excel 1900-system serial (time-of-day fraction dropped) to a date."""
    whole = int(serial)
    if whole < 1 or whole > _EXCEL_MAX_SERIAL:
        raise ValueError(f"not an Excel date serial: {serial!r}")
    if whole == 60:
        raise ValueError("Excel serial 60 is 1900-02-29, a day that never existed")
    if whole < 60:
        return dt.date(1899, 12, 31) + dt.timedelta(days=whole)
    return _EXCEL_EPOCH + dt.timedelta(days=whole)


def from_epoch_millis(millis: int) -> dt.date:
    """Epoch milliseconds (as chinamoney sends them) to the Beijing calendar day."""
    return dt.datetime.fromtimestamp(millis / 1000, tz=MARKET_TIMEZONE).date()


def _make(year: int, month: int, day: int, original: object) -> dt.date:
    """Build a date, turning impossible days (2025-02-30) into a ValueError naming the input."""
    try:
        return dt.date(year, month, day)
    except ValueError as exc:
        raise ValueError(f"not a date: {original!r} ({exc})") from exc
