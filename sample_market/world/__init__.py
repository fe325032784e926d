"""The calibrated world behind the sample market: one builder per seed segment."""

from __future__ import annotations

import importlib

from sample_market.world.base import World

# Order matters only for readability; each builder uses its own RNG stream.
SEGMENT_MODULES = ("curves", "leasing", "small_micro", "npl", "micro_enterprise", "amc")


def build_world(scale: str = "seed", seed: int = 20251231) -> World:
    """Build every segment that exists into one world (deterministic for scale and seed)."""
    if scale not in ("seed", "market-year"):
        raise ValueError(f"unknown scale {scale!r}: use 'seed' or 'market-year'")
    world = World(scale=scale, seed=seed)
    for name in SEGMENT_MODULES:
        try:
            module = importlib.import_module(f"sample_market.world.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"sample_market.world.{name}":
                continue
            raise
        module.build(world)
    return world
