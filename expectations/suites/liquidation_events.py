"""core.liquidation_events — one row per liquidated deal."""

from expectations.checks import between, in_set, references
from expectations.vocabulary import FRACTION

TABLE = "core.liquidation_events"
LIQUIDATION_METHODS = ("clean_up_call", "full_liquidation", "in_kind_distribution")
CHECKS = (
    in_set(TABLE, "liquidation_method", LIQUIDATION_METHODS),
    between(TABLE, "pool_cumulative_default_rate", **FRACTION),
    references(TABLE, "deal_id", "core.deals", why="a deal is liquidated after its issuance documents were loaded"),
)
