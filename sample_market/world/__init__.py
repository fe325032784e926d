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
    """Tables the pipeline derives from loaded rows are derived the same way in the truth."""
    from transforms.derive.subordinated_cash_flows import derive_rows

    world.tables["core.subordinated_cash_flows"] = derive_rows(
        world.rows("core.tranches"), world.rows("core.tranche_payments"))
