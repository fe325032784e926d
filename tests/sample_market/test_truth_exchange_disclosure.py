"""The truth of exchange ABS as the exchanges disclose it (``sample_market.world.exchange_disclosure``):
payments that per-unit amounts on 100-元 units can state, pools by year plus the period table,
every other row untouched — on the seed world and on the market year."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

import duckdb
import pytest

import sample_market.world as world_package
from expectations.reconcile import run_reconciliations
from sample_market.truth import load_world
from sample_market.world import build_world
from sample_market.world.exchange_disclosure import PERIOD_TABLE_COLUMNS, record_date, report_years

SEED = 20251231
BEFORE = tuple(m for m in world_package.SEGMENT_MODULES if m != "exchange_disclosure")


def _pair(scale: str):
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(world_package, "SEGMENT_MODULES", BEFORE)
        before = build_world(scale=scale, seed=SEED)
    return before, build_world(scale=scale, seed=SEED)


@pytest.fixture(scope="module", params=["seed", "market-year"])
def worlds(request):
    return _pair(request.param)


def exchange_deals(world) -> set[str]:
    markets = {d["deal_id"]: d["market"] for d in world.rows("core.deals")}
    return {r["deal_id"] for r in world.rows("core.pool_performance") if markets[r["deal_id"]] == "exchange_abs"}


def test_payments_are_per_unit_amounts_times_units(worlds):
    before, after = worlds
    exchange = exchange_deals(after)
    assert exchange
    old = {(r["tranche_id"], r["period_number"]): r for r in before.rows("core.tranche_payments")}
    amounts = {t["tranche_id"]: Decimal(t["amount_cny"]) for t in after.rows("core.tranches")}
    by_tranche = defaultdict(list)
    for row in after.rows("core.tranche_payments"):
        if row["deal_id"] in exchange:
            by_tranche[row["tranche_id"]].append(row)
    for tranche_id, rows in by_tranche.items():
        units = rows[0]["unit_count"]
        assert units * 100 == amounts[tranche_id]
        previous = amounts[tranche_id]
        for row in sorted(rows, key=lambda r: r["period_number"]):
            p = row["principal_paid_per_unit"]
            assert p == p.quantize(Decimal("0.0001")) and row["principal_paid_cny"] == p * units
            assert row["principal_before_cny"] == previous
            assert row["principal_after_cny"] == row["principal_before_cny"] - row["principal_paid_cny"] >= 0
            for name in ("interest_paid", "other_income_paid"):
                each = row[f"{name}_per_unit"]
                assert (each is None) == (row[f"{name}_cny"] is None)
                if each is not None:
                    assert row[f"{name}_cny"] == each * units
            was = old[(tranche_id, row["period_number"])]
            rounding = Decimal("0.00005") * units + Decimal("0.01")
            if row["principal_after_cny"]:  # the last payment takes the whole remaining face instead
                assert abs(row["principal_paid_cny"] - Decimal(was["principal_paid_cny"])) <= rounding
            if was.get("interest_paid_cny") is not None:
                assert abs(row["interest_paid_cny"] - Decimal(was["interest_paid_cny"])) <= rounding
            assert (Decimal(was["principal_after_cny"]) == 0) == (row["principal_after_cny"] == 0)
            assert row["record_date"] == record_date(row["payment_date"]) < row["payment_date"]
            assert row["record_date"].weekday() < 5
            previous = row["principal_after_cny"]


def test_snapshots_follow_the_new_balances(worlds):
    _, after = worlds
    exchange = exchange_deals(after)
    paid = defaultdict(list)
    for row in after.rows("core.tranche_payments"):
        if row["deal_id"] in exchange:
            paid[row["tranche_id"]].append((row["payment_date"], row["principal_after_cny"]))
    checked = 0
    for balance in after.rows("core.tranche_balances"):
        history = sorted(p for p in paid.get(balance["tranche_id"], []) if p[0] <= balance["as_of_date"])
        if history:
            checked += 1
            assert balance["outstanding_cny"] == history[-1][1], balance
    assert checked > 0


def test_pools_come_by_year_and_by_the_period_table(worlds):
    before, after = worlds
    exchange = exchange_deals(after)
    old = defaultdict(list)
    for row in before.rows("core.pool_performance"):
        if row["deal_id"] in exchange:
            old[row["deal_id"]].append(row)
    annual = defaultdict(list)
    for row in after.rows("core.pool_performance"):
        if row["deal_id"] not in exchange:
            continue
        if row["grain"] == "annual":
            annual[row["deal_id"]].append(row)
            continue
        assert {k for k, v in row.items() if v is not None} <= set(PERIOD_TABLE_COLUMNS)
        match = next(r for r in old[row["deal_id"]] if r["period_number"] == row["period_number"])
        assert all(row[k] == match.get(k) for k in PERIOD_TABLE_COLUMNS if k != "grain")
    deals = {d["deal_id"]: d for d in after.rows("core.deals")}
    for deal_id, rows in old.items():
        rows.sort(key=lambda r: r["period_number"])
        years = report_years(deals[deal_id]["value_date"], [r["payment_date"].year for r in rows])
        assert sorted(a["period_number"] for a in annual[deal_id]) == sorted(years)
        for year_row in annual[deal_id]:
            covered = [r for r in rows if r["payment_date"].year in years[year_row["period_number"]]]
            assert year_row["pool_balance_begin_cny"] == covered[0]["pool_balance_begin_cny"]
            assert year_row["pool_balance_end_cny"] == covered[-1]["pool_balance_end_cny"]
            assert year_row["principal_collected_cny"] == sum(Decimal(r["principal_collected_cny"]) for r in covered)
            assert year_row["cumulative_default_rate"] == covered[-1]["cumulative_default_rate"]
            assert year_row["cash_received_cny"] == year_row["principal_collected_cny"] + year_row["interest_collected_cny"]
            assert date(year_row["period_number"] + 1, 4, 1) <= year_row["report_date"] <= date(year_row["period_number"] + 1, 4, 30)
            assert year_row["report_date"].weekday() < 5 and year_row["payment_date"] is None
            assert Decimal("0.8799") <= year_row["cash_received_cny"] / year_row["forecast_collections_cny"] <= Decimal("1.0601")


def test_a_plan_set_up_in_november_reports_its_first_year_with_the_next():
    assert report_years(date(2024, 12, 17), [2025, 2025]) == {2025: [2025]}
    assert report_years(date(2024, 11, 8), [2024, 2025]) == {2025: [2024, 2025]}
    assert report_years(date(2024, 6, 14), [2024, 2025]) == {2024: [2024], 2025: [2025]}
    assert report_years(date(2025, 12, 1), [2025]) == {2025: [2025]}  # nothing later to fold into


def test_other_markets_are_untouched_and_the_truth_reconciles(worlds):
    before, after = worlds
    exchange = exchange_deals(after)
    for table in ("core.pool_performance", "core.tranche_payments"):
        old = [r for r in before.rows(table) if r["deal_id"] not in exchange]
        new = [{k: v for k, v in r.items() if k != "grain"} for r in after.rows(table) if r["deal_id"] not in exchange]
        assert new == [{k: v for k, v in r.items() if k != "grain"} for r in old]
    con = duckdb.connect()
    load_world(con, after)
    run_reconciliations(con, "truth")  # raises PublishRefused on any violation
    con.close()
