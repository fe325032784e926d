"""Segment M: interbank micro-enterprise loan ABS (微小企业贷款 ABS) 2017–2023 and their
subordinated tranches, seed 004.

Calibrates M-01 … M-09 of ``seed-figures.md`` exactly, for any seed:

* M-01/M-02 — the 61 deals of ``M_DEALS`` (named originators and series of the seed) are grouped
  in *cells* (originator × fate × vintage). Cell totals are a few drawn free amounts plus amounts
  solved from the printed totals (2,374.19 by end-2023; 749.72 in 2023 and 464.74 in 2022 so
  that 2023 is +61.32 %; by originator type issued / liquidated; by liquidation method), see
  ``_cell_totals``; deals split their cell's total in 万元.
* M-03/M-04/M-05 — 36 ``core.liquidation_events`` with the method per originator of table 3;
  the named deals of M-05 are in the table (龙惠2018-1, 飞驰建普2020-2/-4 open; 泰和2017-1 and
  隆和2021-4 full liquidation; four 飞驰建普, 兴渝2019-1, 兴惠2023-1 in kind; only six
  飞驰建普 deals revolve); 和惠2018-1 has WA contract term 9.51 years (114.12 months), remaining
  term 92.28 months (7.69 years) and a 54-month subordinated life.
* M-06 — months are calendar months (``date_diff('month', value_date, …)``; every date keeps the
  value date's day of month). Subordinated expected tenor (expected maturity − value date) sums
  to 686 months over the 36 liquidated deals (mean 19.06), actual tenor (delisting − value date)
  to 436 (mean 12.11); ratio of the means 0.64.
* M-07 — the 28 externally placed subordinated tranches (26 clean-up + 2 full liquidation) get
  IRR targets (max 14.00 %, min 3.45 %, sum 217.56 % → mean 7.77 %); the final excess return is
  solved so that XIRR of the dated ``core.subordinated_cash_flows`` at the issue price (100, or
  108 for 泰和2019-1) hits the target. Retention 5–6 % in 27 of them (旭越惠诚2020-1 higher).
* M-08 — period-return rates: 2 % × 2, 6 % × 4, 5 % × 22 among the externally placed, 5 % for
  the two retained clean-up deals (旭越惠诚2021-1/2022-1), NULL for the six in-kind deals.
* M-09 — clean-up deals: pool cumulative default rate at the call (targets with max 1.98 %, sum
  12.60 % → mean 0.45 %) and clean-up price / remaining principal (sum 20.6892 → mean 73.89 %);
  both equal the last trustee-report period of the deal.

Every deal has quarterly ``core.pool_performance`` until liquidation or end-2023 (end = begin −
principal − new default + revolving purchases) and ``core.tranche_payments`` per tranche per
period (subordinated: period return as interest, excess return as other income), which equal the
subordinated cash flows. Market-year adds ~100 deals valued 2024–2025 with monthly reports.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sample_market.world.base import WAN, World, cny, deal_id_for, month_add, rate, rng_for, yi
from sample_market.world.npl import (
    CodeBook,
    add_agencies,
    add_bank,
    add_trust,
    cn_number,
    collection_windows,
    fit_integers,
    random_date,
    split_amount,
)

SEGMENT = "micro_enterprise"
MARKET = "credit_abs"
ASSET_CLASS = "micro_enterprise_loan"
AS_OF = date(2023, 12, 31)  # seed 004 counts to the end of 2023
EXTRAS_AS_OF = date(2025, 12, 31)

CU, FULL, IK = "clean_up_call", "full_liquidation", "in_kind_distribution"
EXT, RET = "ext", "ret"  # subordinated tranche placed outside / wholly retained

# The 61 deals: (originator, series, vintage, issue number, liquidation method or None, cell,
# revolving, subordinated placement). Cells share one calibrated total (see _cell_totals).
M_DEALS: tuple[tuple[str, str, int, int, str | None, str, bool, str], ...] = (
    # 建设银行 飞驰建普 — state-owned, 12 deals, six revolving
    ("ccb", "飞驰建普", 2020, 1, CU, "ccb_cu", False, EXT),
    ("ccb", "飞驰建普", 2020, 2, None, "ccb_open_2020", True, EXT),
    ("ccb", "飞驰建普", 2020, 3, CU, "ccb_cu", False, EXT),
    ("ccb", "飞驰建普", 2020, 4, None, "ccb_open_2020", True, EXT),
    ("ccb", "飞驰建普", 2021, 1, IK, "ccb_ik_2021", True, RET),
    ("ccb", "飞驰建普", 2021, 2, IK, "ccb_ik_2021", True, RET),
    ("ccb", "飞驰建普", 2022, 1, IK, "ccb_ik_2022", False, RET),
    ("ccb", "飞驰建普", 2022, 2, IK, "ccb_ik_2022", False, RET),
    ("ccb", "飞驰建普", 2022, 3, None, "ccb_open_2022", True, RET),
    ("ccb", "飞驰建普", 2023, 1, None, "ccb_open_2023", True, RET),
    ("ccb", "飞驰建普", 2023, 2, None, "ccb_open_2023", False, RET),
    ("ccb", "飞驰建普", 2023, 3, None, "ccb_open_2023", False, RET),
    # joint-stock banks — 10 deals
    ("czb", "旭越惠诚", 2019, 1, CU, "czb_cu_early", False, EXT),
    ("czb", "旭越惠诚", 2020, 1, CU, "czb_cu_early", False, EXT),  # originator retains well above 6 %
    ("czb", "旭越惠诚", 2020, 2, CU, "czb_cu_early", False, EXT),
    ("czb", "旭越惠诚", 2021, 1, CU, "czb_cu_early", False, RET),
    ("czb", "旭越惠诚", 2022, 1, CU, "czb_cu_2022", False, RET),
    ("cmb", "和惠", 2018, 1, CU, "cmb_cu", False, EXT),
    ("cib", "兴惠", 2023, 1, IK, "cib_ik", False, RET),
    ("hxb", "龙惠", 2018, 1, None, "hxb_2018", False, EXT),
    ("hxb", "龙惠", 2023, 1, None, "hxb_2023", False, EXT),
    ("hxb", "龙惠", 2023, 2, None, "hxb_2023", False, EXT),
    # city commercial banks — 27 deals
    ("tlb", "泰和", 2017, 1, FULL, "tl_full", False, EXT),
    ("tlb", "泰和", 2017, 2, CU, "city_cu_early", False, EXT),
    ("tlb", "泰和", 2018, 1, CU, "city_cu_early", False, EXT),
    ("tlb", "隆和", 2018, 1, CU, "city_cu_early", False, EXT),
    ("tlb", "泰和", 2019, 1, CU, "city_cu_early", False, EXT),  # subordinated issued at 108
    ("tlb", "隆和", 2019, 1, CU, "city_cu_early", False, EXT),
    ("tlb", "隆和", 2019, 2, CU, "city_cu_early", False, EXT),
    ("tlb", "泰和", 2020, 1, CU, "city_cu_early", False, EXT),
    ("tlb", "隆和", 2020, 1, CU, "city_cu_early", False, EXT),
    ("tlb", "隆和", 2021, 1, CU, "city_cu_early", False, EXT),
    ("tlb", "隆和", 2021, 2, CU, "city_cu_early", False, EXT),
    ("tlb", "隆和", 2021, 3, CU, "city_cu_early", False, EXT),
    ("tlb", "隆和", 2021, 4, FULL, "tl_full", False, EXT),
    ("tlb", "隆和", 2022, 1, CU, "tl_cu_2022", False, EXT),
    ("tlb", "隆和", 2022, 2, CU, "tl_cu_2022", False, EXT),
    ("tlb", "隆和", 2022, 3, None, "tl_open_2022", False, EXT),
    ("tlb", "泰和", 2023, 1, None, "tl_open_2023", False, EXT),
    ("tlb", "隆和", 2023, 1, None, "tl_open_2023", False, EXT),
    ("tlb", "隆和", 2023, 2, None, "tl_open_2023", False, EXT),
    ("nbcb", "甬惠", 2018, 1, CU, "city_cu_early", False, EXT),
    ("nbcb", "甬惠", 2019, 1, CU, "city_cu_early", False, EXT),
    ("nbcb", "甬惠", 2020, 1, CU, "city_cu_early", False, EXT),
    ("nbcb", "甬惠", 2021, 1, CU, "city_cu_early", False, EXT),
    ("wzb", "温惠", 2019, 1, CU, "city_cu_early", False, EXT),
    ("wzb", "温惠", 2020, 1, CU, "city_cu_early", False, EXT),
    ("wzb", "温惠", 2021, 1, CU, "city_cu_early", False, EXT),
    ("cqtgb", "兴渝", 2019, 1, IK, "sx_ik", False, RET),
    # rural commercial banks — 11 deals, none liquidated
    ("csrcb", "常兴业", 2022, 1, None, "rural_2022", False, EXT),
    ("csrcb", "常兴业", 2023, 1, None, "rural_2023", False, EXT),
    ("csrcb", "常兴业", 2023, 2, None, "rural_2023", False, EXT),
    ("csrcb", "常兴业", 2023, 3, None, "rural_2023", False, EXT),
    ("csrcb", "常兴业", 2023, 4, None, "rural_2023", False, EXT),
    ("csrcb", "常兴业", 2023, 5, None, "rural_2023", False, EXT),
    ("zjgrcb", "张微融", 2022, 1, None, "rural_2022", False, EXT),
    ("zjgrcb", "张微融", 2023, 1, None, "rural_2023", False, EXT),
    ("zjgrcb", "张微融", 2023, 2, None, "rural_2023", False, EXT),
    ("zjgrcb", "张微融", 2023, 3, None, "rural_2023", False, EXT),
    ("zjgrcb", "张微融", 2023, 4, None, "rural_2023", False, EXT),
    # private bank — 湖南三湘银行, December 2023
    ("sxbank", "湘业", 2023, 1, None, "private_2023", False, EXT),
)

M_TRUSTEE = {
    "ccb": "ccbt", "czb": "hngc", "cmb": "crt", "cib": "cibt", "hxb": "bjit", "tlb": "yingda",
    "nbcb": "bocomt", "wzb": "sitic", "cqtgb": "cofco", "csrcb": "fotic", "zjgrcb": "hbt",
    "sxbank": "citict", "hzb": "hngc", "jnrcb": "fotic", "xsrcb": "sitic",
}
# WA contract term 2.5–3 years for these originators' pools (seed 004); the rest under 2 years
LONG_TERM_ORIGINATORS = ("hxb", "cqtgb", "zjgrcb")
HEHUI_CONTRACT_MONTHS = Decimal("114.12")  # 9.51 years
HEHUI_REMAINING_MONTHS = Decimal("92.28")  # 7.69 years ≈ 92 months
HEHUI_SUB_MONTHS = 54
LONGHUI_SUB_REPAID = (2021, 4)  # 龙惠2018-1 subordinated principal repaid in April 2021

SUB_EXPECTED_MONTHS_TOTAL = 686  # M-06: 19.06 × 36
SUB_ACTUAL_MONTHS_TOTAL = 436  # M-06: 12.11 × 36
IRR_MAX_BP, IRR_MIN_BP, IRR_SUM_BP = 1400, 345, 21756  # M-07 in 0.01 % (mean 7.77 % × 28)
CALL_DEFAULT_MAX, CALL_DEFAULT_SUM = 19_800, 126_000  # M-09 in 1e-6 (1.98 %, 0.45 % × 28)
CALL_PRICE_RATIO_SUM = 2_068_920  # M-09 in 1e-5 (73.89 % × 28)
PREMIUM_DEAL = "泰和2019-1"  # M-07: the one subordinated tranche issued at 108

SENIOR_COUPON = {2017: (4.6, 5.0), 2018: (4.5, 5.2), 2019: (3.4, 4.0), 2020: (2.9, 3.5), 2021: (3.0, 3.4),
                 2022: (2.3, 2.8), 2023: (2.2, 2.6), 2024: (2.0, 2.4), 2025: (1.7, 2.1)}
MEZZ_RATINGS = ("AA+sf", "AA+sf", "AAsf", "AA-sf", "A+sf")


# ─────────────────────────── XIRR ───────────────────────────
def xirr(flows: list[tuple[date, Decimal | float]]) -> Decimal:
    """Annual IRR of dated cash flows (Excel XIRR: Σ cf / (1 + r)^(days/365) = 0), by bisection.

    ``flows`` needs at least one negative and one positive amount; returns a Decimal with 10
    decimal places."""
    d0 = min(d for d, _ in flows)
    pts = [((d - d0).days / 365.0, float(a)) for d, a in flows]
    if not (any(a < 0 for _, a in pts) and any(a > 0 for _, a in pts)):
        raise ValueError("xirr needs both negative and positive flows")

    def npv(r: float) -> float:
        return sum(a / (1.0 + r) ** t for t, a in pts)

    lo, hi = -0.9999, 10.0
    f_lo = npv(lo)
    if f_lo * npv(hi) > 0:
        raise ValueError("xirr: no sign change between -99.99 % and 1000 %")
    for _ in range(200):
        mid = (lo + hi) / 2
        f_mid = npv(mid)
        if f_mid == 0:
            break
        if (f_mid > 0) == (f_lo > 0):
            lo, f_lo = mid, f_mid
        else:
            hi = mid
    return Decimal(repr((lo + hi) / 2)).quantize(Decimal("1e-10"))


# ─────────────────────────── plan of one deal ───────────────────────────
@dataclass
class MDeal:
    """Working record of one micro-enterprise deal before it becomes rows."""

    originator: str
    series: str
    vintage: int
    issue_number: int
    method: str | None
    cell: str
    revolving: bool
    placement: str
    amount: Decimal = Decimal(0)
    value_date: date | None = None
    actual_months: int | None = None  # subordinated life to delisting (liquidated deals)
    expected_months: int = 0  # subordinated expected maturity, months after the value date
    default_rate: int | None = None  # M-09 target in 1e-6 (clean-up deals)
    price_ratio: int | None = None  # M-09 target in 1e-5 (clean-up deals)
    irr_bp: int | None = None  # M-07 target in 0.01 %
    period_return: Decimal | None = None  # M-08
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def short_name(self) -> str:
        return f"{self.series}{self.vintage}-{self.issue_number}"


def build(world: World) -> None:
    """Add segment M (and, at market-year, the extra deals) to ``world``."""
    rng = rng_for(world.seed, SEGMENT)
    agencies = add_agencies(world)
    codes = CodeBook("78", world.extras.setdefault("security_codes", set()))
    deals = [MDeal(*row) for row in M_DEALS]
    _amounts(rng, deals)
    _tenors_and_dates(rng, deals)
    _subordinated_terms(rng, deals)
    _clean_up_targets(rng, deals)
    for d in sorted(deals, key=lambda d: (d.value_date, d.short_name)):
        _emit(world, rng, d, agencies, codes, horizon=AS_OF, step=3)
    if world.scale == "market-year":
        _build_extras(world, agencies, codes)


# ─────────────────────────── M-01/M-02/M-03: amounts ───────────────────────────
def _cell_totals(rng: random.Random) -> dict[str, int]:
    """Cell totals in 0.01 亿元 (1,000,000 CNY). Free draws: 兴惠2023-1 (H), 兴渝2019-1 (Q), the
    2021/2022 split of the in-kind 飞驰建普 deals, rural 2022, 龙惠2018-1, 泰隆's open 2023 deals,
    旭越惠诚2022-1, 和惠2018-1 and 泰隆's 2022 clean-up deals. The rest follow from the printed
    totals, so every M-01 … M-03 sum is exact whatever the draws."""
    for _ in range(1000):
        h, q = rng.randint(800, 1400), rng.randint(400, 900)
        f = 37635 - h - q  # in kind: 376.35 = four 飞驰建普 + 兴惠 + 兴渝
        f21 = round(f * rng.uniform(0.44, 0.50))
        r22 = rng.randint(2000, 3200)
        l18 = rng.randint(1200, 2000)
        t23 = rng.randint(5000, 6600)
        z22, k, t22l = rng.randint(2500, 3500), rng.randint(900, 1600), rng.randint(4000, 6000)
        cells = {
            "ccb_cu": 59692 - f,  # state-owned liquidated 596.92
            "ccb_ik_2021": f21,
            "ccb_ik_2022": f - f21,
            "cib_ik": h,
            "sx_ik": q,
            "rural_2022": r22,
            "rural_2023": 14953 - r22,  # rural 149.53
            "hxb_2018": l18,
            "hxb_2023": 6650 - l18,  # joint-stock open 243.58 − 177.08
            "tl_open_2023": t23,
            "tl_open_2022": 8542 - t23,  # city open 626.73 − 541.31
            "czb_cu_2022": z22,
            "cmb_cu": k,
            "czb_cu_early": 17708 - h - z22 - k,  # joint-stock liquidated 177.08
            "tl_cu_2022": t22l,
            "tl_full": 803,  # full liquidation 8.03
            "city_cu_early": 53328 - q - t22l,  # city liquidated 541.31 − 8.03 − 兴渝 − 2022
            "private_2023": 503,
        }
        # 2023 total 749.72 fixes 建行's 2023 deals; 2022 total 464.74 fixes its open 2022 deal
        cells["ccb_open_2023"] = (74972 - cells["cib_ik"] - cells["hxb_2023"] - cells["tl_open_2023"]
                                  - cells["rural_2023"] - cells["private_2023"])
        cells["ccb_open_2022"] = (46474 - cells["ccb_ik_2022"] - cells["czb_cu_2022"] - cells["rural_2022"]
                                  - cells["tl_open_2022"] - cells["tl_cu_2022"])
        # state-owned issued 1,349.32
        cells["ccb_open_2020"] = (134932 - cells["ccb_cu"] - f - cells["ccb_open_2022"] - cells["ccb_open_2023"])
        if 10000 <= cells["ccb_open_2022"] <= 18000 and 6000 <= cells["ccb_open_2020"] <= 20000:
            return cells
    raise RuntimeError("could not draw M cell totals")


def _amounts(rng: random.Random, deals: list[MDeal]) -> None:
    cells = _cell_totals(rng)
    for cell in sorted(cells):
        members = [d for d in deals if d.cell == cell]
        weights = [rng.uniform(0.6, 1.4) * (1 + 0.12 * (d.vintage - 2017)) for d in members]
        if cell == "tl_full":  # few borrowers, small pools
            weights = [rng.uniform(0.8, 1.2) for _ in members]
        for d, amount in zip(members, split_amount(yi(Decimal(cells[cell]) / 100), weights, WAN)):
            d.amount = amount


# ─────────────────────────── M-06: tenors and dates ───────────────────────────
def _tenors_and_dates(rng: random.Random, deals: list[MDeal]) -> None:
    """Subordinated actual life (to delisting = liquidation) and expected maturity, in months,
    with exact sums; then value dates that let every liquidation fall by end-2023."""
    liq = [d for d in deals if d.method]
    lo, hi, start = [], [], []
    for d in liq:
        room = _months_between(date(d.vintage, 1, 5), date(2023, 12, 28))
        if d.short_name == "和惠2018-1":
            bounds = (HEHUI_SUB_MONTHS, HEHUI_SUB_MONTHS)
        elif d.short_name == "飞驰建普2021-1":
            bounds = (27, 33)
        elif d.short_name == "飞驰建普2021-2":
            bounds = (22, 26)
        else:
            bounds = (6, min(15, room))
        lo.append(bounds[0])
        hi.append(bounds[1])
        start.append(rng.randint(*bounds))
    actual = fit_integers(rng, start, lo, hi, SUB_ACTUAL_MONTHS_TOTAL)
    for d, a in zip(liq, actual):
        d.actual_months = a
    late = set(rng.sample([i for i, d in enumerate(liq) if d.actual_months < 20], 2))
    e_lo, e_hi, e_start = [], [], []
    for i, d in enumerate(liq):
        a = d.actual_months
        if d.short_name == "和惠2018-1":
            b = (56, 64)
        elif a >= 20:
            b = (a + 2, a + 8)
        else:
            b = (a - 2, a - 1) if i in late else (a, a + 16)
        e_lo.append(b[0])
        e_hi.append(b[1])
        e_start.append(rng.randint(*b))
    expected = fit_integers(rng, e_start, e_lo, e_hi, SUB_EXPECTED_MONTHS_TOTAL)
    for d, e in zip(liq, expected):
        d.expected_months = e
    groups: dict[tuple[str, int], list[MDeal]] = {}
    for d in deals:
        groups.setdefault((d.series, d.vintage), []).append(d)
    for key in sorted(groups):
        members = sorted(groups[key], key=lambda d: d.issue_number)
        for _ in range(1000):  # issue numbers follow value dates inside a series and year
            drawn = sorted(_draw_value_date(rng, d) for d in members)
            if all(v <= _latest_value_date(d) for d, v in zip(members, drawn)):
                break
        else:
            raise RuntimeError(f"no value dates for {key}")
        for d, v in zip(members, drawn):
            d.value_date = v
    for d in deals:
        if not d.method:
            d.expected_months = rng.randint(15, 30)


def _latest_value_date(d: MDeal) -> date:
    """Late enough in the vintage year, early enough for a liquidation by end-2023."""
    last = date(d.vintage, 12, 28)
    if d.actual_months:
        last = min(last, month_add(date(2023, 12, 28), -d.actual_months))
    return last


def _draw_value_date(rng: random.Random, d: MDeal) -> date:
    if d.short_name == "龙惠2018-1":  # a quarterly payment date must fall in April 2021
        return date(2018, rng.choice((4, 7, 10)), rng.randint(5, 28))
    first = date(2023, 12, 5) if d.originator == "sxbank" else date(d.vintage, 1, 5)
    return random_date(rng, first, _latest_value_date(d))


def _months_between(a: date, b: date) -> int:
    return (b.year - a.year) * 12 + b.month - a.month - (1 if b.day < a.day else 0)


# ─────────────────────────── M-07/M-08: subordinated terms ───────────────────────────
def _subordinated_terms(rng: random.Random, deals: list[MDeal]) -> None:
    """Period-return rates (M-08) and IRR targets of externally placed liquidated tranches (M-07)."""
    ext = [d for d in deals if d.method and d.placement == EXT]
    assert len(ext) == 28
    order = rng.sample(range(len(ext)), len(ext))
    two, six = order[:2], order[2:6]
    bp: dict[int, int] = {}
    for rank, i in enumerate(two):
        ext[i].period_return = rate("0.02")
        bp[i] = IRR_MIN_BP if rank == 0 else rng.randint(360, 520)
    for rank, i in enumerate(six):
        ext[i].period_return = rate("0.06")
        bp[i] = IRR_MAX_BP if rank == 0 else rng.randint(680, 1150)
    five = order[6:]
    for i in five:
        ext[i].period_return = rate("0.05")
    start = [rng.randint(560, 1100) for _ in five]
    fitted = fit_integers(rng, start, [540] * len(five), [1390] * len(five), IRR_SUM_BP - sum(bp.values()))
    for i, v in zip(five, fitted):
        bp[i] = v
    for i, d in enumerate(ext):
        d.irr_bp = bp[i]
    for d in deals:
        if d.method and d.placement == RET:
            d.period_return = None if d.method == IK else rate("0.05")
            d.irr_bp = rng.randint(560, 900) if d.method == CU else None
        elif not d.method:
            d.period_return = rate("0.05") if d.placement == EXT else None


def _clean_up_targets(rng: random.Random, deals: list[MDeal]) -> None:
    """M-09 targets for the 28 clean-up deals: default rate at the call and price ratio."""
    cu = [d for d in deals if d.method == CU]
    top = rng.randrange(len(cu))
    rest = [i for i in range(len(cu)) if i != top]
    fitted = fit_integers(rng, [rng.randint(1000, 8000) for _ in rest], [200] * len(rest), [12000] * len(rest),
                          CALL_DEFAULT_SUM - CALL_DEFAULT_MAX)
    cu[top].default_rate = CALL_DEFAULT_MAX
    for i, v in zip(rest, fitted):
        cu[i].default_rate = v
    ratios = fit_integers(rng, [rng.randint(60000, 88000) for _ in cu], [55000] * len(cu), [95000] * len(cu),
                          CALL_PRICE_RATIO_SUM)
    for d, v in zip(cu, ratios):
        d.price_ratio = v


# ─────────────────────────── rows ───────────────────────────
def _emit(world: World, rng: random.Random, d: MDeal, agencies: list[str], codes: CodeBook,
          horizon: date, step: int) -> str:
    """Deal, tranches and the deal's trustee-report history."""
    originator_id = add_bank(world, d.originator)
    trustee_id = add_trust(world, M_TRUSTEE[d.originator])
    name = f"{d.series}{d.vintage}年第{cn_number(d.issue_number)}期微小企业贷款资产支持证券"
    deal_id = deal_id_for(name)
    v = d.value_date
    special = d.short_name in ("龙惠2018-1", "飞驰建普2020-2", "飞驰建普2020-4")
    if special:  # overcollateral repays every note before end-2023
        oc = rng.uniform(0.015, 0.03)
    elif d.actual_months:  # below the remaining share at liquidation: notes stay outstanding to the end
        oc = rng.uniform(0.0, 0.008)
    else:
        oc = rng.uniform(0.0, 0.02)
    pool = cny(d.amount * Decimal(str(1 + oc)))
    avg_loan = rng.uniform(15, 60) * 1e4
    loans = max(50, int(float(pool) / avg_loan))
    if d.method == FULL:
        loans = max(50, loans // 8)  # seed 004: fewer loans in the two fully liquidated pools
        avg_loan = float(pool) / loans
    borrowers = max(40, int(loans / rng.uniform(1.0, 1.3)))
    if d.short_name == "和惠2018-1":
        contract, remaining = HEHUI_CONTRACT_MONTHS, HEHUI_REMAINING_MONTHS
    elif d.originator in LONG_TERM_ORIGINATORS:
        contract = Decimal(str(round(rng.uniform(30.5, 35.5), 2)))
        remaining = Decimal(str(round(rng.uniform(14, 23), 2)))
    else:
        contract = Decimal(str(round(rng.uniform(10, 22), 2)))
        remaining = Decimal(str(round(rng.uniform(5, min(16, float(contract) - 1)), 2)))
    revolving_months = rng.choice((9, 12, 15)) if d.revolving else 0
    if d.actual_months and d.revolving:
        revolving_months = min(revolving_months, d.actual_months - 9) // 3 * 3
    pool_rate = rate(round(rng.uniform(0.045, 0.09) - 0.004 * (d.vintage - 2017), 6))
    legal = month_add(v, rng.choice((48, 60, 72)) + (60 if d.short_name == "和惠2018-1" else 0))
    world.add("core.deals", {
        "deal_id": deal_id, "deal_name_zh": name, "deal_short_name": d.short_name, "series_name": d.series,
        "vintage_year": d.vintage, "issue_number": d.issue_number, "market": MARKET,
        "asset_class": ASSET_CLASS, "asset_subclass": None, "is_public_offering": True,
        "originator_id": originator_id, "asset_provider_id": originator_id, "trustee_id": trustee_id,
        "issue_date": v - timedelta(days=rng.randint(2, 6)), "value_date": v, "legal_maturity_date": legal,
        "deal_amount_cny": d.amount, "initial_pool_balance_cny": pool, "pool_loan_count": loans,
        "pool_borrower_count": borrowers, "avg_balance_per_loan_cny": cny(pool / loans),
        "avg_balance_per_borrower_cny": cny(pool / borrowers), "wa_contract_term_months": contract,
        "wa_remaining_term_months": remaining, "wa_pool_rate": pool_rate, "wa_overdue_months": None,
        "expected_gross_recovery_rate": None, "is_revolving": d.revolving,
        "revolving_period_months": revolving_months if d.revolving else None,
        "has_external_enhancement": False,
    })
    tranches = _tranches(rng, d, deal_id, agencies, codes, legal)
    plan = _pool_plan(rng, d, pool, revolving_months, horizon, step)
    _history(world, rng, d, deal_id, pool, loans, pool_rate, tranches, plan)
    for t in tranches:
        world.add("core.tranches", t)
    if plan.months:  # deals valued in the last weeks before the horizon have no report yet
        world.extras.setdefault("trustee_report_deals", []).append(deal_id)
    return deal_id


def _tranches(rng, d: MDeal, deal_id: str, agencies, codes: CodeBook, legal: date) -> list[dict]:
    a_share = Decimal(str(rng.uniform(0.78, 0.86)))
    b_share = Decimal(str(rng.uniform(0.03, 0.07)))
    a_amt = (d.amount * a_share / WAN).quantize(Decimal(1)) * WAN
    b_amt = (d.amount * b_share / WAN).quantize(Decimal(1)) * WAN
    c_amt = d.amount - a_amt - b_amt
    lo, hi = SENIOR_COUPON[d.vintage]
    a_cpn = Decimal(rng.randint(int(lo * 100), int(hi * 100))) / 10000
    b_cpn = a_cpn + Decimal(rng.randint(30, 100)) / 10000
    e_sub = d.expected_months
    e_a = max(3, e_sub - rng.randint(4, 9))
    e_b = max(e_a, e_sub - rng.randint(0, 3))
    placed = d.placement == EXT
    if d.short_name == "旭越惠诚2020-1":
        retained = rate(round(rng.uniform(0.25, 0.45), 4))
    elif placed:
        retained = rate(round(rng.uniform(0.0501, 0.0599), 4))
    else:
        retained = rate(1)
    rows = []
    for name, cls, rank, amount, cpn, months, rating in (
        ("优先A档", "senior", 1, a_amt, rate(a_cpn), e_a, "AAAsf"),
        ("优先B档", "mezzanine", 2, b_amt, rate(b_cpn), e_b, rng.choice(MEZZ_RATINGS)),
        ("次级档", "subordinated", 3, c_amt, None, e_sub, None),
    ):
        code = codes.take(d.vintage)
        sub = cls == "subordinated"
        expected = month_add(d.value_date, months)
        rows.append({
            "tranche_id": code, "deal_id": deal_id, "security_code": code, "tranche_name": name,
            "tranche_class": cls, "seniority_rank": rank, "amount_cny": amount, "coupon_rate": cpn,
            "coupon_type": None if sub else "fixed",
            "issue_price_per_100": Decimal("108.0000") if sub and d.short_name == PREMIUM_DEAL else Decimal("100.0000"),
            "amortisation": "pass_through", "expected_maturity_date": expected, "legal_maturity_date": legal,
            "expected_tenor_years": (Decimal(months) / 12).quantize(Decimal("0.0001")),
            "initial_rating": rating, "initial_rating_agency_id": None if sub else rng.choice(agencies),
            "is_externally_placed": placed if sub else None,
            "originator_retained_share": retained if sub else None,
            "period_return_rate": d.period_return if sub else None, "delisting_date": None,
        })
    return rows


@dataclass
class PoolPlan:
    months: list[int]  # months after the value date of each payment date
    revolving_months: int
    balance_share: list[float]  # pool balance / initial at each payment date
    default_total: Decimal
    default_horizon: int
    final: bool  # the last period is the liquidation


def _pool_plan(rng: random.Random, d: MDeal, pool: Decimal, revolving: int, horizon: date, step: int) -> PoolPlan:
    """Balance path: flat during revolving, geometric amortisation after. Liquidated deals reach
    their remaining share exactly at the liquidation month; 龙惠2018-1 pays off in April 2021."""
    v = d.value_date
    if d.actual_months:
        a = d.actual_months
        months = list(range(step, a, step)) + [a]
        share_end = {CU: rng.uniform(0.04, 0.10), FULL: rng.uniform(0.01, 0.04), IK: rng.uniform(0.06, 0.14)}[d.method]
        g = share_end ** (step / (a - revolving))
        shares = [1.0 if m <= revolving else g ** ((m - revolving) / step) for m in months]
        shares[-1] = share_end
        if d.method == CU:
            default_total = cny(pool * Decimal(d.default_rate) / Decimal(1_000_000))
        else:
            default_total = cny(pool * Decimal(str(rng.uniform(0.001, 0.015))))
        return PoolPlan(months, revolving, shares, default_total, a, True)
    months = []
    m = step
    while month_add(v, m) <= horizon:
        months.append(m)
        m += step
    payoff = None
    if d.short_name == "龙惠2018-1":
        payoff = _months_between(v, date(*LONGHUI_SUB_REPAID, v.day))
        g = rng.uniform(0.62, 0.70) ** (step / 3)
    elif d.short_name in ("飞驰建普2020-2", "飞驰建普2020-4"):
        g = rng.uniform(0.35, 0.45) ** (step / 3)
    else:
        g = rng.uniform(0.50, 0.72) ** (step / 3)
    shares = []
    for m in months:
        if payoff is not None and m >= payoff:
            shares.append(0.0)
        else:
            shares.append(1.0 if m <= revolving else g ** ((m - revolving) / step))
    cap = 0.008 if d.short_name in ("龙惠2018-1", "飞驰建普2020-2", "飞驰建普2020-4") else 0.015
    default_total = cny(pool * Decimal(str(rng.uniform(0.001, cap))))
    return PoolPlan(months, revolving, shares, default_total, payoff or revolving + 24, False)


def _history(world: World, rng: random.Random, d: MDeal, deal_id: str, pool: Decimal, loans: int,
             pool_rate: Decimal, tranches: list[dict], plan: PoolPlan) -> None:
    """Pool performance, tranche payments, subordinated cash flows and the liquidation event."""
    v = d.value_date
    pays = [month_add(v, m) for m in plan.months]
    windows = collection_windows(v, pays)
    reason = "performing pool: 90+ loans are reported as new defaults; no NPL recovery measures"
    if not d.revolving:
        reason += "; static pool: no revolving purchases"
    out = {t["tranche_id"]: t["amount_cny"] for t in tranches}
    sub = tranches[-1]
    begin, cum_default, cum_revolving = pool, Decimal(0), Decimal(0)
    prev_pay = v
    sub_flows: list[tuple[date, str, Decimal]] = []
    for n, (m, pay, share, (c_start, c_end)) in enumerate(
            zip(plan.months, pays, plan.balance_share, windows), start=1):
        last = plan.final and n == len(plan.months)
        frac = min(1.0, m / plan.default_horizon) ** 1.3 if plan.default_horizon else 1.0
        cum_now = plan.default_total if last else cny(plan.default_total * Decimal(str(frac)))
        new_default = cum_now - cum_default
        in_revolving = m <= plan.revolving_months
        if in_revolving:
            end = pool
            principal = cny(begin * Decimal(str(rng.uniform(0.25, 0.40))))
            purchase = principal + new_default
        else:
            end = cny(pool * Decimal(str(share)))
            if not last and new_default > begin - end:  # a thin tail cannot default more than it shrinks
                new_default = begin - end
                cum_now = cum_default + new_default
            principal = begin - end - new_default
            purchase = Decimal(0) if d.revolving else None
        if principal < 0:
            raise RuntimeError(f"{d.short_name}: negative principal in period {n}")
        cum_default = cum_now
        if purchase is not None:
            cum_revolving += purchase
        days = (pay - prev_pay).days
        interest_pool = cny((begin + end) / 2 * pool_rate * days / 365)
        world.add("core.pool_performance", {
            "deal_id": deal_id, "period_number": n, "report_date": pay - timedelta(days=5),
            "collection_period_start": c_start, "collection_period_end": c_end, "payment_date": pay,
            "pool_balance_begin_cny": begin, "pool_balance_end_cny": end,
            "loan_count_end": int(round(loans * float(end / pool))), "principal_collected_cny": principal,
            "interest_collected_cny": interest_pool,
            "prepayment_cny": cny(principal * Decimal(str(rng.uniform(0.12, 0.35)))),
            "new_default_cny": new_default, "cumulative_default_cny": cum_default,
            "cumulative_default_rate": rate(cum_default / pool),
            "delinquent_1_30_cny": cny(end * Decimal(str(rng.uniform(0.002, 0.008)))),
            "delinquent_31_60_cny": cny(end * Decimal(str(rng.uniform(0.0005, 0.003)))),
            "delinquent_61_90_cny": cny(end * Decimal(str(rng.uniform(0.0002, 0.002)))),
            "delinquent_90_plus_cny": None,
            "revolving_purchase_cny": purchase if d.revolving else None,
            "cumulative_revolving_purchase_cny": cum_revolving if d.revolving else None,
            "recovery_cny": None, "cumulative_recovery_cny": None, "other_income_cny": None,
            "not_applicable_reason": reason,
        })
        # ── waterfall: interest, then principal sequentially; at liquidation everything is repaid
        available = Decimal(0) if in_revolving else principal
        payments = []
        for t in tranches:
            before = out[t["tranche_id"]]
            is_sub = t is sub
            r = t["coupon_rate"] if not is_sub else t["period_return_rate"]
            interest = cny(before * r * days / 365) if (r is not None and before > 0) else Decimal(0)
            paid = before if last else min(available, before)
            available -= min(available, paid)
            payments.append([t, before, paid, interest, Decimal(0)])
        if available > 0:  # principal beyond the notes goes to the subordinated tranche as excess
            payments[-1][4] += available
        if last:
            payments[-1][4] += _final_excess(d, sub, pay, sub_flows, payments[-1])
        for t, before, paid, interest, excess in payments:
            if before == 0 and interest == 0 and excess == 0:
                continue
            out[t["tranche_id"]] = before - paid
            world.add("core.tranche_payments", {
                "tranche_id": t["tranche_id"], "period_number": n, "deal_id": deal_id, "payment_date": pay,
                "principal_before_cny": before, "principal_paid_cny": paid, "principal_after_cny": before - paid,
                "interest_paid_cny": interest, "other_income_paid_cny": excess if t is sub else None,
            })
            if before > 0 and before == paid and t is not sub:
                t["delisting_date"] = pay  # the subordinated tranche delists only at liquidation
            if t is sub:
                for kind, amount in (("period_return", interest), ("principal", paid), ("excess_return", excess)):
                    if amount > 0:
                        sub_flows.append((pay, kind, amount))
        begin = end
        prev_pay = pay
    for flow_date, kind, amount in sub_flows:
        world.add("core.subordinated_cash_flows", {
            "tranche_id": sub["tranche_id"], "flow_date": flow_date, "flow_kind": kind, "amount_cny": amount,
        })
    if plan.final:
        remaining = begin
        price = None
        if d.method == CU:
            price = cny(remaining * Decimal(d.price_ratio) / Decimal(100_000))
        elif d.method == FULL:
            price = cny(remaining * Decimal(str(rng.uniform(0.3, 0.8))))
        world.add("core.liquidation_events", {
            "deal_id": deal_id, "liquidation_method": d.method, "event_date": pays[-1], "price_cny": price,
            "remaining_pool_principal_cny": remaining,
            "pool_cumulative_default_rate": rate(cum_default / pool),
        })
        for t in tranches:
            if t["delisting_date"] is None:
                t["delisting_date"] = pays[-1]
    if d.short_name in ("龙惠2018-1", "飞驰建普2020-2", "飞驰建普2020-4") and out[sub["tranche_id"]] != 0:
        raise RuntimeError(f"{d.short_name}: subordinated principal should be repaid by end-2023")


def _final_excess(d: MDeal, sub: dict, pay: date, sub_flows, final_payment) -> Decimal:
    """Excess return at liquidation that makes the subordinated XIRR hit its target (M-07);
    in-kind distributions pay none."""
    if d.irr_bp is None:
        return Decimal(0)
    target = d.irr_bp / 10_000
    v = d.value_date
    price = sub["issue_price_per_100"]
    flows = [(v, -float(sub["amount_cny"] * price / 100))]
    flows += [(fd, float(a)) for fd, _k, a in sub_flows]
    _t, _before, paid, interest, excess = final_payment
    flows.append((pay, float(paid + interest + excess)))
    pv = sum(a / (1 + target) ** ((fd - v).days / 365) for fd, a in flows)
    x = cny(Decimal(repr(-pv * (1 + target) ** ((pay - v).days / 365))))
    if x < 0:
        raise RuntimeError(f"{d.short_name}: IRR target {target} needs a negative excess return")
    return x


# ─────────────────────────── market-year extras ───────────────────────────
EXTRA_ORIGINATORS = (
    ("tlb", "隆和"), ("tlb", "泰和"), ("nbcb", "甬惠"), ("wzb", "温惠"), ("csrcb", "常兴业"),
    ("zjgrcb", "张微融"), ("hzb", "杭诚"), ("jnrcb", "江南"), ("xsrcb", "萧盈"), ("cib", "兴惠"), ("hxb", "龙惠"),
)
EXTRA_M_DEALS = 100


def _build_extras(world: World, agencies: list[str], codes: CodeBook) -> None:
    """≈100 deals valued 2024-01 … 2025-11 with monthly reports to 2025-12; those old enough end
    with a clean-up call. They are valued after 2023, so M-01 … M-09 keep their values."""
    rng = rng_for(world.seed, SEGMENT + ":extras")
    deals = []
    for _ in range(EXTRA_M_DEALS):
        orig, series = rng.choice(EXTRA_ORIGINATORS)
        vintage = rng.choice((2024, 2025))
        d = MDeal(orig, series, vintage, 0, None, "extra", False, EXT)
        d.value_date = random_date(rng, date(vintage, 1, 1), date(vintage, 11, 28))
        d.amount = Decimal(rng.randint(300, 4000)) * Decimal(1_000_000)
        age = (2025 - d.value_date.year) * 12 + 12 - d.value_date.month
        if age >= 16 and rng.random() < 0.6:
            d.method, d.actual_months = CU, rng.randint(9, min(15, age))
            d.default_rate = rng.randint(500, 15000)
            d.price_ratio = rng.randint(60000, 90000)
            d.irr_bp = rng.randint(560, 1200)
        d.expected_months = (d.actual_months or 12) + rng.randint(2, 12)
        d.period_return = rate("0.05")
        deals.append(d)
    counters: dict[tuple[str, int], int] = {}
    for d in sorted(deals, key=lambda d: (d.value_date, d.series)):
        key = (d.series, d.vintage)
        counters[key] = counters.get(key, 0) + 1
        d.issue_number = counters[key]
        _emit(world, rng, d, agencies, codes, horizon=EXTRAS_AS_OF, step=1)
