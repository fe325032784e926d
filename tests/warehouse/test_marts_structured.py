"""The NPL and micro-enterprise marts (files 40–59) on small hand-made warehouses: recovery curves
count disposal recoveries only (never 其他收入), the subordinated IRR is Excel's XIRR at the issue
price, tenors run to delisting, liquidations and issuance by originator type.

"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tests.warehouse.conftest import YI, insert



@pytest.fixture
def con(mart_db):
    con = mart_db
    insert(con, "core.institutions", institution_id="bank_a", full_name_zh="甲银行股份有限公司", short_name_zh="甲银行",
           institution_type="state_owned_bank")
    insert(con, "core.institutions", institution_id="bank_b", full_name_zh="乙银行股份有限公司", short_name_zh=None,
           institution_type="city_commercial_bank")
    yield con


def deal(con, deal_id: str, value_date: date, amount: float, *, asset_class: str, subclass=None,
         originator="bank_a", **extra) -> None:
    insert(con, "core.deals", deal_id=deal_id, deal_name_zh=deal_id + "资产支持证券", deal_short_name=deal_id,
           market="credit_abs", asset_class=asset_class, asset_subclass=subclass, originator_id=originator,
           value_date=value_date, deal_amount_cny=Decimal(str(amount)), **extra)


def subordinated(con, tranche_id: str, deal_id: str, amount: float, *, price=100, delisted: date | None = None,
                 expected: date | None = None, placed=True, retained=0.05, period_return=None) -> None:
    insert(con, "core.tranches", tranche_id=tranche_id, deal_id=deal_id, tranche_name="次级", tranche_class="subordinated",
           seniority_rank=3, amount_cny=Decimal(str(amount)), issue_price_per_100=Decimal(str(price)),
           expected_maturity_date=expected, delisting_date=delisted, is_externally_placed=placed,
           originator_retained_share=Decimal(str(retained)), period_return_rate=period_return)


def flow(con, tranche_id: str, day: date, amount: float, kind="principal") -> None:
    insert(con, "core.subordinated_cash_flows", tranche_id=tranche_id, flow_date=day, flow_kind=kind,
           amount_cny=Decimal(str(amount)))


# ───────────────────────────── NPL recoveries ─────────────────────────────
def report(con, deal_id, n, day, recovery, cumulative, other_income):
    insert(con, "core.pool_performance", deal_id=deal_id, period_number=n, payment_date=day,
           recovery_cny=Decimal(recovery), cumulative_recovery_cny=Decimal(cumulative),
           other_income_cny=Decimal(other_income), document_id="doc")


def test_recovery_curves_count_disposal_recoveries_only(con):
    deal(con, "建鑫2023-1", date(2023, 1, 10), 1e8, asset_class="npl", subclass="credit_npl",
         initial_pool_balance_cny=Decimal(1_000_000_000), pool_borrower_count=4000,
         avg_balance_per_borrower_cny=Decimal(250_000), expected_gross_recovery_rate=Decimal("0.30"))
    deal(con, "建鑫2023-2", date(2023, 2, 10), 1e8, asset_class="npl", subclass="credit_npl", originator="bank_b",
         initial_pool_balance_cny=Decimal(500_000_000), expected_gross_recovery_rate=Decimal("0.20"))
    deal(con, "和萃2023-1", date(2023, 3, 10), 1e8, asset_class="npl", subclass="mortgage_npl",
         initial_pool_balance_cny=Decimal(100_000_000))
    report(con, "建鑫2023-1", 1, date(2023, 4, 10), 30_000_000, 30_000_000, 9_000_000)
    report(con, "建鑫2023-1", 2, date(2023, 7, 10), 20_000_000, 50_000_000, 9_000_000)
    report(con, "建鑫2023-2", 1, date(2023, 5, 10), 10_000_000, 10_000_000, 50_000_000)
    curve = con.execute("""
        SELECT deal_id, months_since_issue, cumulative_recovery_rate FROM marts.npl_recovery_curves ORDER BY 1, 2
    """).fetchall()
    # 其他收入 (other income) never enters the rate: 50 m / 1,000 m, not (50 + 18) m / 1,000 m
    assert curve == [("建鑫2023-1", 3, 0.03), ("建鑫2023-1", 6, 0.05), ("建鑫2023-2", 3, 0.02)]
    by_vintage = con.execute("""
        SELECT months_since_issue, deals_reporting, vintage_deals, mean_cumulative_recovery_rate,
               mean_expected_gross_recovery_rate
        FROM marts.npl_recoveries_by_vintage WHERE npl_type = 'credit_npl' ORDER BY 1
    """).fetchall()
    assert by_vintage[0] == (3, 2, 2, pytest.approx(0.025), pytest.approx(0.25))
    assert by_vintage[1][:3] == (6, 1, 2)
    pools = {r[0]: r[1:] for r in con.execute("""
        SELECT deal_id, is_credit_type_interbank, originator_short_name, avg_balance_per_borrower_wan,
               latest_cumulative_recovery_rate
        FROM marts.npl_pools
    """).fetchall()}
    assert pools["建鑫2023-1"] == (True, "甲银行", 25.0, 0.05)
    assert pools["建鑫2023-2"][1] == "乙银行股份有限公司"  # no short name known: the full name
    assert pools["和萃2023-1"][0] is False


# ───────────────────────────── subordinated tranches ─────────────────────────────
def test_irr_is_xirr_at_the_issue_price(con):
    deal(con, "excel", date(2008, 1, 1), 10000, asset_class="micro_enterprise_loan")
    subordinated(con, "T_EXCEL", "excel", 10000, delisted=date(2009, 4, 1))
    for day, amount in [(date(2008, 3, 1), 2750), (date(2008, 10, 30), 4250), (date(2009, 2, 15), 3250),
                        (date(2009, 4, 1), 2750)]:
        flow(con, "T_EXCEL", day, amount)
    deal(con, "leap", date(2020, 1, 1), 100, asset_class="micro_enterprise_loan")
    subordinated(con, "T_LEAP", "leap", 100, delisted=date(2021, 1, 1))
    flow(con, "T_LEAP", date(2021, 1, 1), 100)
    flow(con, "T_LEAP", date(2021, 1, 1), 5, "excess_return")
    deal(con, "premium", date(2021, 3, 1), 100, asset_class="micro_enterprise_loan")
    subordinated(con, "T_PREMIUM", "premium", 100, price=108, delisted=date(2022, 3, 1))  # bought at 108
    flow(con, "T_PREMIUM", date(2022, 3, 1), 110)
    deal(con, "alive", date(2023, 1, 1), 100, asset_class="micro_enterprise_loan")
    subordinated(con, "T_ALIVE", "alive", 100)  # not delisted: no IRR over a partial life
    flow(con, "T_ALIVE", date(2023, 6, 1), 3, "period_return")
    irr = dict(con.execute("SELECT tranche_id, irr FROM marts.subordinated_tranche_outcomes").fetchall())
    assert irr["T_EXCEL"] == pytest.approx(0.373363, abs=5e-7)    # Excel's documented XIRR example
    assert irr["T_LEAP"] == pytest.approx(1.05 ** (365 / 366) - 1, abs=1e-12)
    assert irr["T_PREMIUM"] == pytest.approx(110 / 108 - 1, abs=1e-12)
    assert irr["T_ALIVE"] is None


def test_subordinated_tenors_returns_and_retention(con):
    deal(con, "d1", date(2020, 1, 15), 100, asset_class="micro_enterprise_loan")
    subordinated(con, "S1", "d1", 10, delisted=date(2021, 1, 20), expected=date(2021, 7, 15), period_return=0.05)
    flow(con, "S1", date(2020, 7, 15), 0.25, "period_return")
    flow(con, "S1", date(2021, 1, 20), 10)
    flow(con, "S1", date(2021, 1, 20), 1, "excess_return")
    row = con.execute("""
        SELECT expected_tenor_months, actual_tenor_months, actual_to_expected_tenor, delisted_by_expected_maturity,
               has_period_return, principal_received_cny, period_return_received_cny, excess_return_received_cny,
               total_received_cny, is_issued_at_par
        FROM marts.subordinated_tranche_outcomes WHERE tranche_id = 'S1'
    """).fetchone()
    assert row[:5] == (18, 12, pytest.approx(12 / 18), True, True)
    assert [float(x) for x in row[5:9]] == [10, 0.25, 1, 11.25]
    assert row[9] is True


# ───────────────────────────── liquidations and issuance ─────────────────────────────
def test_liquidations_and_issuance_by_originator_type(con):
    deal(con, "m1", date(2022, 3, 1), 10 * YI, asset_class="micro_enterprise_loan")
    deal(con, "m2", date(2022, 6, 1), 20 * YI, asset_class="micro_enterprise_loan", originator="bank_b",
         is_revolving=True, wa_contract_term_months=Decimal(30), wa_remaining_term_months=Decimal(24))
    deal(con, "m3", date(2023, 6, 1), 5 * YI, asset_class="micro_enterprise_loan", originator="bank_b")
    insert(con, "core.liquidation_events", deal_id="m1", liquidation_method="clean_up_call", event_date=date(2023, 3, 1),
           price_cny=Decimal(70_000_000), remaining_pool_principal_cny=Decimal(100_000_000),
           pool_cumulative_default_rate=Decimal("0.01"))
    insert(con, "core.liquidation_events", deal_id="m2", liquidation_method="in_kind_distribution",
           event_date=date(2023, 9, 1), remaining_pool_principal_cny=Decimal(200_000_000))
    liq = {r[0]: r[1:] for r in con.execute("""
        SELECT deal_id, liquidation_method, price_to_remaining_principal, months_to_liquidation, originator_type
        FROM marts.liquidations
    """).fetchall()}
    assert liq["m1"] == ("clean_up_call", pytest.approx(0.7), 12, "state_owned_bank")
    assert liq["m2"][:2] == ("in_kind_distribution", None)
    by_type = {(r[0], r[1]): r[2:] for r in con.execute("""
        SELECT originator_type, value_year, deals, originators, issued_yi, liquidated_deals, liquidated_yi
        FROM marts.issuance_by_originator_type WHERE asset_class = 'micro_enterprise_loan'
    """).fetchall()}
    assert by_type[("state_owned_bank", 2022)] == (1, 1, 10.0, 1, 10.0)
    assert by_type[("city_commercial_bank", 2022)] == (1, 1, 20.0, 1, 20.0)
    assert by_type[("city_commercial_bank", 2023)] == (1, 1, 5.0, 0, 0.0)
    deals = {r[0]: r[1:] for r in con.execute("""
        SELECT deal_id, is_liquidated, liquidation_method, is_revolving, wa_contract_term_years
        FROM marts.micro_enterprise_deals
    """).fetchall()}
    assert deals["m2"] == (True, "in_kind_distribution", True, 2.5)
    assert deals["m3"] == (False, None, False, None)
