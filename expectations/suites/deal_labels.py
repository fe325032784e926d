"""core.deal_labels — one row per deal and special-purpose label."""

from expectations.checks import references

TABLE = "core.deal_labels"
CHECKS = (
    references(TABLE, "deal_id", "core.deals", why="a label comes from the same export row as its deal"),
)
