"""core.amc_bonds — one row per security issued by a local AMC."""

from expectations.checks import between, not_after, references
from expectations.vocabulary import COUPON

TABLE = "core.amc_bonds"
CHECKS = (
    between(TABLE, "coupon_rate", **COUPON),
    between(TABLE, "term_years", min_value=0, strict_min=True),
    not_after(TABLE, "value_date", "maturity_date"),
    references(TABLE, "amc_id", "core.amcs", why="bond exports name issuers from the AMC registry"),
)
