"""The local-AMC marts (files 60–79) on small hand-made warehouses: the maturity wall's due-date
rule (a puttable bond counts at its next put date, an extended bond at its new date, a defaulted or
repaid bond not at all), net financing by year with puts and early redemptions, licence periods,
rating validity and the financial ratios.

"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tests.warehouse.conftest import YI, insert



@pytest.fixture
def con(mart_db):
    """An empty warehouse with the N/M/A marts; tests insert the rows they need."""
    con = mart_db
    yield con


def amc(con, amc_id: str, *, licensed: date = date(2016, 1, 1), province="浙江省", ownership="state",
        status="active", sample=False) -> None:
    insert(con, "core.institutions", institution_id="inst_" + amc_id, full_name_zh=amc_id + "资产管理有限公司",
           short_name_zh=amc_id, institution_type="local_amc")
    insert(con, "core.amcs", amc_id=amc_id, institution_id="inst_" + amc_id, full_name_zh=amc_id + "资产管理有限公司",
           short_name_zh=amc_id, province=province, ownership=ownership, licence_status=status,
           in_financial_sample=sample)
    insert(con, "core.amc_licence_events", amc_id=amc_id, event_date=licensed, event_type="licensed")


def bond(con, code: str, value_date: date, maturity: date, amount_yi: float | None, *, issuer="amc_a",
         put: date | None = None, offshore=False, abs_=False, term=3.0, coupon=0.03) -> None:
    insert(con, "core.amc_bonds", security_code=code, amc_id=issuer, short_name=code,
           bond_type="abs" if abs_ else ("offshore" if offshore else "corporate_bond"),
           is_offshore=offshore, is_abs=abs_, currency="USD" if offshore else "CNY",
           amount_cny=None if offshore or amount_yi is None else Decimal(str(amount_yi)) * YI,
           amount_original=Decimal(str(amount_yi or 1)) * YI, term_years=term, coupon_rate=coupon,
           value_date=value_date, maturity_date=maturity, next_put_date=put)


def event(con, code: str, day: date, kind: str, amount_yi: float | None = None, new_maturity: date | None = None):
    insert(con, "core.amc_bond_events", security_code=code, event_date=day, event_type=kind,
           amount_cny=None if amount_yi is None else Decimal(str(amount_yi)) * YI, new_maturity_date=new_maturity)


def wall(con, as_of: date) -> dict[int, float]:
    return {y: float(a) for y, a in con.execute(
        "SELECT due_year, amount_yi FROM marts.amc_maturity_wall WHERE as_of_date = ? ORDER BY due_year",
        [as_of]).fetchall()}


# ───────────────────────────── maturity wall ─────────────────────────────
@pytest.fixture
def wall_con(con):
    amc(con, "amc_a")
    bond(con, "PLAIN", date(2024, 1, 10), date(2027, 1, 10), 10)                       # due at maturity 2027
    bond(con, "PUTTABLE", date(2023, 3, 1), date(2028, 3, 1), 5, put=date(2026, 3, 1))  # due at its put, 2026
    bond(con, "EXTENDED", date(2022, 5, 6), date(2025, 5, 6), 3)                       # extended to 2026-05-06
    event(con, "EXTENDED", date(2025, 5, 6), "extension", new_maturity=date(2026, 5, 6))
    bond(con, "DEFAULTED", date(2022, 3, 20), date(2025, 3, 20), 4)                    # defaulted: never counted after
    event(con, "DEFAULTED", date(2025, 3, 20), "default", 4)
    bond(con, "REPAID", date(2024, 6, 1), date(2025, 6, 1), 2, term=1.0)               # repaid at maturity
    event(con, "REPAID", date(2025, 6, 1), "repayment", 2)
    # put in part in 2025; its next put date is now 2027-08-01: the 4 亿 left count in 2027
    bond(con, "PART_PUT", date(2022, 8, 1), date(2029, 8, 1), 6, put=date(2027, 8, 1), term=7.0)
    event(con, "PART_PUT", date(2025, 8, 1), "put_repayment", 2)
    bond(con, "REDEEMED", date(2023, 2, 1), date(2026, 2, 1), 3)                       # redeemed early, in full
    event(con, "REDEEMED", date(2025, 2, 1), "early_redemption", 3)
    bond(con, "OFFSHORE", date(2024, 1, 1), date(2027, 1, 1), 1, offshore=True)        # out of scope
    bond(con, "AMC_ABS", date(2024, 1, 1), date(2026, 1, 1), 7, abs_=True)             # out of scope
    bond(con, "LATER", date(2025, 12, 15), date(2028, 12, 15), 9)                      # not yet issued at 2025-11-30
    return con


def test_maturity_wall_counts_puts_at_put_date_extensions_at_new_date_and_drops_defaults_and_repaid(wall_con):
    assert wall(wall_con, date(2025, 11, 30)) == {2026: 8.0, 2027: 14.0}  # PUTTABLE 5 + EXTENDED 3; PLAIN 10 + PART_PUT 4
    shares = dict(wall_con.execute("""
        SELECT due_year, share_of_outstanding FROM marts.amc_maturity_wall WHERE as_of_date = DATE '2025-11-30'
    """).fetchall())
    assert shares[2026] == pytest.approx(8 / 22) and shares[2027] == pytest.approx(14 / 22)
    total = wall_con.execute("""
        SELECT DISTINCT total_outstanding_yi FROM marts.amc_maturity_wall WHERE as_of_date = DATE '2025-11-30'
    """).fetchall()
    assert total == [(22.0,)]


def test_maturity_wall_follows_the_events_in_time(wall_con):
    # At 2025-01-31 nothing has happened yet: EXTENDED, DEFAULTED and REPAID are due in 2025 at their
    # maturity, REDEEMED in 2026, PART_PUT in full (6 亿) at its put date.
    assert wall(wall_con, date(2025, 1, 31)) == {2025: 9.0, 2026: 8.0, 2027: 16.0}
    # After the redemption (2025-02-01) and the default (2025-03-20), before the extension.
    assert wall(wall_con, date(2025, 4, 30)) == {2025: 5.0, 2026: 5.0, 2027: 16.0}
    # Once issued, LATER counts at its maturity.
    assert wall(wall_con, date(2025, 12, 31)) == {2026: 8.0, 2027: 14.0, 2028: 9.0}


def test_bond_states_at_a_date(wall_con):
    rows = dict((code, (status, balance if balance is None else float(balance), due, basis))
                for code, status, balance, due, basis in wall_con.execute("""
        SELECT security_code, status, balance_yi, due_date, due_basis FROM marts.amc_bond_outstanding
        WHERE state_from <= DATE '2025-11-30' AND (state_until IS NULL OR state_until > DATE '2025-11-30')
    """).fetchall())
    assert rows["PUTTABLE"] == ("outstanding", 5.0, date(2026, 3, 1), "put")
    assert rows["EXTENDED"] == ("outstanding", 3.0, date(2026, 5, 6), "extension")
    assert rows["DEFAULTED"][0] == "defaulted"
    assert rows["REPAID"][:2] == ("repaid", 0.0)
    assert rows["REDEEMED"][:2] == ("repaid", 0.0)
    assert rows["PART_PUT"] == ("outstanding", 4.0, date(2027, 8, 1), "put")
    assert "LATER" not in rows
    assert rows["OFFSHORE"][1] is None  # offshore bonds have no CNY amount


# ───────────────────────────── net financing ─────────────────────────────
def test_net_financing_is_issuance_minus_repayments_puts_and_early_redemptions_by_year(con):
    amc(con, "amc_a")
    amc(con, "amc_b")
    bond(con, "X", date(2023, 2, 1), date(2026, 2, 1), 10)
    bond(con, "Y", date(2023, 6, 1), date(2026, 6, 1), 5, issuer="amc_b")
    bond(con, "Z", date(2024, 3, 1), date(2025, 3, 1), 8, term=1.0)
    bond(con, "W", date(2024, 3, 1), date(2027, 3, 1), 2, offshore=True)   # offshore: excluded
    bond(con, "V", date(2024, 4, 1), date(2026, 4, 1), 7, abs_=True)       # ABS: excluded
    event(con, "X", date(2024, 2, 1), "put_repayment", 4)
    event(con, "Y", date(2024, 9, 1), "early_redemption", 5)
    event(con, "X", date(2025, 2, 1), "repayment", 6)
    event(con, "Z", date(2025, 3, 1), "default", 8)                           # a default is not a repayment
    event(con, "V", date(2025, 4, 1), "repayment", 7)                         # ABS: excluded
    by_year = {y: tuple(float(v) for v in rest) for y, *rest in con.execute("""
        SELECT period_year, sum(issued_yi), sum(repaid_yi), sum(net_financing_yi)
        FROM marts.amc_net_financing GROUP BY 1 ORDER BY 1
    """).fetchall()}
    assert by_year == {2023: (15.0, 0.0, 15.0), 2024: (8.0, 9.0, -1.0), 2025: (0.0, 6.0, -6.0)}
    kinds = con.execute("""
        SELECT sum(repaid_at_maturity_cny), sum(repaid_on_put_cny), sum(redeemed_early_cny)
        FROM marts.amc_net_financing
    """).fetchone()
    assert tuple(k / YI for k in kinds) == (6, 4, 5)
    per_amc = dict(con.execute("""
        SELECT amc_id, sum(net_financing_yi) FROM marts.amc_net_financing GROUP BY 1
    """).fetchall())
    assert per_amc == {"amc_a": 8.0, "amc_b": 0.0}


def test_issuance_classifies_long_short_and_scope(con):
    amc(con, "amc_a")
    bond(con, "SHORT", date(2024, 1, 5), date(2024, 10, 5), 2, term=0.7397)
    bond(con, "ONE_YEAR", date(2024, 2, 5), date(2025, 2, 5), 3, term=1.0)
    bond(con, "OFF", date(2024, 3, 5), date(2027, 3, 5), 1.5, offshore=True)
    rows = {r[0]: r[1:] for r in con.execute("""
        SELECT security_code, term_class, tenor_bucket, is_onshore_debt, amount_original_yi
        FROM marts.amc_bond_issuance
    """).fetchall()}
    assert rows["SHORT"][:3] == ("short", "<1y", True)
    assert rows["ONE_YEAR"][:3] == ("long", "1y", True)  # the one-year boundary counts as long-term
    assert rows["OFF"][2] is False and rows["OFF"][3] == 1.5


# ───────────────────────────── registry and ratings ─────────────────────────────
def test_licence_periods_give_the_active_count_at_a_date(con):
    amc(con, "amc_a", licensed=date(2015, 1, 1))
    amc(con, "amc_b", licensed=date(2016, 1, 1), status="deregistered")
    amc(con, "amc_c", licensed=date(2024, 6, 1))
    insert(con, "core.amc_licence_events", amc_id="amc_b", event_date=date(2024, 1, 18), event_type="deregistered")
    active = """SELECT count(DISTINCT amc_id) FROM marts.amc_licence_periods
                WHERE licensed_from <= ? AND (licensed_until IS NULL OR licensed_until > ?)"""
    assert con.execute(active, [date(2023, 12, 31)] * 2).fetchone()[0] == 2
    assert con.execute(active, [date(2024, 1, 18)] * 2).fetchone()[0] == 1  # the event counts from its day
    assert con.execute(active, [date(2024, 12, 31)] * 2).fetchone()[0] == 2
    registry = dict(con.execute("SELECT amc_id, end_event_type FROM marts.amc_registry").fetchall())
    assert registry == {"amc_a": None, "amc_b": "deregistered", "amc_c": None}


def test_valid_rating_is_the_lowest_agency_rating_within_a_year_and_not_withdrawn(con):
    for a in ("amc_a", "amc_b", "amc_c"):
        amc(con, a)
    for agency in ("ag_1", "ag_2"):
        insert(con, "core.institutions", institution_id=agency, full_name_zh=agency, institution_type="rating_agency")

    def rating(a, agency, day, value, action="affirm"):
        insert(con, "core.amc_issuer_ratings", amc_id=a, agency_id=agency, rating_date=day, rating=value,
               action_type=action)

    rating("amc_a", "ag_1", date(2025, 3, 1), "AAA", "assign")
    rating("amc_a", "ag_2", date(2025, 5, 1), "AA+", "assign")          # two agencies: the lower counts
    rating("amc_b", "ag_1", date(2024, 6, 15), "AAA", "assign")         # expires after one year
    rating("amc_c", "ag_1", date(2024, 7, 1), "AA", "assign")
    rating("amc_c", "ag_1", date(2025, 6, 16), None, "withdraw")        # withdrawn
    rows = {r[0]: r[1:] for r in con.execute("""
        SELECT amc_id, has_rating_history, valid_rating, latest_rating, last_action_type
        FROM marts.amc_ratings_at_month_end WHERE as_of_date = DATE '2025-11-30'
    """).fetchall()}
    assert rows["amc_a"] == (True, "AA+", "AA+", "assign")
    assert rows["amc_b"] == (True, None, "AAA", "assign")
    assert rows["amc_c"] == (True, None, "AA", "withdraw")
    end_2024 = dict(con.execute("""
        SELECT amc_id, valid_rating FROM marts.amc_ratings_at_month_end WHERE as_of_date = DATE '2024-12-31'
    """).fetchall())
    assert end_2024 == {"amc_a": None, "amc_b": "AAA", "amc_c": "AA"}
    # validity interval: valid through the anniversary, inclusive
    valid_to = con.execute("SELECT valid_to FROM marts.amc_ratings WHERE amc_id = 'amc_b'").fetchone()[0]
    assert valid_to == date(2025, 6, 15)


# ───────────────────────────── financial ratios ─────────────────────────────
def test_financial_ratios_annualise_h1_and_grow_on_the_previous_year_end(con):
    amc(con, "amc_a", sample=True)
    amc(con, "amc_b", sample=True)

    def fin(a, day, kind, assets, debt, net_profit, short_debt=20, cash=6):
        insert(con, "core.amc_financials", amc_id=a, period_end_date=day, period_kind=kind,
               total_assets_cny=Decimal(assets) * YI, net_assets_cny=Decimal(assets - debt) * YI,
               total_debt_cny=Decimal(debt) * YI, short_term_debt_cny=Decimal(short_debt) * YI,
               cash_cny=Decimal(cash) * YI, net_profit_cny=Decimal(str(net_profit)) * YI,
               total_profit_cny=Decimal(str(net_profit)) * YI * Decimal("1.25"))

    fin("amc_a", date(2023, 12, 31), "FY", 100, 60, 4)
    fin("amc_a", date(2024, 6, 30), "H1", 104, 62, 1.5)
    fin("amc_a", date(2024, 12, 31), "FY", 110, 66, 5)
    fin("amc_a", date(2025, 6, 30), "H1", 121, 70, 2)
    fin("amc_b", date(2024, 12, 31), "FY", 50, 40, 1)
    fin("amc_b", date(2025, 6, 30), "H1", 45, 36, -0.5)
    a = con.execute("""
        SELECT debt_to_assets, cash_to_short_term_debt, annualised_net_profit_cny / 1e8, total_assets_growth,
               net_profit_yoy, total_assets_rank
        FROM marts.amc_financial_ratios WHERE amc_id = 'amc_a' AND period_end_date = DATE '2025-06-30'
    """).fetchone()
    assert a[0] == pytest.approx(70 / 121) and a[1] == pytest.approx(0.3)
    assert a[2] == pytest.approx(4.0)                       # H1 × 2
    assert a[3] == pytest.approx(121 / 110 - 1)             # vs the previous year end
    assert a[4] == pytest.approx(2 / 1.5 - 1)               # vs H1 of the previous year
    assert a[5] == 1
    t = con.execute("""
        SELECT amcs, total_assets_growth, top5_share_of_total_assets, net_profit_cny / 1e8, annualised_return_on_net_assets
        FROM marts.amc_financial_totals WHERE period_end_date = DATE '2025-06-30'
    """).fetchone()
    assert t[0] == 2 and t[1] == pytest.approx(166 / 160 - 1) and t[2] == pytest.approx(1.0)
    assert t[3] == pytest.approx(1.5) and t[4] == pytest.approx(3.0 / (51 + 9))
