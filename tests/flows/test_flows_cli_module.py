"""`python -m flows.cli <command>` reaches every command, including those defined after the
module's first lines (the entry point used to run before `backfill`, `deploy` and `report`
existed)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import typer.main

from flows.cli import app

REPO = Path(__file__).resolve().parents[2]
COMMANDS = sorted(typer.main.get_command(app).commands)


def test_the_command_list_is_complete():
    assert {"run", "status", "query", "figures", "backfill", "deploy", "report", "trace", "review", "sample"} <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_python_dash_m_runs_every_command(command):
    result = subprocess.run([sys.executable, "-m", "flows.cli", command, "--help"], cwd=REPO,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Usage:" in result.stdout and command in result.stdout
    assert "No such command" not in result.stdout + result.stderr
