"""core.amc_bond_events — one row per security, date and event (repayments, defaults …)."""

from expectations.checks import between, in_set, references

TABLE = "core.amc_bond_events"
BOND_EVENTS = ("repayment", "put_repayment", "early_redemption", "default", "extension")
CHECKS = (
    in_set(TABLE, "event_type", BOND_EVENTS),
    between(TABLE, "amount_cny", min_value=0),
    references(TABLE, "security_code", "core.amc_bonds", why="an event happens to a bond the exports listed"),
)
