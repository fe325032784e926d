"""Whole-ABS-market monthly totals (core.market_totals): the denominators of L-01, L-02, L-11,
S-01 and S-09 print as the reports do; the monthly rows are complete and coherent.

The numerators of S-01 and S-09 belong to the small-micro segment; here they enter as the
printed literals (2,698.13 and 2,243.36 亿元) so this file checks only the denominators.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from sample_market.truth import load_world
from sample_market.world import market_totals
from sample_market.world.base import World

OTHER_SEED = 7


def build_totals(seed: int) -> World:
    world = World(scale="seed", seed=seed)
    market_totals.build(world)
    return world


@pytest.fixture(scope="module")
def other_db():
    con = duckdb.connect()
    load_world(con, build_totals(OTHER_SEED))
    yield con
    con.close()


@pytest.fixture(params=["seed", "other_seed"])
def db(request):
    return request.getfixturevalue("truth_db" if request.param == "seed" else "other_db")


def one(con, sql: str):
    return con.execute(sql).fetchone()


def test_rows_are_complete(db):
    # one row per month 2024-01 … 2025-12 and market
    assert one(
        db,
        "SELECT count(*), count(DISTINCT period_month), count(DISTINCT market), min(period_month), max(period_month) "
        "FROM core.market_totals",
    ) == (72, 24, 3, date(2024, 1, 1), date(2025, 12, 1))
    assert sorted(r[0] for r in db.execute("SELECT DISTINCT market FROM core.market_totals").fetchall()) == [
        "abn",
        "credit_abs",
        "exchange_abs",
    ]
    assert one(
        db,
        "SELECT count(*) FROM core.market_totals WHERE NOT (issuance_count > 0 AND issuance_amount_cny > 0 "
        "AND outstanding_count > 0 AND outstanding_amount_cny > 0)",
    ) == (0,)


L01_SQL = """
-- L-01: whole-market issuance 2025 Jan–Jul (亿元) and YoY vs 2024 Jan–Jul
SELECT round(sum(issuance_amount_cny) FILTER (WHERE period_month BETWEEN '2025-01-01' AND '2025-07-01') / 1e8, 2),
       round(100 * (sum(issuance_amount_cny) FILTER (WHERE period_month BETWEEN '2025-01-01' AND '2025-07-01')
                  / sum(issuance_amount_cny) FILTER (WHERE period_month BETWEEN '2024-01-01' AND '2024-07-01') - 1), 2)
FROM core.market_totals
"""


def test_L_01_denominator(db):
    assert one(db, L01_SQL) == (11753.76, 22.47)


L02_SQL = """
-- L-02: 1,358.80 亿元 of leasing issuance as a share of whole-market issuance 2025 Jan–Jul
SELECT round(100 * 135880000000 / sum(issuance_amount_cny), 2)
FROM core.market_totals WHERE period_month BETWEEN '2025-01-01' AND '2025-07-01'
"""


def test_L_02_denominator(db):
    assert one(db, L02_SQL) == (11.56,)


S01_SQL = """
-- S-01: 2,698.13 亿元 of small-micro issuance as a share of whole-market issuance in calendar 2025
SELECT round(sum(issuance_amount_cny) / 1e8, 2), round(100 * 269813000000 / sum(issuance_amount_cny), 2)
FROM core.market_totals WHERE year(period_month) = 2025
"""


def test_S_01_denominator(db):
    assert one(db, S01_SQL) == (22768.45, 11.85)


OUTSTANDING_SQL = """
-- L-11 / S-09: whole-market outstanding at a month end (亿元)
SELECT period_month, round(sum(outstanding_amount_cny) / 1e8, 2) AS outstanding_yi
FROM core.market_totals
WHERE period_month IN ('2024-12-01', '2025-07-01', '2025-12-01')
GROUP BY period_month ORDER BY period_month
"""


def test_L_11_and_S_09_denominators(db):
    got = db.execute(OUTSTANDING_SQL).fetchall()
    assert [v for _, v in got] == [32180.40, 33201.15, 35779.30]
    # L-11: 3,442.96 / Jul-2025 outstanding; S-09: 2,243.36 / Dec-2025 outstanding
    assert round(100 * 3442.96 / got[1][1], 2) == 10.37
    assert round(100 * 2243.36 / got[2][1], 2) == 6.27
    assert one(
        db,
        "SELECT round(100 * 344296000000 / sum(outstanding_amount_cny), 2) FROM core.market_totals WHERE period_month = '2025-07-01'",
    ) == (10.37,)
    assert one(
        db,
        "SELECT round(100 * 224336000000 / sum(outstanding_amount_cny), 2) FROM core.market_totals WHERE period_month = '2025-12-01'",
    ) == (6.27,)


REPAYMENT_SQL = """
-- Coherence: implied repayments (issuance − change in outstanding) are never negative, month by month
WITH m AS (
    SELECT period_month, sum(issuance_amount_cny) AS issued, sum(outstanding_amount_cny) AS stock
    FROM core.market_totals GROUP BY period_month
)
SELECT count(*) FROM (
    SELECT issued - (stock - lag(stock) OVER (ORDER BY period_month)) AS repaid FROM m
) WHERE repaid < 0
"""


def test_implied_repayments_are_positive(db):
    assert one(db, REPAYMENT_SQL) == (0,)


def test_segment_deals_fit_inside_the_market(truth_db):
    """Deals of every segment, by value month and market, never exceed the whole market."""
    over = one(
        truth_db,
        """
        WITH d AS (
            SELECT date_trunc('month', value_date) AS period_month, market, count(*) AS deals, sum(deal_amount_cny) AS amount
            FROM core.deals WHERE value_date BETWEEN '2024-01-01' AND '2025-12-31'
            GROUP BY ALL
        )
        SELECT count(*) FROM d JOIN core.market_totals m USING (period_month, market)
        WHERE d.deals > m.issuance_count OR d.amount > m.issuance_amount_cny
        """,
    )
    assert over == (0,)


def test_deterministic_and_seeded(seed_world):
    again = build_totals(seed_world.seed)
    assert again.rows("core.market_totals") == seed_world.rows("core.market_totals")
    assert build_totals(OTHER_SEED).rows("core.market_totals") != seed_world.rows("core.market_totals")
