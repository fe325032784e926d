"""core.tranche_payments — one row per tranche and report period."""

from expectations.checks import at_most, between, references

TABLE = "core.tranche_payments"
CHECKS = (
    between(TABLE, "principal_paid_cny", min_value=0),
    between(TABLE, "principal_after_cny", min_value=0),
    at_most(TABLE, "principal_after_cny", "principal_before_cny",
            why="a tranche's outstanding principal only declines: after payment it is at most what it was before"),
    at_most(TABLE, "principal_paid_cny", "principal_before_cny",
            why="a payment never repays more principal than the tranche had outstanding"),
    references(TABLE, ("tranche_id", "deal_id"), "core.tranches",
               why="a payment is made on a known tranche, of the deal the report is about"),
)
