"""The DuckDB command line is installed into the project's environment (README's first query
uses `.venv/bin/duckdb`), is the library's version, and reads the published file read-only."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb

DUCKDB_CLI = Path(sys.executable).parent / "duckdb"


def test_the_cli_is_in_the_environment_at_the_library_version():
    assert DUCKDB_CLI.exists(), f"{DUCKDB_CLI} missing: `make install` installs duckdb-cli"
    version = subprocess.run([str(DUCKDB_CLI), "--version"], capture_output=True, text=True, timeout=60)
    assert version.returncode == 0
    assert version.stdout.split()[0] == f"v{duckdb.__version__}"


def test_readme_query_runs_read_only_on_the_published_file(published_truth):
    path = published_truth / "warehouse" / "abs_warehouse.duckdb"
    sql = "SELECT market, count(*) AS deals FROM core.deals GROUP BY ALL ORDER BY market"
    result = subprocess.run([str(DUCKDB_CLI), "-readonly", "-csv", str(path), sql],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    con = duckdb.connect(str(path), read_only=True)
    expected = con.execute(sql).fetchall()
    con.close()
    lines = result.stdout.strip().splitlines()
    assert lines[0] == "market,deals"
    assert [tuple(line.split(",")) for line in lines[1:]] == [(m, str(n)) for m, n in expected]
    refused = subprocess.run([str(DUCKDB_CLI), "-readonly", str(path), "CREATE TABLE core.x (i INT)"],
                             capture_output=True, text=True, timeout=120)
    assert refused.returncode != 0 and "read-only" in (refused.stderr + refused.stdout).lower()
