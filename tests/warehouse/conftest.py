"""Shared fixtures for warehouse tests: the sample market's truth as a warehouse."""

from __future__ import annotations

import duckdb
import pytest


@pytest.fixture(scope="session")
def truth_db():
    from sample_market.truth import load_world
    from sample_market.world import build_world

    con = duckdb.connect()
    load_world(con, build_world(scale="seed", seed=20251231))
    yield con
    con.close()
