"""A build's staged tables: one Parquet file a table, a frame read when asked for and written
when assigned, so the run holds one table at a time; every warehouse type comes back as it went."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import polars as pl
import pytest

from warehouse.staging import StagedTables


def frame() -> pl.DataFrame:
    return pl.DataFrame(
        {"deal_id": ["a", "b", None], "amount_cny": [Decimal("1.10"), None, Decimal("123456789012.34")],
         "payment_date": [date(2025, 4, 26), None, date(2024, 1, 1)],
         "seen_at": [datetime(2025, 1, 1, 8, tzinfo=timezone.utc), None, None],
         "is_revision": [True, False, None], "period_number": [1, 2, 3], "name_zh": ["甲", "乙", "𠮷"]},
        schema_overrides={"amount_cny": pl.Decimal(20, 2), "period_number": pl.Int16,
                          "seen_at": pl.Datetime("us", "UTC")})


def test_a_staged_table_comes_back_as_it_went(tmp_path):
    staged = StagedTables(tmp_path / "staged")
    staged["core.deals"] = frame()
    assert (tmp_path / "staged" / "core.deals.parquet").is_file()
    back = staged["core.deals"]
    assert back.schema == frame().schema
    assert back.equals(frame())
    assert staged.height("core.deals") == 3 and len(staged) == 1
    assert staged.read("core.deals", ["deal_id"]).columns == ["deal_id"]
    assert staged.read("core.tranches") is None and staged.columns("core.tranches") == []
    assert staged.columns("core.deals") == frame().columns


def test_tables_are_read_one_at_a_time_and_may_be_rewritten_while_iterating(tmp_path):
    staged = StagedTables(tmp_path)
    staged.update({"b": frame(), "a": frame().head(1)})
    for table, rows in staged.items():  # the gate filters tables where they lie
        staged[table] = rows.head(0 if table == "a" else 2)
    assert {t: staged.height(t) for t in staged} == {"b": 2, "a": 0}
    assert staged.pop("b").height == 2
    assert list(staged) == ["a"] and not (tmp_path / "b.parquet").exists()
    with pytest.raises(KeyError):
        staged["b"]
    assert not list(tmp_path.glob("*.part"))
