"""The loader: keyed merges, duplicate keys refused, coalescing for partial institution rows,
whole-table replacement of derived tables."""

from __future__ import annotations

import os
from decimal import Decimal

import duckdb
import polars as pl
import pytest

from warehouse.load import DuplicateKeyError, dedupe_newest, merge_rows, replace_rows
from warehouse.migrate import apply_migrations


@pytest.fixture
def con():
    con = duckdb.connect()
    apply_migrations(con)
    yield con
    con.close()


def inst(**row):
    base = {"institution_id": "i1", "full_name_zh": "某某融资租赁有限公司", "short_name_zh": None,
            "institution_type": "lessor", "province": None}
    return {**base, **row}


def test_merge_replaces_by_key_and_keeps_other_rows(con):
    frame = pl.DataFrame([{"period_month": "2025-01-01", "market": m, "issuance_count": n}
                          for m, n in (("abn", 1), ("credit_abs", 2))]).with_columns(pl.col("period_month").str.to_date())
    merge_rows(con, "core.market_totals", frame)
    merge_rows(con, "core.market_totals", frame.filter(pl.col("market") == "abn").with_columns(issuance_count=pl.lit(5)))
    assert con.execute("SELECT market, issuance_count FROM core.market_totals ORDER BY 1").fetchall() == [
        ("abn", 5), ("credit_abs", 2)]


def test_duplicate_keys_in_one_batch_are_refused(con):
    frame = pl.DataFrame([inst(), inst()])
    with pytest.raises(DuplicateKeyError):
        merge_rows(con, "core.institutions", frame)


def test_coalesce_keeps_what_earlier_documents_said(con):
    merge_rows(con, "core.institutions", pl.DataFrame([inst(short_name_zh="某某租赁", province="上海市")]))
    merge_rows(con, "core.institutions", pl.DataFrame([inst(institution_type="lessor")]))
    assert con.execute("SELECT short_name_zh, province FROM core.institutions").fetchall() == [("某某租赁", "上海市")]


def test_dedupe_coalesce_takes_newest_non_null_per_column():
    frame = pl.DataFrame([
        {**inst(short_name_zh="旧简称", province="上海市"), "_at": "2025-01-01"},
        {**inst(short_name_zh="新简称"), "_at": "2025-02-01"},
    ])
    kept, dropped = dedupe_newest(frame, ("institution_id",), "_at", "coalesce")
    assert kept.select("short_name_zh", "province").rows() == [("新简称", "上海市")]
    # the older row said another short name: it lost, and is reported for the source-agreement check
    assert dropped.select("short_name_zh", "_at").rows() == [("旧简称", "2025-01-01")]


def test_dedupe_coalesce_drops_nothing_when_sources_only_fill_each_other():
    frame = pl.DataFrame([
        {**inst(short_name_zh="简称", province=None), "_at": "2025-01-01"},
        {**inst(short_name_zh=None, province="上海市"), "_at": "2025-02-01"},
    ])
    kept, dropped = dedupe_newest(frame, ("institution_id",), "_at", "coalesce")
    assert kept.select("short_name_zh", "province").rows() == [("简称", "上海市")]
    assert dropped.is_empty()


def _deal(asset_class):
    return pl.DataFrame([{"deal_id": "d1", "deal_name_zh": "某某2025年第一期资产支持专项计划", "market": "exchange_abs",
                          "asset_class": asset_class, "deal_amount_cny": Decimal("100.00")}],
                        schema={"deal_id": pl.String, "deal_name_zh": pl.String, "market": pl.String,
                                "asset_class": pl.String, "deal_amount_cny": pl.Decimal(20, 2)})


def test_a_class_no_source_states_falls_back_to_other_until_one_does(con):
    merge_rows(con, "core.deals", _deal(None))  # a CNABS row whose name tells no asset class
    assert con.execute("SELECT asset_class FROM core.deals").fetchall() == [("other",)]
    merge_rows(con, "core.deals", _deal("leasing"))  # the Wind export says it
    merge_rows(con, "core.deals", _deal(None))  # a later CNABS export stays silent again
    assert con.execute("SELECT asset_class FROM core.deals").fetchall() == [("leasing",)]


def test_a_derived_table_is_replaced_whole_and_its_vanished_rows_go(con):
    """Subordinated cash flows are re-derived from every payment each run: a flow that no longer
    follows (a payment revised to zero) must disappear, which a keyed merge would keep."""
    from datetime import date

    def flows(*kinds):
        return pl.DataFrame([{"tranche_id": "S1.IB", "flow_date": date(2025, 4, 26), "flow_kind": k,
                              "amount_cny": Decimal("100.00")} for k in kinds],
                            schema_overrides={"amount_cny": pl.Decimal(20, 2)})

    assert replace_rows(con, "core.subordinated_cash_flows", flows("principal", "period_return")) == 2
    assert replace_rows(con, "core.subordinated_cash_flows", flows("principal")) == 1
    assert con.execute("SELECT flow_kind FROM core.subordinated_cash_flows").fetchall() == [("principal",)]
    with pytest.raises(DuplicateKeyError):
        replace_rows(con, "core.subordinated_cash_flows", flows("principal", "principal"))
    assert con.execute("SELECT count(*) FROM core.subordinated_cash_flows").fetchone() == (1,)  # untouched


def test_a_run_loads_table_by_table_and_lets_each_frame_go(con):
    """Each table is its own transaction (a build that fails is discarded whole; one transaction
    around all held every table's inserted rows in memory until the end), and each frame leaves
    the run's hands once loaded."""
    from pipeline.steps import load_frames

    totals = pl.DataFrame([{"period_month": "2025-01-01", "market": m, "issuance_count": n}
                           for m, n in (("abn", 1), ("credit_abs", 2))]).with_columns(pl.col("period_month").str.to_date())
    frames = {"core.market_totals": totals, "core.institutions": pl.DataFrame([inst(), inst()])}
    with pytest.raises(DuplicateKeyError):
        load_frames(con, frames)
    assert con.execute("SELECT count(*) FROM core.market_totals").fetchone()[0] == 2  # committed before the refusal
    assert list(frames) == []
    assert load_frames(con, {"core.market_totals": totals}) == {"core.market_totals": 2}


def _resident_mb() -> float:
    with open("/proc/self/statm", "rb") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def test_written_tables_leave_duckdbs_memory_and_the_limit_comes_back(tmp_path):
    from warehouse.load import release_buffers

    con = duckdb.connect(str(tmp_path / "build.duckdb"), config={"memory_limit": "512MB"})
    limit = con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    con.execute("CREATE TABLE t (i BIGINT, s VARCHAR, d DECIMAL(18, 2))")
    before = _resident_mb()
    con.execute("BEGIN TRANSACTION")   # as a merge writes a table
    con.execute("INSERT INTO t SELECT i, i::VARCHAR || 'abcdefghij', (i * 1.5)::DECIMAL(18, 2) FROM range(2000000) r(i)")
    con.execute("COMMIT")
    kept = _resident_mb() - before
    release_buffers(con)
    assert kept > 40 and _resident_mb() - before < kept / 2   # what DuckDB kept of the written table
    assert con.execute("SELECT current_setting('memory_limit')").fetchone()[0] in (limit, "488.1 MiB")
    assert con.execute("SELECT count(*), sum(d) FROM t").fetchone() == (2000000, Decimal("2999998500000.00"))


def test_a_connection_that_is_one_open_transaction_keeps_its_rows_where_they_are(tmp_path):
    """A lake build writes in one transaction: no checkpoint inside it (DuckDB refuses one), no
    squeeze that would spill its uncommitted rows; the transaction goes on and can still roll back."""
    from warehouse.load import OPEN_TRANSACTION, release_buffers

    con = duckdb.connect(str(tmp_path / "lake-like.duckdb"))
    con.execute(f"SET VARIABLE {OPEN_TRANSACTION} = true")
    con.execute("CREATE TABLE t (i INTEGER)")
    con.execute("BEGIN TRANSACTION")
    con.execute("INSERT INTO t SELECT * FROM range(1000)")
    release_buffers(con)
    con.execute("ROLLBACK")
    assert con.execute("SELECT count(*) FROM t").fetchone() == (0,)


def _institutions(n: int, **changes) -> pl.DataFrame:
    return pl.DataFrame([inst(institution_id=f"i{k}", full_name_zh=f"机构{k}有限公司", **changes) for k in range(n)])


@pytest.mark.parametrize("staged", [False, True])
def test_a_table_merged_in_slices_ends_as_if_merged_whole(con, tmp_path, staged):
    """Replace and coalesce by key, whatever slice a row came in; the rows written add up."""
    from pipeline.steps import load_frames
    from warehouse.staging import StagedTables

    merge_rows(con, "core.institutions", _institutions(3, short_name_zh="旧简称", province="上海市"))
    incoming = _institutions(7, institution_type="bank")          # 3 known (coalesced), 4 new
    frames = StagedTables(tmp_path / "staged") if staged else {}
    frames["core.institutions"] = incoming
    assert load_frames(con, frames, slice_rows=2) == {"core.institutions": 7}
    assert list(frames) == []
    got = con.execute("SELECT institution_id, short_name_zh, province, institution_type FROM core.institutions "
                      "ORDER BY institution_id").fetchall()
    whole = duckdb.connect()
    apply_migrations(whole)
    merge_rows(whole, "core.institutions", _institutions(3, short_name_zh="旧简称", province="上海市"))
    merge_rows(whole, "core.institutions", incoming)
    assert got == whole.execute("SELECT institution_id, short_name_zh, province, institution_type "
                                "FROM core.institutions ORDER BY institution_id").fetchall()
    assert len(got) == 7 and got[0] == ("i0", "旧简称", "上海市", "bank")


@pytest.mark.parametrize("staged", [False, True])
def test_a_key_twice_in_different_slices_is_refused_before_anything_is_written(con, tmp_path, staged):
    from pipeline.steps import load_frames
    from warehouse.staging import StagedTables

    frames = StagedTables(tmp_path / "staged") if staged else {}
    frames["core.institutions"] = pl.concat([_institutions(3), _institutions(1)])   # i0 in the first and last slice
    with pytest.raises(DuplicateKeyError):
        load_frames(con, frames, slice_rows=2)
    assert con.execute("SELECT count(*) FROM core.institutions").fetchone() == (0,)


def test_a_staged_table_read_in_slices_gives_each_row_once_in_order(tmp_path):
    from warehouse.staging import StagedTables

    staged = StagedTables(tmp_path / "staged")
    staged["core.institutions"] = _institutions(5)
    parts = list(staged.slices("core.institutions", 2))
    assert [p["institution_id"].to_list() for p in parts] == [["i0", "i1"], ["i2", "i3"], ["i4"]]
