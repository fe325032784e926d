"""core.amc_issuer_ratings — one row per AMC, agency and rating date."""

from expectations.checks import references

TABLE = "core.amc_issuer_ratings"
CHECKS = (
    references(TABLE, "amc_id", "core.amcs", why="ratings are of AMCs in the registry"),
)
