"""A run's process loads pandas, pyarrow and numpy (~77 MB together) only when its decide step
needs them, not while it fetches and parses: DuckDB's Python client imports pandas to bind any
parameter, so statements before then carry their values as SQL literals (``sql_text``)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from warehouse.sql_text import sql_text

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import json, sys
from pathlib import Path
from pipeline.run import run_job
from settings import Settings
from sources.inbox import InboxSource
from tests.fixtures import REAL_WORLD as REAL

HEAVY = ("pandas", "pyarrow", "numpy")
settings = Settings()
settings.paths.data_dir = Path(sys.argv[1])
seen = {}
seen["imported"] = [m for m in HEAVY if m in sys.modules]
summary = run_job(settings, [InboxSource([REAL / "deal_names.xlsx", REAL / "chinabond_govt_curve_2016.xlsx"])],
                  flow_name="ingest", sources_done=lambda: seen.update(fetched=[m for m in HEAVY if m in sys.modules]))
seen["published"] = [m for m in HEAVY if m in sys.modules]
seen["outcome"] = summary["outcome"]
print(json.dumps(seen))
"""


def test_a_first_run_fetches_without_pandas_pyarrow_or_numpy_in_its_process(tmp_path):
    """A first run: a new warehouse, every migration applied and logged, two documents fetched."""
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path / "data")], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["outcome"] == "published"
    assert seen["imported"] == [] and seen["fetched"] == []
    assert "pyarrow" in seen["published"]   # the load needs them: the check above could fail


@pytest.mark.parametrize("value", ["plain", "O'Brien", "''", "中文 '引号'", "", "a\\\\b; DROP TABLE t; --"])
def test_sql_text_reads_back_as_the_same_string(value):
    assert duckdb.connect().execute(f"SELECT {sql_text(value)}").fetchone()[0] == value


def test_sql_text_of_none_is_null_and_a_nul_character_is_refused():
    assert duckdb.connect().execute(f"SELECT {sql_text(None)}").fetchone()[0] is None
    with pytest.raises(ValueError, match="NUL"):
        sql_text("a\x00b")
