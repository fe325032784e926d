"""core.subordinated_cash_flows — one row per subordinated tranche, date and kind of flow
(derived from core.tranche_payments in the build; checked by the weekly reconciliation)."""

from expectations.checks import in_set, references

TABLE = "core.subordinated_cash_flows"
CHECKS = (
    in_set(TABLE, "flow_kind", ("principal", "period_return", "excess_return")),
    references(TABLE, "tranche_id", "core.tranches", why="derived from the payments of known tranches"),
)
