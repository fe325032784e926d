"""Whole-ABS-market monthly totals (core.market_totals), 2024-01 … 2025-12: the denominators of
L-01, L-02, L-11, S-01 and S-09.

Grain: one row per month (first day) and market (credit_abs, abn, exchange_abs): deals and
amount issued in the month, deals and amount outstanding at the month end.

Calibration: the constrained aggregates are exact constants (亿元, chosen inside the printed
rounding windows); everything else is drawn from the segment's seeded RNG and then scaled so
the constrained sums hold to the cent (万元 granularity, remainder on the last month/market):
- L-01: issuance 2025 Jan–Jul 11,753.76 亿元; 2024 Jan–Jul 9,597.36 亿元 → +22.47% YoY.
- L-02: 1,358.80 / 11,753.76 = 11.56% (leasing issuance from ``leasing.py``).
- S-01: calendar-2025 issuance 22,768.45 亿元 → 2,698.13 / 22,768.45 = 11.85%.
- L-11: outstanding at 2025-07-31 33,201.15 亿元 → 3,442.96 / 33,201.15 = 10.37%.
- S-09: outstanding at 2025-12-31 35,779.30 亿元 → 2,243.36 / 35,779.30 = 6.27%.
- end-2024 outstanding 32,180.40 亿元, so leasing's share rose from end-2024 (L-11 "均较上年末
  有所增长").
Free: 2024 Aug–Dec issuance (≈10,300 亿元), the month and market splits, all counts, and the
month-end outstanding between the anchors.
"""

from __future__ import annotations

from datetime import date

from sample_market.world.base import WAN, World, cny, month_add, rng_for, yi

MARKETS = ("credit_abs", "abn", "exchange_abs")
FIRST_MONTH, LAST_MONTH = date(2024, 1, 1), date(2025, 12, 1)

ISSUANCE_2024_JAN_JUL = yi("9597.36")  # L-01 YoY base
ISSUANCE_2025_JAN_JUL = yi("11753.76")  # L-01
ISSUANCE_2025 = yi("22768.45")  # S-01 denominator
OUTSTANDING_2024_12 = yi("32180.40")
OUTSTANDING_2025_07 = yi("33201.15")  # L-11 denominator
OUTSTANDING_2025_12 = yi("35779.30")  # S-09 denominator

# Month-of-year seasonality of issuance (quiet February, busy June and December).
SEASONALITY = (0.75, 0.55, 1.05, 0.95, 0.9, 1.25, 0.95, 0.95, 1.0, 0.85, 1.05, 1.45)
# Rough market shares of issuance and outstanding, and average deal size (亿元) per market.
ISSUANCE_SHARE = {"credit_abs": (0.10, 0.16), "abn": (0.22, 0.30)}
OUTSTANDING_SHARE = {"credit_abs": 0.15, "abn": 0.25}
AVG_DEAL_YI = {"credit_abs": 10.0, "abn": 7.5, "exchange_abs": 6.0}
AVG_OUTSTANDING_DEAL_YI = {"credit_abs": 6.0, "abn": 4.8, "exchange_abs": 4.9}


def months() -> list[date]:
    out, m = [], FIRST_MONTH
    while m <= LAST_MONTH:
        out.append(m)
        m = month_add(m, 1)
    return out


def _split_wan(total_wan: int, weights: list[float]) -> list[int]:
    """Split an integer total proportionally (largest remainder), exact."""
    s = sum(weights)
    raw = [total_wan * w / s for w in weights]
    out = [int(r) for r in raw]
    for i in sorted(range(len(raw)), key=lambda i: (out[i] - raw[i], i))[: total_wan - sum(out)]:
        out[i] += 1
    return out


def _wan(cny_amount) -> int:
    return int(cny_amount / WAN)


def monthly_issuance(rng) -> dict[date, int]:
    """Total issuance per month (万元), exact over the four constrained windows."""
    ms = months()
    weights = [SEASONALITY[m.month - 1] * rng.uniform(0.9, 1.1) for m in ms]
    aug_dec_2024 = round(rng.uniform(10_000, 10_600) * 100) * 100  # 万元, whole 0.01 亿元
    windows = (
        (date(2024, 1, 1), date(2024, 7, 1), _wan(ISSUANCE_2024_JAN_JUL)),
        (date(2024, 8, 1), date(2024, 12, 1), aug_dec_2024),
        (date(2025, 1, 1), date(2025, 7, 1), _wan(ISSUANCE_2025_JAN_JUL)),
        (date(2025, 8, 1), date(2025, 12, 1), _wan(ISSUANCE_2025 - ISSUANCE_2025_JAN_JUL)),
    )
    out: dict[date, int] = {}
    for first, last, total in windows:
        idx = [i for i, m in enumerate(ms) if first <= m <= last]
        for i, amount in zip(idx, _split_wan(total, [weights[i] for i in idx])):
            out[ms[i]] = amount
    return out


def monthly_outstanding(rng) -> dict[date, int]:
    """Month-end outstanding (万元): exact at the anchors, interpolated with noise between."""
    anchors = {
        date(2023, 12, 1): round(rng.uniform(30_600, 31_200)) * 10_000,
        date(2024, 12, 1): _wan(OUTSTANDING_2024_12),
        date(2025, 7, 1): _wan(OUTSTANDING_2025_07),
        date(2025, 12, 1): _wan(OUTSTANDING_2025_12),
    }
    keys = sorted(anchors)
    out: dict[date, int] = {}
    for m in months():
        if m in anchors:
            out[m] = anchors[m]
            continue
        prev = max(k for k in keys if k < m)
        nxt = min(k for k in keys if k > m)
        span = (nxt.year - prev.year) * 12 + nxt.month - prev.month
        pos = (m.year - prev.year) * 12 + m.month - prev.month
        value = anchors[prev] + (anchors[nxt] - anchors[prev]) * pos / span
        out[m] = round(value * rng.uniform(0.996, 1.004))
    return out


def build(world: World) -> None:
    rng = rng_for(world.seed, "market_totals")
    issuance = monthly_issuance(rng)
    outstanding = monthly_outstanding(rng)
    for m in months():
        credit_share = rng.uniform(*ISSUANCE_SHARE["credit_abs"])
        abn_share = rng.uniform(*ISSUANCE_SHARE["abn"])
        issued = _split_wan(issuance[m], [credit_share, abn_share, 1 - credit_share - abn_share])
        drift = (m.year - 2024) * 12 + m.month  # credit ABS slowly regains share
        o_credit = OUTSTANDING_SHARE["credit_abs"] * (0.95 + drift * 0.004) * rng.uniform(0.99, 1.01)
        o_abn = OUTSTANDING_SHARE["abn"] * rng.uniform(0.99, 1.01)
        stock = _split_wan(outstanding[m], [o_credit, o_abn, 1 - o_credit - o_abn])
        for market, amount, held in zip(MARKETS, issued, stock):
            world.add(
                "core.market_totals",
                {
                    "period_month": m,
                    "market": market,
                    "issuance_count": max(1, round(amount / 10_000 / AVG_DEAL_YI[market] * rng.uniform(0.9, 1.1))),
                    "issuance_amount_cny": cny(amount * WAN),
                    "outstanding_count": round(held / 10_000 / AVG_OUTSTANDING_DEAL_YI[market] * rng.uniform(0.98, 1.02)),
                    "outstanding_amount_cny": cny(held * WAN),
                },
            )
