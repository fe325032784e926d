"""Fixtures for the tabular-document parser tests; the helpers live in ``tabular_cases``."""

from __future__ import annotations

import pytest

from tests.transforms.parse import tabular_cases as cases


@pytest.fixture
def issuance_rows():
    return cases.issuance_rows()


@pytest.fixture
def amc_rows():
    return cases.amc_rows()


@pytest.fixture
def amc_aliases(amc_rows):
    return cases.amc_aliases(amc_rows)


@pytest.fixture(scope="session")
def seed_world_tables():
    """The seed world's truth rows, for round trips of whatever segments exist already.

    The world is built by other modules; if it does not build, its own tests say why and the
    round trips here are skipped rather than reported as parser failures."""
    from sample_market.world import build_world

    try:
        return build_world(scale="seed", seed=20251231).tables
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"the seed world does not build: {type(exc).__name__}: {exc}")
