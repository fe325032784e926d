"""Benchmark yields from ChinaBond curves: linear in tenor, nearest earlier curve date.

Spreads of tranches (at issue) and AMC bonds (at valuation) are measured against the curve a
seed report names, at the security's tenor on its date. The same rule lives in SQL as the
macro ``marts.curve_yield`` (warehouse/marts/00_curve_functions.sql); tests hold the two equal.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal


class CurveError(ValueError):
    """The curve cannot answer: no curve on or before the date, or a tenor outside it."""


class Curve:
    """One curve's points: date → sorted (tenor, yield) pairs."""

    def __init__(self, curve_id: str, points: Iterable[Mapping]) -> None:
        self.curve_id = curve_id
        by_date: dict[date, list[tuple[Decimal, Decimal]]] = {}
        for p in points:
            if p["curve_id"] == curve_id:
                by_date.setdefault(p["curve_date"], []).append((Decimal(p["tenor_years"]), Decimal(p["yield_rate"])))
        if not by_date:
            raise CurveError(f"no points for curve {curve_id}")
        self._dates = sorted(by_date)
        self._points = {d: sorted(v) for d, v in by_date.items()}

    def curve_date_for(self, on: date) -> date:
        """The latest curve date on or before ``on`` (a holiday takes the business day before)."""
        i = bisect.bisect_right(self._dates, on)
        if i == 0:
            raise CurveError(f"curve {self.curve_id} has no date on or before {on} (first is {self._dates[0]})")
        return self._dates[i - 1]

    def yield_at(self, on: date, tenor_years: Decimal | float | int) -> Decimal:
        """Yield (fraction) at ``tenor_years``: exact at tenor points, linear between them."""
        tenor = Decimal(str(tenor_years))
        points = self._points[self.curve_date_for(on)]
        tenors = [t for t, _ in points]
        if tenor < tenors[0] or tenor > tenors[-1]:
            raise CurveError(f"tenor {tenor} years is outside curve {self.curve_id} "
                             f"({tenors[0]}–{tenors[-1]} years) on {self.curve_date_for(on)}")
        i = bisect.bisect_left(tenors, tenor)
        if tenors[i] == tenor:
            return points[i][1]
        (t0, y0), (t1, y1) = points[i - 1], points[i]
        return y0 + (y1 - y0) * (tenor - t0) / (t1 - t0)


def spread_bp(coupon: Decimal, benchmark: Decimal) -> Decimal:
    """Spread in basis points (1 bp = 0.0001 as a fraction)."""
    return (Decimal(coupon) - Decimal(benchmark)) * 10000
