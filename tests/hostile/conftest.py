"""A published seed warehouse (built once per session) and fresh copies of it for each test
that ingests into it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from settings import Settings

SEED = 20251231


@pytest.fixture(scope="session")
def seed_data(tmp_path_factory) -> Path:
    """A data directory with the seed market's published warehouse and raw store."""
    from pipeline.run import run_job
    from pipeline.sources import open_sources

    settings = Settings()
    settings.paths.data_dir = tmp_path_factory.mktemp("hostile-seed")
    settings.sources.sample_market.seed = SEED
    cache = os.environ.get("ABS_ETL_E2E_SAMPLE_CACHE")
    if cache:
        (settings.paths.data_dir / "sample_market").symlink_to(Path(cache), target_is_directory=True)
    with open_sources(settings, "sample_market") as sources:
        summary = run_job(settings, sources)
    assert summary["outcome"] == "published", summary.get("message")
    return settings.paths.data_dir


@pytest.fixture
def seed_copy(seed_data, tmp_path) -> Path:
    """A private copy of the seed data directory (warehouse and raw store, not the market)."""
    target = tmp_path / "data"
    shutil.copytree(seed_data / "warehouse", target / "warehouse", ignore=shutil.ignore_patterns("builds", "history"))
    shutil.copytree(seed_data / "raw", target / "raw")
    return target
