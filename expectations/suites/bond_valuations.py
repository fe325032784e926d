"""core.bond_valuations — one row per security and valuation date (tranches and AMC bonds
alike, and bonds the warehouse does not hold: no relationship is checked)."""

from expectations.checks import between

TABLE = "core.bond_valuations"
CHECKS = (
    between(TABLE, "valuation_yield", min_value=-0.01, max_value=0.3),
    between(TABLE, "clean_price", min_value=0, strict_min=True),
)
