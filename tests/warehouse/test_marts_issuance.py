"""The issuance-side marts (files 10–39: deal and tranche facts, issuance by month / market /
originator / asset provider, credit enhancement, outstanding, rating migrations, pool performance,
market totals) on small hand-made warehouses, plus the L and S figure catalogue's speed.

Only this segment's mart files (and the curve macro) are applied, so the tests do not depend on
the marts other engineers write.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from warehouse.figures import load_catalogue
from tests.warehouse.conftest import YI, insert

MTN_AAA = "2c9081880fa9d507010fb8505b393fe7"
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def con(mart_db):
    """An empty warehouse with this segment's marts; tests insert the rows they need."""
    con = mart_db
    yield con


def institution(con, iid: str, kind: str, name: str | None = None) -> None:
    insert(con, "core.institutions", institution_id=iid, full_name_zh=(name or iid) + "有限公司",
           short_name_zh=name or iid, institution_type=kind)


def deal(con, deal_id: str, value_date: date, amount_yi: float, *, asset_class="leasing", market="exchange_abs",
         originator="orig_a", provider=None, **extra) -> None:
    insert(con, "core.deals", deal_id=deal_id, deal_name_zh=deal_id, market=market, asset_class=asset_class,
           originator_id=originator, asset_provider_id=provider, value_date=value_date,
           deal_amount_cny=Decimal(str(amount_yi)) * YI, **extra)


def tranche(con, tranche_id: str, deal_id: str, amount_yi: float, *, cls="senior", rank=1, **extra) -> None:
    insert(con, "core.tranches", tranche_id=tranche_id, deal_id=deal_id, tranche_name=tranche_id, tranche_class=cls,
           seniority_rank=rank, amount_cny=Decimal(str(amount_yi)) * YI, **extra)


def rows(con, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


# ─────────────────────────── comments ───────────────────────────
def test_every_mart_and_column_is_commented_in_english_and_chinese(con):
    views = rows(con, "SELECT view_name, comment FROM duckdb_views() WHERE schema_name = 'marts'")
    from warehouse.marts import mart_files

    assert len(views) == len(mart_files()) - 1  # one view per mart file (00 holds the macro)
    for name, comment in views:
        assert comment and CJK.search(comment) and "one row per" in comment.lower(), name
    columns = rows(con, "SELECT table_name, column_name, comment FROM duckdb_columns() WHERE schema_name = 'marts'")
    missing = [f"{t}.{c}" for t, c, comment in columns if not comment or not CJK.search(comment)
               or not re.search(r"[A-Za-z]{3}", comment)]
    assert missing == []


# ─────────────────────────── deal and tranche facts ───────────────────────────
def test_deal_facts_parties_period_labels_and_venue(con):
    institution(con, "orig_a", "lessor", "甲租赁")
    institution(con, "bank_b", "joint_stock_bank", "乙银行")
    deal(con, "d1", date(2025, 3, 14), 12.34, provider="bank_b")
    deal(con, "d2", date(2025, 3, 1), 1.0, market="abn", originator="bank_b")
    insert(con, "core.deal_labels", deal_id="d1", label="高端制造")
    insert(con, "core.deal_labels", deal_id="d1", label="两新")
    tranche(con, "t1", "d1", 10.0)
    tranche(con, "t2", "d1", 2.34, cls="subordinated", rank=2)
    got = {r[0]: r[1:] for r in rows(con, """
        SELECT deal_id, venue, value_year, value_month, value_month_start, deal_amount_yi, originator_name,
               originator_type, originator_category, asset_provider_category, has_labels, label_count, labels,
               tranche_count, senior_amount_cny, subordinated_amount_cny
        FROM marts.deal_facts""")}
    assert got["d1"] == ("exchange", 2025, 3, date(2025, 3, 1), Decimal("12.34"), "甲租赁", "lessor", "lessor",
                         "commercial_bank", True, 2, "两新、高端制造", 2, Decimal("1000000000.00"), Decimal("234000000.00"))
    assert got["d2"][:2] == ("interbank", 2025) and got["d2"][7:] == ("commercial_bank", None, False, 0, None, 0, None, None)


def test_tranche_benchmark_interpolates_the_latest_curve_on_or_before_the_value_date(con):
    for curve_date, shift in ((date(2025, 1, 2), Decimal("0.0100")), (date(2025, 1, 3), Decimal("0"))):
        for tenor, rate in ((Decimal("1"), Decimal("0.0150")), (Decimal("2"), Decimal("0.0170")),
                            (Decimal("3"), Decimal("0.0200"))):
            insert(con, "core.yield_curves", curve_id=MTN_AAA, curve_name_zh="中债中短期票据收益率曲线(AAA)",
                   curve_date=curve_date, tenor_years=tenor, yield_rate=rate + shift)
    institution(con, "orig_a", "lessor")
    deal(con, "d1", date(2025, 1, 5), 3.0)  # a Sunday: the curve of Friday 2025-01-03 applies
    tranche(con, "mid", "d1", 1.0, coupon_rate=Decimal("0.0230"), expected_tenor_years=Decimal("1.5"), initial_rating="AAAsf")
    tranche(con, "on_tenor", "d1", 1.0, coupon_rate=Decimal("0.0250"), expected_tenor_years=Decimal("3"), rank=2)
    tranche(con, "beyond", "d1", 1.0, coupon_rate=Decimal("0.0300"), expected_tenor_years=Decimal("4"), rank=3)
    tranche(con, "sub", "d1", 0.5, cls="subordinated", rank=4, expected_tenor_years=Decimal("2"))
    got = {r[0]: r[1:] for r in rows(con, """
        SELECT tranche_id, benchmark_curve_date, benchmark_yield, spread_bp, is_senior, initial_rating_rank
        FROM marts.tranche_facts""")}
    assert got["mid"][0] == date(2025, 1, 3)
    assert got["mid"][1] == pytest.approx(0.0160) and got["mid"][2] == pytest.approx(70.0)
    assert got["on_tenor"][1] == pytest.approx(0.0200) and got["on_tenor"][2] == pytest.approx(50.0)
    assert got["beyond"][1:3] == (None, None)  # outside the curve's tenors
    assert got["sub"][1] == pytest.approx(0.0170) and got["sub"][2] is None and got["sub"][3] is False
    assert got["mid"][4] == 1 and got["on_tenor"][4] is None
    # the set-based benchmark agrees with the single-lookup macro
    disagree = rows(con, f"""
        SELECT tranche_id FROM marts.tranche_facts
        WHERE benchmark_yield IS DISTINCT FROM marts.curve_yield('{MTN_AAA}', value_date, expected_tenor_years)""")
    assert disagree == []


# ─────────────────────────── issuance and market totals ───────────────────────────
def market_month(con, month: date, issuance_yi: float, outstanding_yi: float) -> None:
    for market, part in (("credit_abs", Decimal("0.2")), ("abn", Decimal("0.3")), ("exchange_abs", Decimal("0.5"))):
        insert(con, "core.market_totals", period_month=month, market=market, issuance_count=1,
               issuance_amount_cny=Decimal(str(issuance_yi)) * YI * part,
               outstanding_amount_cny=Decimal(str(outstanding_yi)) * YI * part)


def test_market_totals_year_to_date_and_yoy(con):
    for year, scale in ((2024, 1), (2025, 2)):
        for month in (1, 2, 3):
            market_month(con, date(year, month, 1), 100 * month * scale, 1000 * scale)
    got = rows(con, """
        SELECT issuance_amount_yi, issuance_ytd_yi, issuance_ytd_prev_year_yi, issuance_ytd_yoy, issuance_ytd_count,
               issuance_interbank_cny, outstanding_amount_yi, outstanding_yoy, month_end_date
        FROM marts.market_totals_by_month WHERE period_month = DATE '2025-02-01'""")
    assert got == [(Decimal("400"), Decimal("600"), Decimal("300"), pytest.approx(1.0), 6,
                    Decimal("20000000000.00"), Decimal("2000"), pytest.approx(1.0), date(2025, 2, 28))]


def test_issuance_by_month_fills_empty_months_and_compares_with_a_year_earlier(con):
    institution(con, "orig_a", "lessor")
    deal(con, "a24", date(2024, 1, 10), 10)
    deal(con, "b24", date(2024, 3, 10), 20)
    deal(con, "a25", date(2025, 1, 20), 15)
    deal(con, "b25", date(2025, 1, 21), 5)
    deal(con, "npl", date(2025, 1, 21), 99, asset_class="npl", market="credit_abs")
    market_month(con, date(2025, 1, 1), 200, 0)
    monthly = rows(con, """
        SELECT month_number, deals, amount_yi, deals_prev_year, amount_yoy, ytd_deals, ytd_amount_yi,
               ytd_amount_prev_year_yi, ytd_share_of_market
        FROM marts.issuance_by_month WHERE asset_class = 'leasing' AND period_year = 2025 AND month_number <= 3
        ORDER BY month_number""")
    assert monthly == [
        (1, 2, Decimal("20"), 1, pytest.approx(1.0), 2, Decimal("20"), Decimal("10"), pytest.approx(0.1)),
        (2, 0, Decimal("0"), 0, None, 2, Decimal("20"), Decimal("10"), None),
        (3, 0, Decimal("0"), 1, pytest.approx(-1.0), 2, Decimal("20"), Decimal("30"), None),
    ]
    assert rows(con, "SELECT count(*) FROM marts.issuance_by_month WHERE asset_class = 'leasing'") == [(24,)]


def test_year_to_date_marts_pair_periods_and_flag_new_originators(con):
    institution(con, "orig_a", "lessor", "甲")
    institution(con, "orig_b", "lessor", "乙")
    institution(con, "orig_c", "lessor", "丙")
    deal(con, "a24", date(2024, 2, 1), 10, originator="orig_a")
    deal(con, "c24", date(2024, 9, 1), 7, originator="orig_c")  # after July: not in Jan–Jul 2024
    deal(con, "a25", date(2025, 3, 1), 30, originator="orig_a", market="abn")
    deal(con, "b25", date(2025, 7, 31), 20, originator="orig_b")
    deal(con, "c25", date(2025, 8, 1), 5, originator="orig_c")  # after July
    by_originator = rows(con, """
        SELECT originator_name, deals, amount_yi, deals_prev_year, amount_yoy, share_of_asset_class,
               rank_in_asset_class, is_new_vs_prev_year, first_value_year
        FROM marts.issuance_by_originator
        WHERE asset_class = 'leasing' AND period_year = 2025 AND through_month = 7
        ORDER BY originator_name""")
    assert by_originator == [
        ("丙", 0, Decimal("0"), 0, None, pytest.approx(0.0), None, False, 2024),
        ("乙", 1, Decimal("20"), 0, None, pytest.approx(0.4), 2, True, 2025),
        ("甲", 1, Decimal("30"), 1, pytest.approx(2.0), pytest.approx(0.6), 1, False, 2024),
    ]
    full_year = rows(con, """
        SELECT originator_name, deals, is_new_vs_prev_year FROM marts.issuance_by_originator
        WHERE period_year = 2025 AND through_month = 12 ORDER BY originator_name""")
    assert full_year == [("丙", 1, False), ("乙", 1, True), ("甲", 1, False)]
    by_market = rows(con, """
        SELECT market, venue, deals, amount_yi, deals_prev_year, share_of_asset_class
        FROM marts.issuance_by_market WHERE period_year = 2025 AND through_month = 7 ORDER BY market""")
    assert by_market == [("abn", "interbank", 1, Decimal("30"), 0, pytest.approx(0.6)),
                         ("exchange_abs", "exchange", 1, Decimal("20"), 1, pytest.approx(0.4))]
    # no rows for years after the last value year
    assert rows(con, "SELECT max(period_year) FROM marts.issuance_by_market") == [(2025,)]


def test_asset_provider_groups(con):
    institution(con, "orig_t", "trust")
    for iid, kind in (("p_big", "state_owned_bank"), ("p_rural", "rural_commercial_bank"), ("p_ml", "micro_lender"),
                      ("p_ins", "pc_insurer"), ("p_pb", "private_bank")):
        institution(con, iid, kind)
    for i, provider in enumerate(("p_big", "p_rural", "p_ml", "p_ins", "p_pb")):
        deal(con, f"d{i}", date(2025, 5, 1), 10 + i, asset_class="small_micro_loan", originator="orig_t", provider=provider)
    got = rows(con, """
        SELECT asset_provider_category, asset_provider_group, sum(deals)
        FROM marts.issuance_by_asset_provider WHERE period_year = 2025 AND through_month = 12
        GROUP BY ALL ORDER BY ALL""")
    assert got == [("commercial_bank", "commercial_bank", 2), ("micro_lender", "micro_lender_or_pc_insurer", 1),
                   ("pc_insurer", "micro_lender_or_pc_insurer", 1), ("private_bank", "private_bank", 1)]


# ─────────────────────────── enhancement, outstanding, ratings ───────────────────────────
def test_best_enhancer_is_the_highest_rated_then_the_closest_relation(con):
    for iid in ("orig_a", "rel", "guar", "orig_b"):
        institution(con, iid, "lessor" if iid.startswith("orig") else "corporate")
    deal(con, "d1", date(2025, 1, 1), 10)
    deal(con, "d2", date(2025, 1, 1), 10, originator="orig_b")
    deal(con, "d3", date(2025, 1, 1), 10)
    for deal_id, enhancer, kind, relation, rating in (
        ("d1", "orig_a", "shortfall_payment", "originator", "AA+"),
        ("d1", "rel", "guarantee", "related_party", "AAA"),
        ("d1", "guar", "guarantee", "professional_guarantor", "AAA"),
        ("d2", "guar", "guarantee", "professional_guarantor", "AA"),
        ("d2", "orig_b", "shortfall_payment", "originator", "AA"),
    ):
        insert(con, "core.credit_enhancements", deal_id=deal_id, enhancer_id=enhancer, enhancement_kind=kind,
               enhancer_relation=relation, enhancer_rating=rating)
    got = rows(con, """
        SELECT deal_id, has_external_enhancement, enhancer_count, best_enhancer_relation, best_enhancer_rating
        FROM marts.deal_credit_enhancement ORDER BY deal_id""")
    assert got == [("d1", True, 3, "related_party", "AAA"), ("d2", True, 2, "originator", "AA"),
                   ("d3", False, 0, None, None)]


def test_outstanding_against_a_year_earlier_and_the_market(con):
    institution(con, "orig_a", "lessor")
    deal(con, "d1", date(2024, 1, 1), 10)
    deal(con, "d2", date(2025, 1, 1), 10)
    tranche(con, "t1", "d1", 8)
    tranche(con, "t2", "d1", 2, cls="subordinated", rank=2)
    tranche(con, "t3", "d2", 10)
    for tranche_id, as_of, yi in (("t1", date(2024, 12, 31), 6), ("t2", date(2024, 12, 31), 2),
                                  ("t1", date(2025, 12, 31), 1), ("t3", date(2025, 12, 31), 9)):
        insert(con, "core.tranche_balances", tranche_id=tranche_id, as_of_date=as_of, outstanding_cny=Decimal(yi) * YI)
    market_month(con, date(2025, 12, 1), 0, 100)
    got = rows(con, """
        SELECT as_of_date, deals, tranches, outstanding_yi, share_of_market, outstanding_yoy, deals_prev_year_end
        FROM marts.outstanding_at_date ORDER BY as_of_date""")
    assert got == [(date(2024, 12, 31), 1, 2, Decimal("8"), None, None, None),
                   (date(2025, 12, 31), 2, 2, Decimal("10"), pytest.approx(0.1), pytest.approx(0.25), 1)]


def test_rating_migrations_exclude_initial_ratings_and_count_notches(con):
    institution(con, "orig_a", "lessor")
    institution(con, "agency", "rating_agency", "评级甲")
    deal(con, "d1", date(2024, 1, 1), 10)
    tranche(con, "t1", "d1", 10, initial_rating="AA+sf")
    for when, kind, before, after in ((date(2024, 1, 1), "initial", None, "AA+sf"),
                                      (date(2025, 6, 1), "upgrade", "AA+sf", "AAAsf"),
                                      (date(2026, 6, 1), "affirm", "AAAsf", "AAAsf")):
        insert(con, "core.rating_actions", tranche_id="t1", agency_id="agency", action_date=when, action_type=kind,
               rating_before=before, rating_after=after)
    got = rows(con, """
        SELECT action_date, rating_before_rank, rating_after_rank, notches_up, is_upgrade, agency_name
        FROM marts.rating_migrations ORDER BY action_date""")
    assert got == [(date(2025, 6, 1), 2, 1, 1, True, "评级甲"), (date(2026, 6, 1), 1, 1, 0, False, "评级甲")]


# ─────────────────────────── pool performance ───────────────────────────
def test_pool_performance_months_on_book_revolving_and_year_ends(con):
    institution(con, "orig_t", "trust")
    institution(con, "platform", "internet_platform")
    deal(con, "rev", date(2024, 11, 15), 10, asset_class="small_micro_loan", originator="orig_t", provider="platform",
         initial_pool_balance_cny=Decimal(10) * YI, is_revolving=True)
    periods = [  # period, collection end, payment date, purchase (亿元), cumulative default rate
        (1, date(2024, 12, 15), date(2024, 12, 26), 5, Decimal("0.001")),
        (2, date(2025, 1, 15), date(2025, 1, 26), 5, None),
        (3, date(2025, 2, 15), date(2025, 2, 26), 0, Decimal("0.004")),
    ]
    cumulative = 0
    for number, end, paid, purchase, cdr in periods:
        cumulative += purchase
        insert(con, "core.pool_performance", deal_id="rev", period_number=number, collection_period_end=end,
               payment_date=paid, revolving_purchase_cny=Decimal(purchase) * YI,
               cumulative_revolving_purchase_cny=Decimal(cumulative) * YI, cumulative_default_rate=cdr,
               pool_balance_end_cny=Decimal(8) * YI, document_id="doc")
    got = rows(con, """
        SELECT period_number, months_on_book, revolving_multiple, revolving_periods_to_date, is_latest_period, pool_factor
        FROM marts.pool_performance_by_mob ORDER BY period_number""")
    assert got == [(1, 1, pytest.approx(0.5), 1, False, pytest.approx(0.8)),
                   (2, 2, pytest.approx(1.0), 2, False, pytest.approx(0.8)),
                   (3, 3, pytest.approx(1.0), 2, True, pytest.approx(0.8))]
    year_ends = rows(con, """
        SELECT year_end_year, period_number, cumulative_default_rate, revolving_multiple, asset_provider_category
        FROM marts.pool_performance_at_year_end ORDER BY year_end_year""")
    assert year_ends == [(2024, 1, Decimal("0.001"), pytest.approx(0.5), "internet_platform"),
                         (2025, 3, Decimal("0.004"), pytest.approx(1.0), "internet_platform")]


# ─────────────────────────── the catalogue on the truth ───────────────────────────
MY_FIGURES = [f for f in load_catalogue() if f.id[:2] in ("L-", "S-")]


def test_every_L_and_S_figure_has_an_entry():
    assert sorted(f.id for f in MY_FIGURES) == sorted(
        [f"L-{i:02d}" for i in range(1, 13)] + [f"S-{i:02d}" for i in range(1, 12)])

