"""Financial statements of the 25 sampled local AMCs (core.amc_financials): A-02 … A-06, plus
the loss rows of the two private defaulters (A-16), which are *not* in the sample.

Grain: one row per AMC and period end — FY 2021, FY 2022, FY 2023, H1 2024 (2024-06-30),
FY 2024 and H1 2025 (2025-06-30). H1 rows carry six months of profit. Amounts are whole
万元 (statements are published in 万元).

How the figures are made exact for any seed:
* H1 2025 balance sheets first: the named AMCs take their printed totals (A-03, A-04) or their
  printed debt-to-assets (A-06: net assets = total assets × (1 − ratio)); the others are drawn
  inside their size bands, and the sample totals are set from the printed top-5 shares
  (50.58 %, 53.03 %); the unnamed small AMCs share the remainder. Draws that break a band
  (8 above 300 亿, 4 above 500 亿, 10 net assets above 100 亿, 5 above 150 亿, only the named
  AMCs below 50 % or above 80 % debt-to-assets) are redrawn.
* Earlier balance sheets step back with per-AMC growth noise and are rescaled each period to
  the aggregate path (H1 2025 growth 1.63 % / 3.73 % exact).
* Shares (investment assets 59.69 %, paid-in 64.02 %, short-term debt ≈ 40 %, cash / short-term
  debt 25–30 %) are drawn per AMC and rescaled to the aggregate.
* Profits: 9 AMCs grow total profit in 2024 and 10 grow net profit; the decliners are rescaled
  so that the sample falls by exactly 20.91 % / 17.77 %; H1 2025 is rescaled to +25.35 % /
  +21.13 % on H1 2024.
"""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

from sample_market.world.amc_registry import Amc
from sample_market.world.base import World

WAN_PER_YI = 10_000  # amounts below are ints in 万元

# printed H1-2025 values (亿元 and fractions).
NAMED_TOTAL_ASSETS = {"山东金资": "1128.45", "陕西金资": "761.40", "浙商资产": "746.51", "中原资产": "728.75"}
NAMED_NET_ASSETS = {"山东金资": "702.39", "陕西金资": "262.96", "浙商资产": "220.11", "中原资产": "181.43",
                    "河南资产": "151.96"}
NAMED_DEBT_TO_ASSETS = {"内蒙古金资": "0.4654", "贵州资产": "0.4317", "天津津融资产": "0.3253",
                        "云南资产": "0.2147", "兴业资产": "0.8013"}
# Total-asset bands (亿元) of the unnamed: four between 300 and 500, the rest below 300.
MID_BAND = ("河南资产", "江苏资产", "广州资产", "华润渝康资产")
NAMED_DTA_ASSET_RANGE = {"内蒙古金资": (195, 260), "贵州资产": (185, 250), "天津津融资产": (60, 140),
                         "云南资产": (50, 120), "兴业资产": (150, 280)}
TOP5_ASSET_SHARE = Decimal("0.5058")
TOP5_NET_ASSET_SHARE = Decimal("0.5303")
H1_2025_ASSET_GROWTH = Decimal("0.0163")
H1_2025_NET_ASSET_GROWTH = Decimal("0.0373")
INVESTMENT_SHARE_H1_2025 = Decimal("0.5969")
PAID_IN_SHARE_H1_2025 = Decimal("0.6402")
TOTAL_PROFIT_2024_YOY = Decimal("-0.2091")
NET_PROFIT_2024_YOY = Decimal("-0.1777")
TOTAL_PROFIT_H1_2025_YOY = Decimal("0.2535")
NET_PROFIT_H1_2025_YOY = Decimal("0.2113")
TOTAL_PROFIT_GROWERS_2024 = 9
NET_PROFIT_GROWERS_2024 = 10

PERIODS: tuple[tuple[date, str], ...] = (
    (date(2021, 12, 31), "FY"), (date(2022, 12, 31), "FY"), (date(2023, 12, 31), "FY"),
    (date(2024, 6, 30), "H1"), (date(2024, 12, 31), "FY"), (date(2025, 6, 30), "H1"),
)
# Aggregate growth into each period from the previous one (the last one is exact, above).
ASSET_GROWTH = (None, 0.060, 0.035, 0.011, 0.013)
NET_ASSET_GROWTH = (None, 0.090, 0.060, 0.030, 0.039)
# Aggregate shares per period (statements of ).
INVESTMENT_SHARE = (0.626, 0.620, 0.614, 0.611, 0.609)
PAID_IN_SHARE = (0.665, 0.670, 0.662, 0.655, 0.650)
SHORT_DEBT_SHARE = (0.400, 0.410, 0.392, 0.398, 0.401, 0.405)
CASH_TO_SHORT_DEBT = (0.285, 0.262, 0.255, 0.262, 0.278, 0.271)
# 头部 AMCs whose leverage fell (A-06 text): their equity grows faster than the rest.
DELEVERAGING = ("山东金资", "中原资产", "陕西金资")

# A-16: the two private defaulters' losses (亿元), outside the sample.
DEFAULTER_NET_PROFIT = {("湖北天乾资产", date(2024, 12, 31)): "-15.10",
                        ("国厚资产", date(2024, 12, 31)): "-9.21",
                        ("国厚资产", date(2025, 6, 30)): "-0.24"}


def wan(yi_text: str) -> int:
    return int(Decimal(yi_text) * WAN_PER_YI)


def _allocate(total: int, weights: list[float]) -> list[int]:
    """Split an integer total in proportion to weights; the rounding remainder goes to the
    largest share so the parts add up exactly."""
    s = sum(weights)
    parts = [int(round(total * w / s)) for w in weights]
    parts[max(range(len(parts)), key=lambda i: parts[i])] += total - sum(parts)
    return parts


def _scale_to(values: dict[str, int], target: int, keys: list[str] | None = None) -> dict[str, int]:
    """Rescale ``values`` (only ``keys`` if given) so that their sum is exactly ``target``."""
    keys = keys or sorted(values)
    fixed = sum(v for k, v in values.items() if k not in keys)
    parts = _allocate(target - fixed, [values[k] for k in keys])
    out = dict(values)
    out.update(zip(keys, parts))
    return out


def _ratio_ok(num: int, den: int, printed: Decimal) -> bool:
    return round(Decimal(num) / Decimal(den), 4) == printed


def _h1_2025_balance_sheet(rng: random.Random, sample: list[str]) -> tuple[dict[str, int], dict[str, int]]:
    """Total and net assets at 2025-06-30 (万元) satisfying every A-02 … A-06 constraint."""
    free = [s for s in sample if s not in NAMED_TOTAL_ASSETS and s not in MID_BAND
            and s not in NAMED_DEBT_TO_ASSETS]
    for _ in range(10_000):
        ta = {k: wan(v) for k, v in NAMED_TOTAL_ASSETS.items()}
        na = {k: wan(v) for k, v in NAMED_NET_ASSETS.items()}
        ta["河南资产"] = rng.randint(400 * WAN_PER_YI, 490 * WAN_PER_YI)
        for k in MID_BAND[1:]:
            ta[k] = rng.randint(310 * WAN_PER_YI, 480 * WAN_PER_YI)
            na[k] = rng.randint(105 * WAN_PER_YI, 145 * WAN_PER_YI)
        for k, (lo, hi) in NAMED_DTA_ASSET_RANGE.items():
            ta[k] = rng.randint(lo * WAN_PER_YI, hi * WAN_PER_YI)
            na[k] = int(round(ta[k] * (1 - Decimal(NAMED_DEBT_TO_ASSETS[k]))))
        top5 = sum(sorted(ta.values(), reverse=True)[:5])
        total = int(round(Decimal(top5) / TOP5_ASSET_SHARE))
        rest = total - sum(ta.values())
        for k, part in zip(free, _allocate(rest, [rng.uniform(0.7, 1.3) for _ in free])):
            ta[k] = part
        top5_na = sum(wan(v) for v in NAMED_NET_ASSETS.values())
        total_na = int(round(Decimal(top5_na) / TOP5_NET_ASSET_SHARE))
        rest_na = total_na - sum(na.values())
        for k, part in zip(free, _allocate(rest_na, [ta[k] * rng.uniform(0.8, 1.2) for k in free])):
            na[k] = part
        if _h1_2025_ok(ta, na, total, top5, total_na, top5_na):
            return ta, na
    raise RuntimeError("could not draw H1-2025 AMC balance sheets")


def _h1_2025_ok(ta, na, total, top5, total_na, top5_na) -> bool:
    yi = WAN_PER_YI
    dta = {k: 1 - na[k] / ta[k] for k in ta}
    return (
        _ratio_ok(top5, total, TOP5_ASSET_SHARE)
        and _ratio_ok(top5_na, total_na, TOP5_NET_ASSET_SHARE)
        and 0.145 <= ta["山东金资"] / total < 0.15
        and sum(v > 300 * yi for v in ta.values()) == 8
        and sum(v > 500 * yi for v in ta.values()) == 4
        and sum(v > 100 * yi for v in na.values()) == 10
        and sum(v > 150 * yi for v in na.values()) == 5
        and min(ta.values()) > 40 * yi
        and sorted(dta, key=dta.get)[:5] == sorted(("山东金资", "内蒙古金资", "贵州资产", "天津津融资产", "云南资产"), key=dta.get)
        and sum(d < 0.5 for d in dta.values()) == 5
        and [k for k, d in dta.items() if d > 0.8] == ["兴业资产"]
        and sum(0.6 <= d <= 0.8 for d in dta.values()) >= 14
        and all(0.5 < d <= 0.8 for k, d in dta.items() if k not in NAMED_DEBT_TO_ASSETS and k != "山东金资")
        and all(round(Decimal(ta[k] - na[k]) / Decimal(ta[k]), 4) == Decimal(v) for k, v in NAMED_DEBT_TO_ASSETS.items())
    )


def _step_back(rng: random.Random, current: dict[str, int], growth: float, bonus: dict[str, float]) -> dict[str, int]:
    """Previous-period values: per-AMC growth noise, rescaled to the aggregate growth."""
    raw = {k: v / (1 + growth + rng.uniform(-0.04, 0.04) + bonus.get(k, 0.0)) for k, v in current.items()}
    target = int(round(sum(current.values()) / (1 + growth)))
    return _scale_to({k: int(round(v)) for k, v in raw.items()}, target)


def _shares(rng: random.Random, base: dict[str, int], share: float, lo: float, hi: float) -> dict[str, int]:
    """A drawn per-AMC share of ``base``, rescaled so the aggregate share is exact."""
    raw = {k: int(round(v * rng.uniform(lo, hi))) for k, v in base.items()}
    return _scale_to(raw, int(round(Decimal(sum(base.values())) * Decimal(str(share)))))


def _balance_sheets(rng: random.Random, sample: list[str]) -> list[dict[str, dict[str, int]]]:
    """Per period (PERIODS order): total/net assets, investment assets, paid-in, debt, cash."""
    ta_last, na_last = _h1_2025_balance_sheet(rng, sample)
    for _ in range(1_000):
        ta_path, na_path = _paths_back(rng, ta_last, na_last)
        if _paths_ok(ta_path, na_path):
            break
    else:
        raise RuntimeError("could not draw AMC balance-sheet paths")
    periods = []
    for i in range(len(PERIODS)):
        ta, na = ta_path[i], na_path[i]
        debt = {k: ta[k] - na[k] for k in ta}
        inv_share = float(INVESTMENT_SHARE_H1_2025) if i == len(PERIODS) - 1 else INVESTMENT_SHARE[i]
        paid_share = float(PAID_IN_SHARE_H1_2025) if i == len(PERIODS) - 1 else PAID_IN_SHARE[i]
        inv = _shares(rng, ta, inv_share, 0.45, 0.78)
        paid = _shares(rng, na, paid_share, 0.45, 0.85)
        short = _shares(rng, debt, SHORT_DEBT_SHARE[i], 0.25, 0.55)
        cash = _shares(rng, short, CASH_TO_SHORT_DEBT[i], 0.12, 0.45)
        periods.append({"ta": ta, "na": na, "inv": inv, "paid": paid, "debt": debt, "short": short, "cash": cash})
    return periods


def _paths_ok(ta_path, na_path) -> bool:
    """Leverage falls every period, debt grows into 2022–2023 then dips slightly in 2024, no
    AMC's equity exceeds 85 % or falls under 10 % of assets, the 头部 AMCs deleverage."""
    fy = [i for i, (_, kind) in enumerate(PERIODS) if kind == "FY"] + [len(PERIODS) - 1]
    dta = [1 - sum(na_path[i].values()) / sum(ta_path[i].values()) for i in fy]
    debt = [sum(ta_path[i].values()) - sum(na_path[i].values()) for i in fy]
    return (
        all(a > b for a, b in zip(dta, dta[1:]))
        and debt[0] < debt[1] < debt[2] and 0.98 < debt[3] / debt[2] < 1.0
        and all(0.1 < 1 - na[k] / ta[k] < 0.9 for ta, na in zip(ta_path, na_path) for k in ta)
        and all(1 - na_path[0][k] / ta_path[0][k] > 1 - na_path[-1][k] / ta_path[-1][k] for k in DELEVERAGING)
    )


def _paths_back(rng: random.Random, ta_last: dict[str, int], na_last: dict[str, int]):
    ta_path, na_path = [ta_last], [na_last]
    # Back one step: 2024-12-31 exactly 1.63 % / 3.73 % below H1 2025, then the aggregate path.
    growth_ta = [float(H1_2025_ASSET_GROWTH)] + [g for g in reversed(ASSET_GROWTH[1:])]
    growth_na = [float(H1_2025_NET_ASSET_GROWTH)] + [g for g in reversed(NET_ASSET_GROWTH[1:])]
    for step in range(len(PERIODS) - 1):
        g_ta, g_na = growth_ta[step], growth_na[step]
        if step > 0:  # the printed step stays exact; the others get a little seeded noise
            g_ta += rng.uniform(-0.002, 0.002)
            g_na += rng.uniform(-0.002, 0.002)
        annual = PERIODS[len(PERIODS) - 1 - step][1] == "FY"
        bonus = {k: (0.03 if annual else 0.015) for k in DELEVERAGING}
        ta_prev = _step_back(rng, ta_path[0], g_ta, {})
        na_prev = _step_back(rng, na_path[0], g_na, bonus)
        if step == 0:
            ta_prev = _exact_prior(ta_path[0], H1_2025_ASSET_GROWTH, ta_prev)
            na_prev = _exact_prior(na_path[0], H1_2025_NET_ASSET_GROWTH, na_prev)
        ta_path.insert(0, ta_prev)
        na_path.insert(0, na_prev)
    return ta_path, na_path


def _exact_prior(current: dict[str, int], growth: Decimal, drawn: dict[str, int]) -> dict[str, int]:
    """Prior-period values whose sum makes ``growth`` print exactly (to 0.01 %)."""
    total_now = sum(current.values())
    target = int(round(Decimal(total_now) / (1 + growth)))
    if round(Decimal(total_now) / Decimal(target) - 1, 4) != growth:
        raise AssertionError("growth not exact")
    return _scale_to(drawn, target)


def _profits(rng: random.Random, sample: list[str], periods) -> list[dict[str, dict[str, int]]]:
    """Total and net profit per period (万元): FY rows a year's profit, H1 rows six months'."""
    for _ in range(10_000):
        out = _profits_draw(rng, sample, periods)
        if out is not None:
            return out
    raise RuntimeError("could not draw AMC profits")


def _profits_draw(rng, sample, periods):
    ta23 = periods[2]["ta"]
    roa = {k: rng.uniform(0.006, 0.016) for k in sample}
    tax = {k: rng.uniform(0.18, 0.28) for k in sample}
    np23_total = int(round(sum(ta23.values()) * 0.0102))
    np23 = _scale_to({k: int(ta23[k] * roa[k]) for k in sample}, np23_total)
    tp23 = {k: int(round(np23[k] / (1 - tax[k]))) for k in sample}
    # FY 2021 and 2022: profits rose into 2023.
    np22 = _scale_to({k: int(np23[k] / rng.uniform(0.95, 1.12)) for k in sample}, int(np23_total / 1.035))
    np21 = _scale_to({k: int(np22[k] / rng.uniform(0.95, 1.12)) for k in sample}, int(np23_total / 1.035 / 1.04))
    tp22 = {k: int(round(np22[k] / (1 - rng.uniform(0.18, 0.28)))) for k in sample}
    tp21 = {k: int(round(np21[k] / (1 - rng.uniform(0.18, 0.28)))) for k in sample}
    # FY 2024: 9 grow total profit, those 9 plus one grow net profit; one small AMC makes a loss.
    order = list(sample)
    rng.shuffle(order)
    small = [k for k in order if k in ("广西金控资产", "新疆金投资产", "苏州资产", "厦门资产")]
    loss_maker = small[0]
    others = [k for k in order if k != loss_maker]
    tp_growers = set(others[:TOTAL_PROFIT_GROWERS_2024])
    np_extra = others[TOTAL_PROFIT_GROWERS_2024]
    decliners = [k for k in sample if k not in tp_growers]
    tp24 = {}
    for k in sample:
        if k in tp_growers:
            tp24[k] = int(tp23[k] * rng.uniform(1.01, 1.12))
        elif k == np_extra:
            tp24[k] = int(tp23[k] * rng.uniform(0.95, 0.99))
        elif k == loss_maker:
            tp24[k] = -int(tp23[k] * rng.uniform(0.15, 0.45))
        else:
            tp24[k] = int(tp23[k] * rng.uniform(0.35, 0.92))
    target_tp24 = int(round(Decimal(sum(tp23.values())) * (1 + TOTAL_PROFIT_2024_YOY)))
    scalable = [k for k in decliners if k not in (np_extra, loss_maker)]
    tp24 = _scale_to(tp24, target_tp24, scalable)
    np24 = {}
    for k in sample:
        if k in tp_growers or k == np_extra:
            np24[k] = int(np23[k] * rng.uniform(1.01, 1.10))
        elif k == loss_maker:
            np24[k] = int(tp24[k] * 0.92)
        else:
            np24[k] = int(tp24[k] * (1 - tax[k]))
    target_np24 = int(round(Decimal(sum(np23.values())) * (1 + NET_PROFIT_2024_YOY)))
    np24 = _scale_to(np24, target_np24, scalable)
    # H1 2024 and H1 2025.
    tp24h1 = {k: int(tp24[k] * rng.uniform(0.45, 0.62)) for k in sample}
    np24h1 = {k: int(tp24h1[k] * (1 - tax[k])) if tp24h1[k] > 0 else int(tp24h1[k] * 0.92) for k in sample}
    tp25h1 = {k: int(abs(tp24h1[k]) * rng.uniform(0.8, 1.6)) for k in sample}
    tp25h1 = _scale_to(tp25h1, int(round(Decimal(sum(tp24h1.values())) * (1 + TOTAL_PROFIT_H1_2025_YOY))))
    np25h1 = {k: int(tp25h1[k] * (1 - tax[k])) for k in sample}
    np25h1 = _scale_to(np25h1, int(round(Decimal(sum(np24h1.values())) * (1 + NET_PROFIT_H1_2025_YOY))))
    ok = (
        sum(tp24[k] > tp23[k] for k in sample) == TOTAL_PROFIT_GROWERS_2024
        and sum(np24[k] > np23[k] for k in sample) == NET_PROFIT_GROWERS_2024
        and all(0 < tp24[k] for k in scalable)
        and all(0 < np24[k] < tp24[k] for k in scalable)
        and all(np23[k] < tp23[k] for k in sample)
        and all(0 < np25h1[k] < tp25h1[k] for k in sample)
        and _yoy_ok(tp24, tp23, TOTAL_PROFIT_2024_YOY) and _yoy_ok(np24, np23, NET_PROFIT_2024_YOY)
        and _yoy_ok(tp25h1, tp24h1, TOTAL_PROFIT_H1_2025_YOY)
        and _yoy_ok(np25h1, np24h1, NET_PROFIT_H1_2025_YOY)
        and sum(np21.values()) < sum(np22.values()) < sum(np23.values())
        and sum(tp21.values()) < sum(tp22.values()) < sum(tp23.values())
        # annualised H1-2025 return on net assets recovers above 2024's (A-05)
        and 2 * sum(np25h1.values()) / sum(periods[5]["na"].values()) > sum(np24.values()) / sum(periods[4]["na"].values())
    )
    if not ok:
        return None
    return [{"tp": tp21, "np": np21}, {"tp": tp22, "np": np22}, {"tp": tp23, "np": np23},
            {"tp": tp24h1, "np": np24h1}, {"tp": tp24, "np": np24}, {"tp": tp25h1, "np": np25h1}]


def _yoy_ok(now: dict[str, int], before: dict[str, int], printed: Decimal) -> bool:
    return round(Decimal(sum(now.values())) / Decimal(sum(before.values())) - 1, 4) == printed


def _cny(wan_amount: int) -> Decimal:
    return (Decimal(wan_amount) * 10_000).quantize(Decimal("0.01"))


def build_financials(world: World, rng: random.Random, amcs: dict[str, Amc]) -> None:
    sample = sorted(k for k, a in amcs.items() if a.in_financial_sample)
    periods = _balance_sheets(rng, sample)
    profits = _profits(rng, sample, periods)
    for k in sample:
        for i, (end, kind) in enumerate(PERIODS):
            p, q = periods[i], profits[i]
            world.add("core.amc_financials", {
                "amc_id": amcs[k].amc_id, "period_end_date": end, "period_kind": kind,
                "total_assets_cny": _cny(p["ta"][k]), "investment_assets_cny": _cny(p["inv"][k]),
                "net_assets_cny": _cny(p["na"][k]), "paid_in_capital_cny": _cny(p["paid"][k]),
                "total_debt_cny": _cny(p["debt"][k]), "short_term_debt_cny": _cny(p["short"][k]),
                "cash_cny": _cny(p["cash"][k]), "total_profit_cny": _cny(q["tp"][k]),
                "net_profit_cny": _cny(q["np"][k]),
            })
    _defaulter_rows(world, rng, amcs)


def _defaulter_rows(world: World, rng: random.Random, amcs: dict[str, Amc]) -> None:
    """湖北天乾资产 (FY 2023, FY 2024) and 国厚资产 (FY 2023 … H1 2025): shrinking balance
    sheets and the printed losses; in_financial_sample is false for both."""
    plans = {
        "湖北天乾资产": ((date(2023, 12, 31), "FY", 55, 19, None), (date(2024, 12, 31), "FY", 42, 4, None)),
        "国厚资产": ((date(2023, 12, 31), "FY", 150, 56, None), (date(2024, 6, 30), "H1", 143, 51, None),
                  (date(2024, 12, 31), "FY", 132, 46, None), (date(2025, 6, 30), "H1", 129, 45, None)),
    }
    for short, rows in plans.items():
        for end, kind, ta_yi, na_yi, _ in rows:
            ta = int(ta_yi * WAN_PER_YI * rng.uniform(0.97, 1.03))
            na = int(na_yi * WAN_PER_YI * rng.uniform(0.97, 1.03))
            printed = DEFAULTER_NET_PROFIT.get((short, end))
            np_ = wan(printed) if printed else -int(WAN_PER_YI * rng.uniform(1.5, 5.5))
            debt = ta - na
            short_debt = int(debt * rng.uniform(0.5, 0.7))
            world.add("core.amc_financials", {
                "amc_id": amcs[short].amc_id, "period_end_date": end, "period_kind": kind,
                "total_assets_cny": _cny(ta), "investment_assets_cny": _cny(int(ta * rng.uniform(0.4, 0.6))),
                "net_assets_cny": _cny(na), "paid_in_capital_cny": _cny(int(WAN_PER_YI * (30 if short == "国厚资产" else 10))),
                "total_debt_cny": _cny(debt), "short_term_debt_cny": _cny(short_debt),
                "cash_cny": _cny(int(short_debt * rng.uniform(0.01, 0.05))),
                "total_profit_cny": _cny(int(np_ * 1.02)), "net_profit_cny": _cny(np_),
            })
