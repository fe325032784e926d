"""Bonds of local AMCs (core.amc_bonds, core.amc_bond_events) and ChinaBond valuations of the
outstanding ones (core.bond_valuations): A-07 and A-09 … A-16; see ``amc.py`` for definitions.

Grain: core.amc_bonds one row per security (ABS: one row per deal, its senior class);
core.amc_bond_events one row per bond, date and event (onshore bonds only, up to 2025-12-31);
core.bond_valuations one row per outstanding onshore AMC bond and valuation date (2024-12-31 and
2025-11-28, the last business day of the A-14 window).

How the flows come out exact for any seed (amounts are ints in 0.01 亿元):
* A *cohort plan* first: for each year, short-term issuance split into bonds repaid in the same
  year and bonds crossing into the next, and long-term issuance by effective term (term to the
  put date for puttable bonds). With ``cross_y`` the short-term paper outstanding at year end,
  net financing is ``NF_y = LT_y − LT maturing_y + cross_y − cross_{y−1}``; free years
  (2015–2022) solve ``LT_y`` from a drawn ``NF_y``; 2023 and 2024 (fixed LT/ST) solve
  ``cross_y``; Jan–Nov 2025 solves the short-term paper outstanding at 2025-11-30. The 2026
  maturity bucket (292.99) is met with the 2025 one-year bonds and the 2025 paper that runs
  into 2026. Any draw that leaves a lever out of its band is redrawn.
* Cohort cells are then cut into bonds, dated inside their year so that every maturity lands
  in the planned year (long-term value dates Jan–Nov, day ≤ 28, so Jan–Nov 2025 repayments
  are exactly the 2025 cells), and assigned to issuers: each year's issuer set is fixed
  (A-07), named requirements first (A-14 coupon set, bonds valued at both spread dates), the
  rest by size weight.
* Coupons: drawn from a yearly base, then the 2025 long-term coupons of the AMCs that issued
  long-term bonds in both years are shifted so the mean change is −35 bp (A-14).
* Valuation yields = MTN AAA curve at the remaining tenor (``curves.curve_yield``: the latest
  curve date on or before the valuation date, linear in tenor, flat beyond the ends — the
  figure SQL does the same) + issuer spread + bond noise that sums to zero per issuer and
  date, so issuer mean spreads and their changes are exact (A-14). If the curves segment is
  absent (an AMC-only build) a small stand-in MTN AAA curve is added for the two dates.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sample_market.world.amc_registry import RATING_PLANS, Amc, rating_rank
from sample_market.world.base import World

UNIT_CNY = Decimal(1_000_000)  # 0.01 亿元
YI = 100  # 1 亿元 in units


def u(yi_text: str) -> int:
    """亿元 text → int units of 0.01 亿元."""
    return int(Decimal(yi_text) * YI)


# ── targets (亿元) ──
LT_FIXED = {2023: u("419.00"), 2024: u("607.00")}  # 2024 +44.87 % on 2023
ST_FIXED = {2023: u("272.70"), 2024: u("228.50")}  # 2024 −16.21 % on 2023
NF_2024 = u("251.20")
NF_2025_JAN_NOV = u("44.80")
OUTSTANDING_2025_11 = u("1552.70")  # non-defaulted, onshore, non-ABS at 2025-11-30
WALL_2026 = u("292.99")
TERM_SHARE_2025 = {3: Decimal("0.4320"), 5: Decimal("0.3920")}
# Free years' net financing: shape only; scaled so that everything adds up to the stock.
NF_SHAPE = {2016: 30, 2017: 80, 2018: 90, 2019: 140, 2020: 230, 2021: 290, 2022: 200, 2023: 215}
NF_2015 = u("5.00")

WINDOW_END = date(2025, 11, 30)
AS_OF = date(2025, 12, 31)
SPREAD_DATES = (date(2024, 12, 31), date(2025, 11, 28))
MTN_AAA_CURVE = "2c9081880fa9d507010fb8505b393fe7"
MTN_AAA_NAME = "中债中短期票据收益率曲线(AAA)"

# Effective-term mix of the regular long-term issuance per year (before seeded noise).
LT_MIX = {
    2015: {5: 1.0},
    2016: {3: 0.6, 5: 0.4},
    2017: {3: 0.55, 5: 0.35, 2: 0.10},
    2018: {3: 0.55, 5: 0.30, 2: 0.10, 1: 0.05},
    2019: {3: 0.50, 5: 0.30, 2: 0.10, 1: 0.05, 7: 0.05},
    2020: {3: 0.50, 5: 0.30, 2: 0.10, 1: 0.05, 10: 0.05},
    2021: {3: 0.55, 5: 0.12, 2: 0.18, 1: 0.15},
    2022: {3: 0.50, 5: 0.20, 2: 0.15, 1: 0.15},
    2023: {3: 0.30, 5: 0.35, 2: 0.25, 1: 0.10},
    2024: {3: 0.50, 5: 0.32, 2: 0.08, 1: 0.10},
}

# ── Issuers: active years (one bond at least in each), size weight, latest allowed maturity.
# 2023: 25; 2024: 24 onshore issuers + 国厚 offshore = 25; Jan–Nov 2025: 28; 36 ever by 2025-11-30.
ISSUERS: dict[str, tuple[frozenset[int], float, int | None]] = {
    "浙商资产": (frozenset(range(2015, 2026)), 9, None),
    "山东金资": (frozenset(range(2016, 2026)), 10, None),
    "中原资产": (frozenset(range(2016, 2026)), 8, None),
    "天津津融资产": (frozenset(range(2016, 2026)), 2, None),
    "陕西金资": (frozenset(range(2017, 2026)), 7, None),
    "广州资产": (frozenset(range(2017, 2026)), 5, None),
    "华润渝康资产": (frozenset(range(2017, 2026)), 5, None),
    "广东粤财资产": (frozenset(range(2017, 2026)), 3, None),
    "贵州资产": (frozenset(range(2017, 2026)), 3, None),
    "河南资产": (frozenset(range(2018, 2026)), 6, None),
    "江苏资产": (frozenset(range(2018, 2026)), 5, None),
    "招商平安资产": (frozenset(range(2018, 2026)), 4, None),
    "湖南财信资产": (frozenset(range(2018, 2026)), 4, None),
    "苏州资产": (frozenset(range(2018, 2026)), 2, None),
    "湖北资产": (frozenset(range(2019, 2026)), 3, None),
    "川发资产": (frozenset(range(2019, 2026)), 4, None),
    "安徽中安金资": (frozenset(range(2019, 2026)), 3, None),
    "厦门资产": (frozenset(range(2019, 2026)), 2, None),
    "兴业资产": (frozenset(range(2019, 2026)), 3, None),
    "云南资产": (frozenset(range(2019, 2026)), 2, None),
    "上海国资": (frozenset(range(2016, 2023)), 3, None),
    "新疆金投资产": (frozenset(range(2018, 2026)), 1.5, None),
    "江西金资": (frozenset(range(2018, 2026)), 1.5, None),
    "内蒙古金资": (frozenset(range(2019, 2026)), 1.5, None),
    "光大金瓯资产": (frozenset({2019, 2020, 2021, 2022, 2025}), 2, None),
    "广西金控资产": (frozenset({2019, 2020, 2021, 2022, 2025}), 1.5, None),
    "晋阳资产": (frozenset({2018, 2019, 2020, 2021, 2022, 2023, 2025}), 1, None),
    "长沙湘江资产": (frozenset({2020, 2021, 2022, 2023, 2025}), 1, None),
    "河北资产": (frozenset({2019, 2020, 2021, 2022, 2024}), 1, 2025),
    "海南联合资产": (frozenset({2025}), 1, None),
    "中信青岛资产": (frozenset(range(2018, 2022)), 1, 2024),
    "江西瑞京金资": (frozenset(range(2019, 2022)), 0.8, 2024),
    "辽宁资产": (frozenset(range(2019, 2022)), 0.8, 2024),
    "甘肃资产": (frozenset(range(2018, 2022)), 0.8, 2024),
    "湖北天乾资产": (frozenset({2018, 2019}), 1, 2022),
    "国厚资产": (frozenset(range(2016, 2022)), 1.5, 2022),
}
# Bonds that must exist: (issuer, year, what). 'span' = long-term, valued at both spread dates.
A_AAA = ("山东金资", "陕西金资", "浙商资产", "中原资产", "河南资产", "江苏资产", "广州资产",
         "华润渝康资产", "湖北资产", "川发资产", "招商平安资产", "安徽中安金资", "厦门资产",
         "广东粤财资产", "湖南财信资产", "苏州资产", "贵州资产", "天津津融资产", "兴业资产", "云南资产")
REQUIREMENTS: tuple[tuple[str, int, str], ...] = (
    *((s, 2024, "span") for s in (*A_AAA, "内蒙古金资", "江西金资")),
    ("上海国资", 2021, "eff5"),
    *((s, 2022, "eff5") for s in ("光大金瓯资产", "广西金控资产")),
    *((s, 2023, "span") for s in ("晋阳资产", "长沙湘江资产")),
    *((s, 2025, "LT") for s in ("贵州资产", "苏州资产", "招商平安资产", "湖北资产")),
)

# Exchange and interbank abbreviations used in short names.
EXCHANGE_ABBR = {
    "浙商资产": "浙资", "山东金资": "鲁金", "中原资产": "中原资", "天津津融资产": "津融", "陕西金资": "陕金",
    "广州资产": "穗资", "华润渝康资产": "渝康", "广东粤财资产": "粤资", "贵州资产": "黔资", "河南资产": "豫资",
    "江苏资产": "苏资管", "招商平安资产": "招平", "湖南财信资产": "湘财资", "苏州资产": "苏州资", "湖北资产": "鄂资",
    "川发资产": "川资", "安徽中安金资": "皖金", "厦门资产": "厦资", "兴业资产": "兴资", "云南资产": "滇资",
    "上海国资": "沪国资", "新疆金投资产": "新金投", "江西金资": "赣金", "内蒙古金资": "蒙金", "光大金瓯资产": "金瓯",
    "广西金控资产": "桂金资", "晋阳资产": "晋阳", "长沙湘江资产": "湘江资", "河北资产": "冀资", "海南联合资产": "琼联资",
    "中信青岛资产": "青资", "江西瑞京金资": "瑞京", "辽宁资产": "辽资", "甘肃资产": "甘资", "湖北天乾资产": "天乾",
    "国厚资产": "国厚", "吉林盛融资产": "吉盛融",
}
INTERBANK_ABBR = {"国厚资产": "国厚金融"}  # otherwise the short name

# Coupon base: AAA three-year level (%) by year of issue; adjustments below.
COUPON_BASE = {2015: 4.60, 2016: 3.90, 2017: 5.30, 2018: 5.40, 2019: 4.50, 2020: 3.90, 2021: 3.85,
               2022: 3.20, 2023: 3.05, 2024: 2.55, 2025: 2.15}
TERM_ADJ = {1: -0.25, 2: -0.12, 3: 0.0, 5: 0.25, 7: 0.45, 10: 0.60}
RATING_ADJ = {"AAA": 0.0, "AA+": 0.55, "AA": 1.10}

# ── A-11: guaranteed onshore bonds (8, 66.23 亿元, non-AAA issuers) ──
GUARANTORS = {
    "当代科技": ("武汉当代科技产业集团股份有限公司", "corporate", "当代科技", "AA+"),
    "中债增信": ("中债信用增进投资股份有限公司", "financing_guarantor", "中债增信", "AAA"),
    "中合担保": ("中合中小企业融资担保股份有限公司", "financing_guarantor", "中合担保", "AAA"),
    "深圳高新投": ("深圳市高新投融资担保有限公司", "financing_guarantor", "深圳高新投", "AAA"),
    "甘肃担保": ("甘肃省融资担保集团股份有限公司", "financing_guarantor", "甘肃担保集团", "AAA"),
    "山西再担保": ("山西省融资再担保集团有限公司", "financing_guarantor", "山西再担保", "AAA"),
    "辽宁担保": ("辽宁省融资担保集团有限公司", "financing_guarantor", "辽宁担保集团", "AAA"),
}
# Regular guaranteed bonds placed in cohort cells: issuer, year, effective term, amount, guarantor, type.
GUARANTEED = (
    ("晋阳资产", 2018, 3, "5.00", "山西再担保", "corporate_bond"),
    ("甘肃资产", 2019, 3, "6.00", "甘肃担保", "corporate_bond"),
    ("辽宁资产", 2021, 2, "3.00", "辽宁担保", "corporate_bond"),
    ("新疆金投资产", 2022, 3, "10.00", "中债增信", "mtn"),
    ("新疆金投资产", 2022, 3, "12.73", "中合担保", "corporate_bond"),
    ("新疆金投资产", 2023, 3, "10.00", "深圳高新投", "corporate_bond"),
)

# ── A-16: the defaulted and extended bonds (outside the cohort cells; never repaid) ──
# short name, issuer, type, code, value date, term, amount, coupon %, event, new maturity, guarantor
SPECIALS = (
    ("20天乾01", "湖北天乾资产", "corporate_bond", "163321.SH", date(2020, 3, 20), 3, "4.50", 6.50,
     "default", None, "当代科技"),
    ("20天乾02", "湖北天乾资产", "corporate_bond", "163488.SH", date(2020, 5, 6), 3, "15.00", 6.80,
     "extension", date(2026, 5, 6), "当代科技"),
    ("18国厚金融PPN001", "国厚资产", "ppn", "031800512.IB", date(2018, 7, 20), 5, "5.00", 7.50,
     "default", None, None),
    ("18国厚金融PPN002", "国厚资产", "ppn", "031800689.IB", date(2018, 10, 26), 5, "4.50", 7.80,
     "default", None, None),
    ("H9国厚01", "国厚资产", "private_bond", "151632.SH", date(2019, 6, 27), 5, "8.00", 7.20,
     "extension", date(2026, 6, 27), None),
    ("H22国厚1", "国厚资产", "private_bond", "182137.SH", date(2022, 3, 11), 2, "9.98", 6.80,
     "default", None, None),
)
# Extended bonds are due in 2026 (20天乾02 15.00 + H9国厚01 8.00); defaulted ones never are.
EXTENDED_2026 = sum(u(sp[6]) for sp in SPECIALS if sp[8] == "extension" and sp[9].year == 2026)
DEFAULTED = sum(u(sp[6]) for sp in SPECIALS if sp[8] == "default")  # 4.50 + 19.48

# ── A-12: offshore (USD) bonds: issuer, value date, US$ 亿, term, coupon % ──
OFFSHORE_FIXED = (
    ("中原资产", date(2019, 6, 12), "3.00", 3, 6.20),
    ("浙商资产", date(2021, 9, 14), "3.00", 3, 2.13),
    ("中原资产", date(2025, 6, 17), "1.00", 3, 5.00),
)
OFFSHORE_2024_TOTAL_USD = "2.88"  # 国厚资产 + 陕西金资

# ── A-13: ABS by AMCs (one row per deal) ──
ABS_TOTAL = u("100.59")
ABS_ZHESHANG = u("34.80")  # 4 deals, 34.60 % of the total
ABS_OTHERS = (("中原资产", 2021), ("山东金资", 2022), ("湖南财信资产", 2022), ("广州资产", 2023), ("川发资产", 2024))
ABS_JIANGXI = {"tenor": Decimal("1.67"), "coupon": Decimal("0.0260"), "rating": "AA+sf"}
JIANGXI_SHORT_TERM_COUPON = Decimal("0.0259")  # its 1–2-year bonds of Jan–Nov 2025

# ── A-14 targets ──
COUPON_CHANGE_BP = Decimal("-35")
SPREAD_CHANGE_BP = {"AAA": Decimal("-14.72"), "AA+": Decimal("-34.99")}


@dataclass
class Bond:
    """A bond while it is being planned; becomes one core.amc_bonds row."""

    year: int
    kind: str  # LT, ST, special, offshore, abs
    amount: int  # units of 0.01 亿元 (USD bonds: 0.01 亿 USD)
    value_date: date
    term_years: Decimal
    maturity_date: date
    end_date: date  # put date if puttable, else maturity
    eff: int | None = None  # effective long-term years
    nominal: str = ""  # '3', '3+2', '3+N' …
    issuer: str | None = None
    fixed: bool = False  # placed by hand (guaranteed, A-13/A-16 bonds)
    bond_type: str | None = None
    guarantor: str | None = None
    coupon: Decimal | None = None
    code: str | None = None
    short_name: str | None = None
    event: tuple | None = None  # special bonds' (type, amount, new maturity)
    issue_rating: str | None = None
    extra: dict = field(default_factory=dict)


def _add_years(d: date, years: int) -> date:
    return date(d.year + years, d.month, d.day)


def _alloc(total: int, weights: list[float]) -> list[int]:
    s = sum(weights)
    parts = [int(total * w / s) for w in weights]
    parts[-1] += total - sum(parts)
    return parts


# ───────────────────────── the cohort plan ─────────────────────────
@dataclass
class Plan:
    nf: dict[int, int]
    lt_cells: dict[tuple[int, int, str], int]  # (year, eff, nominal group) → regular amount
    st: dict[tuple[int, str], int]  # (year, class) → amount; classes within/cross/dec/y26
    lt25: int
    st25: int


# Issuance outside the cells (A-16 bonds) and inside them (guaranteed bonds), per year / cell.
SPECIAL_BY_YEAR: dict[int, int] = {}
for _sp in SPECIALS:
    SPECIAL_BY_YEAR[_sp[4].year] = SPECIAL_BY_YEAR.get(_sp[4].year, 0) + u(_sp[6])
PLACED_BY_CELL: dict[tuple[int, int], int] = {}
for _g in GUARANTEED:
    PLACED_BY_CELL[(_g[1], _g[2])] = PLACED_BY_CELL.get((_g[1], _g[2]), 0) + u(_g[3])


def _lt_end(cells: dict[tuple[int, int, str], int], year: int) -> int:
    return sum(a for (y, e, _), a in cells.items() if y + e == year)


def plan_flows(rng: random.Random) -> Plan:
    for _ in range(5_000):
        plan = _try_plan(rng)
        if plan is not None:
            return plan
    raise RuntimeError("could not draw an AMC bond cohort plan")


def _try_plan(rng: random.Random) -> Plan | None:
    # Net financing per free year: drawn shape, scaled so the stock at 2025-11-30 comes out.
    free_total = OUTSTANDING_2025_11 + DEFAULTED - NF_2024 - NF_2025_JAN_NOV - NF_2015
    shape = {y: v * rng.uniform(0.9, 1.1) for y, v in NF_SHAPE.items()}
    nf = {2015: NF_2015, **dict(zip(shape, _alloc(free_total, list(shape.values()))))}
    nf[2024], nf[2025] = NF_2024, NF_2025_JAN_NOV
    # Always positive; 2024 the second highest year (one earlier year above it).
    above = [y for y in shape if nf[y] > NF_2024 + u("10")]
    if len(above) != 1 or any(NF_2024 - u("5") <= nf[y] <= NF_2024 + u("10") for y in shape) \
            or min(nf.values()) <= 0:
        return None
    cells: dict[tuple[int, int, str], int] = {}
    st: dict[tuple[int, str], int] = {}
    cross_prev = 0
    for year in range(2015, 2025):
        mix = {e: s * rng.uniform(0.85, 1.15) for e, s in LT_MIX[year].items()}
        lt_end = _lt_end(cells, year)
        if year in LT_FIXED:
            lt = LT_FIXED[year]
            cross = nf[year] + cross_prev + lt_end - lt
            st_total = ST_FIXED[year]
            if not 0.25 * st_total <= cross <= 0.75 * st_total:
                return None
        else:
            base = nf[year] + cross_prev + lt_end
            st_total = 0 if year == 2015 else int(base * rng.uniform(0.30, 0.40)) // 10 * 10
            cross = int(st_total * rng.uniform(0.38, 0.52))
            lt = base - cross
        regular = lt - SPECIAL_BY_YEAR.get(year, 0)
        terms = sorted(mix)
        for e, amount in zip(terms, _alloc(regular, [mix[e] for e in terms])):
            if amount < PLACED_BY_CELL.get((year, e), 0) + u("2.00"):
                return None
            cells[(year, e, "")] = amount
        if st_total:
            st[(year, "within")] = st_total - cross
            st[(year, "cross")] = cross
        cross_prev = cross
    # Jan–Nov 2025: long-term total drawn (a multiple of 5 亿 keeps the term shares in cents).
    lt25 = u(str(5 * rng.randint(96, 108)))
    st_out = NF_2025_JAN_NOV + cross_prev + _lt_end(cells, 2025) - lt25
    st25 = int(st_out / rng.uniform(0.45, 0.65)) // 10 * 10
    if not (u("60") <= st_out and st25 - st_out >= u("10") and Decimal(st25) / ST_FIXED[2024] < Decimal(lt25) / LT_FIXED[2024]
            and st25 < 0.85 * ST_FIXED[2024]):
        return None
    n3 = int(lt25 * TERM_SHARE_2025[3])
    n5 = int(lt25 * TERM_SHARE_2025[5])
    other = lt25 - n3 - n5
    put = int(n5 * rng.uniform(0.15, 0.35)) // 10 * 10
    # The 2026 bucket: long-term bonds already due in 2026 + extended bonds + levers.
    need = WALL_2026 - EXTENDED_2026 - _lt_end(cells, 2026)
    y26 = int(st_out * rng.uniform(0.25, 0.55))
    one_year = need - y26
    max_one = other - u("12")  # leave room for 江西金资's two-year bonds and others
    if one_year < 0:
        one_year, y26 = 0, need
    elif one_year > max_one:
        one_year, y26 = max_one, need - max_one
    if not (u("5") <= y26 <= st_out - u("5")):
        return None
    cells[(2025, 3, "n3")] = n3
    cells[(2025, 5, "n5")] = n5 - put
    cells[(2025, 3, "n5put")] = put
    if one_year:
        cells[(2025, 1, "o")] = one_year
    cells[(2025, 2, "o")] = other - one_year
    st[(2025, "within")] = st25 - st_out
    st[(2025, "dec")] = st_out - y26
    st[(2025, "y26")] = y26
    return Plan(nf=nf, lt_cells=cells, st=st, lt25=lt25, st25=st25)


# ───────────────────────── cutting cells into bonds ─────────────────────────
ST_DAYS_WITHIN = (90, 120, 180, 180, 210, 240, 270, 270)
ST_DAYS_CROSS = (120, 180, 240, 270, 270, 360)


def _split(rng: random.Random, total: int, typical: int) -> list[int]:
    """Amounts in 0.1 亿 steps (the last bond takes the remainder), each at least 0.5 亿."""
    n = max(1, round(total / typical))
    while n > 1:
        weights = [rng.uniform(0.5, 1.5) for _ in range(n)]
        s = sum(weights)
        parts = [int(total * w / s) // 10 * 10 for w in weights[:-1]]
        parts.append(total - sum(parts))
        if min(parts) >= 50:
            return parts
        n -= 1
    return [total]


def _lt_bond(rng: random.Random, year: int, eff: int, amount: int, group: str) -> Bond:
    value = date(year, rng.randint(1, 11), rng.randint(1, 28))
    end = _add_years(value, eff)
    return Bond(year=year, kind="LT", amount=amount, value_date=value, term_years=Decimal(eff),
                maturity_date=end, end_date=end, eff=eff, nominal=group)


def _st_bond(rng: random.Random, year: int, cls: str, amount: int) -> Bond:
    """Short-term paper dated so that it is repaid in the planned period."""
    if cls == "within":
        days = rng.choice(ST_DAYS_WITHIN)
        last_end = WINDOW_END - timedelta(days=2) if year == 2025 else date(year, 12, 31)
        value = date(year, 1, 5) + timedelta(days=rng.randint(0, (last_end - date(year, 1, 5)).days - days))
    elif cls == "cross":
        days = rng.choice(ST_DAYS_CROSS)
        first_value = max(date(year, 1, 5), date(year + 1, 1, 1) - timedelta(days=days))
        last_value = date(year, 12, 28)
        if year == 2024:  # repaid inside Jan–Nov 2025
            last_value = min(last_value, date(2025, 11, 28) - timedelta(days=days))
        value = first_value + timedelta(days=rng.randint(0, (last_value - first_value).days))
    elif cls == "dec":
        days = rng.choice((90, 120, 180, 270))
        value = date(2025, 12, rng.randint(1, 31)) - timedelta(days=days)
    else:  # y26: issued in Jan–Nov 2025, due in 2026
        days = rng.choice((120, 180, 240, 270, 360))
        first_value = date(2026, 1, 1) - timedelta(days=days)
        value = first_value + timedelta(days=rng.randint(0, (WINDOW_END - first_value).days))
    end = value + timedelta(days=days)
    return Bond(year=year, kind="ST", amount=amount, value_date=value,
                term_years=(Decimal(days) / 365).quantize(Decimal("0.0001")), maturity_date=end,
                end_date=end, extra={"days": days, "class": cls})


def cut_bonds(rng: random.Random, plan: Plan) -> list[Bond]:
    """Regular bonds from the cohort cells (issuer still open), plus the hand-placed ones."""
    bonds: list[Bond] = []
    placed = _placed_bonds(rng)
    used = {}
    for b in placed:
        key = (b.year, b.eff, b.nominal)
        used[key] = used.get(key, 0) + b.amount
    bonds.extend(placed)
    for year in range(2015, 2026):
        issued = sum(a for (y, _, _), a in plan.lt_cells.items() if y == year)
        issued += sum(a for (y, _), a in plan.st.items() if y == year)
        pool = sum(year in ISSUERS[s][0] for s in ISSUERS)
        typical = max(2 * YI, min(9 * YI, int(issued / (2.5 * pool))))
        for (y, eff, group), amount in sorted(plan.lt_cells.items()):
            if y != year:
                continue
            rest = amount - used.get((y, eff, group), 0)
            for part in _split(rng, rest, typical):
                bonds.append(_lt_bond(rng, year, eff, part, group))
        for (y, cls), amount in sorted(plan.st.items()):
            if y == year:
                for part in _split(rng, amount, int(typical * 0.8)):
                    bonds.append(_st_bond(rng, year, cls, part))
    return bonds


def _placed_bonds(rng: random.Random) -> list[Bond]:
    """Guaranteed bonds (A-11) and 江西金资's two-year bonds of 2025 (A-13), in their cells."""
    out = []
    for issuer, year, eff, amount, guarantor, btype in GUARANTEED:
        b = _lt_bond(rng, year, eff, u(amount), "")
        b.issuer, b.fixed, b.guarantor, b.bond_type = issuer, True, guarantor, btype
        out.append(b)
    for _ in range(2):
        b = _lt_bond(rng, 2025, 2, 10 * rng.randint(20, 40), "o")
        b.value_date = date(2025, rng.randint(2, 11), rng.randint(1, 28))
        b.maturity_date = b.end_date = _add_years(b.value_date, 2)
        b.issuer, b.fixed, b.bond_type = "江西金资", True, "private_bond"
        b.extra["jiangxi_short"] = True
        out.append(b)
    return out


def special_bonds() -> list[Bond]:
    """The defaulted and extended bonds of A-16, exactly as named in the seed."""
    out = []
    for name, issuer, btype, code, value, term, amount, coupon, event, new_mat, guarantor in SPECIALS:
        end = _add_years(value, term)
        b = Bond(year=value.year, kind="special", amount=u(amount), value_date=value,
                 term_years=Decimal(term), maturity_date=end, end_date=end, eff=term, nominal=str(term),
                 issuer=issuer, fixed=True, bond_type=btype, guarantor=guarantor,
                 coupon=(Decimal(str(coupon)) / 100).quantize(Decimal("0.0001")), code=code,
                 short_name=name, event=(event, new_mat))
        out.append(b)
    return out


# ───────────────────────── issuers ─────────────────────────
def _eligible(issuer: str, b: Bond, amcs: dict[str, Amc]) -> bool:
    years, _, max_end = ISSUERS[issuer]
    if b.year not in years or (max_end and b.end_date.year > max_end):
        return False
    if issuer == "江西金资" and b.year == 2025 and b.kind == "LT":
        return False  # its long-term bonds of 2025 are the two placed 2-year ones
    plan = RATING_PLANS.get(issuer, {})
    if plan.get("kind") == "c":  # first rated in 2025, issues after the rating
        first = min(d for d, _, _, _ in amcs[issuer].ratings)
        return b.value_date > first
    return True


def _matches(b: Bond, what: str) -> bool:
    if what == "span":
        return b.kind == "LT" and b.end_date > SPREAD_DATES[1]
    if what == "eff5":
        return b.kind == "LT" and b.eff == 5
    return b.kind == "LT"


def assign_issuers(rng: random.Random, bonds: list[Bond], amcs: dict[str, Amc]) -> None:
    """Requirements first, then one bond for every issuer of the year, then by size weight."""
    open_bonds = [b for b in bonds if b.issuer is None]
    by_year: dict[int, list[Bond]] = {}
    for b in open_bonds:
        by_year.setdefault(b.year, []).append(b)

    def take(issuer: str, year: int, what: str | None) -> None:
        cands = [b for b in by_year.get(year, []) if b.issuer is None and _eligible(issuer, b, amcs)
                 and (what is None or _matches(b, what))]
        if not cands:
            raise RuntimeError(f"no bond for {issuer} in {year} ({what})")
        rng.choice(cands).issuer = issuer

    for issuer, year, what in REQUIREMENTS:
        take(issuer, year, what)
    for year in sorted(by_year):
        for issuer in sorted(ISSUERS):
            if year in ISSUERS[issuer][0] and not any(b.issuer == issuer and b.year == year for b in bonds):
                take(issuer, year, None)
        for b in by_year[year]:
            if b.issuer is None:
                cands = [s for s in sorted(ISSUERS) if _eligible(s, b, amcs)]
                b.issuer = rng.choices(cands, weights=[ISSUERS[s][1] for s in cands])[0]


# ───────────────────────── types, names, codes, coupons ─────────────────────────
def _valid_rating(amc: Amc, d: date) -> str | None:
    """Public rating usable for a public issue: latest action within a year, not withdrawn."""
    past = [(rd, r) for rd, _, r, _ in amc.ratings if rd <= d]
    if not past:
        return None
    last = max(rd for rd, _ in past)
    if (d - last).days > 365 or all(r is None for rd, r in past if rd == last):
        return None
    return amc.rating_on(d)


def _decorate_structure(rng: random.Random, b: Bond, valid: bool) -> None:
    """Nominal structure of a long-term bond (puts, perpetual), keeping its effective end."""
    v, e = b.value_date, b.eff
    group = b.nominal
    if group == "n3":
        nominal = "3+N" if valid and rng.random() < 0.2 else "3"
    elif group == "n5":
        nominal = "5+N" if valid and rng.random() < 0.15 else "5"
    elif group == "n5put":
        nominal = "3+2"
    elif group == "o" or e in (1, 7, 10):
        nominal = str(e)
    elif e == 2:
        nominal = "2+1" if rng.random() < 0.2 else "2"
    elif e == 3:
        r = rng.random()
        nominal = "3+2" if r < 0.3 else ("3+N" if valid and b.year >= 2019 and r < 0.4 else "3")
    else:  # 5
        nominal = "5+N" if valid and b.year >= 2019 and rng.random() < 0.15 else "5"
    b.nominal = nominal
    if "+" in nominal and not nominal.endswith("N"):
        first, second = (int(x) for x in nominal.split("+"))
        b.term_years = Decimal(first + second)
        b.maturity_date = _add_years(v, first + second)
        b.extra["put"] = _add_years(v, first)
    else:
        b.term_years = Decimal(int(nominal.split("+")[0]))
    if nominal.endswith("N"):
        b.bond_type = "perpetual"


def _choose_type(rng: random.Random, b: Bond, valid: bool) -> str:
    if b.kind == "ST":
        if not valid:
            return "ppn"
        if b.extra["days"] > 270:
            return rng.choice(("cp", "cp", "ppn"))
        return rng.choices(("scp", "cp", "ppn"), weights=(0.86, 0.08, 0.06))[0]
    if b.bond_type:
        return b.bond_type
    if "put" in b.extra:
        return "corporate_bond" if valid else "private_bond"
    if not valid:
        return rng.choice(("private_bond", "private_bond", "ppn"))
    kinds, weights = ["mtn", "corporate_bond", "private_bond", "ppn"], [0.38, 0.38, 0.12, 0.08]
    if b.year <= 2019:
        kinds.append("enterprise_bond")
        weights.append(0.06)
    return rng.choices(kinds, weights=weights)[0]


class Codebook:
    """Unique, realistic codes and per-issuer short-name sequences."""

    def __init__(self, rng: random.Random, taken: set[str]):
        self.rng, self.taken = rng, set(taken)
        self.seq: dict[tuple, int] = {}

    def next_seq(self, key: tuple) -> int:
        self.seq[key] = self.seq.get(key, 0) + 1
        return self.seq[key]

    def code(self, pattern) -> str:
        for _ in range(10_000):
            c = pattern(self.rng)
            if c not in self.taken:
                self.taken.add(c)
                return c
        raise RuntimeError("code space exhausted")


def _exchange_prefixes(year: int, private: bool, venue: str) -> tuple[str, ...]:
    if venue == "SZ":
        return ("114", "133") if private else ("149", "148")
    if private:
        return ("151", "162") if year <= 2019 else (("177", "178", "196", "197") if year <= 2022 else ("250", "251", "252"))
    return ("155", "163") if year <= 2019 else (("175", "188", "185") if year <= 2022 else ("240", "241"))


def _name_and_code(book: Codebook, b: Bond, amcs: dict[str, Amc]) -> None:
    yy = b.value_date.year % 100
    short = amcs[b.issuer].short_name
    ib = INTERBANK_ABBR.get(b.issuer, short)
    ex = EXCHANGE_ABBR[b.issuer]
    t = b.bond_type
    ib_form = t in ("mtn", "scp", "cp", "ppn") or (t == "perpetual" and b.extra.get("perp_ib"))
    if t == "enterprise_bond":
        b.code = book.code(lambda r: f"{yy:02d}80{r.randint(1, 999):03d}.IB")
        b.short_name = f"{yy}{ex}债{book.next_seq((b.issuer, yy, 'EB')):02d}"
    elif ib_form:
        fam = {"mtn": "MTN", "perpetual": "MTN", "scp": "SCP", "cp": "CP", "ppn": "PPN"}[t]
        head = {"MTN": "10", "SCP": "01", "CP": "04", "PPN": "03"}[fam]  # 9 digits: type, yy, serial
        b.code = book.code(lambda r: f"{head}{yy:02d}{r.randint(80001, 89999):05d}.IB")
        b.short_name = f"{yy}{ib}{fam}{book.next_seq((b.issuer, yy, fam)):03d}"
    else:
        venue = "SZ" if book.rng.random() < 0.3 else "SH"
        prefixes = _exchange_prefixes(b.value_date.year, t == "private_bond", venue)
        b.code = book.code(lambda r: f"{r.choice(prefixes)}{r.randint(0, 999):03d}.{venue}")
        if t == "perpetual":
            b.short_name = f"{yy}{ex}Y{book.next_seq((b.issuer, yy, 'Y'))}"
        else:
            b.short_name = f"{yy}{ex}{book.next_seq((b.issuer, yy, 'EX')):02d}"


def _coupon(rng: random.Random, b: Bond, rating: str | None, premium: float) -> Decimal:
    base = COUPON_BASE[b.year] + premium + rng.uniform(-0.12, 0.12)
    if b.guarantor:
        adj = 0.35
    else:
        adj = RATING_ADJ.get(rating, 1.6) if rating else 1.6
    if b.kind == "ST":
        pct = base - 0.55 - (0.08 if b.extra["days"] <= 180 else 0) + adj * 0.6
    else:
        pct = base + TERM_ADJ[b.eff] + adj
        if b.bond_type in ("private_bond", "ppn"):
            pct += 0.2
        if b.bond_type == "perpetual":
            pct += 0.4
    return (Decimal(str(round(pct, 2))) / 100).quantize(Decimal("0.0001"))


def decorate(rng: random.Random, bonds: list[Bond], amcs: dict[str, Amc], taken: set[str]) -> None:
    """Structure, type, issue rating, code, short name and coupon of every onshore bond."""
    premium = {s: rng.uniform(-0.15, 0.25) for s in sorted(EXCHANGE_ABBR)}
    book = Codebook(rng, taken | {b.code for b in bonds if b.code})
    for b in bonds:  # reserve the special bonds' sequences
        if b.kind == "special":
            yy = b.value_date.year % 100
            fam = "PPN" if b.bond_type == "ppn" else "EX"
            book.next_seq((b.issuer, yy, fam))
    for b in sorted(bonds, key=lambda x: (x.value_date, x.issuer, x.amount, x.end_date)):
        amc = amcs[b.issuer]
        valid = _valid_rating(amc, b.value_date)
        b.extra["issuer_rating"] = amc.rating_on(b.value_date)
        if b.kind == "special":
            b.issue_rating = None if b.bond_type in ("ppn", "private_bond") else b.extra["issuer_rating"]
            if b.guarantor:
                b.issue_rating = GUARANTORS[b.guarantor][3]
            continue
        if b.kind == "LT" and b.fixed:
            b.nominal = str(b.eff)
        elif b.kind == "LT":
            _decorate_structure(rng, b, bool(valid))
            if b.bond_type == "perpetual":
                b.extra["perp_ib"] = rng.random() < 0.5
        b.bond_type = _choose_type(rng, b, bool(valid))
        if b.guarantor:
            b.issue_rating = GUARANTORS[b.guarantor][3]
        elif b.bond_type in ("scp", "cp"):
            b.issue_rating = "A-1"
        elif b.bond_type in ("private_bond", "ppn"):
            b.issue_rating = None
        else:
            b.issue_rating = valid
        _name_and_code(book, b, amcs)
        b.coupon = _coupon(rng, b, b.extra["issuer_rating"], premium[b.issuer])


# ───────────────────────── A-14: coupon changes ─────────────────────────
def _mean(xs):
    return sum(xs) / len(xs)


def _lt_in(bonds: list[Bond], issuer: str, start: date, end: date) -> list[Bond]:
    return [b for b in bonds if b.issuer == issuer and b.kind in ("LT", "special") and b.term_years >= 1
            and start <= b.value_date <= end]


def calibrate_coupons(rng: random.Random, bonds: list[Bond]) -> None:
    """AMCs with long-term bonds in both 2024 and Jan–Nov 2025: the mean over AMCs of the change
    in their average long-term coupon is −35 bp; 贵州资产 and 苏州资产 fall most; 招商平安资产 and
    湖北资产 rise slightly; 江西金资's 2025 bonds (two 2-year) average 2.59 %. The named pairs keep
    the report's order (贵州 falls more than 苏州, 招商平安 rises more than 湖北) whatever the seed,
    with 2 bp between them so that rounding coupons to 1 bp cannot swap them."""
    y24 = (date(2024, 1, 1), date(2024, 12, 31))
    y25 = (date(2025, 1, 1), WINDOW_END)
    both = sorted({b.issuer for b in bonds if b.issuer and _lt_in(bonds, b.issuer, *y24) and _lt_in(bonds, b.issuer, *y25)})
    named = {"贵州资产", "苏州资产", "招商平安资产", "湖北资产", "江西金资"}
    if not named <= set(both):
        raise RuntimeError(f"coupon set misses {named - set(both)}")
    # 江西金资: two 2-year bonds averaging 2.59 %, and a 2024 level 25–45 bp above it.
    jx25 = _lt_in(bonds, "江西金资", *y25)
    c1 = Decimal(rng.randint(253, 258)) / 10000
    jx25[0].coupon, jx25[1].coupon = c1, JIANGXI_SHORT_TERM_COUPON * 2 - c1
    d_j = -rng.uniform(25, 45)
    _shift_to(_lt_in(bonds, "江西金资", *y24), float(JIANGXI_SHORT_TERM_COUPON) * 10000 - d_j)
    others = [s for s in both if s not in named]
    target = float(COUPON_CHANGE_BP)
    for _ in range(1000):
        e = {s: rng.uniform(-20, 20) for s in others}
        a, b_, z, h = rng.uniform(6, 15), rng.uniform(6, 15), rng.uniform(3, 12), rng.uniform(2, 10)
        a, b_ = max(a, b_), min(a, b_)
        z, h = max(z, h), min(z, h)
        min_e = min(e.values())
        n = len(both)
        mu = (n * target - sum(e.values()) - 2 * min_e + a + b_ - z - h - d_j) / (len(others) + 2)
        delta = {s: mu + e[s] for s in others}
        delta.update({"贵州资产": mu + min_e - a, "苏州资产": mu + min_e - b_, "招商平安资产": z, "湖北资产": h,
                      "江西金资": d_j})
        falls = [delta[s] for s in both if s not in ("贵州资产", "苏州资产", "招商平安资产", "湖北资产")]
        if max(falls) < -3 and delta["苏州资产"] < min(falls) - 2 and a - b_ >= 2 and z - h >= 2:
            break
    else:
        raise RuntimeError("could not draw coupon changes")
    for s in both:
        if s == "江西金资":
            continue
        m24 = _mean([float(x.coupon) for x in _lt_in(bonds, s, *y24)]) * 10000
        _shift_to(_lt_in(bonds, s, *y25), m24 + delta[s])
    # Rounding to 1 bp moves the mean a little: nudge one 2025 coupon of the largest "other".
    balancer = max(others, key=lambda s: (len(_lt_in(bonds, s, *y25)) == 1, s))
    lever = _lt_in(bonds, balancer, *y25)[0]
    for _ in range(200):
        err = coupon_change_bp(bonds, both) - target
        if abs(err) <= 0.1:
            break
        step = Decimal("-0.0001") if err > 0 else Decimal("0.0001")
        lever.coupon += step
    else:
        raise RuntimeError("coupon calibration did not converge")


def _shift_to(group: list[Bond], target_bp: float) -> None:
    """Shift a group's coupons in parallel so that their mean is ``target_bp`` (to 1 bp)."""
    cur = _mean([float(b.coupon) for b in group]) * 10000
    shift = target_bp - cur
    for b in group:
        b.coupon = (b.coupon + Decimal(str(round(shift))) / 10000).quantize(Decimal("0.0001"))


def coupon_change_bp(bonds: list[Bond], issuers: list[str]) -> float:
    y24 = (date(2024, 1, 1), date(2024, 12, 31))
    y25 = (date(2025, 1, 1), WINDOW_END)
    changes = []
    for s in issuers:
        m24 = _mean([float(b.coupon) for b in _lt_in(bonds, s, *y24)])
        m25 = _mean([float(b.coupon) for b in _lt_in(bonds, s, *y25)])
        changes.append((m25 - m24) * 10000)
    return _mean(changes)


# ───────────────────────── offshore, ABS, the late first issue ─────────────────────────
def offshore_bonds(rng: random.Random) -> list[Bond]:
    """A-12: US$ bonds; 2024 国厚资产 + 陕西金资 = US$2.88 亿, Jan–Nov 2025 中原资产 US$1.00 亿."""
    guohou = 5 * rng.randint(10, 24)  # 0.50 … 1.20 亿 USD in 0.01 亿 units
    rows = list(OFFSHORE_FIXED) + [
        ("国厚资产", date(2024, rng.randint(3, 6), rng.randint(1, 28)), f"{guohou / 100:.2f}", 1, 12.00),
        ("陕西金资", date(2024, rng.randint(7, 11), rng.randint(1, 28)), f"{(u(OFFSHORE_2024_TOTAL_USD) - guohou) / 100:.2f}", 3, 5.30),
    ]
    out = []
    for issuer, value, usd, term, coupon in rows:
        days = 364 if term == 1 else None
        mat = value + timedelta(days=days) if days else _add_years(value, term)
        out.append(Bond(year=value.year, kind="offshore", amount=u(usd), value_date=value,
                        term_years=(Decimal(days) / 365).quantize(Decimal("0.0001")) if days else Decimal(term),
                        maturity_date=mat, end_date=mat, issuer=issuer, fixed=True, bond_type="offshore",
                        coupon=(Decimal(str(coupon)) / 100).quantize(Decimal("0.0001"))))
    return out


def abs_deals(rng: random.Random) -> list[Bond]:
    """A-13: one row per ABS deal (its senior class). 浙商资产 4 deals = 34.80 亿 of 100.59 亿;
    江西金资's 2025 deal: 1.67 years, AA+sf, 2.60 %."""
    jiangxi = 10 * rng.randint(30, 60)
    out = []
    zs_years = (2020, 2021, 2022, 2023)
    for year, amount in zip(zs_years, _alloc(ABS_ZHESHANG, [rng.uniform(0.7, 1.3) for _ in zs_years])):
        out.append(_abs(rng, "浙商资产", year, amount))
    rest = ABS_TOTAL - ABS_ZHESHANG - jiangxi
    for (issuer, year), amount in zip(ABS_OTHERS, _alloc(rest, [rng.uniform(0.7, 1.3) for _ in ABS_OTHERS])):
        out.append(_abs(rng, issuer, year, amount))
    jx = _abs(rng, "江西金资", 2025, jiangxi)
    jx.value_date = date(2025, rng.randint(3, 10), rng.randint(1, 28))
    jx.term_years = ABS_JIANGXI["tenor"]
    jx.maturity_date = jx.end_date = jx.value_date + timedelta(days=round(float(ABS_JIANGXI["tenor"]) * 365))
    jx.coupon, jx.issue_rating = ABS_JIANGXI["coupon"], ABS_JIANGXI["rating"]
    out.append(jx)
    return out


def _abs(rng: random.Random, issuer: str, year: int, amount: int) -> Bond:
    value = date(year, rng.randint(1, 11), rng.randint(1, 28))
    tenor = Decimal(rng.randint(150, 300)) / 100
    mat = value + timedelta(days=round(float(tenor) * 365))
    coupon = (Decimal(str(round(COUPON_BASE[year] - 0.2 + rng.uniform(-0.15, 0.15), 2))) / 100).quantize(Decimal("0.0001"))
    return Bond(year=year, kind="abs", amount=amount, value_date=value, term_years=tenor, maturity_date=mat,
                end_date=mat, issuer=issuer, fixed=True, bond_type="abs", coupon=coupon, issue_rating="AAAsf")


def jilin_first_issue(rng: random.Random) -> Bond:
    """吉林盛融资产's first bond, 2025-12-11 — after the Jan–Nov window (A-07 footnote)."""
    value = date(2025, 12, 11)
    b = Bond(year=2025, kind="LT", amount=10 * rng.randint(30, 80), value_date=value, term_years=Decimal(3),
             maturity_date=_add_years(value, 3), end_date=_add_years(value, 3), eff=3, nominal="3",
             issuer="吉林盛融资产", fixed=True, bond_type="mtn")
    return b


# ───────────────────────── events ─────────────────────────
def bond_events(bonds: list[Bond]) -> list[dict]:
    """Onshore bonds up to 2025-12-31: repayment at maturity, put_repayment at the put date
    (puts are exercised in full), and the A-16 defaults and extensions."""
    rows = []
    for b in bonds:
        if b.kind in ("offshore", "abs"):
            continue
        amount = (Decimal(b.amount) * UNIT_CNY).quantize(Decimal("0.01"))
        if b.event:
            kind, new_maturity = b.event
            rows.append({"security_code": b.code, "event_date": b.end_date, "event_type": kind,
                         "amount_cny": amount if kind == "default" else None,
                         "new_maturity_date": new_maturity})
        elif b.end_date <= AS_OF:
            kind = "put_repayment" if "put" in b.extra else "repayment"
            rows.append({"security_code": b.code, "event_date": b.end_date, "event_type": kind,
                         "amount_cny": amount, "new_maturity_date": None})
    return rows


# ───────────────────────── valuations and spreads ─────────────────────────
# Stand-in MTN AAA curve, used only when the curves segment has not put that curve in the world.
STAND_IN_CURVE = {
    date(2024, 12, 31): ((0.25, 1.74), (0.5, 1.72), (1, 1.69), (2, 1.76), (3, 1.83), (5, 1.96), (7, 2.06), (10, 2.16)),
    date(2025, 11, 28): ((0.25, 1.63), (0.5, 1.66), (1, 1.69), (2, 1.79), (3, 1.88), (5, 2.03), (7, 2.15), (10, 2.25)),
}


def curve_yield(world: World, curve_id: str, day: date, tenor: str) -> Decimal:
    from sample_market.world.curves import curve_yield as shared_curve_yield

    return shared_curve_yield(world, curve_id, day, tenor)


def curve_points(world: World, day: date) -> list[tuple[float, float]]:
    """MTN AAA curve on the latest curve date on or before ``day``: (tenor, yield) sorted."""
    rows = [r for r in world.rows("core.yield_curves") if r["curve_id"] == MTN_AAA_CURVE and r["curve_date"] <= day]
    if not rows:
        raise RuntimeError(f"no {MTN_AAA_NAME} on or before {day}")
    latest = max(r["curve_date"] for r in rows)
    return sorted((float(r["tenor_years"]), float(r["yield_rate"])) for r in rows if r["curve_date"] == latest)


def interpolate(points: list[tuple[float, float]], tenor: float) -> float:
    """Linear between standard tenors, flat beyond the ends (the figure SQL does the same)."""
    lo = max((p for p in points if p[0] <= tenor), default=points[0])
    hi = min((p for p in points if p[0] >= tenor), default=points[-1])
    if hi[0] == lo[0]:
        return lo[1]
    return lo[1] + (hi[1] - lo[1]) * (tenor - lo[0]) / (hi[0] - lo[0])


def ensure_curve(world: World) -> bool:
    """Add the stand-in curve if (and only if) nobody else provided the MTN AAA curve."""
    if any(r["curve_id"] == MTN_AAA_CURVE for r in world.rows("core.yield_curves")):
        return False
    for day, points in STAND_IN_CURVE.items():
        for tenor, pct in points:
            world.add("core.yield_curves", {
                "curve_id": MTN_AAA_CURVE, "curve_name_zh": MTN_AAA_NAME, "curve_date": day,
                "tenor_years": Decimal(str(tenor)).quantize(Decimal("0.0001")),
                "tenor_label": f"{tenor}y", "yield_rate": (Decimal(str(pct)) / 100).quantize(Decimal("0.00000001")),
            })
    world.extras["amc_stand_in_curve"] = True
    return True


def last_rating(amc: Amc, day: date) -> str | None:
    """The most recent non-null issuer rating on or before ``day`` (lowest if agencies differ)."""
    rated = [(rd, r) for rd, _, r, _ in amc.ratings if rd <= day and r is not None]
    if not rated:
        return None
    last = max(rd for rd, _ in rated)
    return max((r for rd, r in rated if rd == last), key=rating_rank)


def outstanding_on(b: Bond, day: date) -> bool:
    return b.kind in ("LT", "ST") and b.value_date <= day < b.end_date


def valuations(world: World, rng: random.Random, bonds: list[Bond], amcs: dict[str, Amc]) -> list[dict]:
    """Valuation yield = curve at remaining tenor + issuer spread + bond noise (sums to zero per
    issuer and date). Issuers valued at both dates: the mean spread change by last rating is
    exactly −14.72 bp (AAA, 22 issuers) and −34.99 bp (AA+, 6 issuers)."""
    on = {d: [b for b in bonds if outstanding_on(b, d)] for d in SPREAD_DATES}
    issuers = {d: sorted({b.issuer for b in on[d]}) for d in SPREAD_DATES}
    sample = sorted(set(issuers[SPREAD_DATES[0]]) & set(issuers[SPREAD_DATES[1]]))
    group = {s: last_rating(amcs[s], WINDOW_END) for s in sorted(set(issuers[SPREAD_DATES[0]]) | set(issuers[SPREAD_DATES[1]]))}
    counts = {g: sum(group[s] == g for s in sample) for g in ("AAA", "AA+")}
    if counts != {"AAA": 22, "AA+": 6} or len(sample) != 28:
        raise RuntimeError(f"spread sample is {counts} of {len(sample)}")
    bp = 10_000  # spreads in units of 1e-8 (1 bp = 10,000 units)
    level = {"AAA": (35, 65), "AA+": (75, 120), "AA": (130, 180)}
    s1 = {s: int(rng.uniform(*level[group[s]]) * bp) for s in group}
    s2 = dict(s1)
    for g, (lo, hi) in (("AAA", (-25, -5)), ("AA+", (-50, -20))):
        members = [s for s in sample if group[s] == g]
        change = {s: int(rng.uniform(lo, hi) * bp) for s in members}
        total = int(SPREAD_CHANGE_BP[g] * bp) * len(members)
        diff = total - sum(change.values())
        for s in members:
            change[s] += diff // len(members)
        change[members[0]] += total - sum(change.values())
        for s in members:
            s2[s] = s1[s] + change[s]
    for s in group:  # issuers valued on one date only
        if s not in sample:
            s2[s] = s1[s] + int(rng.uniform(-30, -5) * bp)
    rows = []
    for day, spread in zip(SPREAD_DATES, (s1, s2)):
        shared = "curves" in world.extras  # the curves segment's own interpolation, when it ran
        points = None if shared else curve_points(world, day)
        for s in issuers[day]:
            mine = sorted((b for b in on[day] if b.issuer == s), key=lambda b: b.code)
            noise = [int(rng.uniform(-8, 8) * bp) for _ in mine]
            noise = [x - sum(noise) // len(noise) for x in noise]
            noise[0] -= sum(noise)
            for b, x in zip(mine, noise):
                tenor = (b.end_date - day).days / 365
                if shared:
                    curve = curve_yield(world, MTN_AAA_CURVE, day, repr(tenor))
                else:
                    curve = Decimal(repr(interpolate(points, tenor)))
                y = curve + Decimal(spread[s] + x) / Decimal(10**8)
                y = y.quantize(Decimal("0.00000001"))
                price = Decimal(100) + (b.coupon - y) * Decimal(100) * Decimal(str(min(tenor, 5.0) / (1 + float(y))))
                rows.append({"security_code": b.code, "valuation_date": day, "valuation_yield": y,
                             "clean_price": price.quantize(Decimal("0.0001"))})
    return rows


# ───────────────────────── rows ─────────────────────────
def bond_row(b: Bond, amcs: dict[str, Amc], guarantor_ids: dict[str, str]) -> dict:
    usd = b.kind == "offshore"
    original = (Decimal(b.amount) * UNIT_CNY).quantize(Decimal("0.01"))
    return {
        "security_code": b.code, "amc_id": amcs[b.issuer].amc_id, "short_name": b.short_name,
        "bond_type": b.bond_type, "is_offshore": usd, "is_abs": b.kind == "abs",
        "currency": "USD" if usd else "CNY", "amount_cny": None if usd else original,
        "amount_original": original, "term_years": b.term_years.quantize(Decimal("0.0001")),
        "coupon_rate": b.coupon.quantize(Decimal("0.00000001")), "value_date": b.value_date,
        "maturity_date": b.maturity_date, "next_put_date": b.extra.get("put"),
        "guarantor_id": guarantor_ids.get(b.guarantor) if b.guarantor else None,
        "issuer_rating": b.extra.get("issuer_rating"), "issue_rating": b.issue_rating,
    }


def _codes_in_world(world: World) -> set[str]:
    taken = set()
    for rows in world.tables.values():
        for r in rows:
            for key in ("security_code", "tranche_id"):
                if r.get(key):
                    taken.add(r[key])
    return taken


def _name_offshore_and_abs(book: Codebook, bonds: list[Bond], amcs: dict[str, Amc]) -> None:
    for b in sorted(bonds, key=lambda x: (x.value_date, x.issuer)):
        yy = b.value_date.year % 100
        b.extra["issuer_rating"] = amcs[b.issuer].rating_on(b.value_date)
        if b.kind == "offshore":
            b.code = book.code(lambda r: f"XS{r.randint(2000000000, 2999999999)}")
            b.short_name = f"{yy}{amcs[b.issuer].short_name}USD{book.next_seq((b.issuer, yy, 'USD')):02d}"
        else:
            prefixes = ("183", "199") if b.year <= 2022 else ("260", "262")
            b.code = book.code(lambda r: f"{r.choice(prefixes)}{r.randint(0, 999):03d}.SH")
            b.short_name = f"{yy}{EXCHANGE_ABBR[b.issuer]}{book.next_seq((b.issuer, yy, 'ABS'))}A"


def build_bonds(world: World, rng: random.Random, amcs: dict[str, Amc]) -> dict:
    """All AMC bond tables; returns a summary for world.extras (renderers, tests)."""
    plan = plan_flows(rng)
    bonds = cut_bonds(rng, plan)
    assign_issuers(rng, bonds, amcs)
    bonds += special_bonds()
    bonds.append(jilin_first_issue(rng))
    taken = _codes_in_world(world)
    decorate(rng, bonds, amcs, taken)
    calibrate_coupons(rng, bonds)
    extra = offshore_bonds(rng) + abs_deals(rng)
    book = Codebook(rng, taken | {b.code for b in bonds})
    _name_offshore_and_abs(book, extra, amcs)
    guarantor_ids = {
        key: world.add_institution(full, itype, short) for key, (full, itype, short, _) in sorted(GUARANTORS.items())
    }
    everything = sorted(bonds + extra, key=lambda b: (b.value_date, b.code))
    for b in everything:
        world.add("core.amc_bonds", bond_row(b, amcs, guarantor_ids))
    for row in bond_events(everything):
        world.add("core.amc_bond_events", row)
    stand_in = ensure_curve(world)
    for row in valuations(world, rng, everything, amcs):
        world.add("core.bond_valuations", row)
    return {
        "bonds": len(everything), "stand_in_curve": stand_in, "spread_dates": SPREAD_DATES,
        "lt25_yi": plan.lt25 / YI, "st25_yi": plan.st25 / YI,
    }
