"""core.credit_enhancements — one row per deal, enhancer and kind of enhancement."""

from expectations.checks import references
from expectations.vocabulary import REGISTRY_REFERENCE

TABLE = "core.credit_enhancements"
CHECKS = (
    references(TABLE, "deal_id", "core.deals", why="an enhancement comes from the same export row as its deal"),
    references(TABLE, "enhancer_id", "core.institutions", ("institution_id",), why=f"the enhancer {REGISTRY_REFERENCE}"),
)
