"""Row-level data-quality rules, declared once per table.

Each ``Rule`` is both a Great Expectations expectation (for the suite, Data Docs and the
``dq.results`` history) and a polars mask (to quarantine exactly the failing rows: GX's
COMPLETE result format is far too slow for that). Keys come from ``warehouse.tables``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

from warehouse.tables import RULES as LOAD_RULES

MARKETS = ["credit_abs", "abn", "exchange_abs"]
TRANCHE_CLASSES = ["senior", "mezzanine", "subordinated"]
STRUCTURED_GRADES = ["AAA", "AA+", "AA", "AA-", "A+", "A", "A-", "BBB+", "BBB", "BBB-", "BB+", "BB", "BB-",
                     "B+", "B", "B-", "CCC", "CC", "C"]
STRUCTURED_RATINGS = [g + "sf" for g in STRUCTURED_GRADES]
LIQUIDATION_METHODS = ["clean_up_call", "full_liquidation", "in_kind_distribution"]
BOND_EVENTS = ["repayment", "put_repayment", "early_redemption", "default", "extension"]
RATING_ACTIONS = ["initial", "affirm", "upgrade", "downgrade", "withdraw"]


@dataclass(frozen=True)
class Rule:
    """One expectation on one table. ``kind`` names the check; ``column`` or ``columns`` what it checks."""

    table: str
    kind: str  # not_null | between | in_set | pair_not_after
    column: str | None = None
    columns: tuple[str, ...] = ()
    args: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        target = self.column or ",".join(self.columns)
        extra = ",".join(f"{k}={v}" for k, v in sorted(self.args.items()) if k != "value_set")
        return f"{self.kind}({target}{';' + extra if extra else ''})"

    def failing(self, frame: pl.DataFrame) -> pl.Expr:
        """A boolean expression true on rows that break the rule (nulls pass value checks)."""
        if self.kind == "not_null":
            return pl.col(self.column).is_null()
        if self.kind == "between":
            c = pl.col(self.column).cast(pl.Float64)
            lo, hi = self.args.get("min_value"), self.args.get("max_value")
            bad = pl.lit(False)
            if lo is not None:
                bad = bad | ((c <= lo) if self.args.get("strict_min") else (c < lo))
            if hi is not None:
                bad = bad | (c > hi)
            return bad.fill_null(False)
        if self.kind == "in_set":
            return (~pl.col(self.column).is_in(self.args["value_set"])).fill_null(False)
        if self.kind == "pair_not_after":
            a, b = self.columns
            return (pl.col(a) > pl.col(b)).fill_null(False)
        raise ValueError(f"unknown rule kind {self.kind}")

    def expectation(self):
        """The same rule as a GX expectation (imported lazily: GX takes seconds to import)."""
        import great_expectations as gx

        if self.kind == "not_null":
            return gx.expectations.ExpectColumnValuesToNotBeNull(column=self.column)
        if self.kind == "between":
            return gx.expectations.ExpectColumnValuesToBeBetween(column=self.column, **self.args)
        if self.kind == "in_set":
            return gx.expectations.ExpectColumnValuesToBeInSet(column=self.column, value_set=self.args["value_set"])
        if self.kind == "pair_not_after":
            a, b = self.columns
            return gx.expectations.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A=b, column_B=a, or_equal=True, ignore_row_if="either_value_is_missing")
        raise ValueError(f"unknown rule kind {self.kind}")


def _key_rules() -> list[Rule]:
    return [Rule(t, "not_null", column=c) for t, r in LOAD_RULES.items() for c in r.key]


FRACTION = {"min_value": 0, "max_value": 1}
COUPON = {"min_value": 0, "max_value": 0.2}
NON_NEGATIVE = {"min_value": 0}

DECLARED: list[Rule] = [
    Rule("core.deals", "in_set", "market", args={"value_set": MARKETS}),
    Rule("core.deals", "between", "deal_amount_cny", args={"min_value": 0, "strict_min": True}),
    Rule("core.deals", "between", "wa_pool_rate", args=COUPON),
    Rule("core.deals", "between", "expected_gross_recovery_rate", args=FRACTION),
    Rule("core.deals", "pair_not_after", columns=("value_date", "legal_maturity_date")),
    Rule("core.tranches", "in_set", "tranche_class", args={"value_set": TRANCHE_CLASSES}),
    Rule("core.tranches", "in_set", "initial_rating", args={"value_set": STRUCTURED_RATINGS}),
    Rule("core.tranches", "between", "amount_cny", args=NON_NEGATIVE),
    Rule("core.tranches", "between", "coupon_rate", args=COUPON),
    Rule("core.tranches", "between", "originator_retained_share", args=FRACTION),
    Rule("core.tranches", "between", "period_return_rate", args=COUPON),
    Rule("core.pool_performance", "between", "pool_balance_begin_cny", args=NON_NEGATIVE),
    Rule("core.pool_performance", "between", "pool_balance_end_cny", args=NON_NEGATIVE),
    Rule("core.pool_performance", "between", "cumulative_default_rate", args=FRACTION),
    Rule("core.pool_performance", "between", "recovery_cny", args=NON_NEGATIVE),
    Rule("core.pool_performance", "pair_not_after", columns=("collection_period_end", "payment_date")),
    Rule("core.tranche_payments", "between", "principal_paid_cny", args=NON_NEGATIVE),
    Rule("core.tranche_payments", "between", "principal_after_cny", args=NON_NEGATIVE),
    Rule("core.rating_actions", "in_set", "action_type", args={"value_set": RATING_ACTIONS}),
    Rule("core.rating_actions", "in_set", "rating_after", args={"value_set": STRUCTURED_RATINGS}),
    Rule("core.liquidation_events", "in_set", "liquidation_method", args={"value_set": LIQUIDATION_METHODS}),
    Rule("core.yield_curves", "between", "yield_rate", args={"min_value": -0.01, "max_value": 0.2}),
    Rule("core.yield_curves", "between", "tenor_years", args={"min_value": 0, "max_value": 50}),
    Rule("core.market_totals", "in_set", "market", args={"value_set": MARKETS}),
    Rule("core.market_totals", "between", "issuance_amount_cny", args=NON_NEGATIVE),
    Rule("core.amc_bonds", "between", "coupon_rate", args=COUPON),
    Rule("core.amc_bonds", "pair_not_after", columns=("value_date", "maturity_date")),
    Rule("core.amc_bond_events", "in_set", "event_type", args={"value_set": BOND_EVENTS}),
    Rule("core.amc_financials", "between", "total_assets_cny", args=NON_NEGATIVE),
    Rule("core.tranche_balances", "between", "outstanding_cny", args=NON_NEGATIVE),
]


def rules_for(table: str) -> list[Rule]:
    return [r for r in (*_key_rules(), *DECLARED) if r.table == table]


def all_rules() -> list[Rule]:
    return [*_key_rules(), *DECLARED]
