"""China's business-day calendar for scheduled flows, from the maintained ``chinesecalendar``
package (the State Council's holidays and make-up working days 调休), never a hand-written list.

Three calendars a deployment can gate on:

- ``business``: official working days — Monday to Friday except public holidays, plus the
  weekend days the State Council turns into working days (调休上班). Trustees and issuers
  publish on these days.
- ``exchange``: business days that fall Monday to Friday. The stock exchanges (and so
  exchange-traded ABS) stay closed on weekend make-up days, so "after the close" market data
  only exists on these days.
- ``every_day``: no gating.

The package knows each year once the State Council has announced it (usually in November or
December for the next year). For a year it does not know yet, the calendar falls back to
"Monday to Friday" and says so (``DayCheck.fallback``): a scheduled run on a holiday it could
not see only finds nothing new; upgrading ``chinesecalendar`` restores the exact calendar.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

import chinese_calendar

from transforms.normalise.dates import MARKET_TIMEZONE

Calendar = Literal["business", "exchange", "every_day"]
CALENDARS: tuple[str, ...] = ("business", "exchange", "every_day")
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class DayCheck:
    """Whether a flow should run on ``day`` under ``calendar``, and why (one log line)."""

    day: date
    calendar: str
    should_run: bool
    reason: str
    fallback: bool = False


def shanghai_date(moment: datetime) -> date:
    """The calendar day in Beijing time of a timezone-aware moment (a 01:00 UTC run is 09:00 there)."""
    if moment.tzinfo is None or moment.tzinfo.utcoffset(moment) is None:
        raise ValueError(f"need a timezone-aware datetime, got naive {moment!r}")
    return moment.astimezone(MARKET_TIMEZONE).date()


def check_day(day: date, calendar: str = "business") -> DayCheck:
    """Decide whether ``day`` is a day to run on under ``calendar`` (see the module doc)."""
    if calendar not in CALENDARS:
        raise ValueError(f"unknown calendar {calendar!r}: one of {', '.join(CALENDARS)}")
    weekday = _WEEKDAYS[day.weekday()]
    if calendar == "every_day":
        return DayCheck(day, calendar, True, f"{day} ({weekday}): this deployment runs every day")
    try:
        is_workday = chinese_calendar.is_workday(day)
        _, holiday_name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        is_workday = day.weekday() < 5
        verdict = "a weekday" if is_workday else "a weekend day"
        return DayCheck(
            day, calendar, is_workday,
            f"{day} ({weekday}) is {verdict}; the installed chinesecalendar "
            f"{getattr(chinese_calendar, '__version__', '?')} has no holiday data for {day.year} — "
            "assuming Monday to Friday; upgrade the chinesecalendar package",
            fallback=True,
        )
    if not is_workday:
        why = f"a public holiday in China ({holiday_name})" if holiday_name else "a weekend day"
        return DayCheck(day, calendar, False, f"{day} ({weekday}) is {why}, not a business day")
    if day.weekday() >= 5:
        made_up = f"a make-up working day (调休) for {holiday_name}" if holiday_name else "a make-up working day (调休)"
        if calendar == "exchange":
            return DayCheck(day, calendar, False,
                            f"{day} ({weekday}) is {made_up}, but the exchanges do not open on weekends")
        return DayCheck(day, calendar, True, f"{day} ({weekday}) is {made_up}: a business day")
    return DayCheck(day, calendar, True, f"{day} ({weekday}) is a business day")


def is_business_day(day: date) -> bool:
    """Official working day in China (holidays excluded, weekend make-up days included)."""
    return check_day(day, "business").should_run


def is_exchange_trading_day(day: date) -> bool:
    """Business day that is also Monday to Friday (exchanges close on weekend make-up days)."""
    return check_day(day, "exchange").should_run
