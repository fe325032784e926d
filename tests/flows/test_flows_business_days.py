"""China's business-day calendar as the scheduled flows see it (chinesecalendar's data)."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from flows.business_days import check_day, is_business_day, is_exchange_trading_day, shanghai_date


@pytest.mark.parametrize("day, business, exchange", [
    (date(2025, 10, 1), False, False),    # National Day (Wednesday)
    (date(2025, 10, 8), False, False),    # last day of the 2025 National Day / Mid-Autumn break
    (date(2025, 9, 28), True, False),     # Sunday made a working day (调休) before National Day
    (date(2025, 10, 11), True, False),    # Saturday made a working day after it
    (date(2025, 10, 9), True, True),      # an ordinary Thursday
    (date(2025, 10, 12), False, False),   # an ordinary Sunday
    (date(2025, 1, 29), False, False),    # Spring Festival
    (date(2025, 1, 26), True, False),     # Sunday made a working day before Spring Festival
])
def test_business_and_exchange_days(day, business, exchange):
    assert is_business_day(day) is business
    assert is_exchange_trading_day(day) is exchange


def test_reasons_name_the_holiday_or_the_make_up_day():
    assert check_day(date(2025, 10, 1), "business").reason == \
        "2025-10-01 (Wednesday) is a public holiday in China (National Day), not a business day"
    assert check_day(date(2025, 9, 28), "business").reason == \
        "2025-09-28 (Sunday) is a make-up working day (调休) for National Day: a business day"
    assert "the exchanges do not open on weekends" in check_day(date(2025, 9, 28), "exchange").reason
    assert check_day(date(2025, 10, 1), "every_day").should_run


def test_a_year_the_package_does_not_know_falls_back_to_weekdays_and_says_so():
    check = check_day(date(2099, 1, 5), "business")            # a Monday
    assert check.should_run and check.fallback
    assert "upgrade the chinesecalendar package" in check.reason
    assert not check_day(date(2099, 1, 4), "business").should_run   # a Sunday


def test_the_day_is_the_beijing_day_of_the_scheduled_time():
    # 17:00 UTC on 30 September is 01:00 on 1 October in Beijing
    assert shanghai_date(datetime(2025, 9, 30, 17, 0, tzinfo=timezone.utc)) == date(2025, 10, 1)
    with pytest.raises(ValueError):
        shanghai_date(datetime(2025, 9, 30, 17, 0))
    with pytest.raises(ValueError, match="unknown calendar"):
        check_day(date(2025, 10, 1), "lunar")
