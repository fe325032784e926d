"""core.pool_performance — one row per deal and report period of a trustee report."""

from expectations.checks import at_most, between, not_after, references
from expectations.vocabulary import FRACTION, NON_NEGATIVE

TABLE = "core.pool_performance"
CHECKS = (
    between(TABLE, "pool_balance_begin_cny", **NON_NEGATIVE),
    between(TABLE, "pool_balance_end_cny", **NON_NEGATIVE),
    between(TABLE, "cumulative_default_rate", **FRACTION),
    between(TABLE, "recovery_cny", **NON_NEGATIVE),
    not_after(TABLE, "collection_period_start", "collection_period_end"),
    not_after(TABLE, "collection_period_end", "payment_date"),
    at_most(TABLE, "pool_balance_end_cny", "pool_balance_begin_cny", plus="revolving_purchase_cny",
            why="a pool only shrinks, except by the revolving purchases of the period: a closing balance above "
                "opening + purchases means a misread table (e.g. 期初/期末 swapped) in a report family"),
    references(TABLE, "deal_id", "core.deals",
               why="a trustee report reports on a deal whose issuance documents the warehouse holds"),
)
