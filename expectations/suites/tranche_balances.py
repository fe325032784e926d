"""core.tranche_balances — one row per tranche and as-of date of a vendor snapshot."""

from expectations.checks import between, references
from expectations.vocabulary import NON_NEGATIVE

TABLE = "core.tranche_balances"
CHECKS = (
    between(TABLE, "outstanding_cny", **NON_NEGATIVE),
    references(TABLE, "tranche_id", "core.tranches", mostly=0.95,
               why="vendor snapshots list every outstanding tranche of the market, including some whose issuance "
                   "documents have not reached the warehouse yet; more than 5 % unknown means misread ids"),
)
