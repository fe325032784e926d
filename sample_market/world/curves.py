"""ChinaBond yield curves of the sample market (core.yield_curves), 2023-01-02 … 2025-12-31.

Grain: one row per curve, business day (Monday–Friday) and standard tenor (0d, 1m, 3m, 6m, 9m,
1y, 2y, 3y, 4y, 5y, 7y, 10y, 15y, 20y, 30y). Four curves: 中债国债收益率曲线 and three credit
curves priced as government plus a tenor-dependent spread.

Figures served (no figure ID is printed from the curves alone; other segments price off them):
- L-08: AAAsf leasing tranches are priced at ``curve_yield(MTN AAA, value date, tenor)`` plus a
  spread; ``leasing.py`` tunes tenors so the mean spread prints 64 bp.
- S-06 (small-micro) and A-14 (AMC) call ``curve_yield`` for the same reason.

How: the government curve is a Nelson–Siegel curve whose 1y and 10y points follow a table of
anchors close to the 2023–2025 market (linear in time between anchors) plus slowly drifting
seeded noise (an Ornstein–Uhlenbeck walk on level, slope and curvature, a few bp). Credit
curves add a spread ``a + b·(1 − e^(−τ/2))`` whose parameters also drift between anchors and
carry their own small seeded walk. So the curves are smooth in tenor and in date, upward
sloping, and spreads widen down the rating scale (MTN AAA < enterprise AA+ < MTN AA).

Yields are fractions with 6 decimals (percent with 4), as ChinaBond publishes them.
``world.extras["curves"]`` keeps, per curve id, the sorted dates and one tuple of yields per
date, which is what ``curve_yield`` reads.
"""

from __future__ import annotations

import bisect
import math
from datetime import date, timedelta
from decimal import Decimal

from sample_market.world.base import World, rng_for

FIRST_DATE = date(2023, 1, 1)
LAST_DATE = date(2025, 12, 31)

GOVT = "2c9081e50a2f9606010a3068cae70001"
MTN_AAA = "2c9081880fa9d507010fb8505b393fe7"
MTN_AA = "2c9081e50a2f9606010a30acdae40176"
ENTERPRISE_AA_PLUS = "2c908188138b62cd01139a2ee6b51e25"

CURVE_NAMES: dict[str, str] = {
    GOVT: "中债国债收益率曲线",
    MTN_AAA: "中债中短期票据收益率曲线(AAA)",
    MTN_AA: "中债中短期票据收益率曲线(AA)",
    ENTERPRISE_AA_PLUS: "中债企业债收益率曲线(AA+)",
}
CURVE_ID_BY_NAME: dict[str, str] = {name: cid for cid, name in CURVE_NAMES.items()}

# Standard tenors as ChinaBond labels them; tenor_years is DECIMAL(10,4) in the warehouse.
TENORS: tuple[tuple[Decimal, str], ...] = (
    (Decimal("0"), "0d"),
    (Decimal("0.0833"), "1m"),
    (Decimal("0.25"), "3m"),
    (Decimal("0.5"), "6m"),
    (Decimal("0.75"), "9m"),
    (Decimal("1"), "1y"),
    (Decimal("2"), "2y"),
    (Decimal("3"), "3y"),
    (Decimal("4"), "4y"),
    (Decimal("5"), "5y"),
    (Decimal("7"), "7y"),
    (Decimal("10"), "10y"),
    (Decimal("15"), "15y"),
    (Decimal("20"), "20y"),
    (Decimal("30"), "30y"),
)
TENOR_YEARS: tuple[Decimal, ...] = tuple(t for t, _ in TENORS)

# Government 1y and 10y yields (percent) at anchor dates, close to the 2023–2025 market.
GOVT_ANCHORS: tuple[tuple[date, float, float], ...] = (
    (date(2023, 1, 1), 2.10, 2.84),
    (date(2023, 6, 30), 1.85, 2.64),
    (date(2023, 12, 31), 2.08, 2.56),
    (date(2024, 3, 31), 1.72, 2.29),
    (date(2024, 6, 30), 1.58, 2.21),
    (date(2024, 9, 30), 1.42, 2.15),
    (date(2024, 12, 31), 1.30, 1.70),
    (date(2025, 3, 31), 1.40, 1.74),
    (date(2025, 6, 30), 1.34, 1.66),
    (date(2025, 9, 30), 1.38, 1.80),
    (date(2025, 12, 31), 1.40, 1.84),
)

# Credit spread over government, percent: a + b·(1 − e^(−τ/2)), by anchor date.
SPREAD_ANCHORS: dict[str, tuple[tuple[date, float, float], ...]] = {
    MTN_AAA: ((date(2023, 1, 1), 0.42, 0.22), (date(2024, 1, 1), 0.34, 0.18), (date(2025, 1, 1), 0.26, 0.15), (date(2025, 12, 31), 0.25, 0.15)),
    ENTERPRISE_AA_PLUS: ((date(2023, 1, 1), 0.75, 0.35), (date(2024, 1, 1), 0.62, 0.30), (date(2025, 1, 1), 0.50, 0.26), (date(2025, 12, 31), 0.48, 0.25)),
    MTN_AA: ((date(2023, 1, 1), 1.45, 0.55), (date(2024, 1, 1), 1.20, 0.48), (date(2025, 1, 1), 0.98, 0.42), (date(2025, 12, 31), 0.95, 0.40)),
}  # fmt: skip

NS_LAMBDA = 2.0  # Nelson–Siegel decay, years
CENTRE_WINDOW = (date(2025, 1, 1), date(2025, 7, 31))  # the leasing report's period (L-08)


def business_days(first: date = FIRST_DATE, last: date = LAST_DATE) -> list[date]:
    """Weekdays from ``first`` to ``last`` (ChinaBond publishes curves on trading days)."""
    days, d = [], first
    while d <= last:
        if d.weekday() < 5:
            days.append(d)
        d += timedelta(days=1)
    return days


def _interp_anchor(anchors, on: date) -> tuple[float, ...]:
    """Values of a (date, v1, v2 …) anchor table at ``on``, linear in time, flat outside."""
    if on <= anchors[0][0]:
        return tuple(anchors[0][1:])
    for (d0, *v0), (d1, *v1) in zip(anchors, anchors[1:]):
        if on <= d1:
            w = (on - d0).days / (d1 - d0).days
            return tuple(a + (b - a) * w for a, b in zip(v0, v1))
    return tuple(anchors[-1][1:])


def _ns_loadings(tau: float) -> tuple[float, float]:
    """Nelson–Siegel slope and curvature loadings at tenor ``tau`` (years)."""
    if tau == 0:
        return 1.0, 0.0
    x = tau / NS_LAMBDA
    f1 = (1 - math.exp(-x)) / x
    return f1, f1 - math.exp(-x)


def _ou_walk(rng, days: list[date], sd_daily: float, reversion: float) -> list[float]:
    """A slowly drifting, mean-reverting walk (percent), one value per business day, shifted so
    it averages zero over CENTRE_WINDOW: there the curves sit on their anchors on average for
    every seed, which keeps the L-08 calibration (mean MTN AAA yield 1.71%) well inside reach."""
    out, x = [], rng.gauss(0, sd_daily / math.sqrt(2 * reversion))
    for _ in days:
        x += -reversion * x + rng.gauss(0, sd_daily)
        out.append(x)
    window = [v for d, v in zip(days, out) if CENTRE_WINDOW[0] <= d <= CENTRE_WINDOW[1]]
    centre = sum(window) / len(window)
    return [v - centre for v in out]


def _govt_curve(y1: float, y10: float, curvature: float) -> list[float]:
    """Nelson–Siegel level and slope solved so the curve passes through the 1y and 10y anchors."""
    s1, c1 = _ns_loadings(1.0)
    s10, c10 = _ns_loadings(10.0)
    beta1 = ((y1 - curvature * c1) - (y10 - curvature * c10)) / (s1 - s10)
    beta0 = y10 - beta1 * s10 - curvature * c10
    out = []
    for tenor in TENOR_YEARS:
        s, c = _ns_loadings(float(tenor))
        out.append(beta0 + beta1 * s + curvature * c)
    return out


def generate_curves(seed: int) -> dict[str, tuple[list[date], list[tuple[Decimal, ...]]]]:
    """Per curve id: the business days and the yields (fractions, 6 decimals) per standard tenor."""
    rng = rng_for(seed, "curves")
    days = business_days()
    level = _ou_walk(rng, days, 0.006, 0.02)
    slope = _ou_walk(rng, days, 0.005, 0.02)
    curvature = _ou_walk(rng, days, 0.004, 0.03)
    spread_walk = {cid: _ou_walk(rng, days, 0.004, 0.02) for cid in SPREAD_ANCHORS}
    out: dict[str, tuple[list[date], list[tuple[Decimal, ...]]]] = {cid: (days, []) for cid in CURVE_NAMES}
    for i, day in enumerate(days):
        y1, y10 = _interp_anchor(GOVT_ANCHORS, day)
        govt = _govt_curve(y1 + level[i] + slope[i], y10 + level[i], curvature[i])
        out[GOVT][1].append(tuple(_to_fraction(y) for y in govt))
        for cid, anchors in SPREAD_ANCHORS.items():
            a, b = _interp_anchor(anchors, day)
            a += spread_walk[cid][i]
            row = [g + a + b * (1 - math.exp(-float(t) / 2)) for g, t in zip(govt, TENOR_YEARS)]
            out[cid][1].append(tuple(_to_fraction(y) for y in row))
    return out


def _to_fraction(percent: float) -> Decimal:
    """Percent (float) → fraction with 6 decimals."""
    return Decimal(f"{percent / 100:.6f}")


def build(world: World) -> None:
    """Add every curve row to core.yield_curves and keep the curves in ``world.extras``."""
    curves = generate_curves(world.seed)
    world.extras["curves"] = curves
    rows = world.tables.setdefault("core.yield_curves", [])
    for cid in sorted(curves):
        days, yields = curves[cid]
        name = CURVE_NAMES[cid]
        for day, ys in zip(days, yields):
            for (tenor, label), y in zip(TENORS, ys):
                rows.append(
                    {
                        "curve_id": cid,
                        "curve_name_zh": name,
                        "curve_date": day,
                        "tenor_years": tenor,
                        "tenor_label": label,
                        "yield_rate": y,
                    }
                )


def curve_yield(world: World, curve_id: str, on_date: date, tenor_years: Decimal | float | str) -> Decimal:
    """Yield (fraction) of a curve at any tenor on ``on_date``: the curve of the nearest business
    day on or before the date, linear in tenor between standard tenors, flat beyond 0d and 30y.

    This is the same interpolation the figure SQL uses, so spreads computed here and in the
    warehouse agree.
    """
    curves = world.extras.get("curves")
    if curves is None:
        raise KeyError("curves are not built yet: build sample_market.world.curves first")
    days, yields = curves[curve_id]
    i = bisect.bisect_right(days, on_date) - 1
    if i < 0:
        raise ValueError(f"{on_date} is before the first curve date {days[0]}")
    ys = yields[i]
    t = Decimal(str(tenor_years))
    if t <= TENOR_YEARS[0]:
        return ys[0]
    if t >= TENOR_YEARS[-1]:
        return ys[-1]
    j = bisect.bisect_right(TENOR_YEARS, t)
    t0, t1 = TENOR_YEARS[j - 1], TENOR_YEARS[j]
    if t == t0:
        return ys[j - 1]
    return ys[j - 1] + (ys[j] - ys[j - 1]) * (t - t0) / (t1 - t0)
