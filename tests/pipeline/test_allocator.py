"""Our processes give polars' freed memory back to the system (``pipeline.allocator``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# a frame of ~600 MB made and dropped after importing one of our packages, then RSS in MB
PROBE = """
import {package}
import polars as pl
def rss(): return int(open("/proc/self/statm").read().split()[1]) * 4096 / 2**20
frame = pl.DataFrame({{"a": range(20_000_000)}}).with_columns(b=pl.col("a") * 2, c=pl.col("a").cast(pl.String))
peak = rss()
del frame
print(peak, rss())
"""


def _peak_and_after(package: str, env: dict[str, str]) -> tuple[float, float]:
    out = subprocess.run([sys.executable, "-c", PROBE.format(package=package)], cwd=ROOT, env=env,
                         capture_output=True, text=True, check=True, timeout=120)
    peak, after = map(float, out.stdout.split())
    return peak, after


@pytest.mark.parametrize("package", ["pipeline", "flows"])
def test_freed_frames_leave_the_process(package):
    env = {k: v for k, v in os.environ.items() if k != "_RJEM_MALLOC_CONF"}
    peak, after = _peak_and_after(package, env)
    assert peak > 400, peak
    assert after < peak - 350, (peak, after)


def test_an_allocator_setting_of_the_environment_is_kept():
    env = {**os.environ, "_RJEM_MALLOC_CONF": "dirty_decay_ms:-1,muzzy_decay_ms:-1"}  # never purge
    peak, after = _peak_and_after("pipeline", env)
    assert after > peak - 50, (peak, after)
