"""Allowed values the suites check against, taken from where the normalisers define them, so a
new market, tranche class or grade is declared once."""

from __future__ import annotations

from typing import get_args

from transforms.normalise.markets import MarketCode
from transforms.normalise.ratings import LONG_TERM_SCALE
from transforms.normalise.tranches import TrancheClass

MARKETS: tuple[str, ...] = get_args(MarketCode)
TRANCHE_CLASSES: tuple[str, ...] = get_args(TrancheClass)
STRUCTURED_RATINGS: tuple[str, ...] = tuple(f"{grade}sf" for grade in LONG_TERM_SCALE)
"""Tranche ratings as stored: a long-term grade with the structured-finance suffix (AAAsf … Dsf)."""

FRACTION = {"min_value": 0, "max_value": 1}
COUPON = {"min_value": 0, "max_value": 0.2}
"""Annual rates of interest, fractions: 0 to 20 % (Chinese ABS and AMC bonds pay 1–12 %)."""
NON_NEGATIVE = {"min_value": 0}

REGISTRY_REFERENCE = (
    "names an institution of core.institutions: the parsers register every party they name, so an "
    "unknown id is a parser or alias-resolution error"
)
