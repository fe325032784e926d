"""Each reconciliation passes on consistent data and fails, by name, on data broken for it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import duckdb
import pytest

from expectations.reconcile import CHECKS, run_reconciliations
from warehouse.migrate import apply_migrations
from warehouse.publish import PublishRefused


@pytest.fixture
def con():
    con = duckdb.connect()
    apply_migrations(con)
    con.execute("""INSERT INTO core.deals (deal_id, deal_name_zh, market, asset_class, deal_amount_cny)
                   VALUES ('d1', '测试2025年第一期', 'credit_abs', 'small_micro_loan', 1000.00)""")
    con.execute("""INSERT INTO core.tranches (tranche_id, deal_id, tranche_name, tranche_class, seniority_rank, amount_cny)
                   VALUES ('t1', 'd1', '优先A', 'senior', 1, 900.00), ('t2', 'd1', '次级', 'subordinated', 2, 100.00)""")
    for period, begin, principal, default, end, cum in [(1, 1000, 100, 1, 899, 1), (2, 899, 99, 0, 800, 1)]:
        con.execute("""INSERT INTO core.pool_performance (deal_id, period_number, payment_date, pool_balance_begin_cny,
                       principal_collected_cny, new_default_cny, pool_balance_end_cny, cumulative_default_cny, document_id)
                       VALUES ('d1', ?, ?, ?, ?, ?, ?, ?, 'doc')""",
                    [period, date(2025, period, 26), D(begin), D(principal), D(default), D(end), D(cum)])
    for period, before, paid in [(1, 900, 100), (2, 800, 99)]:
        con.execute("""INSERT INTO core.tranche_payments (tranche_id, period_number, deal_id, payment_date,
                       principal_before_cny, principal_paid_cny, principal_after_cny, document_id)
                       VALUES ('t1', ?, 'd1', ?, ?, ?, ?, 'doc')""",
                    [period, date(2025, period, 26), D(before), D(paid), D(before - paid)])
    yield con
    con.close()


def test_consistent_data_passes_every_check(con):
    assert run_reconciliations(con, "ok") == []
    assert con.execute("SELECT count(*) FROM dq.results WHERE success").fetchone()[0] == len(CHECKS)


@pytest.mark.parametrize(
    ("corruption", "check"),
    [
        ("UPDATE core.pool_performance SET pool_balance_end_cny = 898.90 WHERE period_number = 1", "pool_balance_roll_forward"),
        ("UPDATE core.tranches SET amount_cny = 901.00 WHERE tranche_id = 't1'", "tranches_sum_to_deal"),
        ("UPDATE core.tranche_payments SET principal_after_cny = 901 WHERE period_number = 2", "tranche_balances_never_increase"),
        ("UPDATE core.pool_performance SET cumulative_default_cny = 0 WHERE period_number = 2", "cumulative_series_never_decrease"),
        ("UPDATE core.pool_performance SET period_number = 3 WHERE period_number = 2", "period_numbers_consecutive"),
    ],
)
def test_each_check_refuses_with_its_name(con, corruption, check):
    con.execute(corruption)
    with pytest.raises(PublishRefused, match=check):
        run_reconciliations(con, "bad")
    assert con.execute("SELECT expectation FROM dq.results WHERE NOT success").fetchall()[0][0] == check


def test_amc_repayments_beyond_amount_refuse(con):
    con.execute("""INSERT INTO core.amc_bonds (security_code, amc_id, short_name, bond_type, is_offshore, is_abs, currency,
                   amount_cny, amount_original, term_years, value_date, maturity_date)
                   VALUES ('b1', 'amc', '24测试01', 'mtn', false, false, 'CNY', 100, 100, 3, '2024-01-01', '2027-01-01')""")
    con.execute("INSERT INTO core.amc_bond_events (security_code, event_date, event_type, amount_cny) VALUES "
                "('b1', '2025-01-01', 'put_repayment', 60), ('b1', '2026-01-01', 'repayment', 60)")
    with pytest.raises(PublishRefused, match="amc_repayments_within_amount"):
        run_reconciliations(con, "bad")


def test_missing_or_empty_required_table_refuses(con):
    from expectations.reconcile import check_required_tables

    check_required_tables(con, "ok", ["core.deals", "core.tranches"])
    with pytest.raises(PublishRefused, match="core.rating_actions is empty; core.nope is missing"):
        check_required_tables(con, "bad", ["core.deals", "core.rating_actions", "core.nope"])
    assert con.execute("SELECT expectation, success FROM dq.results WHERE run_id = 'bad' ORDER BY 1").fetchall() == [
        ("required(core.deals)", True), ("required(core.nope)", False), ("required(core.rating_actions)", False)]
