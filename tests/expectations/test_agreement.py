"""Sources that disagree about a coalesced row are recorded in dq.results (newest still wins)."""

from __future__ import annotations

from decimal import Decimal as D

import duckdb
import polars as pl
import pytest

from expectations.agreement import check_source_agreement
from warehouse.load import dedupe_newest, merge_rows
from warehouse.migrate import apply_migrations

SCHEMA = {"tranche_id": pl.String, "deal_id": pl.String, "tranche_name": pl.String, "tranche_class": pl.String,
          "seniority_rank": pl.Int32, "amount_cny": pl.Decimal(20, 2), "coupon_rate": pl.Decimal(12, 8),
          "delisting_date": pl.Date, "document_id": pl.String, "published": pl.String}


@pytest.fixture
def con():
    con = duckdb.connect()
    apply_migrations(con)
    return con


def _batch(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=SCHEMA, orient="row")


def _dq(con) -> list[tuple]:
    return con.execute("SELECT column_name, success, unexpected_count, observed_value FROM dq.results "
                       "WHERE suite_name = 'source_agreement' ORDER BY column_name NULLS FIRST").fetchall()


def test_announcement_and_vendor_export_that_agree_leave_a_passing_record(con):
    frame = _batch([("T1.IB", "d1", "优先A", "senior", 1, D("900.00"), D("0.0237"), None, "announcement", "1"),
                    ("T1.IB", "d1", "优先A", "senior", 1, D("900.00"), None, None, "vendor", "2")])
    kept, lost = dedupe_newest(frame, ("tranche_id",), "published", "coalesce")
    assert lost.is_empty() and kept.row(0, named=True)["coupon_rate"] == D("0.0237")  # the vendor left it empty
    found = check_source_agreement(con, "run", {"core.tranches": kept.drop("published")}, [])
    assert found == {"core.tranches": {}}
    assert _dq(con) == [(None, True, 0, "disagreements by column: none")]


def test_a_coupon_two_sources_state_differently_is_recorded_and_the_newest_wins(con):
    frame = _batch([("T1.IB", "d1", "优先A", "senior", 1, D("900.00"), D("0.0237"), None, "announcement", "1"),
                    ("T1.IB", "d1", "优先A", "senior", 1, D("900.00"), D("0.0238"), None, "vendor", "2")])
    kept, lost = dedupe_newest(frame, ("tranche_id",), "published", "coalesce")
    assert kept.row(0, named=True)["coupon_rate"] == D("0.0238")
    assert lost.get_column("document_id").to_list() == ["announcement"]
    lost_rows = [{"table": "core.tranches", **r} for r in lost.drop("published").to_dicts()]
    found = check_source_agreement(con, "run", {"core.tranches": kept.drop("published")}, lost_rows)
    assert found == {"core.tranches": {"coupon_rate": 1}}
    summary, column = _dq(con)
    assert summary[:3] == (None, False, 1)
    assert column[:3] == ("coupon_rate", False, 1) and "0.02370000" in column[3] and "announcement" in column[3]


def test_a_value_already_in_the_warehouse_that_a_new_document_contradicts_is_recorded(con):
    con.execute("INSERT INTO core.deals (deal_id, deal_name_zh, market, asset_class, deal_amount_cny) "
                "VALUES ('d1', '测试2025年第一期', 'credit_abs', 'npl', 1000.00)")
    old = _batch([("T1.IB", "d1", "优先A", "senior", 1, D("900.00"), D("0.0237"), None, "announcement", "1")])
    merge_rows(con, "core.tranches", old.drop("published"))
    new = _batch([("T1.IB", "d1", "优先A1", "senior", 1, D("900.00"), None, None, "vendor", "2")])
    found = check_source_agreement(con, "run", {"core.tranches": new.drop("published")}, [])
    assert found == {"core.tranches": {"tranche_name": 1}}
    (_, _, _, _), (column, success, n, observed) = _dq(con)
    assert (column, success, n) == ("tranche_name", False, 1)
    assert "优先A (warehouse) vs 优先A1" in observed and "T1.IB" in observed
    merge_rows(con, "core.tranches", new.drop("published"))
    assert con.execute("SELECT tranche_name, coupon_rate FROM core.tranches").fetchall() == [("优先A1", D("0.0237"))]


def test_a_stored_fallback_is_no_claim_a_stated_class_contradicts(con):
    schema = {"deal_id": pl.String, "deal_name_zh": pl.String, "market": pl.String, "asset_class": pl.String,
              "deal_amount_cny": pl.Decimal(20, 2)}
    merge_rows(con, "core.deals", pl.DataFrame([("d1", "某某专项计划", "abn", None, D("1.00"))], schema=schema,
                                               orient="row"))
    stated = pl.DataFrame([("d1", "某某专项计划", "abn", "leasing", D("1.00"))], schema=schema, orient="row")
    assert check_source_agreement(con, "run", {"core.deals": stated}, []) == {"core.deals": {}}
    merge_rows(con, "core.deals", stated)
    contradicting = stated.with_columns(asset_class=pl.lit("auto_loan"))
    assert check_source_agreement(con, "run", {"core.deals": contradicting}, []) == {"core.deals": {"asset_class": 1}}
