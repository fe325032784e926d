"""core.deals — one row per securitisation deal."""

from expectations.checks import between, in_set, not_after, references
from expectations.vocabulary import COUPON, FRACTION, MARKETS, REGISTRY_REFERENCE

TABLE = "core.deals"
CHECKS = (
    in_set(TABLE, "market", MARKETS),
    between(TABLE, "deal_amount_cny", min_value=0, strict_min=True),
    between(TABLE, "wa_pool_rate", **COUPON),
    between(TABLE, "expected_gross_recovery_rate", **FRACTION),
    not_after(TABLE, "issue_date", "value_date"),
    not_after(TABLE, "value_date", "legal_maturity_date"),
    references(TABLE, "originator_id", "core.institutions", ("institution_id",), why=f"the originator {REGISTRY_REFERENCE}"),
    references(TABLE, "trustee_id", "core.institutions", ("institution_id",), why=f"the trustee {REGISTRY_REFERENCE}"),
)
