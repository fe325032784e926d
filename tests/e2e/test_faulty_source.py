"""A sample market that fails 20% of requests with 429/5xx, truncates 20% of bodies and drops
some connections still yields exactly the warehouse of a clean run."""

from __future__ import annotations

import duckdb
import pytest

from pipeline.run import run_job
from pipeline.sources import open_sources
from settings import Settings

pytestmark = pytest.mark.slow

CORE_TABLES = ["core.deals", "core.tranches", "core.pool_performance", "core.tranche_payments",
               "core.rating_actions", "core.yield_curves", "core.amc_bonds", "core.amc_financials",
               "core.tranche_balances", "core.liquidation_events", "core.market_totals"]


@pytest.fixture(scope="module")
def faulty_run(e2e_settings, sample_dir, tmp_path_factory):
    settings = Settings()
    settings.paths.data_dir = tmp_path_factory.mktemp("faulty-data")
    (settings.paths.data_dir / "sample_market").symlink_to(sample_dir.parent, target_is_directory=True)
    sm = settings.sources.sample_market
    sm.seed, sm.error_rate, sm.truncate_rate, sm.drop_rate, sm.fault_seed = 20251231, 0.2, 0.2, 0.05, 11
    with open_sources(settings, "sample_market") as sources:
        return run_job(settings, sources)


def test_faults_do_not_change_the_published_tables(seed_run, faulty_run):
    assert faulty_run["outcome"] == "published"
    assert faulty_run["fetch_failures"] == []
    assert faulty_run["documents"] == seed_run["documents"]
    clean = duckdb.connect(seed_run["published_path"], read_only=True)
    faulty = duckdb.connect(faulty_run["published_path"], read_only=True)
    for table in CORE_TABLES:
        columns = [c for (c,) in clean.execute(
            "SELECT column_name FROM duckdb_columns() WHERE schema_name || '.' || table_name = ?", [table]).fetchall()]
        a = clean.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY ALL").fetchall()
        b = faulty.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY ALL").fetchall()
        assert a == b, table
    clean.close()
    faulty.close()
