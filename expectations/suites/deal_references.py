"""core.deal_references — one row per deal named in a reference list (name only: the deal
may never reach core.deals, so there is no relationship to check)."""

TABLE = "core.deal_references"
CHECKS = ()
