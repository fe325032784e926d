"""A published warehouse holding the seed world's truth, laid out where the CLI looks for it
(``<data dir>/warehouse/abs_warehouse.duckdb``), for tests that run ``abs-etl`` as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from sample_market.truth import load_world
from warehouse.marts import apply_marts
from warehouse.publish import WarehouseLayout

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def published_truth(seed_world, tmp_path_factory) -> Path:
    """The data directory of a published warehouse equal to the seed world's truth (marts applied)."""
    data_dir = tmp_path_factory.mktemp("published-truth")
    layout = WarehouseLayout(data_dir / "warehouse")
    layout.ensure()
    con = duckdb.connect(str(layout.published))
    load_world(con, seed_world)
    apply_marts(con)
    con.close()
    return data_dir


def run_cli(data_dir: Path, *args: str, columns: int = 80, timeout: int = 300) -> subprocess.CompletedProcess:
    """``abs-etl ARGS`` in a fresh process on the warehouse under ``data_dir``, output piped."""
    env = {**os.environ, "ABS_ETL_PATHS__DATA_DIR": str(data_dir), "COLUMNS": str(columns), "LINES": "50"}
    return subprocess.run([sys.executable, "-m", "flows.cli", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=timeout)
