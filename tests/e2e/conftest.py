"""The seed-scale sample market of the end-to-end tests; the published warehouse built from it
(``e2e_settings``, ``seed_run``) is in tests/conftest.py, shared with the cluster test, which
compares the lake against it."""

from __future__ import annotations

from pathlib import Path

import pytest

SEED = 20251231  # the same as tests/conftest.py's SEED


@pytest.fixture(scope="session")
def sample_dir(seed_market) -> Path:
    return seed_market
