"""Fixtures shared across the suite: the seed-scale world and an in-memory warehouse of its truth,
and the same for a world built from another seed (other deals, the same calibrated figures)."""

from __future__ import annotations

import os
from contextlib import ExitStack
from pathlib import Path

import duckdb
import pytest

from sample_market.truth import load_world
from sample_market.world import build_world
from settings import Settings

SEED = 20251231
OTHER_SEED = 7


def _truth_db(world):
    """Core tables holding exactly the world's truth rows (no provenance)."""
    con = duckdb.connect()
    load_world(con, world)
    yield con
    con.close()


@pytest.fixture(scope="session")
def seed_world():
    return build_world(scale="seed", seed=SEED)


@pytest.fixture(scope="session")
def truth_db(seed_world):
    yield from _truth_db(seed_world)


@pytest.fixture(scope="session")
def other_seed_world():
    return build_world(scale="seed", seed=OTHER_SEED)


@pytest.fixture(scope="session")
def other_truth_db(other_seed_world):
    yield from _truth_db(other_seed_world)


@pytest.fixture(scope="session")
def chromium() -> str:
    """The Chromium binary; installed once per machine by scripts/system-deps.sh if missing."""
    from tests.browser import find_or_install_chromium

    return find_or_install_chromium()


@pytest.fixture(scope="session")
def sample_market_base(tmp_path_factory) -> Path:
    """Where this session's generated sample markets live: ABS_ETL_E2E_SAMPLE_CACHE when set
    (generation is keyed by generator version, so a cache stays valid across sessions), else a
    temporary directory. Point a run's ``data/sample_market`` here to reuse them."""
    cache = os.environ.get("ABS_ETL_E2E_SAMPLE_CACHE")
    return Path(cache) if cache else tmp_path_factory.mktemp("sample-markets")


@pytest.fixture(scope="session")
def seed_market(sample_market_base) -> Path:
    """The seed-scale sample market (documents, manifest, truth), generated once per session."""
    from sample_market.generate import ensure_generated

    return ensure_generated(sample_market_base, scale="seed", seed=SEED)


@pytest.fixture(scope="session")
def e2e_settings(tmp_path_factory, sample_market_base) -> Settings:
    """A fresh data directory per session (raw store and warehouse start empty), reading the
    session's generated sample markets."""
    settings = Settings()
    settings.paths.data_dir = tmp_path_factory.mktemp("e2e-data")
    settings.sources.sample_market.seed = SEED
    (settings.paths.data_dir / "sample_market").symlink_to(sample_market_base, target_is_directory=True)
    return settings


@pytest.fixture(scope="session")
def seed_run(e2e_settings, seed_market) -> dict:
    """Run the main job (plain functions, real HTTP to the loopback server) once, parsing on
    two isolated worker processes: the published seed warehouse of the session, shared by the
    end-to-end tests and the cluster test (which holds the lake equal to it)."""
    from pipeline.run import run_job
    from pipeline.sources import download_concurrency, open_sources

    e2e_settings.pipeline.max_workers = 2
    with ExitStack() as serving:  # the server ends with the fetch, as in the flow: nothing after needs it
        sources = serving.enter_context(open_sources(e2e_settings, "sample_market"))
        return run_job(e2e_settings, sources, download_concurrency=download_concurrency(e2e_settings, "sample_market"),
                       sources_done=serving.close)
