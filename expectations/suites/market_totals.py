"""core.market_totals — one row per month and market."""

from expectations.checks import between, in_set
from expectations.vocabulary import MARKETS, NON_NEGATIVE

TABLE = "core.market_totals"
CHECKS = (
    in_set(TABLE, "market", MARKETS),
    between(TABLE, "issuance_amount_cny", **NON_NEGATIVE),
    between(TABLE, "outstanding_amount_cny", **NON_NEGATIVE),
)
