"""Hand-made warehouses for mart tests: empty core tables with every mart applied; each test
inserts exactly the rows its rule needs."""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pytest

from warehouse.marts import apply_marts
from warehouse.migrate import apply_migrations

YI = Decimal(100_000_000)


@pytest.fixture
def mart_db():
    con = duckdb.connect()
    apply_migrations(con)
    apply_marts(con)
    yield con
    con.close()


def insert(con: duckdb.DuckDBPyConnection, table: str, **row) -> None:
    """One row, values bound as parameters."""
    cols = ", ".join(row)
    con.execute(f"INSERT INTO {table} ({cols}) VALUES ({', '.join('?' * len(row))})", list(row.values()))
