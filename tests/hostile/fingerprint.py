"""Core tables as one digest per table, to prove a run changed nothing in them."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb


def core_fingerprint(path: Path) -> dict[str, str]:
    """SHA-256 of every core table's rows (sorted, as text): equal fingerprints, equal tables."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'core' ORDER BY 1").fetchall()]
        out = {}
        for table in tables:
            digest = hashlib.sha256()
            for row in con.execute(f'SELECT * FROM core."{table}" ORDER BY ALL').fetchall():
                digest.update(repr(row).encode())
            out[table] = digest.hexdigest()
        return out
    finally:
        con.close()
