"""Seed 003 (local AMCs): every figure A-01 … A-16 computed from the truth with SQL over core
tables only. Each figure test runs on the seed world (seed 20251231) and on another seed, whose
deals differ but whose figures must be the same. The SQL is written to become the analysts'
figure catalogue: one comment per query states the definition used."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from sample_market.world import build_world

AMC_TABLES = ("core.amcs", "core.amc_licence_events", "core.amc_issuer_ratings", "core.amc_financials",
              "core.amc_bonds", "core.amc_bond_events")
RATING_SCALE = "['AAA','AA+','AA','AA-','A+','A','A-','BBB+','BBB','BBB-','BB+','BB','BB-','B+','B','B-','CCC','CC','C']"


@pytest.fixture(params=["seed", "other_seed"])
def db(request, truth_db, other_truth_db):
    return truth_db if request.param == "seed" else other_truth_db


def one(con, sql: str, params=None):
    return con.execute(sql, params or []).fetchone()


def pct(x) -> Decimal:
    """A fraction as a percentage printed with two decimals."""
    return round(Decimal(str(x)) * 100, 2)


def yi(x) -> Decimal:
    return round(Decimal(str(x)) / Decimal(100_000_000), 2)


# ───────────────────────────── A-01 registry ─────────────────────────────
LICENSED_AT = """
-- AMCs holding a licence at a date: their latest licence event on or before the date is 'licensed'
WITH last_event AS (
    SELECT amc_id, event_type,
           row_number() OVER (PARTITION BY amc_id ORDER BY event_date DESC) AS rn
    FROM core.amc_licence_events
    WHERE event_date <= ?
)
SELECT count(*) FROM last_event WHERE rn = 1 AND event_type = 'licensed'
"""


def test_A_01_amc_count_and_registry(db):
    assert one(db, LICENSED_AT, [date(2025, 12, 31)])[0] == 58
    assert one(db, LICENSED_AT, [date(2024, 12, 31)])[0] == 59
    assert one(db, LICENSED_AT, [date(2023, 12, 31)])[0] == 60
    # The two licences that ended, with their month.
    ended = db.execute("""
        -- Licences that ended: the AMC, event and month
        SELECT a.short_name_zh, e.event_type, strftime(e.event_date, '%Y-%m')
        FROM core.amc_licence_events e JOIN core.amcs a USING (amc_id)
        WHERE e.event_type <> 'licensed' ORDER BY e.event_date
    """).fetchall()
    assert ended == [("黑龙江嘉实龙昇", "deregistered", "2024-01"), ("宁夏顺亿资产", "scope_removed", "2025-07")]
    # The 58 active AMCs are the appendix, with their provinces; 32's printed short name resolves.
    from sample_market.world.amc_registry import APPENDIX

    active = set(db.execute("""
        -- Active AMCs at end-2025 with their province
        SELECT full_name_zh, province FROM core.amcs WHERE licence_status = 'active'
    """).fetchall())
    assert active == {(full, prov) for _, full, prov, _ in APPENDIX}
    resolved = one(db, """
        -- An alias as printed in the report resolves to the AMC's institution
        SELECT a.full_name_zh FROM core.institution_aliases x
        JOIN core.amcs a ON a.institution_id = x.institution_id WHERE x.alias = '大连国新资产管'
    """)[0]
    assert resolved == "大连国新资产管理有限责任公司"
    assert one(db, "SELECT count(*) FROM core.amcs")[0] == 60
    private = {r[0] for r in db.execute("SELECT short_name_zh FROM core.amcs WHERE ownership = 'private'").fetchall()}
    assert {"湖北天乾资产", "国厚资产"} <= private


# ───────────────────────────── A-02 … A-06 financials ─────────────────────────────
SAMPLE_AT = """
WITH sample AS (
    SELECT f.*, a.short_name_zh AS amc
    FROM core.amc_financials f JOIN core.amcs a USING (amc_id)
    WHERE a.in_financial_sample AND f.period_end_date = ?
)
"""
H1_2025 = date(2025, 6, 30)


def test_A_02_concentration(db):
    # Top-5 share: the five largest sampled AMCs' total (net) assets over the sample's, 2025-06-30
    top5_assets, top5_net, n, sd_assets, sd_net = one(db, SAMPLE_AT + """
        SELECT
            (SELECT sum(total_assets_cny) FROM (SELECT total_assets_cny FROM sample ORDER BY 1 DESC LIMIT 5))
                / sum(total_assets_cny),
            (SELECT sum(net_assets_cny) FROM (SELECT net_assets_cny FROM sample ORDER BY 1 DESC LIMIT 5))
                / sum(net_assets_cny),
            count(*),
            sum(total_assets_cny) FILTER (WHERE amc = '山东金资') / sum(total_assets_cny),
            sum(net_assets_cny) FILTER (WHERE amc = '山东金资') / sum(net_assets_cny)
        FROM sample
    """, [H1_2025])
    assert (pct(top5_assets), pct(top5_net)) == (Decimal("50.58"), Decimal("53.03"))
    assert n == 25 and pct(Decimal(25) / 58) == Decimal("43.10")
    assert 0.145 <= sd_assets < 0.15 and 0.24 <= sd_net < 0.25  # "接近15%", "接近25%"


def test_A_03_total_assets(db):
    named = dict(db.execute(SAMPLE_AT + """
        -- Total assets (亿元) of the AMCs above 500 亿 at 2025-06-30
        SELECT amc, round(total_assets_cny / 1e8, 2) FROM sample WHERE total_assets_cny > 500e8
    """, [H1_2025]).fetchall())
    assert named == {"山东金资": 1128.45, "陕西金资": 761.40, "浙商资产": 746.51, "中原资产": 728.75}
    above300, above500, inv_share = one(db, SAMPLE_AT + """
        -- Counts above 300 / 500 亿元; investment assets over total assets
        SELECT count(*) FILTER (WHERE total_assets_cny > 300e8), count(*) FILTER (WHERE total_assets_cny > 500e8),
               sum(investment_assets_cny) / sum(total_assets_cny)
        FROM sample
    """, [H1_2025])
    assert (above300, above500, pct(inv_share)) == (8, 4, Decimal("59.69"))
    path = db.execute("""
        -- Sample totals per period end: total assets and investment assets
        SELECT f.period_end_date, sum(total_assets_cny), sum(investment_assets_cny)
        FROM core.amc_financials f JOIN core.amcs a USING (amc_id)
        WHERE a.in_financial_sample GROUP BY 1 ORDER BY 1
    """).fetchall()
    totals = {d: (ta, inv) for d, ta, inv in path}
    growth = totals[H1_2025][0] / totals[date(2024, 12, 31)][0] - 1
    assert pct(growth) == Decimal("1.63")
    fy = [totals[date(y, 12, 31)] for y in (2021, 2022, 2023, 2024)]
    g = [b[0] / a[0] - 1 for a, b in zip(fy, fy[1:])]
    assert all(x > 0 for x in g) and g[0] > g[1] > g[2] and growth > 0  # growth keeps slowing since 2023
    assert all(b[1] > a[1] for a, b in zip(fy, fy[1:])) and totals[H1_2025][1] < fy[-1][1]
    shares = [inv / ta for _, ta, inv in path]
    assert all(b < a for a, b in zip(shares, shares[1:]))  # investment share keeps slipping


def test_A_04_net_assets(db):
    named = dict(db.execute(SAMPLE_AT + """
        -- Net assets (亿元) of the AMCs above 150 亿 at 2025-06-30
        SELECT amc, round(net_assets_cny / 1e8, 2) FROM sample WHERE net_assets_cny > 150e8
    """, [H1_2025]).fetchall())
    assert named == {"山东金资": 702.39, "陕西金资": 262.96, "浙商资产": 220.11, "中原资产": 181.43, "河南资产": 151.96}
    above100, paid_in_share = one(db, SAMPLE_AT + """
        -- AMCs with net assets above 100 亿; paid-in capital over net assets
        SELECT count(*) FILTER (WHERE net_assets_cny > 100e8), sum(paid_in_capital_cny) / sum(net_assets_cny)
        FROM sample
    """, [H1_2025])
    assert (above100, pct(paid_in_share)) == (10, Decimal("64.02"))
    path = dict((d, (na, paid)) for d, na, paid in db.execute("""
        -- Sample net assets and paid-in capital per period end
        SELECT f.period_end_date, sum(net_assets_cny), sum(paid_in_capital_cny)
        FROM core.amc_financials f JOIN core.amcs a USING (amc_id)
        WHERE a.in_financial_sample GROUP BY 1 ORDER BY 1
    """).fetchall())
    assert pct(path[H1_2025][0] / path[date(2024, 12, 31)][0] - 1) == Decimal("3.73")
    fy = [path[date(y, 12, 31)] for y in (2021, 2022, 2023, 2024)]
    g = [b[0] / a[0] - 1 for a, b in zip(fy, fy[1:])]
    assert all(x > 0 for x in g) and g[2] > g[1]  # 2024 growth picks up again
    share = [paid / na for na, paid in (path[d] for d in sorted(path) if d >= date(2023, 12, 31))]
    assert all(b < a for a, b in zip(share, share[1:]))  # paid-in share falls since 2023


PROFITS = """
-- Sample total and net profit per period; growers = AMCs whose 2024 profit exceeds 2023's
WITH p AS (
    SELECT a.short_name_zh AS amc, f.period_end_date AS d, f.total_profit_cny AS tp, f.net_profit_cny AS np
    FROM core.amc_financials f JOIN core.amcs a USING (amc_id) WHERE a.in_financial_sample
)
SELECT
    sum(tp) FILTER (WHERE d = DATE '2024-12-31') / sum(tp) FILTER (WHERE d = DATE '2023-12-31') - 1,
    sum(np) FILTER (WHERE d = DATE '2024-12-31') / sum(np) FILTER (WHERE d = DATE '2023-12-31') - 1,
    sum(tp) FILTER (WHERE d = DATE '2025-06-30') / sum(tp) FILTER (WHERE d = DATE '2024-06-30') - 1,
    sum(np) FILTER (WHERE d = DATE '2025-06-30') / sum(np) FILTER (WHERE d = DATE '2024-06-30') - 1,
    (SELECT count(*) FROM p p24 JOIN p p23 USING (amc)
     WHERE p24.d = DATE '2024-12-31' AND p23.d = DATE '2023-12-31' AND p24.tp > p23.tp),
    (SELECT count(*) FROM p p24 JOIN p p23 USING (amc)
     WHERE p24.d = DATE '2024-12-31' AND p23.d = DATE '2023-12-31' AND p24.np > p23.np)
FROM p
"""


def test_A_05_profits(db):
    tp24, np24, tp25h1, np25h1, tp_growers, np_growers = one(db, PROFITS)
    assert (pct(tp24), pct(np24)) == (Decimal("-20.91"), Decimal("-17.77"))
    assert (pct(tp25h1), pct(np25h1)) == (Decimal("25.35"), Decimal("21.13"))
    assert (tp_growers, np_growers) == (9, 10)
    fy = db.execute("""
        -- Sample net profit, total profit and return on period-end net assets per year (H1 × 2)
        SELECT f.period_end_date, sum(net_profit_cny), sum(total_profit_cny),
               sum(net_profit_cny) * CASE WHEN f.period_kind = 'H1' THEN 2 ELSE 1 END / sum(net_assets_cny)
        FROM core.amc_financials f JOIN core.amcs a USING (amc_id)
        WHERE a.in_financial_sample AND (f.period_kind = 'FY' OR f.period_end_date = DATE '2025-06-30')
        GROUP BY f.period_end_date, f.period_kind ORDER BY 1
    """).fetchall()
    nps, tps, roe = [r[1] for r in fy], [r[2] for r in fy], [r[3] for r in fy]
    assert nps[0] < nps[1] < nps[2] > nps[3] and tps[0] < tps[1] < tps[2] > tps[3]  # up to 2023, down in 2024
    assert all(b < a for a, b in zip(roe[:4], roe[1:4])) and roe[4] > roe[3]  # ROE falls, H1 2025 recovers


def test_A_06_leverage_and_liquidity(db):
    dta = dict(db.execute(SAMPLE_AT + """
        -- Debt-to-assets = total debt / total assets at 2025-06-30
        SELECT amc, total_debt_cny / total_assets_cny FROM sample
    """, [H1_2025]).fetchall())
    below50 = {k: pct(v) for k, v in dta.items() if v < 0.5}
    assert below50 == {"内蒙古金资": Decimal("46.54"), "贵州资产": Decimal("43.17"), "山东金资": Decimal("37.76"),
                       "天津津融资产": Decimal("32.53"), "云南资产": Decimal("21.47")}
    assert {k: pct(v) for k, v in dta.items() if v > 0.8} == {"兴业资产": Decimal("80.13")}
    assert sum(0.6 <= v <= 0.8 for v in dta.values()) > len(dta) / 2  # mostly 60%–80%
    rows = db.execute("""
        -- Per year end: short-term debt / total debt, cash / short-term debt, total debt, debt-to-assets
        SELECT f.period_end_date, sum(short_term_debt_cny) / sum(total_debt_cny),
               sum(cash_cny) / sum(short_term_debt_cny), sum(total_debt_cny),
               sum(total_debt_cny) / sum(total_assets_cny)
        FROM core.amc_financials f JOIN core.amcs a USING (amc_id)
        WHERE a.in_financial_sample AND f.period_kind = 'FY' GROUP BY 1 ORDER BY 1
    """).fetchall()
    assert [r[0].year for r in rows] == [2021, 2022, 2023, 2024]
    assert all(0.38 <= r[1] <= 0.42 for r in rows)  # short-term debt ≈ 40 % of total debt
    cover = [r[2] for r in rows]
    assert all(0.25 <= c <= 0.30 for c in cover) and cover[0] > cover[1] > cover[2] < cover[3]
    debt = [r[3] for r in rows]
    assert debt[0] < debt[1] < debt[2] and 0.98 < debt[3] / debt[2] < 1  # up into 2023, slight dip in 2024
    assert all(b[4] < a[4] for a, b in zip(rows, rows[1:]))  # leverage keeps falling
    assert pct(1 - Decimal("702.39") / Decimal("1128.45")) == pct(dta["山东金资"])


# ───────────────────────────── A-07 issuers ─────────────────────────────
ISSUERS_BETWEEN = """
-- Issuers of a period: AMCs with any non-ABS bond (onshore or offshore) by value date in it
SELECT count(DISTINCT amc_id) FROM core.amc_bonds WHERE NOT is_abs AND value_date BETWEEN ? AND ?
"""


def test_A_07_issuers(db):
    ever = one(db, ISSUERS_BETWEEN, [date(2015, 1, 1), date(2025, 11, 30)])[0]
    assert ever == 36 and pct(Decimal(ever) / 58) == Decimal("62.07")
    assert one(db, ISSUERS_BETWEEN, [date(2023, 1, 1), date(2023, 12, 31)])[0] == 25  # 2024 unchanged on 2023
    assert one(db, ISSUERS_BETWEEN, [date(2024, 1, 1), date(2024, 12, 31)])[0] == 25
    assert one(db, ISSUERS_BETWEEN, [date(2025, 1, 1), date(2025, 11, 30)])[0] == 28
    first = dict(db.execute("""
        -- First non-ABS issue of each AMC
        SELECT a.short_name_zh, min(b.value_date) FROM core.amc_bonds b JOIN core.amcs a USING (amc_id)
        WHERE NOT b.is_abs GROUP BY 1
    """).fetchall())
    assert first["海南联合资产"].year == 2025 and first["海南联合资产"] <= date(2025, 11, 30)
    assert first["吉林盛融资产"] == date(2025, 12, 11)
    assert [k for k, d in first.items() if date(2025, 1, 1) <= d <= date(2025, 11, 30)] == ["海南联合资产"]
    provinces = {r[0] for r in db.execute("""
        -- Provinces whose AMCs have issued bonds (non-ABS), to end-2025
        SELECT DISTINCT a.province FROM core.amc_bonds b JOIN core.amcs a USING (amc_id) WHERE NOT b.is_abs
    """).fetchall()}
    all_provinces = {r[0] for r in db.execute("SELECT DISTINCT province FROM core.amcs").fetchall()}
    assert len(provinces) == 26
    assert all_provinces - provinces == {"宁夏回族自治区", "青海省", "西藏自治区", "黑龙江省", "北京市"}


# ───────────────────────────── A-08 ratings ─────────────────────────────
VALID_RATINGS = f"""
-- Valid public issuer rating at a date: per agency the latest action on or before the date,
-- within one year of it and not a withdrawal; an AMC's rating is the lowest of its agencies'
WITH latest AS (
    SELECT amc_id, agency_id, rating, action_type, rating_date,
           row_number() OVER (PARTITION BY amc_id, agency_id ORDER BY rating_date DESC) AS rn
    FROM core.amc_issuer_ratings WHERE rating_date <= $d
),
valid AS (
    SELECT amc_id, arg_max(rating, list_position({RATING_SCALE}, rating)) AS rating
    FROM latest
    WHERE rn = 1 AND action_type <> 'withdraw' AND rating_date >= $d - INTERVAL 1 YEAR
    GROUP BY amc_id
)
"""


def test_A_08_ratings(db):
    hist = one(db, "SELECT count(DISTINCT amc_id) FROM core.amc_issuer_ratings WHERE rating_date <= DATE '2025-11-30'")[0]
    assert hist == 37  # AMCs with any rating history at 2025-11-30
    at = {}
    for d in (date(2025, 11, 30), date(2024, 12, 31)):
        at[d] = one(db, VALID_RATINGS + """
            SELECT count(*), count(*) FILTER (WHERE rating = 'AAA'),
                   count(*) FILTER (WHERE a.ownership = 'private')
            FROM valid JOIN core.amcs a USING (amc_id)
        """, {"d": d})
    valid25, aaa25, private25 = at[date(2025, 11, 30)]
    valid24, aaa24, _ = at[date(2024, 12, 31)]
    assert (valid25, aaa25, pct(Decimal(aaa25) / valid25)) == (25, 20, Decimal("80.00"))
    assert (valid24, aaa24, pct(Decimal(aaa24) / valid24)) == (28, 21, Decimal("75.00"))
    assert private25 == 0  # every valid rating belongs to a state-owned AMC
    # Coverage as printed: 2025 numerator = AAA count (20/58), 2024 numerator = valid count (28/59).
    active25 = one(db, LICENSED_AT, [date(2025, 11, 30)])[0]
    active24 = one(db, LICENSED_AT, [date(2024, 12, 31)])[0]
    assert pct(Decimal(aaa25) / active25) == Decimal("34.48")
    assert pct(Decimal(valid24) / active24) == Decimal("47.46")
    jx = one(db, """
        -- 江西金资's last action: withdrawn in June 2025
        SELECT action_type, strftime(rating_date, '%Y-%m') FROM core.amc_issuer_ratings r JOIN core.amcs a USING (amc_id)
        WHERE a.short_name_zh = '江西金资' ORDER BY rating_date DESC LIMIT 1
    """)
    assert jx == ("withdraw", "2025-06")
    taihe = one(db, """
        -- 泰合资产: rated, never issued
        SELECT (SELECT count(*) FROM core.amc_issuer_ratings WHERE amc_id = a.amc_id),
               (SELECT count(*) FROM core.amc_bonds WHERE amc_id = a.amc_id)
        FROM core.amcs a WHERE a.short_name_zh = '泰合资产'
    """)
    assert taihe[0] > 0 and taihe[1] == 0
    changes = one(db, """
        -- No change of level in 2025
        SELECT count(*) FROM core.amc_issuer_ratings
        WHERE year(rating_date) = 2025 AND action_type IN ('upgrade', 'downgrade')
    """)[0]
    assert changes == 0


# ───────────────────────────── A-09 issuance ─────────────────────────────
ISSUANCE = """
-- Issuance of onshore non-ABS bonds by value-date year (2025: Jan–Nov); long-term = term ≥ 1 year
SELECT year(value_date) AS y,
       sum(amount_cny) FILTER (WHERE term_years >= 1) AS long_term,
       sum(amount_cny) FILTER (WHERE term_years < 1) AS short_term
FROM core.amc_bonds
WHERE NOT is_offshore AND NOT is_abs AND value_date <= DATE '2025-11-30'
GROUP BY 1 ORDER BY 1
"""


def test_A_09_issuance(db):
    by_year = {y: (lt or 0, st or 0) for y, lt, st in db.execute(ISSUANCE).fetchall()}
    lt24, st24 = by_year[2024]
    lt23, st23 = by_year[2023]
    assert (yi(lt24), yi(st24)) == (Decimal("607.00"), Decimal("228.50"))
    assert (pct(lt24 / lt23 - 1), pct(st24 / st23 - 1)) == (Decimal("44.87"), Decimal("-16.21"))
    lt25, st25 = by_year[2025]
    assert lt25 < lt24 and st25 < st24 and st25 / st24 < lt25 / lt24  # short-term falls more
    shares = dict(db.execute("""
        -- Long-term issuance of Jan–Nov 2025 by term (years): share of the long-term amount
        SELECT term_years, sum(amount_cny) / sum(sum(amount_cny)) OVER ()
        FROM core.amc_bonds
        WHERE NOT is_offshore AND NOT is_abs AND term_years >= 1
          AND value_date BETWEEN DATE '2025-01-01' AND DATE '2025-11-30'
        GROUP BY 1
    """).fetchall())
    assert (pct(shares[3]), pct(shares[5])) == (Decimal("43.20"), Decimal("39.20"))
    mix = dict(((lt, kind), share) for lt, kind, share in db.execute("""
        -- Since 2024: share of each bond type in long-term and in short-term issuance (onshore, non-ABS)
        SELECT term_years >= 1, bond_type, sum(amount_cny) / sum(sum(amount_cny)) OVER (PARTITION BY term_years >= 1)
        FROM core.amc_bonds
        WHERE NOT is_offshore AND NOT is_abs AND value_date BETWEEN DATE '2024-01-01' AND DATE '2025-11-30'
        GROUP BY 1, 2
    """).fetchall())
    assert mix[(True, "corporate_bond")] + mix[(True, "mtn")] > 0.5  # long-term mainly corporate bonds and MTNs
    assert mix[(False, "scp")] > 0.5  # short-term mainly SCP


# ───────────────────────────── A-10 net financing ─────────────────────────────
NET_FINANCING = """
-- Net financing = issuance − repayments (repayment, put_repayment, early_redemption) of onshore
-- non-ABS bonds, by calendar year of value date / event date; 2025 = Jan–Nov
WITH scope AS (SELECT * FROM core.amc_bonds WHERE NOT is_offshore AND NOT is_abs),
issued AS (
    SELECT year(value_date) AS y, sum(amount_cny) AS amount FROM scope
    WHERE value_date <= DATE '2025-11-30' GROUP BY 1
),
repaid AS (
    SELECT year(e.event_date) AS y, sum(e.amount_cny) AS amount
    FROM core.amc_bond_events e JOIN scope USING (security_code)
    WHERE e.event_type IN ('repayment', 'put_repayment', 'early_redemption') AND e.event_date <= DATE '2025-11-30'
    GROUP BY 1
)
SELECT y, issued.amount - coalesce(repaid.amount, 0) AS net
FROM issued LEFT JOIN repaid USING (y) ORDER BY y
"""


def test_A_10_net_financing(db):
    nf = dict(db.execute(NET_FINANCING).fetchall())
    assert min(nf) == 2015 and all(v > 0 for v in nf.values())
    assert (yi(nf[2024]), yi(nf[2025])) == (Decimal("251.20"), Decimal("44.80"))
    ranked = sorted(nf, key=nf.get, reverse=True)
    assert ranked[1] == 2024  # second highest ever


# ───────────────────────────── A-11 guaranteed bonds ─────────────────────────────
def test_A_11_guaranteed(db):
    n, amount, aaa, unrated = one(db, """
        -- Guaranteed non-offshore bonds ever: count, amount, issuers rated AAA at issue
        SELECT count(*), sum(amount_cny), count(*) FILTER (WHERE issuer_rating = 'AAA'),
               count(*) FILTER (WHERE issuer_rating IS NULL)
        FROM core.amc_bonds WHERE guarantor_id IS NOT NULL AND NOT is_offshore AND value_date <= DATE '2025-11-30'
    """)
    assert (n, yi(amount), aaa, unrated) == (8, Decimal("66.23"), 0, 0)
    by_year = db.execute("""
        -- Guaranteed bonds by year of issue with their issuers since 2022
        SELECT year(b.value_date), count(*), string_agg(DISTINCT a.short_name_zh)
        FROM core.amc_bonds b JOIN core.amcs a USING (amc_id)
        WHERE b.guarantor_id IS NOT NULL AND year(b.value_date) >= 2022 GROUP BY 1 ORDER BY 1
    """).fetchall()
    assert by_year == [(2022, 2, "新疆金投资产"), (2023, 1, "新疆金投资产")]
    kinds = {r[0] for r in db.execute("""
        -- Guarantors are registered institutions
        SELECT i.institution_type FROM core.amc_bonds b JOIN core.institutions i ON i.institution_id = b.guarantor_id
    """).fetchall()}
    assert kinds <= {"financing_guarantor", "corporate"}


# ───────────────────────────── A-12 offshore ─────────────────────────────
def test_A_12_offshore(db):
    rows = db.execute("""
        -- Offshore bonds of 2024 and Jan–Nov 2025: issuers and US$ amount (亿)
        SELECT year(b.value_date), string_agg(DISTINCT a.short_name_zh ORDER BY a.short_name_zh),
               count(*), sum(b.amount_original) / 1e8, bool_and(b.currency = 'USD' AND b.amount_cny IS NULL)
        FROM core.amc_bonds b JOIN core.amcs a USING (amc_id)
        WHERE b.is_offshore AND b.value_date BETWEEN DATE '2024-01-01' AND DATE '2025-11-30'
        GROUP BY 1 ORDER BY 1
    """).fetchall()
    assert [(y, set(names.split(",")), n, round(usd, 2), ok) for y, names, n, usd, ok in rows] == [
        (2024, {"国厚资产", "陕西金资"}, 2, 2.88, True),
        (2025, {"中原资产"}, 1, 1.00, True),
    ]


# ───────────────────────────── A-13 ABS ─────────────────────────────
def test_A_13_abs(db):
    amcs, total, zs_deals, zs_share = one(db, """
        -- ABS issued by AMCs since 2020 (one row per deal): AMCs, amount, 浙商资产's deals and share
        SELECT count(DISTINCT amc_id), sum(amount_cny),
               count(*) FILTER (WHERE a.short_name_zh = '浙商资产'),
               sum(amount_cny) FILTER (WHERE a.short_name_zh = '浙商资产') / sum(amount_cny)
        FROM core.amc_bonds b JOIN core.amcs a USING (amc_id)
        WHERE b.is_abs AND b.value_date BETWEEN DATE '2020-01-01' AND DATE '2025-11-30'
    """)
    assert (amcs, yi(total), zs_deals, pct(zs_share)) == (7, Decimal("100.59"), 4, Decimal("34.60"))
    assert one(db, "SELECT min(value_date) FROM core.amc_bonds WHERE is_abs")[0].year == 2020
    deals25 = db.execute("""
        -- ABS of Jan–Nov 2025: issuer, tenor, senior rating, coupon
        SELECT a.short_name_zh, b.term_years, b.issue_rating, b.coupon_rate
        FROM core.amc_bonds b JOIN core.amcs a USING (amc_id)
        WHERE b.is_abs AND b.value_date BETWEEN DATE '2025-01-01' AND DATE '2025-11-30'
    """).fetchall()
    assert deals25 == [("江西金资", Decimal("1.6700"), "AA+sf", Decimal("0.02600000"))]
    avg = one(db, """
        -- 江西金资's onshore bonds of 1–2 years issued Jan–Nov 2025: average coupon
        SELECT avg(coupon_rate) FROM core.amc_bonds b JOIN core.amcs a USING (amc_id)
        WHERE a.short_name_zh = '江西金资' AND NOT b.is_abs AND NOT b.is_offshore
          AND b.term_years BETWEEN 1 AND 2 AND b.value_date BETWEEN DATE '2025-01-01' AND DATE '2025-11-30'
    """)[0]
    assert pct(avg) == Decimal("2.59")


# ───────────────────────────── A-14 coupons and spreads ─────────────────────────────
COUPON_CHANGE = """
-- Per AMC with long-term (≥ 1 year) onshore non-ABS bonds in both 2024 and Jan–Nov 2025: the change of
-- its average coupon (bp); the figure is the mean over those AMCs
WITH lt AS (
    SELECT a.short_name_zh AS amc, CASE WHEN year(value_date) = 2024 THEN 2024 ELSE 2025 END AS y, coupon_rate
    FROM core.amc_bonds b JOIN core.amcs a USING (amc_id)
    WHERE NOT is_offshore AND NOT is_abs AND term_years >= 1
      AND value_date BETWEEN DATE '2024-01-01' AND DATE '2025-11-30'
)
SELECT amc, (avg(coupon_rate) FILTER (WHERE y = 2025) - avg(coupon_rate) FILTER (WHERE y = 2024)) * 10000 AS change_bp
FROM lt GROUP BY amc HAVING count(*) FILTER (WHERE y = 2024) > 0 AND count(*) FILTER (WHERE y = 2025) > 0
"""


def test_A_14_coupon_change(db):
    change = dict(db.execute(COUPON_CHANGE).fetchall())
    assert round(sum(change.values()) / len(change)) == -35
    ranked = sorted(change, key=change.get)
    assert ranked[:2] == ["贵州资产", "苏州资产"]  # fell most, in the printed order
    rose = sorted((k for k, v in change.items() if v > 0), key=change.get, reverse=True)
    assert rose == ["招商平安资产", "湖北资产"] and all(change[k] < 20 for k in rose)


SPREAD_CHANGE = f"""
-- Spread = valuation yield − ChinaBond MTN AAA curve (latest curve date on or before the valuation date,
-- linear between standard tenors, flat beyond) at the remaining tenor to the next put date or maturity.
-- Issuer spread = mean over its valued bonds on the last valuation date on or before 2024-12-31 and
-- 2025-11-30; the figure = mean over issuers valued on both dates of the change (bp), grouped by the
-- issuer's last non-null rating on or before 2025-11-30.
WITH days AS (
    SELECT (SELECT max(valuation_date) FROM core.bond_valuations v JOIN core.amc_bonds USING (security_code)
            WHERE v.valuation_date <= DATE '2024-12-31') AS d0,
           (SELECT max(valuation_date) FROM core.bond_valuations v JOIN core.amc_bonds USING (security_code)
            WHERE v.valuation_date <= DATE '2025-11-30') AS d1
),
val AS (
    SELECT v.security_code, b.amc_id, v.valuation_date, v.valuation_yield,
           date_diff('day', v.valuation_date, coalesce(b.next_put_date, b.maturity_date)) / 365.0 AS tenor,
           (SELECT max(curve_date) FROM core.yield_curves c
            WHERE c.curve_id = $curve AND c.curve_date <= v.valuation_date) AS curve_date
    FROM core.bond_valuations v JOIN core.amc_bonds b USING (security_code), days
    WHERE v.valuation_date IN (days.d0, days.d1)
),
bracket AS (
    SELECT val.*,
           coalesce((SELECT max(tenor_years) FROM core.yield_curves c WHERE c.curve_id = $curve
                     AND c.curve_date = val.curve_date AND c.tenor_years <= val.tenor),
                    (SELECT min(tenor_years) FROM core.yield_curves c WHERE c.curve_id = $curve
                     AND c.curve_date = val.curve_date)) AS t_lo,
           coalesce((SELECT min(tenor_years) FROM core.yield_curves c WHERE c.curve_id = $curve
                     AND c.curve_date = val.curve_date AND c.tenor_years >= val.tenor),
                    (SELECT max(tenor_years) FROM core.yield_curves c WHERE c.curve_id = $curve
                     AND c.curve_date = val.curve_date)) AS t_hi
    FROM val
),
spread AS (
    SELECT b.amc_id, b.valuation_date,
           b.valuation_yield - CASE WHEN b.t_hi = b.t_lo THEN lo.yield_rate
               ELSE lo.yield_rate + (hi.yield_rate - lo.yield_rate) * (b.tenor - b.t_lo) / (b.t_hi - b.t_lo) END AS spread
    FROM bracket b
    JOIN core.yield_curves lo ON lo.curve_id = $curve AND lo.curve_date = b.curve_date AND lo.tenor_years = b.t_lo
    JOIN core.yield_curves hi ON hi.curve_id = $curve AND hi.curve_date = b.curve_date AND hi.tenor_years = b.t_hi
),
issuer AS (
    SELECT amc_id,
           avg(spread) FILTER (WHERE valuation_date = (SELECT d0 FROM days)) * 10000 AS s0,
           avg(spread) FILTER (WHERE valuation_date = (SELECT d1 FROM days)) * 10000 AS s1
    FROM spread GROUP BY amc_id
),
last_rating AS (
    SELECT amc_id, arg_max(rating, list_position({RATING_SCALE}, rating)) AS rating
    FROM (SELECT amc_id, rating, rank() OVER (PARTITION BY amc_id ORDER BY rating_date DESC) AS rk
          FROM core.amc_issuer_ratings WHERE rating IS NOT NULL AND rating_date <= DATE '2025-11-30')
    WHERE rk = 1 GROUP BY amc_id
)
SELECT r.rating, count(*) AS issuers, avg(s1 - s0) AS change_bp, avg(s0) AS level0_bp, avg(s1) AS level1_bp
FROM issuer JOIN last_rating r USING (amc_id)
WHERE s0 IS NOT NULL AND s1 IS NOT NULL
GROUP BY r.rating ORDER BY r.rating
"""


def test_A_14_spread_change(db):
    from sample_market.world.amc_bonds import MTN_AAA_CURVE

    rows = {r[0]: r[1:] for r in db.execute(SPREAD_CHANGE, {"curve": MTN_AAA_CURVE}).fetchall()}
    assert set(rows) == {"AAA", "AA+"}
    assert (rows["AAA"][0], round(rows["AAA"][1], 2)) == (22, -14.72)
    assert (rows["AA+"][0], round(rows["AA+"][1], 2)) == (6, -34.99)
    gap0 = rows["AA+"][2] - rows["AAA"][2]
    gap1 = rows["AA+"][3] - rows["AAA"][3]
    assert 0 < gap1 < gap0  # the AAA–AA+ gap narrowed


# ───────────────────────────── A-15 maturity wall ─────────────────────────────
MATURITY_WALL = """
-- Outstanding onshore non-ABS bonds at 2025-11-30 (issued by then, not repaid, not in default) by due year:
-- the extension's new maturity, else the next put date, else the maturity date
WITH ev AS (
    SELECT security_code,
           sum(amount_cny) FILTER (WHERE event_type IN ('repayment', 'put_repayment', 'early_redemption')) AS repaid,
           bool_or(event_type = 'default') AS defaulted,
           max(new_maturity_date) FILTER (WHERE event_type = 'extension') AS extended_to
    FROM core.amc_bond_events WHERE event_date <= DATE '2025-11-30' GROUP BY 1
),
outstanding AS (
    SELECT b.security_code, b.amount_cny - coalesce(ev.repaid, 0) AS balance,
           coalesce(ev.extended_to, b.next_put_date, b.maturity_date) AS due
    FROM core.amc_bonds b LEFT JOIN ev USING (security_code)
    WHERE NOT b.is_offshore AND NOT b.is_abs AND b.value_date <= DATE '2025-11-30'
      AND NOT coalesce(ev.defaulted, false)
)
SELECT year(due) AS due_year, sum(balance) AS amount, sum(balance) / sum(sum(balance)) OVER () AS share
FROM outstanding WHERE balance > 0 GROUP BY 1 ORDER BY 1
"""


def test_A_15_maturity_wall(db):
    wall = {y: (a, s) for y, a, s in db.execute(MATURITY_WALL).fetchall()}
    assert (yi(wall[2026][0]), pct(wall[2026][1])) == (Decimal("292.99"), Decimal("18.87"))
    assert yi(sum(a for a, _ in wall.values())) == Decimal("1552.70")
    assert min(wall) >= 2025 and sum(wall[y][1] for y in (2026, 2027, 2028)) > Decimal("0.5")  # mostly 2026–2028


# ───────────────────────────── A-16 defaults and extensions ─────────────────────────────
def test_A_16_defaults_and_extensions(db):
    events = {(r[0], r[1]): r[2:] for r in db.execute("""
        -- Defaults and extensions: bond, issuer, event, amount (亿元), new maturity, issuer ownership
        SELECT b.short_name, e.event_type, a.short_name_zh, round(e.amount_cny / 1e8, 2), e.new_maturity_date,
               a.ownership, b.amount_cny / 1e8
        FROM core.amc_bond_events e JOIN core.amc_bonds b USING (security_code) JOIN core.amcs a USING (amc_id)
        WHERE e.event_type IN ('default', 'extension')
    """).fetchall()}
    assert set(events) == {("20天乾01", "default"), ("20天乾02", "extension"), ("H22国厚1", "default"),
                           ("18国厚金融PPN001", "default"), ("18国厚金融PPN002", "default"), ("H9国厚01", "extension")}
    assert all(v[3] == "private" for v in events.values())
    assert events[("20天乾01", "default")][1] == 4.50
    assert events[("20天乾02", "extension")][2] == date(2026, 5, 6)
    assert round(events[("20天乾01", "default")][4] + events[("20天乾02", "extension")][4], 2) == 19.50
    guohou = sum(v[1] for k, v in events.items() if v[0] == "国厚资产" and k[1] == "default")
    assert round(guohou, 2) == 19.48
    assert events[("H9国厚01", "extension")][2] == date(2026, 6, 27)
    losses = dict(((s, d), v) for s, d, v in db.execute("""
        -- Net profit (亿元) of the two defaulters
        SELECT a.short_name_zh, f.period_end_date, round(f.net_profit_cny / 1e8, 2)
        FROM core.amc_financials f JOIN core.amcs a USING (amc_id)
        WHERE a.short_name_zh IN ('湖北天乾资产', '国厚资产')
    """).fetchall())
    assert losses[("湖北天乾资产", date(2024, 12, 31))] == -15.10
    assert losses[("国厚资产", date(2024, 12, 31))] == -9.21
    assert losses[("国厚资产", date(2025, 6, 30))] == -0.24


# ───────────────────────────── world properties ─────────────────────────────
def _rows(world, table):
    return sorted(tuple(sorted(r.items())) for r in world.rows(table))


def test_amc_determinism(seed_world):
    again = build_world(scale="seed", seed=20251231)
    for table in AMC_TABLES:
        assert world_rows(again, table) == world_rows(seed_world, table), table


def world_rows(world, table):
    return [tuple(sorted(r.items())) for r in world.rows(table)]


def test_amc_other_seed_differs(seed_world, other_seed_world):
    a = {r["security_code"] for r in seed_world.rows("core.amc_bonds")}
    b = {r["security_code"] for r in other_seed_world.rows("core.amc_bonds")}
    assert len(a ^ b) > len(a) // 2  # most bonds are drawn differently
    fa = _rows(seed_world, "core.amc_financials")
    fb = _rows(other_seed_world, "core.amc_financials")
    assert fa != fb


def test_amc_codes_unique_across_world(truth_db):
    dup = one(truth_db, """
        -- AMC bond codes are unique and never collide with ABS tranche codes of other segments
        SELECT count(*) FROM core.amc_bonds b JOIN core.tranches t
        ON b.security_code IN (t.tranche_id, t.security_code)
    """)[0]
    assert dup == 0


def test_amc_issuer_names_resolve(truth_db):
    missing = one(truth_db, """
        -- Every AMC's full and short name resolves through the alias table
        SELECT count(*) FROM core.amcs a
        WHERE NOT EXISTS (SELECT 1 FROM core.institution_aliases x WHERE x.alias = a.full_name_zh AND x.institution_id = a.institution_id)
           OR NOT EXISTS (SELECT 1 FROM core.institution_aliases x WHERE x.alias = a.short_name_zh AND x.institution_id = a.institution_id)
    """)[0]
    assert missing == 0
