"""Segment N: credit-type small & micro NPL securitisations (信用类小微贷款 NPAS), seed 002.

Calibrates N-01 … N-07 of ``seed-figures.md`` exactly, for any seed:

* N-01/N-02 — 29 ``credit_npl`` deals valued 2021 … 2025-08. Issued amount and pool principal
  (``initial_pool_balance_cny`` = NPL principal disposed through the deal) are fixed per vintage
  year to the cent at the printed one-decimal values (2.80 / 21.70 亿元 …), so the totals print
  49.5 and 484.9; inside a year the split is drawn.
* N-03 — five originators (建设银行 建鑫, 农业银行 农盈利信, 邮储银行 邮盈惠泽, 工商银行 工元至诚,
  平安银行 安鑫). The first credit deal is 建鑫2021年第六期; 和萃2016年第二期 (招商银行) is a
  ``mortgage_npl`` deal and the first small-micro NPAS of any kind.
* N-04 — ``mortgage_npl`` deals fill 2024 up to 26 deals / 85.80 亿元 (15 deals, 66.00) and put
  2025 Jan–Aug above it.
* N-05 — borrowers per pool: sum fixed at 120,321 (= 29 × 4,149), one pool of exactly 980, one
  above 30,000. The average balance per borrower is the simple mean over the 29 deals of
  ``avg_balance_per_borrower_cny`` (= pool principal / borrowers, per deal), fixed at 17.20 万元,
  with vintage means rising. (Total pool / total borrowers is 40.3 万元, so the printed 17.2 can
  only be the mean of per-deal averages; the solver below puts most principal in one large-ticket
  pool per year to make both hold.)
* N-06 — ``wa_overdue_months``: 26 of 29 pools in 4–6 months.
* N-07 — ``expected_gross_recovery_rate`` falls by vintage; quarterly ``core.pool_performance``
  to 2025-08 with cumulative recovery = R∞ · (1 − e^(−m/τ)) of pool principal, levels falling by
  vintage 2021 → 2024, 2024 lowest (2025 above it). Originator "A" is 建设银行: its 2022–2024
  deals sit at one level except one low 2024 deal; originator "E" is 平安银行: its 2024 deals
  recover more than its 2023 deal.

Market-year adds ~260 NPL deals valued in 2025 (other NPL subclasses, and small-micro deals
valued after 2025-08 so N figures keep their values) with monthly reports through 2025-12.

Also shared with ``micro_enterprise``: the bank registry and small helpers (exact splits,
integer fitting, Chinese issue numbers, tranche codes).
"""

from __future__ import annotations

import calendar
import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sample_market.world.base import RATING_AGENCIES, CENT, WAN, World, cny, deal_id_for, month_add, rate, rng_for, yi

SEGMENT = "npl"
MARKET = "credit_abs"
AS_OF = date(2025, 8, 31)  # seed 002 counts deals and recoveries to the end of August 2025
EXTRAS_AS_OF = date(2025, 12, 31)
NPL_NA_REASON = "NPL pool: no default or delinquency measures"

# ─────────────────────────── shared registry ───────────────────────────
# key → (full name, institution type, short name, aliases, province)
BANKS: dict[str, tuple[str, str, str, tuple[str, ...], str]] = {
    "ccb": ("中国建设银行股份有限公司", "state_owned_bank", "建设银行", ("建行", "中国建设银行"), "北京"),
    "abc": ("中国农业银行股份有限公司", "state_owned_bank", "农业银行", ("农行", "中国农业银行"), "北京"),
    "psbc": ("中国邮政储蓄银行股份有限公司", "state_owned_bank", "邮储银行", ("中国邮政储蓄银行",), "北京"),
    "icbc": ("中国工商银行股份有限公司", "state_owned_bank", "工商银行", ("工行", "中国工商银行"), "北京"),
    "boc": ("中国银行股份有限公司", "state_owned_bank", "中国银行", ("中行",), "北京"),
    "bocom": ("交通银行股份有限公司", "state_owned_bank", "交通银行", ("交行",), "上海"),
    "pab": ("平安银行股份有限公司", "joint_stock_bank", "平安银行", (), "广东"),
    "cmb": ("招商银行股份有限公司", "joint_stock_bank", "招商银行", ("招行",), "广东"),
    "cib": ("兴业银行股份有限公司", "joint_stock_bank", "兴业银行", (), "福建"),
    "citic": ("中信银行股份有限公司", "joint_stock_bank", "中信银行", (), "北京"),
    "spdb": ("上海浦东发展银行股份有限公司", "joint_stock_bank", "浦发银行", ("上海浦东发展银行",), "上海"),
    "czb": ("浙商银行股份有限公司", "joint_stock_bank", "浙商银行", (), "浙江"),
    "hxb": ("华夏银行股份有限公司", "joint_stock_bank", "华夏银行", (), "北京"),
    "tlb": ("浙江泰隆商业银行股份有限公司", "city_commercial_bank", "泰隆银行", ("浙江泰隆商业银行",), "浙江"),
    "nbcb": ("宁波银行股份有限公司", "city_commercial_bank", "宁波银行", (), "浙江"),
    "wzb": ("温州银行股份有限公司", "city_commercial_bank", "温州银行", (), "浙江"),
    "cqtgb": ("重庆三峡银行股份有限公司", "city_commercial_bank", "重庆三峡银行", ("三峡银行",), "重庆"),
    "hzb": ("杭州银行股份有限公司", "city_commercial_bank", "杭州银行", (), "浙江"),
    "tzb": ("台州银行股份有限公司", "city_commercial_bank", "台州银行", (), "浙江"),
    "mtb": ("浙江民泰商业银行股份有限公司", "city_commercial_bank", "民泰银行", ("浙江民泰商业银行",), "浙江"),
    "csrcb": ("江苏常熟农村商业银行股份有限公司", "rural_commercial_bank", "常熟农商行", ("常熟银行",), "江苏"),
    "zjgrcb": ("江苏张家港农村商业银行股份有限公司", "rural_commercial_bank", "张家港农商行", ("张家港行",), "江苏"),
    "jnrcb": ("江苏江南农村商业银行股份有限公司", "rural_commercial_bank", "江南农商行", (), "江苏"),
    "xsrcb": ("浙江萧山农村商业银行股份有限公司", "rural_commercial_bank", "萧山农商行", (), "浙江"),
    "sxbank": ("湖南三湘银行股份有限公司", "private_bank", "湖南三湘银行", ("三湘银行",), "湖南"),
}

# trust-company trustees (受托机构): key → (full name, short name)
TRUSTS: dict[str, tuple[str, str]] = {
    "ccbt": ("建信信托有限责任公司", "建信信托"),
    "citict": ("中信信托有限责任公司", "中信信托"),
    "fotic": ("中国对外经济贸易信托有限公司", "外贸信托"),
    "hngc": ("华能贵诚信托有限公司", "华能信托"),
    "crt": ("华润深国投信托有限公司", "华润信托"),
    "bocomt": ("交银国际信托有限公司", "交银国际信托"),
    "pat": ("平安信托有限责任公司", "平安信托"),
    "cibt": ("兴业国际信托有限公司", "兴业信托"),
    "sitic": ("上海国际信托有限公司", "上海信托"),
    "yingda": ("英大国际信托有限责任公司", "英大信托"),
    "cofco": ("中粮信托有限责任公司", "中粮信托"),
    "bjit": ("北京国际信托有限公司", "北京信托"),
    "hbt": ("华宝信托有限责任公司", "华宝信托"),
}


_CN_DIGITS = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 21 → 二十一, 105 → 一百零五 (issue numbers, 第十二期)."""
    if not 0 < n < 1000:
        raise ValueError(f"issue number out of range: {n}")
    if n < 10:
        return _CN_DIGITS[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        head = "" if tens == 1 else _CN_DIGITS[tens]
        return f"{head}十{_CN_DIGITS[ones] if ones else ''}"
    hundreds, rest = divmod(n, 100)
    if rest == 0:
        return f"{_CN_DIGITS[hundreds]}百"
    tail = f"零{_CN_DIGITS[rest]}" if rest < 10 else ("一" + cn_number(rest) if rest < 20 else cn_number(rest))
    return f"{_CN_DIGITS[hundreds]}百{tail}"


def add_bank(world: World, key: str) -> str:
    full, kind, short, aliases, province = BANKS[key]
    return world.add_institution(full, kind, short, aliases, province=province)


def add_trust(world: World, key: str) -> str:
    full, short = TRUSTS[key]
    return world.add_institution(full, "trust", short)


def add_agencies(world: World) -> list[str]:
    return [world.add_institution(full, "rating_agency", short) for full, short in RATING_AGENCIES]


def split_amount(total: Decimal, weights: list[float], unit: Decimal = CENT) -> list[Decimal]:
    """Split ``total`` into positive multiples of ``unit`` proportional to ``weights``, summing
    exactly to ``total`` (largest-remainder rounding)."""
    units = total / unit
    if units != units.to_integral_value():
        raise ValueError(f"{total} is not a multiple of {unit}")
    n_units = int(units)
    scale = n_units / sum(weights)
    raw = [w * scale for w in weights]
    parts = [max(1, int(r)) for r in raw]
    rem = n_units - sum(parts)
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - int(raw[i])), i))
    i = 0
    while rem != 0:
        j = order[i % len(order)]
        step = 1 if rem > 0 else -1
        if parts[j] + step >= 1:
            parts[j] += step
            rem -= step
        i += 1
    return [Decimal(p) * unit for p in parts]


def fit_integers(rng: random.Random, values: list[int], lo: list[int], hi: list[int], total: int) -> list[int]:
    """Nudge integers by ±1 (random positions, within [lo, hi]) until they sum to ``total``."""
    vals = [min(max(v, a), b) for v, a, b in zip(values, lo, hi)]
    if not sum(lo) <= total <= sum(hi):
        raise ValueError("bounds cannot reach the total")
    while (gap := total - sum(vals)) != 0:
        step = 1 if gap > 0 else -1
        movable = [i for i in range(len(vals)) if lo[i] <= vals[i] + step <= hi[i]]
        vals[rng.choice(movable)] += step
    return vals


def random_date(rng: random.Random, start: date, end: date, max_day: int = 28) -> date:
    """A date in [start, end] whose day of month is ≤ ``max_day`` (so month_add keeps the day)."""
    while True:
        d = start + timedelta(days=rng.randint(0, (end - start).days))
        if d.day <= max_day and d.day >= 5:
            return d


def month_end(d: date) -> date:
    return date(d.year, d.month, calendar.monthrange(d.year, d.month)[1])


def collection_windows(value_date: date, payment_dates: list[date]) -> list[tuple[date, date]]:
    """Collection periods: the first starts the day after the cut-off date (end of the month two
    months before the value date); each ends at the end of the month before its payment date."""
    cutoff = month_end(month_add(date(value_date.year, value_date.month, 1), -2))
    windows, start = [], cutoff + timedelta(days=1)
    for pay in payment_dates:
        end = date(pay.year, pay.month, 1) - timedelta(days=1)
        windows.append((start, end))
        start = end + timedelta(days=1)
    return windows


class CodeBook:
    """Interbank tranche codes ``YY`` + two-digit segment marker + three-digit sequence + ``.IB``.
    The marker (77 NPL, 78 micro-enterprise) keeps them apart from other segments, and codes in
    the world-wide ``world.extras["security_codes"]`` set are skipped and new ones added to it."""

    def __init__(self, marker: str, used: set[str]) -> None:
        self.marker = marker
        self.used = used
        self.next_seq: dict[int, int] = {}

    def take(self, year: int) -> str:
        seq = self.next_seq.get(year, 1)
        while True:
            if seq > 999:
                raise ValueError(f"tranche codes for {year}/{self.marker} exhausted")
            code = f"{year % 100:02d}{self.marker}{seq:03d}.IB"
            seq += 1
            if code not in self.used:
                break
        self.next_seq[year] = seq
        self.used.add(code)
        return code


# ─────────────────────────── segment N constants ───────────────────────────
# N-02: vintage → (issued 亿元, pool principal 亿元, number of credit deals)
CREDIT_BY_YEAR: dict[int, tuple[str, str, int]] = {
    2021: ("2.80", "21.70", 2),
    2022: ("8.80", "69.10", 5),
    2023: ("11.00", "97.40", 6),
    2024: ("19.80", "201.10", 11),
    2025: ("7.10", "95.60", 5),
}
N_BORROWERS_TOTAL = 120_321  # N-05: 29 × 4,149
N_MIN_BORROWERS = 980  # N-05
N_MEAN_BALANCE_PER_BORROWER = Decimal("172000")  # N-05: 17.2 万元, simple mean over deals

# N-03 series names per originator (real NPAS series of these banks)
NPL_SERIES = {
    "ccb": "建鑫", "abc": "农盈利信", "psbc": "邮盈惠泽", "icbc": "工元至诚", "pab": "安鑫",
    "cmb": "和萃", "boc": "中誉", "bocom": "交诚", "cib": "兴瑞", "citic": "信瑞", "spdb": "浦鑫归航",
}
NPL_TRUSTEE = {
    "ccb": "ccbt", "abc": "fotic", "psbc": "citict", "icbc": "hngc", "pab": "pat", "cmb": "crt",
    "boc": "citict", "bocom": "bocomt", "cib": "cibt", "citic": "citict", "spdb": "sitic",
}

# N-07 recovery: τ (months) of the cumulative recovery curve per originator, fixed so that
# vintage comparisons at equal months since issue are never upset by curve shape.
RECOVERY_TAU = {"ccb": 14.0, "abc": 12.0, "psbc": 13.0, "icbc": 15.0, "pab": 12.0}
A_LEVEL = 0.20  # originator A (建设银行): one level for its 2022–2024 deals

# The 29 credit deals: (vintage, originator, ultimate recovery level R∞ or a role for A,
# value-date window as (first month, last month) inside the vintage year).
CREDIT_SLOTS: tuple[tuple[int, str, str, tuple[int, int]], ...] = (
    (2021, "ccb", "first", (6, 8)),  # 建鑫2021年第六期, the first credit-type deal
    (2021, "ccb", "0.360", (10, 12)),
    (2022, "ccb", "A", (1, 12)), (2022, "ccb", "A", (1, 12)), (2022, "abc", "0.330", (1, 12)),
    (2022, "psbc", "0.320", (1, 12)), (2022, "icbc", "0.340", (1, 12)),
    (2023, "ccb", "A", (1, 12)), (2023, "ccb", "A", (1, 12)), (2023, "abc", "0.270", (1, 12)),
    (2023, "psbc", "0.260", (1, 12)), (2023, "icbc", "0.280", (1, 12)), (2023, "pab", "0.100", (1, 12)),
    (2024, "ccb", "A", (1, 8)), (2024, "ccb", "A", (1, 8)), (2024, "ccb", "A-low", (1, 8)),
    (2024, "abc", "0.090", (1, 12)), (2024, "abc", "0.095", (1, 12)),
    (2024, "psbc", "0.085", (1, 12)), (2024, "psbc", "0.090", (1, 12)),
    (2024, "icbc", "0.095", (1, 12)), (2024, "icbc", "0.100", (1, 12)),
    (2024, "pab", "0.125", (1, 8)), (2024, "pab", "0.135", (1, 8)),
    (2025, "ccb", "0.170", (1, 2)), (2025, "ccb", "0.180", (1, 2)), (2025, "abc", "0.160", (3, 5)),
    (2025, "psbc", "0.150", (3, 5)), (2025, "icbc", "0.170", (3, 5)),
)
FIRST_CREDIT_LEVEL = 0.340
# N-07: rating agencies' expected gross recovery by vintage (falls by vintage)
EXPECTED_RECOVERY_BY_YEAR = {2021: 0.40, 2022: 0.355, 2023: 0.31, 2024: 0.27, 2025: 0.235}
# senior coupon range by vintage
SENIOR_COUPON = {2016: (3.0, 3.4), 2017: (4.2, 4.8), 2018: (4.6, 5.2), 2019: (3.8, 4.3), 2020: (3.2, 3.7),
                 2021: (3.0, 3.5), 2022: (2.6, 3.1), 2023: (2.4, 2.9), 2024: (1.9, 2.5), 2025: (1.7, 2.1)}

# N-04: mortgage-type small-micro NPAS: vintage → (deal count, total 亿元 or None for drawn).
# 2024 is fixed so that credit + mortgage = 26 deals / 85.80 亿元; 2025 Jan–Aug is drawn above
# 85.80 − 7.10.
MORTGAGE_BY_YEAR: dict[int, tuple[int, str | None]] = {
    2016: (1, None), 2017: (1, None), 2018: (1, None), 2019: (2, None), 2020: (2, None),
    2021: (3, None), 2022: (6, None), 2023: (8, None), 2024: (15, "66.00"), 2025: (12, None),
}
MORTGAGE_ORIGINATORS = ("ccb", "icbc", "abc", "boc", "bocom", "cmb", "cib", "psbc")
N04_TOTAL_2024 = yi("85.80")


@dataclass
class NplDeal:
    """Working record of one NPL deal before it becomes rows."""

    originator: str
    series: str
    vintage: int
    subclass: str
    value_date: date
    amount: Decimal = Decimal(0)
    pool: Decimal = Decimal(0)
    borrowers: int = 0
    level: float = 0.0  # ultimate cumulative recovery rate R∞
    tau: float = 14.0
    issue_number: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def build(world: World) -> None:
    """Add segment N (and, at market-year, the extra NPL deals) to ``world``."""
    rng = rng_for(world.seed, SEGMENT)
    agencies = add_agencies(world)
    codes = CodeBook("77", world.extras.setdefault("security_codes", set()))
    credit = _credit_deals(rng)
    mortgage = _mortgage_deals(rng)
    _number_issues(rng, credit + mortgage, reserved={("建鑫", 2021): 6})
    for deal in sorted(credit + mortgage, key=lambda d: (d.value_date, d.series, d.issue_number)):
        _emit_deal(world, rng, deal, agencies, codes, horizon=AS_OF, step_months=3,
                   with_performance=deal.subclass == "credit_npl")
    if world.scale == "market-year":
        _build_extras(world, agencies, codes)


# ─────────────────────────── credit deals (N-01 … N-07) ───────────────────────────
def _credit_deals(rng: random.Random) -> list[NplDeal]:
    deals = []
    for vintage, orig, level_code, (m0, m1) in CREDIT_SLOTS:
        start = date(vintage, m0, 1)
        end = month_end(date(vintage, m1, 1))
        deal = NplDeal(orig, NPL_SERIES[orig], vintage, "credit_npl", random_date(rng, start, end))
        deal.tau = RECOVERY_TAU[orig]
        deal.extra["role"] = level_code
        deals.append(deal)
    _recovery_levels(rng, deals)
    _pool_sizes_and_borrowers(rng, deals)
    _issued_amounts(rng, deals)
    _pool_characteristics(rng, deals)
    return deals


def _recovery_levels(rng: random.Random, deals: list[NplDeal]) -> None:
    """N-07: R∞ per deal. Originator A (建设银行) 2022–2024 deals share one level — its 2022–2023
    deals span A_LEVEL × [0.94, 1.06], the stable 2024 deals lie strictly inside, one 2024 deal
    is ~40 % lower; everyone else gets its slot level ± 4 %."""
    a_early = [d for d in deals if d.extra["role"] == "A" and d.vintage in (2022, 2023)]
    mults = [0.94, 1.06] + [rng.uniform(0.96, 1.04) for _ in a_early[2:]]
    rng.shuffle(mults)
    for d, m in zip(a_early, mults):
        d.level = A_LEVEL * m
    for d in deals:
        role = d.extra["role"]
        if role == "A" and d.vintage == 2024:
            d.level = A_LEVEL * rng.uniform(0.97, 1.03)
        elif role == "A-low":
            d.level = A_LEVEL * rng.uniform(0.55, 0.65)
        elif role == "first":
            d.level = FIRST_CREDIT_LEVEL * rng.uniform(0.96, 1.04)
        elif role != "A":
            d.level = float(role) * rng.uniform(0.96, 1.04)


def _pool_sizes_and_borrowers(rng: random.Random, deals: list[NplDeal]) -> None:
    """N-02 + N-05: pool principal per deal (vintage totals exact) and borrowers per pool.

    Unknowns per deal: borrowers b and balance per borrower r (pool = b·r). Constraints: vintage
    pool totals; Σb = 120,321; mean r = 17.2 万元; vintage means of r rising; one pool of 980
    borrowers, one above 30,000. Construction: small pools get r ~ 4–9 万元 and b = 1,000 + t·e;
    the 980 pool and the >30,000 pool (2024) are drawn outright; one large-ticket pool per vintage
    takes r_J = n·m_y − Σ(other r) for drawn rising vintage means m_y (scaled to mean 17.2 万元) and
    the rest of the vintage's principal. Σb is then linear in t, solved exactly; draws that break a
    bound are redrawn.
    """
    by_year: dict[int, list[NplDeal]] = {}
    for d in deals:
        by_year.setdefault(d.vintage, []).append(d)
    years = sorted(by_year)
    for _attempt in range(500):
        kind: dict[int, str] = {}
        for y in years:
            idx = [i for i, d in enumerate(deals) if d.vintage == y]
            jumbo = rng.choice([i for i in idx if deals[i].extra["role"] != "first"])
            kind[jumbo] = "J"
            if y == 2024:
                kind[rng.choice([i for i in idx if i not in kind])] = "MAX"
        smalls = [i for i in range(len(deals)) if i not in kind]
        kind[rng.choice(smalls)] = "MIN"
        r: dict[int, float] = {}
        b: dict[int, float] = {}
        e: dict[int, float] = {}
        for i in range(len(deals)):
            k = kind.get(i, "S")
            if k == "S":
                r[i], e[i] = rng.uniform(4.0, 9.0) * 1e4, rng.uniform(0, 2500)
            elif k == "MIN":
                r[i], b[i] = rng.uniform(5.0, 8.0) * 1e4, float(N_MIN_BORROWERS)
            elif k == "MAX":
                r[i], b[i] = rng.uniform(40.0, 50.0) * 1e4, float(rng.randint(30_300, 33_500))
        base = {2021: 13.2, 2022: 15.0, 2023: 16.6, 2024: 18.2, 2025: 19.6}
        m = {y: base[y] + rng.uniform(-0.3, 0.3) for y in years}
        scale = float(N_MEAN_BALANCE_PER_BORROWER) * len(deals) / sum(len(by_year[y]) * m[y] * 1e4 for y in years)
        m = {y: m[y] * 1e4 * scale for y in years}
        const = coef = 0.0
        jumbo_of: dict[int, int] = {}
        for y in years:
            idx = [i for i, d in enumerate(deals) if d.vintage == y]
            j = next(i for i in idx if kind.get(i) == "J")
            jumbo_of[y] = j
            r[j] = len(idx) * m[y] - sum(r[i] for i in idx if i != j)
            year_pool = float(yi(CREDIT_BY_YEAR[y][1]))
            fixed_pool = sum(b[i] * r[i] for i in idx if kind.get(i) in ("MIN", "MAX"))
            s_idx = [i for i in idx if kind.get(i, "S") == "S"]
            floor_pool = sum(1000 * r[i] for i in s_idx)
            const += (year_pool - fixed_pool - floor_pool) / r[j] + 1000 * len(s_idx)
            const += sum(b[i] for i in idx if kind.get(i) in ("MIN", "MAX"))
            coef += sum(e[i] for i in s_idx) - sum(e[i] * r[i] for i in s_idx) / r[j]
        t = (N_BORROWERS_TOTAL - const) / coef
        if not 0.02 <= t <= 3.0:
            continue
        for i in smalls:
            if kind.get(i, "S") == "S":
                b[i] = 1000 + t * e[i]
        ok = True
        for y in years:
            j = jumbo_of[y]
            idx = [i for i, d in enumerate(deals) if d.vintage == y]
            rest = sum(b[i] * r[i] for i in idx if i != j)
            b[j] = (float(yi(CREDIT_BY_YEAR[y][1])) - rest) / r[j]
            if not (2_000 <= b[j] <= 29_000) or r[j] < 1.5 * max(r[i] for i in idx if kind.get(i) != "MAX" and i != j):
                ok = False
        if not ok:
            continue
        _finalise_pools(deals, kind, b, r, jumbo_of)
        return
    raise RuntimeError("could not calibrate N-05 borrowers; widen the draws")


def _finalise_pools(deals, kind, b, r, jumbo_of) -> None:
    """Round to integers and cents, keeping every calibrated total exact."""
    bi = {i: int(round(v)) for i, v in b.items()}
    # exact Σb: put the rounding residue on the largest large-ticket pool
    big = max(jumbo_of.values(), key=lambda j: bi[j])
    bi[big] += N_BORROWERS_TOTAL - sum(bi.values())
    for y, j in jumbo_of.items():
        idx = [i for i, d in enumerate(deals) if d.vintage == y]
        total = yi(CREDIT_BY_YEAR[y][1])
        for i in idx:
            if i != j:
                deals[i].pool = cny(bi[i] * r[i])
        deals[j].pool = total - sum(deals[i].pool for i in idx if i != j)
    for i, d in enumerate(deals):
        d.borrowers = bi[i]
        d.extra["ticket"] = kind.get(i, "S")
    mean = sum(cny(d.pool / d.borrowers) for d in deals) / len(deals)
    if abs(mean - N_MEAN_BALANCE_PER_BORROWER) >= 400:
        raise RuntimeError(f"N-05 mean balance per borrower drifted: {mean}")


def _issued_amounts(rng: random.Random, deals: list[NplDeal]) -> None:
    """N-02: issued amount per deal ∝ pool × a drawn price ratio, vintage totals exact in 万元."""
    for y, (issued, _pool, _n) in CREDIT_BY_YEAR.items():
        ds = [d for d in deals if d.vintage == y]
        amounts = split_amount(yi(issued), [float(d.pool) * rng.uniform(0.8, 1.2) for d in ds], WAN)
        for d, a in zip(ds, amounts):
            d.amount = a


def _pool_characteristics(rng: random.Random, deals: list[NplDeal]) -> None:
    """N-06 overdue months: 26 of 29 pools within 4–6 months, each vintage's mean recentred into
    5.0 ± 0.15 before three mild outliers (in three different vintages of ≥ 5 deals) are set, so
    vintage means stay within one month of each other. N-07 expected gross recovery by vintage."""
    months: dict[int, float] = {}
    for y in sorted(CREDIT_BY_YEAR):
        idx = [i for i, d in enumerate(deals) if d.vintage == y]
        vals = [rng.uniform(4.2, 5.8) for _ in idx]
        shift = rng.uniform(4.85, 5.15) - sum(vals) / len(vals)
        for i, v in zip(idx, vals):
            months[i] = min(5.95, max(4.05, v + shift))
    for y in rng.sample([y for y, (_a, _p, n) in sorted(CREDIT_BY_YEAR.items()) if n >= 5], 3):
        i = rng.choice([i for i, d in enumerate(deals) if d.vintage == y])
        months[i] = rng.uniform(3.6, 3.95) if rng.random() < 0.5 else rng.uniform(6.05, 6.5)
    for i, d in enumerate(deals):
        d.extra["overdue"] = Decimal(str(round(months[i], 2)))
        d.extra["expected_recovery"] = EXPECTED_RECOVERY_BY_YEAR[d.vintage] * rng.uniform(0.94, 1.06)


# ─────────────────────────── mortgage deals (N-03, N-04) ───────────────────────────
def _mortgage_deals(rng: random.Random) -> list[NplDeal]:
    deals = []
    for year, (count, total) in sorted(MORTGAGE_BY_YEAR.items()):
        last_month = 8 if year == 2025 else 12
        if year == 2016:
            origs = ["cmb"]  # 和萃2016年第二期, the first small-micro NPAS
        else:
            # 建鑫 2021 numbering is pinned to the credit deal 第六期, so no 建设银行 mortgage deal that year
            pool = [o for o in MORTGAGE_ORIGINATORS if not (year == 2021 and o == "ccb")]
            origs = [rng.choice(pool) for _ in range(count)]
        if total is not None:
            year_total = yi(total)
        elif year == 2025:  # N-04: Jan–Aug 2025 above the 2024 total
            year_total = yi(Decimal(rng.randint(8000, 9500)) / 100)
        else:
            year_total = yi(Decimal(rng.randint(300, 900) * count) / 100)
        amounts = split_amount(year_total, [rng.uniform(0.6, 1.4) for _ in origs], WAN)
        for orig, amount in zip(origs, amounts):
            start, end = date(year, 1, 1), date(year, last_month, 28)
            if year == 2016:
                start, end = date(2016, 5, 1), date(2016, 6, 28)
            d = NplDeal(orig, NPL_SERIES[orig], year, "mortgage_npl", random_date(rng, start, end))
            d.amount = amount
            d.pool = cny(amount / Decimal(str(rng.uniform(0.35, 0.6))))
            d.borrowers = rng.randint(150, 900)
            d.level = rng.uniform(0.4, 0.6)
            d.tau = 18.0
            d.extra.update(overdue=Decimal(str(round(rng.uniform(6, 20), 2))),
                           expected_recovery=rng.uniform(0.45, 0.7), ticket="M")
            deals.append(d)
    return deals


def _number_issues(rng: random.Random, deals: list[NplDeal], reserved: dict[tuple[str, int], int],
                   floor: dict[tuple[str, int], int] | None = None) -> None:
    """Issue numbers per series and year, increasing with value date. ``reserved`` pins the
    first deal of a series-year to a number (建鑫2021年第六期); ``floor`` starts numbering above
    numbers already used by the seed deals."""
    groups: dict[tuple[str, int], list[NplDeal]] = {}
    for d in deals:
        groups.setdefault((d.series, d.vintage), []).append(d)
    for key in sorted(groups):
        ds = sorted(groups[key], key=lambda d: d.value_date)
        start = (floor or {}).get(key, 0) + 1
        if key in reserved:
            first = reserved[key]
            nums = [first] + sorted(rng.sample(range(first + 1, first + 3 * len(ds) + 2), len(ds) - 1))
        else:
            nums = sorted(rng.sample(range(start, start + len(ds) + min(len(ds), 4) + 1), len(ds)))
        if key == ("和萃", 2016):
            nums = [2]
        for d, n in zip(ds, nums):
            d.issue_number = n


# ─────────────────────────── rows ───────────────────────────
def _emit_deal(world: World, rng: random.Random, d: NplDeal, agencies: list[str], codes: CodeBook,
               horizon: date, step_months: int, with_performance: bool) -> str:
    originator_id = add_bank(world, d.originator)
    trustee_id = add_trust(world, NPL_TRUSTEE[d.originator])
    name = f"{d.series}{d.vintage}年第{cn_number(d.issue_number)}期不良资产支持证券"
    deal_id = deal_id_for(name)
    loans = int(round(d.borrowers * rng.uniform(1.0, 1.25)))
    legal = month_add(d.value_date, rng.choice((60, 72, 84)))
    world.add("core.deals", {
        "deal_id": deal_id,
        "deal_name_zh": name,
        "deal_short_name": f"{d.series}{d.vintage}-{d.issue_number}",
        "series_name": d.series,
        "vintage_year": d.vintage,
        "issue_number": d.issue_number,
        "market": MARKET,
        "asset_class": "npl",
        "asset_subclass": d.subclass,
        "is_public_offering": True,
        "originator_id": originator_id,
        "asset_provider_id": originator_id,
        "trustee_id": trustee_id,
        "issue_date": d.value_date - timedelta(days=rng.randint(2, 6)),
        "value_date": d.value_date,
        "legal_maturity_date": legal,
        "deal_amount_cny": d.amount,
        "initial_pool_balance_cny": d.pool,
        "pool_loan_count": loans,
        "pool_borrower_count": d.borrowers,
        "avg_balance_per_loan_cny": cny(d.pool / loans),
        "avg_balance_per_borrower_cny": cny(d.pool / d.borrowers),
        "wa_contract_term_months": Decimal(str(round(rng.uniform(12, 36), 2))),
        "wa_remaining_term_months": None,
        "wa_pool_rate": rate(round(rng.uniform(0.04, 0.07), 6)),
        "wa_overdue_months": d.extra["overdue"],
        "expected_gross_recovery_rate": rate(round(d.extra["expected_recovery"], 6)),
        "is_revolving": False,
        "revolving_period_months": None,
        "has_external_enhancement": False,
    })
    senior_amount = (d.amount * Decimal(str(rng.uniform(0.70, 0.82))) / WAN).quantize(Decimal(1)) * WAN
    senior_months, sub_months = rng.choice((24, 30, 36)), rng.choice((48, 54, 60))
    lo, hi = SENIOR_COUPON[d.vintage]
    senior = {
        "tranche_id": codes.take(d.vintage), "deal_id": deal_id, "tranche_name": "优先档",
        "tranche_class": "senior", "seniority_rank": 1, "amount_cny": senior_amount,
        "coupon_rate": rate(Decimal(rng.randint(int(lo * 100), int(hi * 100))) / 10000),
        "coupon_type": "fixed", "issue_price_per_100": Decimal("100.0000"), "amortisation": "pass_through",
        "expected_maturity_date": month_add(d.value_date, senior_months),
        "expected_tenor_years": (Decimal(senior_months) / 12).quantize(Decimal("0.0001")),
        "legal_maturity_date": legal, "initial_rating": "AAAsf",
        "initial_rating_agency_id": rng.choice(agencies), "is_externally_placed": None,
        "originator_retained_share": None, "period_return_rate": None, "delisting_date": None,
    }
    sub = {
        "tranche_id": codes.take(d.vintage), "deal_id": deal_id, "tranche_name": "次级档",
        "tranche_class": "subordinated", "seniority_rank": 2, "amount_cny": d.amount - senior_amount,
        "coupon_rate": None, "coupon_type": None, "issue_price_per_100": Decimal("100.0000"),
        "amortisation": "pass_through", "expected_maturity_date": month_add(d.value_date, sub_months),
        "expected_tenor_years": (Decimal(sub_months) / 12).quantize(Decimal("0.0001")), "legal_maturity_date": legal, "initial_rating": None, "initial_rating_agency_id": None,
        "is_externally_placed": True, "originator_retained_share": rate("0.05"),
        "period_return_rate": None, "delisting_date": None,
    }
    for t in (senior, sub):
        t["security_code"] = t["tranche_id"]
    if with_performance and _npl_performance(world, rng, d, deal_id, loans, [senior, sub], horizon, step_months):
        world.extras.setdefault("trustee_report_deals", []).append(deal_id)
    world.add("core.tranches", senior)
    world.add("core.tranches", sub)
    return deal_id


def recovery_fraction(months: float, tau: float) -> float:
    """Share of the ultimate recovery collected ``months`` after the value date."""
    return 1.0 - math.exp(-months / tau)


def _npl_performance(world: World, rng: random.Random, d: NplDeal, deal_id: str, loans: int,
                     tranches: list[dict], horizon: date, step_months: int) -> int:
    """Trustee-report rows until ``horizon``: disposal recoveries on a smooth curve (so the
    cumulative recovery never falls), other income apart, NPL-inapplicable measures NULL; then a
    simple waterfall: fees, senior interest and principal, subordinated principal, excess.
    Returns the number of report periods."""
    pays = []
    k = 1
    while (p := month_add(d.value_date, step_months * k)) <= horizon:
        pays.append(p)
        k += 1
    windows = collection_windows(d.value_date, pays)
    cum_target_prev = Decimal(0)
    cum = Decimal(0)
    balance = d.pool
    senior, sub = tranches
    out = {senior["tranche_id"]: senior["amount_cny"], sub["tranche_id"]: sub["amount_cny"]}
    prev_pay = d.value_date
    for n, (pay, (c_start, c_end)) in enumerate(zip(pays, windows), start=1):
        months = step_months * n
        cum_target = cny(d.pool * Decimal(str(d.level * recovery_fraction(months, d.tau))))
        recovery = max(Decimal(0), cum_target - cum_target_prev)
        cum_target_prev = cum_target
        cum += recovery
        resolved_share = Decimal(str(0.85 * recovery_fraction(months, d.tau * 1.2)))
        end_balance = cny(d.pool * (1 - resolved_share))
        other = cny(recovery * Decimal(str(rng.uniform(0.002, 0.012))))
        world.add("core.pool_performance", {
            "deal_id": deal_id, "period_number": n, "report_date": pay - timedelta(days=5),
            "collection_period_start": c_start, "collection_period_end": c_end, "payment_date": pay,
            "pool_balance_begin_cny": balance, "pool_balance_end_cny": end_balance,
            "loan_count_end": int(round(loans * float(end_balance / d.pool))),
            "principal_collected_cny": None, "interest_collected_cny": None, "prepayment_cny": None,
            "new_default_cny": None, "cumulative_default_cny": None, "cumulative_default_rate": None,
            "delinquent_1_30_cny": None, "delinquent_31_60_cny": None, "delinquent_61_90_cny": None,
            "delinquent_90_plus_cny": None, "revolving_purchase_cny": None,
            "cumulative_revolving_purchase_cny": None, "recovery_cny": recovery,
            "cumulative_recovery_cny": cum, "other_income_cny": other,
            "not_applicable_reason": NPL_NA_REASON,
        })
        balance = end_balance
        cash = cny((recovery + other) * Decimal("0.95"))  # after taxes, servicing and trustee fees
        days = (pay - prev_pay).days
        prev_pay = pay
        for t in (senior, sub):
            before = out[t["tranche_id"]]
            interest = Decimal(0)
            if t["coupon_rate"] is not None and before > 0:
                interest = min(cash, cny(before * t["coupon_rate"] * days / 365))
                cash -= interest
            principal = min(cash, before)
            cash -= principal
            excess = Decimal(0)
            if t is sub and principal == before:
                excess, cash = cash, Decimal(0)
            if before == 0 and excess == 0:
                continue
            out[t["tranche_id"]] = before - principal
            world.add("core.tranche_payments", {
                "tranche_id": t["tranche_id"], "period_number": n, "deal_id": deal_id, "payment_date": pay,
                "principal_before_cny": before, "principal_paid_cny": principal,
                "principal_after_cny": before - principal, "interest_paid_cny": interest,
                "other_income_paid_cny": excess if t is sub else None,
            })
            if before > 0 and before - principal == 0 and t["delisting_date"] is None and t is senior:
                t["delisting_date"] = pay
    return len(pays)


# ─────────────────────────── market-year extras ───────────────────────────
EXTRA_SUBCLASSES = (
    ("credit_card_npl", 0.40, ("ccb", "icbc", "abc", "boc", "bocom", "cmb", "cib", "citic", "spdb", "pab")),
    ("consumer_npl", 0.20, ("ccb", "icbc", "cmb", "pab", "citic", "cib")),
    ("residential_mortgage_npl", 0.15, ("ccb", "icbc", "abc", "boc", "bocom", "psbc")),
    ("corporate_npl", 0.10, ("ccb", "icbc", "abc", "boc", "bocom")),
    ("credit_npl", 0.10, ("ccb", "icbc", "abc", "psbc", "pab")),
    ("mortgage_npl", 0.05, ("cmb", "ccb", "icbc", "boc")),
)
EXTRA_NPL_DEALS = 260


def _build_extras(world: World, agencies: list[str], codes: CodeBook) -> None:
    """≈260 NPL deals valued in 2025 with monthly reports to 2025-12. Small-micro subclasses are
    valued only after 2025-08 so N-01 … N-07 keep their values."""
    rng = rng_for(world.seed, SEGMENT + ":extras")
    used: dict[tuple[str, int], int] = {}
    for row in world.rows("core.deals"):
        if row["asset_class"] == "npl" and row["vintage_year"] is not None:
            key = (row["series_name"], row["vintage_year"])
            used[key] = max(used.get(key, 0), row["issue_number"])
    deals = []
    weights = [w for _, w, _ in EXTRA_SUBCLASSES]
    for _ in range(EXTRA_NPL_DEALS):
        subclass, _w, origs = rng.choices(EXTRA_SUBCLASSES, weights=weights)[0]
        orig = rng.choice(origs)
        start = date(2025, 9, 1) if subclass in ("credit_npl", "mortgage_npl") else date(2025, 1, 1)
        d = NplDeal(orig, NPL_SERIES[orig], 2025, subclass, random_date(rng, start, date(2025, 11, 28)))
        d.pool = cny(Decimal(rng.randint(5, 400)) * Decimal("1e7") * Decimal(str(rng.uniform(0.8, 1.2))))
        d.amount = (d.pool * Decimal(str(rng.uniform(0.08, 0.3))) / WAN).quantize(Decimal(1)) * WAN
        d.borrowers = max(200, int(float(d.pool) / rng.uniform(2e4, 4e5)))
        d.level = rng.uniform(0.08, 0.45)
        d.tau = rng.uniform(10, 18)
        d.extra.update(overdue=Decimal(str(round(rng.uniform(3, 24), 2))),
                       expected_recovery=d.level * rng.uniform(1.0, 1.3), ticket="X")
        deals.append(d)
    _number_issues(rng, deals, reserved={}, floor=used)
    for d in sorted(deals, key=lambda d: (d.value_date, d.series, d.issue_number)):
        _emit_deal(world, rng, d, agencies, codes, horizon=EXTRAS_AS_OF, step_months=1, with_performance=True)
