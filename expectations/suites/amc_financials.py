"""core.amc_financials — one row per AMC and period end."""

from expectations.checks import at_most, between, references
from expectations.vocabulary import NON_NEGATIVE

TABLE = "core.amc_financials"
CHECKS = (
    between(TABLE, "total_assets_cny", **NON_NEGATIVE),
    at_most(TABLE, "net_assets_cny", "total_assets_cny", why="equity is assets less liabilities, never more than assets"),
    at_most(TABLE, "short_term_debt_cny", "total_debt_cny", why="short-term debt is part of total debt"),
    references(TABLE, "amc_id", "core.amcs", why="statements are of AMCs in the registry"),
)
