"""Seed 000 (financial-leasing ABS, 2025-01-01 … 2025-07-31): every figure L-01 … L-12
computed from the truth with SQL over core tables, at the printed precision.

Each figure runs on the seed world (``truth_db``) and on a world built with another seed
(different deals, same figures). The SQL is written to become the analysts' figure catalogue.

Definitions used throughout:
- issuance period by value date (起息日); "2025 Jan–Jul" = 2025-01-01 … 2025-07-31;
- venue: exchange = market 'exchange_abs'; interbank = 'credit_abs' + 'abn';
- senior tranches (优先级证券) = every tranche that is not subordinated (优先A* and 优先B);
- originator = core.deals.originator_id (原始权益人/发起机构).
"""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from sample_market.truth import load_world
from sample_market.world import curves, leasing, market_totals
from sample_market.world.base import World

OTHER_SEED = 7
MY_TABLES = (
    "core.deals",
    "core.tranches",
    "core.deal_labels",
    "core.credit_enhancements",
    "core.rating_actions",
    "core.tranche_balances",
)


def build_segments(seed: int, scale: str = "seed") -> World:
    """Only the segments this file checks: curves (L-08 spreads), leasing, market totals."""
    world = World(scale=scale, seed=seed)
    for module in (curves, leasing, market_totals):
        module.build(world)
    return world


@pytest.fixture(scope="module")
def other_world() -> World:
    return build_segments(OTHER_SEED)


@pytest.fixture(scope="module")
def other_db(other_world):
    con = duckdb.connect()
    load_world(con, other_world)
    yield con
    con.close()


@pytest.fixture(params=["seed", "other_seed"])
def db(request):
    return request.getfixturevalue("truth_db" if request.param == "seed" else "other_db")


def one(con, sql: str):
    return con.execute(sql).fetchone()


def rows(con, sql: str):
    return con.execute(sql).fetchall()


# ───────────────────────────── figures ─────────────────────────────

L01_SQL = """
-- L-01: whole-ABS-market issuance (exchange + interbank), 2025 Jan–Jul, and YoY vs 2024 Jan–Jul
WITH t AS (
    SELECT sum(issuance_amount_cny) FILTER (WHERE period_month BETWEEN '2025-01-01' AND '2025-07-01') AS amount_2025,
           sum(issuance_amount_cny) FILTER (WHERE period_month BETWEEN '2024-01-01' AND '2024-07-01') AS amount_2024
    FROM core.market_totals
)
SELECT round(amount_2025 / 1e8, 2) AS amount_yi,
       round(100 * (amount_2025 / amount_2024 - 1), 2) AS yoy_pct
FROM t
"""


def test_L_01_all_abs_issuance(db):
    assert one(db, L01_SQL) == (11753.76, 22.47)


L02_SQL = """
-- L-02: leasing ABS issued 2025 Jan–Jul (deals, 亿元), YoY vs 2024 Jan–Jul, share of all-ABS issuance
WITH leasing AS (
    SELECT year(value_date) AS yr, count(*) AS deals, sum(deal_amount_cny) AS amount
    FROM core.deals
    WHERE asset_class = 'leasing' AND year(value_date) IN (2024, 2025) AND month(value_date) <= 7
    GROUP BY yr
),
market AS (
    SELECT sum(issuance_amount_cny) AS amount
    FROM core.market_totals
    WHERE period_month BETWEEN '2025-01-01' AND '2025-07-01'
)
SELECT cur.deals,
       round(cur.amount / 1e8, 2) AS amount_yi,
       round(100.0 * (cur.deals - prev.deals) / prev.deals, 2) AS deals_yoy_pct,
       round(100 * (cur.amount / prev.amount - 1), 2) AS amount_yoy_pct,
       round(100 * cur.amount / market.amount, 2) AS share_of_abs_pct,
       prev.deals AS deals_2024,
       round(prev.amount / 1e8, 2) AS amount_2024_yi
FROM leasing cur, leasing prev, market
WHERE cur.yr = 2025 AND prev.yr = 2024
"""


def test_L_02_leasing_issuance(db):
    assert one(db, L02_SQL) == (140, 1358.80, 9.38, 13.30, 11.56, 128, 1199.29)


L03_SQL = """
-- L-03: 2025 Jan–Jul leasing issuance by venue (exchange = exchange_abs; interbank = credit_abs + abn):
-- deals, 亿元, share of leasing issuance, amount YoY vs 2024 Jan–Jul
WITH d AS (
    SELECT CASE WHEN market = 'exchange_abs' THEN 'exchange' ELSE 'interbank' END AS venue,
           year(value_date) AS yr,
           deal_amount_cny AS amount
    FROM core.deals
    WHERE asset_class = 'leasing' AND year(value_date) IN (2024, 2025) AND month(value_date) <= 7
)
SELECT venue,
       count(*) FILTER (WHERE yr = 2025) AS deals,
       round(sum(amount) FILTER (WHERE yr = 2025) / 1e8, 2) AS amount_yi,
       round(100 * sum(amount) FILTER (WHERE yr = 2025) / sum(sum(amount) FILTER (WHERE yr = 2025)) OVER (), 2) AS share_pct,
       round(100 * (sum(amount) FILTER (WHERE yr = 2025) / sum(amount) FILTER (WHERE yr = 2024) - 1), 2) AS yoy_pct
FROM d
GROUP BY venue
ORDER BY venue
"""


def test_L_03_by_venue(db):
    exchange, interbank = rows(db, L03_SQL)
    assert exchange == ("exchange", 123, 1245.13, 91.63, 17.09)
    assert interbank[:3] == ("interbank", 17, 113.67)


L04_SQL = """
-- L-04: 2025 Jan–Jul leasing issuance by asset type (对公租赁 corporate_leasing, 小微租赁 small_micro_leasing)
SELECT asset_subclass,
       count(*) AS deals,
       round(sum(deal_amount_cny) / 1e8, 2) AS amount_yi,
       round(100 * sum(deal_amount_cny) / sum(sum(deal_amount_cny)) OVER (), 2) AS share_pct
FROM core.deals
WHERE asset_class = 'leasing' AND value_date BETWEEN '2025-01-01' AND '2025-07-31'
GROUP BY asset_subclass
ORDER BY asset_subclass
"""


def test_L_04_by_type(db):
    assert rows(db, L04_SQL) == [
        ("corporate_leasing", 119, 1028.68, 75.70),
        ("small_micro_leasing", 21, 330.12, 24.30),
    ]


L05_SQL = """
-- L-05: leasing issuance by value month, Jan–Jul 2025 against Jan–Jul 2024 (deals and 亿元, YoY)
WITH m AS (
    SELECT month(value_date) AS mon, year(value_date) AS yr, count(*) AS deals, sum(deal_amount_cny) AS amount
    FROM core.deals
    WHERE asset_class = 'leasing' AND year(value_date) IN (2024, 2025) AND month(value_date) <= 7
    GROUP BY mon, yr
)
SELECT cur.mon,
       cur.deals AS deals_2025, prev.deals AS deals_2024,
       round(100.0 * (cur.deals - prev.deals) / prev.deals, 2) AS deals_yoy_pct,
       round(cur.amount / 1e8, 2) AS amount_2025_yi, round(prev.amount / 1e8, 2) AS amount_2024_yi,
       round(100 * (cur.amount / prev.amount - 1), 2) AS amount_yoy_pct
FROM m cur JOIN m prev ON prev.mon = cur.mon AND prev.yr = 2024
WHERE cur.yr = 2025
ORDER BY cur.mon
"""


def test_L_05_monthly(db):
    months = rows(db, L05_SQL)
    assert [r[0] for r in months] == [1, 2, 3, 4, 5, 6, 7]
    assert sum(r[1] for r in months) == 140 and sum(r[2] for r in months) == 128
    assert all(r[3] is not None and r[6] is not None for r in months)  # YoY defined every month
    # the monthly amounts add up to L-02 (each month rounded to 0.01 亿元)
    assert abs(sum(r[4] for r in months) - 1358.80) < 0.04 and abs(sum(r[5] for r in months) - 1199.29) < 0.04


L06_SQL = """
-- L-06: 2025 Jan–Jul leasing deals carrying any special-purpose label (each deal once, however many labels)
SELECT count(*) AS deals, round(sum(deal_amount_cny) / 1e8, 2) AS amount_yi
FROM core.deals
WHERE asset_class = 'leasing' AND value_date BETWEEN '2025-01-01' AND '2025-07-31'
  AND deal_id IN (SELECT deal_id FROM core.deal_labels)
"""

L06_BY_LABEL_SQL = """
-- L-06 (figure 5): labelled 2025 Jan–Jul leasing deals per label; a deal with several labels counts under each
SELECT l.label, count(*) AS deals, round(sum(d.deal_amount_cny) / 1e8, 2) AS amount_yi
FROM core.deal_labels l JOIN core.deals d USING (deal_id)
WHERE d.asset_class = 'leasing' AND d.value_date BETWEEN '2025-01-01' AND '2025-07-31'
GROUP BY l.label
ORDER BY deals DESC, l.label
"""


def test_L_06_labels(db):
    assert one(db, L06_SQL) == (39, 355.27)
    by_label = rows(db, L06_BY_LABEL_SQL)
    assert {r[0] for r in by_label} <= {"高端制造", "乡村振兴", "碳中和绿色", "两新", "低空经济", "助力产业升级"}
    assert sum(r[1] for r in by_label) > 39  # some deals carry several labels


L07_TOP10_SQL = """
-- L-07: top-10 originators (原始权益人/发起机构) by 2025 Jan–Jul leasing issuance, amount and share
WITH by_originator AS (
    SELECT originator_id, sum(deal_amount_cny) AS amount
    FROM core.deals
    WHERE asset_class = 'leasing' AND value_date BETWEEN '2025-01-01' AND '2025-07-31'
    GROUP BY originator_id
),
top10 AS (SELECT * FROM by_originator ORDER BY amount DESC LIMIT 10)
SELECT round(sum(amount) / 1e8, 2) AS amount_yi,
       round(100 * sum(amount) / (SELECT sum(amount) FROM by_originator), 2) AS share_pct
FROM top10
"""

L07_NEW_SQL = """
-- L-07: originators new vs the same period of 2024 = with a leasing deal valued 2025 Jan–Jul and none valued 2024 Jan–Jul
SELECT count(DISTINCT originator_id) AS new_originators
FROM core.deals
WHERE asset_class = 'leasing' AND value_date BETWEEN '2025-01-01' AND '2025-07-31'
  AND originator_id NOT IN (
      SELECT originator_id FROM core.deals
      WHERE asset_class = 'leasing' AND value_date BETWEEN '2024-01-01' AND '2024-07-31')
"""


def test_L_07_top_originators(db):
    assert one(db, L07_TOP10_SQL) == (625.82, 46.06)
    assert one(db, L07_NEW_SQL) == (15,)
    kinds = rows(
        db,
        "SELECT DISTINCT i.institution_type FROM core.deals d JOIN core.institutions i ON i.institution_id = d.originator_id "
        "WHERE d.asset_class = 'leasing'",
    )
    assert kinds == [("lessor",)]


L08_COUPON_SQL = """
-- L-08: simple mean, min and max issuance coupon (%) of senior (non-subordinated) leasing tranches by initial rating,
-- deals valued Jan–Jul of each year
SELECT year(d.value_date) AS yr, t.initial_rating,
       round(100 * avg(t.coupon_rate), 2) AS mean_pct,
       round(100 * min(t.coupon_rate)::DOUBLE, 2) AS min_pct,
       round(100 * max(t.coupon_rate)::DOUBLE, 2) AS max_pct
FROM core.tranches t JOIN core.deals d USING (deal_id)
WHERE d.asset_class = 'leasing' AND t.tranche_class <> 'subordinated'
  AND t.initial_rating IN ('AAAsf', 'AA+sf')
  AND year(d.value_date) IN (2024, 2025) AND month(d.value_date) <= 7
GROUP BY yr, t.initial_rating
ORDER BY yr, t.initial_rating
"""

L08_YOY_SQL = """
-- L-08: change (bp) of the mean senior coupon, 2025 Jan–Jul vs 2024 Jan–Jul, by initial rating
WITH m AS (
    SELECT year(d.value_date) AS yr, t.initial_rating, avg(t.coupon_rate) AS mean_rate
    FROM core.tranches t JOIN core.deals d USING (deal_id)
    WHERE d.asset_class = 'leasing' AND t.tranche_class <> 'subordinated'
      AND t.initial_rating IN ('AAAsf', 'AA+sf')
      AND year(d.value_date) IN (2024, 2025) AND month(d.value_date) <= 7
    GROUP BY yr, t.initial_rating
)
SELECT cur.initial_rating, round(10000 * (cur.mean_rate - prev.mean_rate)) AS change_bp
FROM m cur JOIN m prev ON prev.initial_rating = cur.initial_rating AND prev.yr = 2024
WHERE cur.yr = 2025
ORDER BY cur.initial_rating
"""

L08_SPREAD_SQL = """
-- L-08: mean spread (bp) of 2025 Jan–Jul AAAsf senior leasing tranches over the ChinaBond MTN AAA curve
-- (中债中短期票据收益率曲线(AAA)) on the value date at the tranche's expected tenor, linear between standard tenors
WITH aaa AS (
    SELECT t.tranche_id, d.value_date, t.expected_tenor_years AS tenor, t.coupon_rate
    FROM core.tranches t JOIN core.deals d USING (deal_id)
    WHERE d.asset_class = 'leasing' AND d.value_date BETWEEN '2025-01-01' AND '2025-07-31'
      AND t.tranche_class <> 'subordinated' AND t.initial_rating = 'AAAsf'
),
curve AS (
    SELECT curve_date, tenor_years, yield_rate
    FROM core.yield_curves
    WHERE curve_name_zh = '中债中短期票据收益率曲线(AAA)'
),
lower_point AS (
    SELECT a.tranche_id, c.tenor_years AS t0, c.yield_rate AS y0
    FROM aaa a ASOF JOIN curve c ON c.curve_date = a.value_date AND a.tenor >= c.tenor_years
),
upper_point AS (
    SELECT a.tranche_id, c.tenor_years AS t1, c.yield_rate AS y1
    FROM aaa a ASOF JOIN curve c ON c.curve_date = a.value_date AND a.tenor <= c.tenor_years
)
SELECT count(*) AS tranches,
       round(avg(10000 * (a.coupon_rate
             - CASE WHEN t1 = t0 THEN y0 ELSE y0 + (y1 - y0) * (a.tenor - t0) / (t1 - t0) END))) AS mean_spread_bp
FROM aaa a JOIN lower_point USING (tranche_id) JOIN upper_point USING (tranche_id)
"""


def test_L_08_coupons(db):
    assert rows(db, L08_COUPON_SQL)[2:] == [
        (2025, "AA+sf", 3.42, 2.30, 5.00),
        (2025, "AAAsf", 2.35, 1.70, 3.77),
    ]
    means_2024 = {r[1]: r[2] for r in rows(db, L08_COUPON_SQL)[:2]}
    assert means_2024 == {"AA+sf": 3.95, "AAAsf": 2.81}
    assert rows(db, L08_YOY_SQL) == [("AA+sf", -53), ("AAAsf", -46)]


def test_L_08_spread_to_mtn_aaa(db):
    tranches, spread = one(db, L08_SPREAD_SQL)
    n_aaa = one(
        db,
        "SELECT count(*) FROM core.tranches t JOIN core.deals d USING (deal_id) WHERE d.asset_class = 'leasing' "
        "AND d.value_date BETWEEN '2025-01-01' AND '2025-07-31' AND t.tranche_class <> 'subordinated' AND t.initial_rating = 'AAAsf'",
    )[0]
    assert tranches == n_aaa  # every AAAsf tranche found its curve points (value dates are curve dates)
    assert spread == 64


L09_SQL = """
-- L-09: shares of 2025 Jan–Jul leasing issuance by external enhancement; each deal is counted once, under its
-- highest-rated enhancer (ties: originator before related party before guarantor). Denominator: all leasing issuance.
WITH deals AS (
    SELECT deal_id, deal_amount_cny AS amount
    FROM core.deals
    WHERE asset_class = 'leasing' AND value_date BETWEEN '2025-01-01' AND '2025-07-31'
),
ranked AS (
    SELECT e.deal_id, e.enhancer_relation, e.enhancer_rating,
           row_number() OVER (
               PARTITION BY e.deal_id
               ORDER BY list_position(['AAA', 'AA+', 'AA', 'AA-', 'A+', 'A', 'A-', 'BBB+', 'BBB'], e.enhancer_rating),
                        list_position(['originator', 'related_party', 'professional_guarantor', 'other'], e.enhancer_relation)
           ) AS rn
    FROM core.credit_enhancements e JOIN deals USING (deal_id)
),
best AS (SELECT * FROM ranked WHERE rn = 1)
SELECT round(100 * sum(amount) FILTER (WHERE best.deal_id IS NOT NULL) / sum(amount), 2) AS any_enhancement_pct,
       round(100 * sum(amount) FILTER (WHERE enhancer_relation = 'related_party') / sum(amount), 2) AS related_party_pct,
       round(100 * sum(amount) FILTER (WHERE enhancer_relation = 'originator') / sum(amount), 2) AS originator_pct,
       round(100 * sum(amount) FILTER (WHERE enhancer_relation = 'professional_guarantor') / sum(amount), 2) AS guarantor_pct,
       round(100 * sum(amount) FILTER (WHERE enhancer_rating = 'AAA') / sum(amount), 2) AS enhancer_aaa_pct,
       round(100 * sum(amount) FILTER (WHERE enhancer_rating = 'AA+') / sum(amount), 2) AS enhancer_aa_plus_pct
FROM deals LEFT JOIN best USING (deal_id)
"""


def test_L_09_credit_enhancement(db):
    assert one(db, L09_SQL) == (93.56, 32.21, 57.58, 3.76, 70.90, 18.01)
    # has_external_enhancement agrees with the enhancer rows
    assert one(
        db,
        "SELECT count(*) FROM core.deals d WHERE asset_class = 'leasing' AND has_external_enhancement "
        "<> (deal_id IN (SELECT deal_id FROM core.credit_enhancements))",
    ) == (0,)


L10_SQL = """
-- L-10: share of AAAsf + AA+sf in the issuance of senior (non-subordinated) tranches of 2025 Jan–Jul leasing deals
SELECT round(100 * sum(t.amount_cny) FILTER (WHERE t.initial_rating IN ('AAAsf', 'AA+sf')) / sum(t.amount_cny), 2) AS pct
FROM core.tranches t JOIN core.deals d USING (deal_id)
WHERE d.asset_class = 'leasing' AND d.value_date BETWEEN '2025-01-01' AND '2025-07-31'
  AND t.tranche_class <> 'subordinated'
"""


def test_L_10_initial_ratings(db):
    assert one(db, L10_SQL) == (98.73,)


L11_SQL = """
-- L-11: leasing deals and principal outstanding at a month end (vendor balance snapshot), and share of the
-- whole-ABS-market outstanding at that month end
WITH leasing AS (
    SELECT b.as_of_date, count(DISTINCT t.deal_id) AS deals, sum(b.outstanding_cny) AS amount
    FROM core.tranche_balances b
    JOIN core.tranches t USING (tranche_id)
    JOIN core.deals d USING (deal_id)
    WHERE d.asset_class = 'leasing' AND b.as_of_date IN ('2024-12-31', '2025-07-31')
    GROUP BY b.as_of_date
),
market AS (
    SELECT last_day(period_month) AS as_of_date, sum(outstanding_amount_cny) AS amount
    FROM core.market_totals
    GROUP BY period_month
)
SELECT l.as_of_date, l.deals, round(l.amount / 1e8, 2) AS amount_yi, round(100 * l.amount / m.amount, 2) AS share_pct
FROM leasing l JOIN market m USING (as_of_date)
ORDER BY l.as_of_date
"""


def test_L_11_outstanding(db):
    end_2024, jul_2025 = rows(db, L11_SQL)
    assert jul_2025[1:] == (687, 3442.96, 10.37)
    # "均较上年末有所增长": deals, amount and share all grew from end-2024
    assert end_2024[0] == date(2024, 12, 31)
    assert end_2024[1] < jul_2025[1] and end_2024[2] < jul_2025[2] and end_2024[3] < jul_2025[3]


L12_SQL = """
-- L-12: tracking-rating migration of outstanding leasing tranches, actions dated 2025-01-01 … 2025-07-31
-- (rows = previous rating, columns = tracking rating; one tracking action per tranche in the window)
SELECT a.rating_before, a.rating_after, count(DISTINCT a.tranche_id) AS tranches
FROM core.rating_actions a
JOIN core.tranches t USING (tranche_id)
JOIN core.deals d USING (deal_id)
WHERE d.asset_class = 'leasing' AND a.action_type <> 'initial'
  AND a.action_date BETWEEN '2025-01-01' AND '2025-07-31'
GROUP BY a.rating_before, a.rating_after
ORDER BY a.rating_before, a.rating_after
"""

L12_SUMMARY_SQL = """
-- L-12: tranches tracked in 2025 Jan–Jul, upgrades and downgrades among them
SELECT count(DISTINCT tranche_id) AS tranches,
       count(*) FILTER (WHERE action_type = 'upgrade') AS upgrades,
       count(*) FILTER (WHERE action_type = 'downgrade') AS downgrades
FROM core.rating_actions a
JOIN core.tranches t USING (tranche_id)
JOIN core.deals d USING (deal_id)
WHERE d.asset_class = 'leasing' AND a.action_type <> 'initial'
  AND a.action_date BETWEEN '2025-01-01' AND '2025-07-31'
"""


def test_L_12_rating_migration(db):
    matrix = {(b, a): n for b, a, n in rows(db, L12_SQL)}
    assert matrix == {
        ("AAAsf", "AAAsf"): 438,
        ("AA+sf", "AAAsf"): 26,
        ("AA+sf", "AA+sf"): 27,
        ("AAsf", "AAAsf"): 1,
        ("AAsf", "AAsf"): 1,
        ("A+sf", "AA+sf"): 1,
        ("BBB+sf", "AA-sf"): 1,
    }
    assert one(db, L12_SUMMARY_SQL) == (495, 29, 0)
    columns: dict[str, int] = {}
    for (_, after), n in matrix.items():
        columns[after] = columns.get(after, 0) + n
    assert columns == {"AAAsf": 465, "AA+sf": 28, "AAsf": 1, "AA-sf": 1}


def test_L_12_previous_rating_is_the_last_action(db):
    """rating_before of every leasing tracking action equals the rating after the tranche's previous action,
    and every tracked tranche was outstanding (had a balance) at the 2025-07-31 snapshot."""
    broken = one(
        db,
        """
        WITH a AS (
            SELECT a.*, lag(a.rating_after) OVER (PARTITION BY a.tranche_id, a.agency_id ORDER BY a.action_date) AS prev_after
            FROM core.rating_actions a JOIN core.tranches t USING (tranche_id) JOIN core.deals d USING (deal_id)
            WHERE d.asset_class = 'leasing'
        )
        SELECT count(*) FROM a WHERE action_type <> 'initial' AND rating_before IS DISTINCT FROM prev_after
        """,
    )
    assert broken == (0,)
    untracked = one(
        db,
        """
        SELECT count(*) FROM core.rating_actions a JOIN core.tranches t USING (tranche_id) JOIN core.deals d USING (deal_id)
        WHERE d.asset_class = 'leasing' AND a.action_type <> 'initial'
          AND a.action_date BETWEEN '2025-01-01' AND '2025-07-31'
          AND a.tranche_id NOT IN (SELECT tranche_id FROM core.tranche_balances WHERE as_of_date = '2025-07-31')
        """,
    )
    assert untracked == (0,)


# ───────────────────────────── integrity and determinism ─────────────────────────────


def test_leasing_rows_are_consistent(db):
    # deal amount = sum of its tranches; codes carry the market's suffix; balances never exceed amounts
    assert one(
        db,
        """
        SELECT count(*) FROM core.deals d
        JOIN (SELECT deal_id, sum(amount_cny) AS s FROM core.tranches GROUP BY deal_id) t USING (deal_id)
        WHERE d.asset_class = 'leasing' AND t.s <> d.deal_amount_cny
        """,
    ) == (0,)
    assert one(
        db,
        """
        SELECT count(*) FROM core.tranches t JOIN core.deals d USING (deal_id)
        WHERE d.asset_class = 'leasing' AND NOT (
            (d.market = 'exchange_abs' AND regexp_full_match(t.tranche_id, '\\d{6}\\.(SH|SZ)'))
            OR (d.market <> 'exchange_abs' AND regexp_full_match(t.tranche_id, '\\d{7,9}\\.IB')))
        """,
    ) == (0,)
    assert one(
        db,
        "SELECT count(*) FROM core.tranche_balances b JOIN core.tranches t USING (tranche_id) "
        "WHERE b.outstanding_cny <= 0 OR b.outstanding_cny > t.amount_cny",
    ) == (0,)


def test_deal_ids_follow_names(seed_world):
    from sample_market.world.base import deal_id_for

    deals = [r for r in seed_world.rows("core.deals") if r["asset_class"] == "leasing"]
    assert all(r["deal_id"] == deal_id_for(r["deal_name_zh"]) for r in deals)
    assert len({r["deal_name_zh"] for r in deals}) == len(deals)


def _leasing_rows(world: World) -> dict[str, list[dict]]:
    deal_ids = {r["deal_id"] for r in world.rows("core.deals") if r["asset_class"] == "leasing"}
    out = {}
    for table in MY_TABLES:
        out[table] = [r for r in world.rows(table) if r.get("deal_id") in deal_ids]
    tranche_ids = {r["tranche_id"] for r in out["core.tranches"]}
    for table in ("core.rating_actions", "core.tranche_balances"):
        out[table] = [r for r in world.rows(table) if r["tranche_id"] in tranche_ids]
    return out


def test_deterministic(seed_world):
    """Same seed → identical rows, whether built alone or inside the whole world."""
    again = build_segments(seed_world.seed)
    assert _leasing_rows(again) == _leasing_rows(seed_world)


def test_other_seed_draws_other_deals(seed_world, other_world):
    ours, theirs = _leasing_rows(seed_world), _leasing_rows(other_world)
    names = {r["deal_name_zh"] for r in ours["core.deals"]}
    other_names = {r["deal_name_zh"] for r in theirs["core.deals"]}
    assert names != other_names
    assert sorted(r["deal_amount_cny"] for r in ours["core.deals"]) != sorted(r["deal_amount_cny"] for r in theirs["core.deals"])


def test_market_year_adds_bulk_deals_and_keeps_the_seed_deals(seed_world):
    """market-year: ~600 more 2025 leasing deals; the calibrated deals are untouched by them."""
    import time

    started = time.process_time()
    big = build_segments(seed_world.seed, scale="market-year")
    assert time.process_time() - started < 60
    big_rows, seed_rows = _leasing_rows(big), _leasing_rows(seed_world)
    assert len(big_rows["core.deals"]) == len(seed_rows["core.deals"]) + leasing.BULK_DEALS_2025
    for table, table_rows in seed_rows.items():
        assert big_rows[table][: len(table_rows)] == table_rows, table
    codes = [r["tranche_id"] for r in big_rows["core.tranches"]]
    assert len(codes) == len(set(codes))
