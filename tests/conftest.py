"""Fixtures shared across the suite: the seed-scale world and an in-memory warehouse of its truth."""

from __future__ import annotations

import duckdb
import pytest

from sample_market.truth import load_world
from sample_market.world import build_world


@pytest.fixture(scope="session")
def seed_world():
    return build_world(scale="seed", seed=20251231)


@pytest.fixture(scope="session")
def truth_db(seed_world):
    """Core tables holding exactly the world's truth rows (no provenance)."""
    con = duckdb.connect()
    load_world(con, seed_world)
    yield con
    con.close()
