"""ChinaBond yield curves of the sample market (core.yield_curves): coverage, plausible and
smooth levels, spreads widening down the rating scale, and ``curve_yield`` agreeing with the
interpolation the figure SQL uses (L-08, S-06, A-14 price off these curves).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from sample_market.world import curves
from sample_market.world.base import World

GOVT, MTN_AAA, MTN_AA, ENT_AA_PLUS = curves.GOVT, curves.MTN_AAA, curves.MTN_AA, curves.ENTERPRISE_AA_PLUS


def build_curves(seed: int) -> World:
    world = World(scale="seed", seed=seed)
    curves.build(world)
    return world


def one(con, sql: str, params=None):
    return con.execute(sql, params or []).fetchone()


COVERAGE_SQL = """
-- Curves: one row per curve, business day and standard tenor, 2023-01-02 … 2025-12-31
SELECT curve_id, curve_name_zh, count(DISTINCT curve_date) AS days, count(DISTINCT tenor_years) AS tenors,
       count(*) AS n, min(curve_date), max(curve_date),
       count(*) FILTER (WHERE dayofweek(curve_date) IN (0, 6)) AS weekend_rows
FROM core.yield_curves
GROUP BY curve_id, curve_name_zh
ORDER BY curve_id
"""


def test_coverage(truth_db):
    days = len(curves.business_days())
    got = truth_db.execute(COVERAGE_SQL).fetchall()
    assert [(r[0], r[1]) for r in got] == sorted(curves.CURVE_NAMES.items())
    for r in got:
        assert r[2:] == (days, 15, days * 15, date(2023, 1, 2), date(2025, 12, 31), 0)
    labels = truth_db.execute("SELECT DISTINCT tenor_years, tenor_label FROM core.yield_curves ORDER BY 1").fetchall()
    assert [lab for _, lab in labels] == ["0d", "1m", "3m", "6m", "9m", "1y", "2y", "3y", "4y", "5y", "7y", "10y", "15y", "20y", "30y"]


LEVELS_SQL = """
-- 2024–2025 levels (%): government 1y and 10y, MTN AAA 1y — ranges over all business days
SELECT curve_name_zh, tenor_label, round(100 * min(yield_rate), 2), round(100 * max(yield_rate), 2)
FROM core.yield_curves
WHERE curve_date >= '2024-01-01' AND tenor_label IN ('1y', '10y')
GROUP BY ALL
"""


def test_levels_are_plausible(truth_db):
    ranges = {(name, tenor): (float(lo), float(hi)) for name, tenor, lo, hi in truth_db.execute(LEVELS_SQL).fetchall()}
    lo, hi = ranges[("中债国债收益率曲线", "1y")]
    assert 1.15 <= lo and hi <= 2.4
    lo, hi = ranges[("中债国债收益率曲线", "10y")]
    assert 1.5 <= lo and hi <= 2.7
    lo, hi = ranges[("中债中短期票据收益率曲线(AAA)", "1y")]
    assert 1.5 <= lo and hi <= 2.7


ORDER_SQL = """
-- Spreads widen down the rating scale at every date and tenor: govt < MTN AAA < enterprise AA+ < MTN AA
WITH p AS (
    PIVOT (SELECT curve_name_zh, curve_date, tenor_years, yield_rate FROM core.yield_curves)
    ON curve_name_zh USING first(yield_rate) GROUP BY curve_date, tenor_years
)
SELECT count(*) FROM p
WHERE NOT ("中债国债收益率曲线" < "中债中短期票据收益率曲线(AAA)"
       AND "中债中短期票据收益率曲线(AAA)" < "中债企业债收益率曲线(AA+)"
       AND "中债企业债收益率曲线(AA+)" < "中债中短期票据收益率曲线(AA)")
"""


def test_spreads_widen_down_the_rating_scale(truth_db):
    assert one(truth_db, ORDER_SQL) == (0,)


SMOOTH_SQL = """
-- Smooth in date: largest day-to-day move (bp) of any curve point; upward sloping: 1y below 10y every day
WITH d AS (
    SELECT abs(yield_rate - lag(yield_rate) OVER (PARTITION BY curve_id, tenor_years ORDER BY curve_date)) AS move
    FROM core.yield_curves
)
SELECT round(10000 * max(move), 1) FROM d
"""


def test_smooth_and_upward_sloping(truth_db):
    assert one(truth_db, SMOOTH_SQL)[0] < 8
    inverted = one(
        truth_db,
        """
        SELECT count(*) FROM core.yield_curves a JOIN core.yield_curves b USING (curve_id, curve_date)
        WHERE a.tenor_label = '1y' AND b.tenor_label = '10y' AND a.yield_rate >= b.yield_rate
        """,
    )
    assert inverted == (0,)


INTERPOLATE_SQL = """
-- Curve yield at any tenor on a curve date: linear between the standard tenors around it
WITH lo AS (
    SELECT yield_rate AS y0, tenor_years AS t0 FROM core.yield_curves
    WHERE curve_id = $1 AND curve_date = $2 AND tenor_years <= $3::DECIMAL(10,4) ORDER BY tenor_years DESC LIMIT 1
),
hi AS (
    SELECT yield_rate AS y1, tenor_years AS t1 FROM core.yield_curves
    WHERE curve_id = $1 AND curve_date = $2 AND tenor_years >= $3::DECIMAL(10,4) ORDER BY tenor_years LIMIT 1
)
SELECT CASE WHEN t1 = t0 THEN y0 ELSE y0 + (y1 - y0) * ($3::DECIMAL(10,4) - t0) / (t1 - t0) END FROM lo, hi
"""


@pytest.mark.parametrize("curve_id", [GOVT, MTN_AAA, MTN_AA, ENT_AA_PLUS])
@pytest.mark.parametrize("on,tenor", [(date(2025, 3, 14), "0.73"), (date(2024, 6, 3), "2.5"), (date(2023, 1, 2), "0"), (date(2025, 12, 31), "12.25")])
def test_curve_yield_matches_sql(seed_world, truth_db, curve_id, on, tenor):
    python = curves.curve_yield(seed_world, curve_id, on, Decimal(tenor))
    sql = one(truth_db, INTERPOLATE_SQL, [curve_id, on, Decimal(tenor)])[0]
    assert abs(float(python) - float(sql)) < 1e-9


def test_curve_yield_uses_the_previous_business_day(seed_world):
    saturday, friday = date(2025, 3, 15), date(2025, 3, 14)
    assert curves.curve_yield(seed_world, MTN_AAA, saturday, "1") == curves.curve_yield(seed_world, MTN_AAA, friday, "1")
    assert curves.curve_yield(seed_world, MTN_AAA, friday, "40") == curves.curve_yield(seed_world, MTN_AAA, friday, "30")


def test_deterministic_and_seeded(seed_world):
    again = build_curves(seed_world.seed)
    assert again.rows("core.yield_curves") == seed_world.rows("core.yield_curves")
    other = build_curves(7)
    assert other.rows("core.yield_curves") != seed_world.rows("core.yield_curves")
    assert len(other.rows("core.yield_curves")) == len(seed_world.rows("core.yield_curves"))
