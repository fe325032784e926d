"""core.rating_actions — one row per tranche, agency and action date."""

from expectations.checks import in_set, references
from expectations.vocabulary import REGISTRY_REFERENCE, STRUCTURED_RATINGS

TABLE = "core.rating_actions"
RATING_ACTIONS = ("initial", "affirm", "upgrade", "downgrade", "withdraw")
CHECKS = (
    in_set(TABLE, "action_type", RATING_ACTIONS),
    in_set(TABLE, "rating_after", STRUCTURED_RATINGS),
    references(TABLE, "tranche_id", "core.tranches", mostly=0.95,
               why="agencies' rating lists cover the whole market, including tranches whose issuance documents "
                   "have not reached the warehouse yet (they join once the deal arrives); more than 5 % unknown "
                   "means tranche ids are being read wrongly"),
    references(TABLE, "agency_id", "core.institutions", ("institution_id",), why=f"the agency {REGISTRY_REFERENCE}"),
)
