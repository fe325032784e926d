"""core.amc_licence_events — one row per AMC, date and licence event."""

from expectations.checks import references

TABLE = "core.amc_licence_events"
CHECKS = (
    references(TABLE, "amc_id", "core.amcs", why="licence events come from the AMC registry that lists the AMC"),
)
