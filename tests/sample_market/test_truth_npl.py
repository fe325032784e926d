"""Figures N-01 … N-07 (seed 002, credit-type small & micro NPAS to 2025-08-31) computed from
the truth with SQL over core tables only. Each ``check_*`` takes a DuckDB connection, so the same
checks run on the seed world and on a world built from another seed."""

from __future__ import annotations

import duckdb
import pytest

from sample_market.truth import load_world
from sample_market.world import npl
from sample_market.world.base import World

OTHER_SEED = 7

# Credit-type small-micro NPAS as the seed counts them: interbank, valued by 2025-08-31.
CREDIT_NPAS = """
    SELECT d.*, year(d.value_date) AS vintage
    FROM core.deals d
    WHERE d.asset_class = 'npl' AND d.asset_subclass = 'credit_npl' AND d.market = 'credit_abs'
      AND d.value_date <= DATE '2025-08-31'
"""

# Cumulative recovery rate by months since issue: cumulative disposal recoveries / initial pool.
RECOVERY_CURVE = f"""
    WITH n AS ({CREDIT_NPAS})
    SELECT n.deal_id, n.vintage, i.full_name_zh AS originator,
           date_diff('month', n.value_date, p.payment_date) AS months_since_issue,
           p.cumulative_recovery_cny / n.initial_pool_balance_cny AS cumulative_recovery_rate
    FROM n
    JOIN core.pool_performance p USING (deal_id)
    JOIN core.institutions i ON i.institution_id = n.originator_id
"""


def one(con, sql, params=None):
    return con.execute(sql, params or []).fetchone()


def check_n_01(con):
    # N-01: deals, issued amount and pool principal (= NPL principal disposed), 亿元 to one decimal.
    count, issued, pool = one(con, f"""
        SELECT count(*), round(sum(deal_amount_cny) / 1e8, 1), round(sum(initial_pool_balance_cny) / 1e8, 1)
        FROM ({CREDIT_NPAS})""")
    assert (count, float(issued), float(pool)) == (29, 49.5, 484.9)


def check_n_02(con):
    # N-02: issued / pool principal by vintage (year of value date), 亿元 to one decimal.
    rows = con.execute(f"""
        SELECT vintage, round(sum(deal_amount_cny) / 1e8, 1), round(sum(initial_pool_balance_cny) / 1e8, 1)
        FROM ({CREDIT_NPAS}) GROUP BY vintage ORDER BY vintage""").fetchall()
    assert [(y, float(a), float(p)) for y, a, p in rows] == [
        (2021, 2.8, 21.7), (2022, 8.8, 69.1), (2023, 11.0, 97.4), (2024, 19.8, 201.1), (2025, 7.1, 95.6)]


def check_n_03(con):
    # N-03: originators of credit NPAS (full name, type); first credit deal; first small-micro NPAS.
    origs = con.execute(f"""
        SELECT DISTINCT i.full_name_zh, i.institution_type
        FROM ({CREDIT_NPAS}) n JOIN core.institutions i ON i.institution_id = n.originator_id
        ORDER BY 1""").fetchall()
    assert sorted(origs) == sorted([
        ("中国建设银行股份有限公司", "state_owned_bank"), ("中国农业银行股份有限公司", "state_owned_bank"),
        ("中国邮政储蓄银行股份有限公司", "state_owned_bank"), ("中国工商银行股份有限公司", "state_owned_bank"),
        ("平安银行股份有限公司", "joint_stock_bank")])
    first_credit = one(con, f"""
        SELECT deal_name_zh, vintage FROM ({CREDIT_NPAS}) ORDER BY value_date LIMIT 1""")
    assert first_credit == ("建鑫2021年第六期不良资产支持证券", 2021)
    # small-micro NPAS of any kind = credit- or mortgage-type
    first_any = one(con, """
        SELECT d.deal_name_zh, i.full_name_zh, d.asset_subclass
        FROM core.deals d JOIN core.institutions i ON i.institution_id = d.originator_id
        WHERE d.asset_class = 'npl' AND d.asset_subclass IN ('credit_npl', 'mortgage_npl')
        ORDER BY d.value_date LIMIT 1""")
    assert first_any == ("和萃2016年第二期不良资产支持证券", "招商银行股份有限公司", "mortgage_npl")


def check_n_04(con):
    # N-04: all small-micro NPAS (credit + mortgage type) valued in 2024; Jan–Aug 2025 above it.
    count, amount = one(con, """
        SELECT count(*), round(sum(deal_amount_cny) / 1e8, 2) FROM core.deals
        WHERE asset_class = 'npl' AND asset_subclass IN ('credit_npl', 'mortgage_npl')
          AND value_date BETWEEN DATE '2024-01-01' AND DATE '2024-12-31'""")
    assert (count, float(amount)) == (26, 85.8)
    ytd = one(con, """
        SELECT sum(deal_amount_cny) / 1e8 FROM core.deals
        WHERE asset_class = 'npl' AND asset_subclass IN ('credit_npl', 'mortgage_npl')
          AND value_date BETWEEN DATE '2025-01-01' AND DATE '2025-08-31'""")[0]
    assert ytd > 85.8


def check_n_05(con):
    # N-05: borrowers per pool (mean, min, max); average balance per borrower = simple mean over
    # deals of (pool principal / borrowers), 万元 to one decimal, rising by vintage.
    mean_b, min_b, max_b, mean_bal = one(con, f"""
        SELECT round(avg(pool_borrower_count)), min(pool_borrower_count), max(pool_borrower_count),
               round(avg(avg_balance_per_borrower_cny) / 1e4, 1)
        FROM ({CREDIT_NPAS})""")
    assert (mean_b, min_b, float(mean_bal)) == (4149, 980, 17.2)
    assert max_b > 30_000
    stated_vs_computed = one(con, f"""
        SELECT max(abs(avg_balance_per_borrower_cny - initial_pool_balance_cny / pool_borrower_count))
        FROM ({CREDIT_NPAS})""")[0]
    assert stated_vs_computed <= 0.005
    by_vintage = [r[1] for r in con.execute(f"""
        SELECT vintage, avg(avg_balance_per_borrower_cny) FROM ({CREDIT_NPAS})
        GROUP BY vintage ORDER BY vintage""").fetchall()]
    assert all(a < b for a, b in zip(by_vintage, by_vintage[1:]))


def check_n_06(con):
    # N-06: weighted-average overdue period mostly (≥ 80 % of pools) within 4–6 months, and the
    # vintage means within one month of each other.
    in_band, total = one(con, f"""
        SELECT count(*) FILTER (WHERE wa_overdue_months BETWEEN 4 AND 6), count(*) FROM ({CREDIT_NPAS})""")
    assert in_band >= 0.8 * total
    spread = one(con, f"""
        SELECT max(m) - min(m) FROM (SELECT vintage, avg(wa_overdue_months) AS m
                                     FROM ({CREDIT_NPAS}) GROUP BY vintage)""")[0]
    assert spread < 1.0


def check_n_07(con):
    # N-07 (a): rating agencies' expected gross recovery rate, vintage means, falls by vintage.
    expected = [r[1] for r in con.execute(f"""
        SELECT vintage, avg(expected_gross_recovery_rate) FROM ({CREDIT_NPAS})
        GROUP BY vintage ORDER BY vintage""").fetchall()]
    assert all(a > b for a, b in zip(expected, expected[1:]))
    # (b) actual cumulative recovery rate by months since issue, vintage means: falls 2021 → 2024
    # at every common month, and the 2024 vintage is clearly (≥ 15 %) below every other vintage.
    curves = con.execute(f"""
        SELECT months_since_issue, vintage, avg(cumulative_recovery_rate)
        FROM ({RECOVERY_CURVE}) WHERE months_since_issue IN (3, 6, 9, 12)
        GROUP BY ALL ORDER BY 1, 2""").fetchall()
    by_month: dict[int, dict[int, float]] = {}
    for m, y, v in curves:
        by_month.setdefault(m, {})[y] = float(v)
    for m, vint in by_month.items():
        early = [vint[y] for y in (2021, 2022, 2023, 2024) if y in vint]
        assert all(a > b for a, b in zip(early, early[1:])), (m, vint)
        assert all(vint[2024] <= 0.85 * v for y, v in vint.items() if y != 2024), (m, vint)
    # (c) originator A (建设银行): at 12 months, exactly one 2024 deal below all its 2022–2023
    # deals, its other 2024 deals inside their range.
    a_rows = con.execute(f"""
        SELECT vintage, cumulative_recovery_rate FROM ({RECOVERY_CURVE})
        WHERE originator = '中国建设银行股份有限公司' AND months_since_issue = 12 AND vintage BETWEEN 2022 AND 2024""").fetchall()
    early = [r for y, r in a_rows if y < 2024]
    late = [r for y, r in a_rows if y == 2024]
    assert len(early) == 4 and len(late) == 3
    assert sum(r < min(early) for r in late) == 1
    assert sum(min(early) <= r <= max(early) for r in late) == 2
    # (d) originator E (平安银行): its 2024 deals recover more than its 2023 deals at the same months.
    e_rows = con.execute(f"""
        SELECT months_since_issue,
               avg(cumulative_recovery_rate) FILTER (WHERE vintage = 2024) AS r2024,
               avg(cumulative_recovery_rate) FILTER (WHERE vintage = 2023) AS r2023
        FROM ({RECOVERY_CURVE}) WHERE originator = '平安银行股份有限公司'
        GROUP BY 1 HAVING r2024 IS NOT NULL AND r2023 IS NOT NULL""").fetchall()
    assert len(e_rows) >= 4 and all(r24 > r23 for _, r24, r23 in e_rows)


def check_n_performance_rows(con):
    # Trustee-report rows of the 29 deals: cumulative recoveries are the running sum of disposal
    # recoveries (other income apart) and never fall; default/delinquency measures are NULL.
    bad = one(con, f"""
        WITH p AS (
            SELECT p.*, sum(recovery_cny) OVER (PARTITION BY deal_id ORDER BY period_number) AS running,
                   lag(cumulative_recovery_cny) OVER (PARTITION BY deal_id ORDER BY period_number) AS prev
            FROM core.pool_performance p WHERE deal_id IN (SELECT deal_id FROM ({CREDIT_NPAS})))
        SELECT count(*) FILTER (WHERE running <> cumulative_recovery_cny OR cumulative_recovery_cny < prev
                                   OR recovery_cny < 0 OR other_income_cny IS NULL),
               count(*) FILTER (WHERE cumulative_default_rate IS NOT NULL OR new_default_cny IS NOT NULL
                                   OR delinquent_1_30_cny IS NOT NULL OR delinquent_90_plus_cny IS NOT NULL
                                   OR not_applicable_reason <> 'NPL pool: no default or delinquency measures'),
               count(DISTINCT deal_id), max(payment_date)
        FROM p""")
    assert bad[:3] == (0, 0, 29)
    assert str(bad[3]) <= "2025-08-31"
    # tranche payments: principal after = before − paid, and tranches of a deal sum to the deal amount
    mismatched = one(con, """
        SELECT count(*) FROM core.tranche_payments
        WHERE principal_after_cny <> principal_before_cny - principal_paid_cny""")[0]
    assert mismatched == 0
    not_summing = one(con, """
        SELECT count(*) FROM core.deals d
        JOIN (SELECT deal_id, sum(amount_cny) AS s FROM core.tranches GROUP BY deal_id) t USING (deal_id)
        WHERE d.asset_class = 'npl' AND t.s <> d.deal_amount_cny""")[0]
    assert not_summing == 0


CHECKS = [check_n_01, check_n_02, check_n_03, check_n_04, check_n_05, check_n_06, check_n_07,
          check_n_performance_rows]


def test_N_01_deals_issued_and_disposed(truth_db):
    check_n_01(truth_db)


def test_N_02_by_vintage(truth_db):
    check_n_02(truth_db)


def test_N_03_originators_and_first_deals(truth_db):
    check_n_03(truth_db)


def test_N_04_all_small_micro_npas_2024(truth_db):
    check_n_04(truth_db)


def test_N_05_borrowers_and_balance_per_borrower(truth_db):
    check_n_05(truth_db)


def test_N_06_overdue_period(truth_db):
    check_n_06(truth_db)


def test_N_07_recovery_by_vintage_and_originator(truth_db):
    check_n_07(truth_db)


def test_npl_performance_rows_consistent(truth_db):
    check_n_performance_rows(truth_db)


# ───────────────────────── determinism and other seeds ─────────────────────────
def _segment_world(seed: int, scale: str = "seed") -> World:
    world = World(scale=scale, seed=seed)
    npl.build(world)
    return world


@pytest.fixture(scope="module")
def other_seed_db():
    con = duckdb.connect()
    load_world(con, _segment_world(OTHER_SEED))
    yield con
    con.close()


def test_npl_is_deterministic():
    a, b = _segment_world(20251231), _segment_world(20251231)
    for table in sorted(a.tables):
        if table.startswith("core."):
            assert a.rows(table) == b.rows(table), table


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
def test_npl_other_seed_same_figures(other_seed_db, check):
    check(other_seed_db)


def test_npl_other_seed_different_deals(truth_db, other_seed_db):
    sql = f"SELECT deal_name_zh, value_date, deal_amount_cny FROM ({CREDIT_NPAS}) ORDER BY 1"
    assert truth_db.execute(sql).fetchall() != other_seed_db.execute(sql).fetchall()


def test_npl_market_year_keeps_figures():

    world = _segment_world(20251231, "market-year")
    con = duckdb.connect()
    load_world(con, world)
    for check in CHECKS:
        check(con)
    reports = con.execute("SELECT count(*) FROM core.pool_performance").fetchone()[0]
    assert reports > 1000
