"""Benchmark interpolation: exact at tenor points, linear between, nearest earlier date, clear
errors outside the curve — in Python and in the SQL macro the marts use."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import duckdb
import pytest

from transforms.derive.benchmark import Curve, CurveError, spread_bp
from warehouse.marts import apply_marts
from warehouse.migrate import apply_migrations

POINTS = [
    {"curve_id": "c", "curve_date": date(2025, 7, 1), "tenor_years": D("1"), "yield_rate": D("0.0150")},
    {"curve_id": "c", "curve_date": date(2025, 7, 1), "tenor_years": D("3"), "yield_rate": D("0.0190")},
    {"curve_id": "c", "curve_date": date(2025, 7, 1), "tenor_years": D("5"), "yield_rate": D("0.0200")},
    {"curve_id": "c", "curve_date": date(2025, 7, 3), "tenor_years": D("1"), "yield_rate": D("0.0160")},
    {"curve_id": "c", "curve_date": date(2025, 7, 3), "tenor_years": D("5"), "yield_rate": D("0.0210")},
]


def test_exact_at_tenor_points_and_linear_between():
    curve = Curve("c", POINTS)
    assert curve.yield_at(date(2025, 7, 1), 3) == D("0.0190")
    assert curve.yield_at(date(2025, 7, 1), 2) == D("0.0170")
    assert curve.yield_at(date(2025, 7, 1), D("4.5")) == D("0.01975")


def test_missing_date_takes_the_nearest_earlier_curve_date():
    curve = Curve("c", POINTS)
    assert curve.curve_date_for(date(2025, 7, 2)) == date(2025, 7, 1)
    assert curve.yield_at(date(2025, 7, 2), 3) == D("0.0190")
    assert curve.yield_at(date(2025, 7, 10), 3) == D("0.0185")


def test_outside_the_curve_is_a_clear_error():
    curve = Curve("c", POINTS)
    with pytest.raises(CurveError, match="outside curve c"):
        curve.yield_at(date(2025, 7, 1), 7)
    with pytest.raises(CurveError, match="no date on or before 2025-06-30"):
        curve.yield_at(date(2025, 6, 30), 1)


def test_spread_in_bp():
    assert spread_bp(D("0.0235"), D("0.0171")) == D("64.0000")


def test_sql_macro_agrees_with_python():
    con = duckdb.connect()
    apply_migrations(con)
    for p in POINTS:
        con.execute("INSERT INTO core.yield_curves (curve_id, curve_name_zh, curve_date, tenor_years, yield_rate) "
                    "VALUES (?, 'c', ?, ?, ?)", [p["curve_id"], p["curve_date"], p["tenor_years"], p["yield_rate"]])
    apply_marts(con)
    curve = Curve("c", POINTS)
    for day, tenor in [(date(2025, 7, 1), 3), (date(2025, 7, 1), 2), (date(2025, 7, 2), 4.5), (date(2025, 7, 10), 3)]:
        sql = con.execute("SELECT marts.curve_yield('c', ?::DATE, ?)", [day, tenor]).fetchone()[0]
        assert sql == pytest.approx(float(curve.yield_at(day, tenor)), abs=1e-12)
    assert con.execute("SELECT marts.curve_yield('c', DATE '2025-07-01', 7)").fetchone()[0] is None
