"""core.yield_curves — one row per curve, date and standard tenor."""

from expectations.checks import between

TABLE = "core.yield_curves"
CHECKS = (
    between(TABLE, "yield_rate", min_value=-0.01, max_value=0.2),
    between(TABLE, "tenor_years", min_value=0, max_value=50),
)
