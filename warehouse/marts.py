"""The analyst marts: one SQL file per mart in ``warehouse/marts/``, applied in name order.

Marts are views over ``core`` (and each other), so they are always as fresh as the build they
live in. Each file creates its view with ``CREATE OR REPLACE VIEW marts.<name>`` and comments
it (grain, English and Chinese) — a test fails when a mart or a mart column has no comment.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

MARTS_DIR = Path(__file__).parent / "marts"


def mart_files(directory: Path = MARTS_DIR) -> list[Path]:
    return sorted(directory.glob("*.sql"))


def apply_marts(con: duckdb.DuckDBPyConnection, directory: Path = MARTS_DIR) -> list[str]:
    """(Re)create every mart view; returns the file names applied."""
    con.execute("CREATE SCHEMA IF NOT EXISTS marts")
    applied = []
    for path in mart_files(directory):
        con.execute(path.read_text(encoding="utf-8"))
        applied.append(path.name)
    return applied
