"""One seed-scale sample market and one published warehouse built from it, shared by the
end-to-end tests of a session (generation and a full run take minutes, not seconds)."""

from __future__ import annotations

from pathlib import Path

import pytest

from settings import Settings

SEED = 20251231  # the same as tests/conftest.py's SEED


@pytest.fixture(scope="session")
def e2e_settings(tmp_path_factory, sample_market_base) -> Settings:
    """A fresh data directory per session (raw store and warehouse start empty), reading the
    session's generated sample markets (tests/conftest.py)."""
    settings = Settings()
    settings.paths.data_dir = tmp_path_factory.mktemp("e2e-data")
    settings.sources.sample_market.seed = SEED
    (settings.paths.data_dir / "sample_market").symlink_to(sample_market_base, target_is_directory=True)
    return settings


@pytest.fixture(scope="session")
def sample_dir(e2e_settings, seed_market) -> Path:
    return seed_market


@pytest.fixture(scope="session")
def seed_run(e2e_settings, sample_dir) -> dict:
    """Run the main job (plain functions, real HTTP to the loopback server) once, parsing on
    two isolated worker processes."""
    from pipeline.run import run_job
    from pipeline.sources import download_concurrency, open_sources

    e2e_settings.pipeline.max_workers = 2
    with open_sources(e2e_settings, "sample_market") as sources:
        return run_job(e2e_settings, sources, download_concurrency=download_concurrency(e2e_settings, "sample_market"))
