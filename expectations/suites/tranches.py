"""core.tranches — one row per tranche (security) of a deal."""

from expectations.checks import between, in_set, not_after, references
from expectations.vocabulary import COUPON, FRACTION, NON_NEGATIVE, STRUCTURED_RATINGS, TRANCHE_CLASSES

TABLE = "core.tranches"
CHECKS = (
    in_set(TABLE, "tranche_class", TRANCHE_CLASSES),
    in_set(TABLE, "initial_rating", STRUCTURED_RATINGS),
    between(TABLE, "amount_cny", **NON_NEGATIVE),
    between(TABLE, "coupon_rate", **COUPON),
    between(TABLE, "originator_retained_share", **FRACTION),
    between(TABLE, "period_return_rate", **COUPON),
    not_after(TABLE, "expected_maturity_date", "legal_maturity_date"),
    references(TABLE, "deal_id", "core.deals",
               why="a tranche is issued with its deal: the documents that state tranches (发行说明书, "
                   "发行结果公告, issuance and CNABS exports) state the deal too"),
)
