"""The calibrated world behind the sample market: one builder per seed segment."""

from __future__ import annotations

import importlib

from sample_market.world.base import World

# Order matters only for readability; each builder uses its own RNG stream.
SEGMENT_MODULES = ("curves", "leasing", "small_micro", "market_totals", "npl", "micro_enterprise", "amc",
                   "market_year_histories", "exchange_disclosure")


def build_world(scale: str = "seed", seed: int = 20251231) -> World:
    """Build every segment into one world (deterministic for scale and seed)."""
    if scale not in ("seed", "market-year"):
        raise ValueError(f"unknown scale {scale!r}: use 'seed' or 'market-year'")
    world = World(scale=scale, seed=seed)
    for name in SEGMENT_MODULES:
        importlib.import_module(f"sample_market.world.{name}").build(world)
    _derive(world)
    return world


def _derive(world: World) -> None:
    """Tables the warehouse derives from loaded rows, computed here from the world's own rows.

    ``core.subordinated_cash_flows``: one flow per subordinated tranche, payment date and kind —
    principal (本金), period return (期间收益, paid as interest) and excess return (超额收益, paid as
    other income); zero and not-applicable payments are no flows. Written by the generator, not
    borrowed from the pipeline, so a derivation bug in either shows up as a difference.
    """
    subordinated = {t["tranche_id"] for t in world.rows("core.tranches") if t["tranche_class"] == "subordinated"}
    flows = []
    for payment in world.rows("core.tranche_payments"):
        if payment["tranche_id"] not in subordinated:
            continue
        for kind, amount in (("principal", payment.get("principal_paid_cny")),
                             ("period_return", payment.get("interest_paid_cny")),
                             ("excess_return", payment.get("other_income_paid_cny"))):
            if amount:
                flows.append({"tranche_id": payment["tranche_id"], "flow_date": payment["payment_date"],
                              "flow_kind": kind, "amount_cny": amount})
    flows.sort(key=lambda r: (r["tranche_id"], r["flow_date"], r["flow_kind"]))
    world.tables["core.subordinated_cash_flows"] = flows
