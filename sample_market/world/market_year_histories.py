"""Market-year scale: monthly trustee-report histories for every performing deal alive in 2025.

At ``seed`` scale this module does nothing (the seed world stays byte-identical). At
``market-year`` it runs after every segment and gives each leasing and small-micro deal that
has tranches but no ``core.pool_performance`` rows, and that is part of the 2025 market —
valued in 2024–2025, or valued earlier with a tranche expected to mature in 2025 or later —
a monthly history of ``core.pool_performance`` and ``core.tranche_payments`` from its first
payment to the last payment date in 2025-12 (or to the period that repays its last tranche),
and lists it in ``world.extras["trustee_report_deals"]`` so that its trustee reports are
rendered. That takes the world to 31,000+ periodic reports (the issue asks for ≥ 25,000;
the 2024–2025 vintages alone give ~17,700).

Not covered on purpose: NPL deals (their pools report recoveries, not amortisation; the NPL
segment owns their histories and the N figures count which deals report) and deals that
already have a history (existing rows are never touched).

Dates follow the small-micro sampled deals: collection period k ends at the end of the
``k``-th month after the value-date month (period 1 starts on the value date), payment on the
26th of the following month, report date 5 days before the payment.

Tranche paths are pinned to what the world already says about each tranche, so the truth stays
coherent: the vendor snapshots in ``core.tranche_balances`` (after the payment in the
snapshot's month the tranche owes exactly the snapshot balance; no row means repaid) and the
expected maturity (repaid in that month, unless a snapshot says it was repaid earlier or was
still outstanding). Payment is sequential: a tranche is paid only from the period in which every
more senior tranche is repaid; ``bullet`` tranches (leasing 优先B/次级) are repaid in one
payment; ``pass_through`` tranches amortise between their pins with drawn monthly weights.
Revolving deals pay no principal while their revolving period lasts (shortened where a pin
needs principal earlier) and buy new assets worth what the pool collected and lost.

The pool is the source of the notes' principal:
* all-pass-through deals (small-micro): tranches are paid exactly principal collected + new
  defaults, so the pool's balance is the notes' outstanding plus the constant
  over-collateralisation (initial pool − deal amount);
* deals with bullet tranches (leasing): the pool amortises on its own curve
  ((T − k)/(T − R))^γ to the period T that repays the last tranche, and principal collected
  before a bullet is due waits in the principal account.
Cumulative defaults follow L·(1 − e^(−(m−3)/τ)) of the initial pool by months on book m, capped
so collections are never negative. Recoveries, other income and 90+ delinquency are NULL with a
``not_applicable_reason`` (NPL pools only / reported as default), as are revolving fields of
non-revolving deals.
"""

from __future__ import annotations

import calendar
import math
import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sample_market.world.base import World, cny, month_add, rate, rng_for

SEGMENT = "market_year_histories"
ASSET_CLASSES = ("leasing", "small_micro_loan")
LAST_PAYMENT_MONTH = date(2025, 12, 1)  # histories run to the last payment date in 2025-12
MARKET_YEAR_START = date(2025, 1, 1)
PAYMENT_DAY = 26
REPORT_DAYS_BEFORE = 5
UNKNOWN_MATURITY_PERIODS = 120  # a tranche without an expected maturity is not repaid in the history

NA_NON_REVOLVING = "revolving fields: not a revolving deal; recovery fields: NPL pools only; 90+ overdue is reported as default"
NA_REVOLVING = "recovery fields: NPL pools only; 90+ overdue is reported as default"

# Per asset class: cumulative default level L (fraction of the initial pool), curve time
# constant τ (months), monthly payment rate while revolving, prepayment share of collections,
# delinquency buckets (1–30, 31–60, 61–90 days) as fractions of the closing balance.
PROFILES: dict[str, dict[str, Any]] = {
    "small_micro_loan": {"level": (0.003, 0.025), "tau": (8.0, 22.0), "revolving_pay_rate": (0.12, 0.30),
                         "prepayment": (0.05, 0.20),
                         "delinquency": ((0.002, 0.012), (0.001, 0.005), (0.0005, 0.003))},
    "leasing": {"level": (0.0005, 0.010), "tau": (12.0, 30.0), "revolving_pay_rate": (0.03, 0.06),
                "prepayment": (0.00, 0.08),
                "delinquency": ((0.0005, 0.006), (0.0002, 0.003), (0.0001, 0.002))},
}  # fmt: skip


def _month_index(d: date) -> int:
    return d.year * 12 + d.month - 1


def _month_end(d: date) -> date:
    return date(d.year, d.month, calendar.monthrange(d.year, d.month)[1])


def _cents(amount: Decimal) -> int:
    return int((Decimal(amount) * 100).to_integral_value())


def _money(cents: int) -> Decimal:
    return Decimal(cents) / 100


@dataclass
class _Tranche:
    row: dict[str, Any]
    cents: int
    bullet: bool
    due: int  # period that repays it
    anchors: dict[int, int]  # period → outstanding cents after that period's payment
    path: list[int]  # outstanding after period k (index k; path[0] = issued amount)


def build(world: World) -> None:
    """Add the histories (market-year only; a no-op at seed scale)."""
    if world.scale != "market-year":
        return
    rng = rng_for(world.seed, SEGMENT)
    reporting = {r["deal_id"] for r in world.rows("core.pool_performance")}
    tranches: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for t in world.rows("core.tranches"):
        tranches[t["deal_id"]].append(t)
    balances: dict[str, dict[date, Decimal]] = defaultdict(dict)
    for b in world.rows("core.tranche_balances"):
        balances[b["tranche_id"]][b["as_of_date"]] = b["outstanding_cny"]
    snapshot_dates = _snapshot_dates(world, tranches)
    listed = world.extras.setdefault("trustee_report_deals", [])
    already = set(listed)
    added = []
    for deal in world.rows("core.deals"):
        deal_id = deal["deal_id"]
        if not _eligible(deal, tranches.get(deal_id, ()), reporting):
            continue
        ordered = sorted(tranches[deal_id], key=lambda t: t["seniority_rank"])
        if _history(world, rng, deal, ordered, balances, snapshot_dates.get(deal["asset_class"], ())):
            added.append(deal_id)
            if deal_id not in already:
                listed.append(deal_id)
    world.extras[SEGMENT] = {"deals": added, "asset_classes": ASSET_CLASSES}


def _eligible(deal: dict[str, Any], tranches: list[dict[str, Any]] | tuple, reporting: set[str]) -> bool:
    if deal["asset_class"] not in ASSET_CLASSES or not tranches or deal["deal_id"] in reporting:
        return False
    value_date = deal.get("value_date")
    if value_date is None or _first_payment_month(value_date) > _month_index(LAST_PAYMENT_MONTH):
        return False
    if value_date.year >= 2024:
        return True
    return max(t["expected_maturity_date"] or date.min for t in tranches) >= MARKET_YEAR_START


def _first_payment_month(value_date: date) -> int:
    return _month_index(value_date) + 2


def _snapshot_dates(world: World, tranches: dict[str, list[dict[str, Any]]]) -> dict[str, list[date]]:
    """The vendor snapshot dates of each asset class (a tranche without a row on one is repaid)."""
    asset_class = {d["deal_id"]: d["asset_class"] for d in world.rows("core.deals")}
    of_tranche = {t["tranche_id"]: asset_class.get(deal_id) for deal_id, rows in tranches.items() for t in rows}
    dates: dict[str, set[date]] = defaultdict(set)
    for b in world.rows("core.tranche_balances"):
        dates[of_tranche.get(b["tranche_id"]) or ""].add(b["as_of_date"])
    return {k: sorted(v) for k, v in dates.items()}


# ─────────────────────────── tranche paths ───────────────────────────
def _plan_tranches(rng: random.Random, deal: dict[str, Any], rows: list[dict[str, Any]],
                   balances: dict[str, dict[date, Decimal]], snapshots: list[date]) -> tuple[list[_Tranche], int]:  # fmt: skip
    """Each tranche's due period and pins; returns the tranches and the revolving periods."""
    value_date = deal["value_date"]
    offset = _first_payment_month(value_date) - 1  # period k pays in month offset + k
    plan: list[_Tranche] = []
    for row in rows:
        anchors = {}
        for on in snapshots:
            k = _month_index(on) - offset
            if on >= value_date and k >= 1:  # a snapshot before the first payment pins nothing
                anchors[k] = _cents(balances.get(row["tranche_id"], {}).get(on, Decimal(0)))
        maturity = row["expected_maturity_date"]
        due = max(1, _month_index(maturity) - offset) if maturity else UNKNOWN_MATURITY_PERIODS
        for k, left in anchors.items():
            if left == 0:
                due = min(due, k)  # repaid by the snapshot
            elif k >= due:
                due = k + 1  # still outstanding at the snapshot
        if plan:
            due = max(due, plan[-1].due)
        plan.append(_Tranche(row, _cents(row["amount_cny"]), row.get("amortisation") == "bullet", due, anchors, []))
    revolving = 0
    if deal.get("is_revolving") and deal.get("revolving_period_months"):
        ends = month_add(value_date, int(deal["revolving_period_months"]))
        while _payment_date(value_date, revolving + 1) < ends:
            revolving += 1
    for t in plan:  # principal a pin needs ends the revolving period early
        revolving = min(revolving, t.due - 1, *(k - 1 for k, left in t.anchors.items() if left < t.cents))
    revolving = max(0, revolving)
    senior_due = 0
    for t in plan:
        t.path = _tranche_path(rng, t, max(revolving + 1, senior_due + 1), senior_due)
        senior_due = t.due
    return plan, revolving


def _tranche_path(rng: random.Random, t: _Tranche, start: int, senior_due: int) -> list[int]:
    """Outstanding after each period 0 … due: full before ``start``, then down through the pins."""
    partial = [k for k, left in t.anchors.items() if left < t.cents and k < t.due]
    if partial and min(partial) < start:
        start = max(min(partial), senior_due, 1)  # a pin paid it earlier (seniors repaid by then)
    start = min(start, t.due)
    points = [(start - 1, t.cents)]
    points += sorted((k, left) for k, left in t.anchors.items() if start <= k < t.due)
    points.append((t.due, 0))
    bullet = t.bullet and all(left == t.cents for k, left in points[1:-1])
    path = [t.cents] * start
    for (k0, v0), (k1, v1) in zip(points, points[1:]):
        span = k1 - k0
        if bullet:
            path.extend([v0] * (span - 1) + [v1])
            continue
        weights = [rng.uniform(0.7, 1.3) for _ in range(span)]
        paid = _split(v0 - v1, weights)
        left = v0
        for p in paid:
            left -= p
            path.append(left)
    assert path[t.due] == 0 and len(path) == t.due + 1
    return path


def _split(total: int, weights: list[float]) -> list[int]:
    """``total`` cents in proportion to ``weights``, exactly (largest remainders)."""
    s = sum(weights)
    raw = [total * w / s for w in weights]
    parts = [math.floor(x) for x in raw]
    order = sorted(range(len(raw)), key=lambda i: raw[i] - parts[i], reverse=True)
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


# ─────────────────────────── the history ───────────────────────────
def _payment_date(value_date: date, k: int) -> date:
    return _month_end(month_add(date(value_date.year, value_date.month, 1), k)) + timedelta(days=PAYMENT_DAY)


def _history(world: World, rng: random.Random, deal: dict[str, Any], rows: list[dict[str, Any]],
             balances: dict[str, dict[date, Decimal]], snapshots: list[date]) -> bool:  # fmt: skip
    """Append the deal's monthly reports; False when its first payment falls after 2025-12."""
    value_date = deal["value_date"]
    amount = _cents(deal["deal_amount_cny"])
    if deal.get("initial_pool_balance_cny") is None:
        deal["initial_pool_balance_cny"] = cny(Decimal(amount) / 100 * Decimal(str(rng.uniform(1.0, 1.05))))
    p0 = _cents(deal["initial_pool_balance_cny"])
    plan, revolving = _plan_tranches(rng, deal, rows, balances, snapshots)
    last_due = plan[-1].due
    horizon = _month_index(LAST_PAYMENT_MONTH) - (_first_payment_month(value_date) - 1)
    n = min(horizon, last_due)
    if n < 1:
        return False
    profile = PROFILES[deal["asset_class"]]
    is_revolving = bool(deal.get("is_revolving"))
    # notes paid exactly what the pool collected and lost (needs a pool at least the deal amount)
    pass_through = all(not t.bullet for t in plan) and p0 >= amount
    level = rng.uniform(*profile["level"])
    tau = rng.uniform(*profile["tau"])
    gamma = rng.uniform(0.8, 1.3)
    pay_rate = rng.uniform(*profile["revolving_pay_rate"])
    pool_rate = float(deal.get("wa_pool_rate") or 0) or rng.uniform(0.05, 0.12)
    per_loan = _cents(deal["avg_balance_per_loan_cny"]) if deal.get("avg_balance_per_loan_cny") else 0
    if per_loan <= 0:
        per_loan = max(1, p0 // max(1, int(deal.get("pool_loan_count") or 1)))
    first_month = date(value_date.year, value_date.month, 1)
    na_reason = NA_REVOLVING if is_revolving else NA_NON_REVOLVING
    balance, cum_default, cum_purchase = p0, 0, 0
    loans = int(deal.get("pool_loan_count") or max(1, round(p0 / per_loan)))
    previous_payment = value_date
    for k in range(1, n + 1):
        begin = balance
        target_default = round(level * p0 * (1 - math.exp(-max(0, k - 3) / tau))) if k > 3 else 0
        wanted_default = max(0, target_default - cum_default)
        paid_total = sum(t.path[k - 1] - t.path[k] for t in plan if k <= t.due)
        purchase = 0
        if k <= revolving:
            new_default = min(wanted_default, begin)
            collected = min(begin - new_default, round(begin * pay_rate * rng.uniform(0.9, 1.1)))
            purchase = collected + new_default  # the pool revolves at its balance
        elif pass_through:
            new_default = min(wanted_default, paid_total)
            collected = paid_total - new_default
        else:
            end_target = 0 if k >= last_due else round(
                p0 * ((last_due - k) / (last_due - revolving)) ** gamma * rng.uniform(0.99, 1.0))
            available = max(0, begin - max(0, end_target))
            new_default = min(wanted_default, available)
            collected = available - new_default
        balance = begin - collected - new_default + purchase
        cum_default += new_default
        cum_purchase += purchase
        loans = 0 if balance == 0 else min(loans, max(1, round(balance / per_loan * rng.uniform(0.97, 1.03))))
        col_end = _month_end(month_add(first_month, k))
        col_start = value_date if k == 1 else _month_end(month_add(first_month, k - 1)) + timedelta(days=1)
        pay_date = _payment_date(value_date, k)
        delinquent = [round(balance * rng.uniform(lo, hi)) for lo, hi in profile["delinquency"]]
        world.add("core.pool_performance", {
            "deal_id": deal["deal_id"],
            "period_number": k,
            "report_date": pay_date - timedelta(days=REPORT_DAYS_BEFORE),
            "collection_period_start": col_start,
            "collection_period_end": col_end,
            "payment_date": pay_date,
            "pool_balance_begin_cny": _money(begin),
            "pool_balance_end_cny": _money(balance),
            "loan_count_end": loans,
            "principal_collected_cny": _money(collected),
            "interest_collected_cny": _money(round(begin * pool_rate / 12 * rng.uniform(0.97, 1.02))),
            "prepayment_cny": _money(round(collected * rng.uniform(*profile["prepayment"]))),
            "new_default_cny": _money(new_default),
            "cumulative_default_cny": _money(cum_default),
            "cumulative_default_rate": rate(Decimal(cum_default) / p0),
            "delinquent_1_30_cny": _money(delinquent[0]),
            "delinquent_31_60_cny": _money(delinquent[1]),
            "delinquent_61_90_cny": _money(delinquent[2]),
            "delinquent_90_plus_cny": None,
            "revolving_purchase_cny": _money(purchase) if is_revolving else None,
            "cumulative_revolving_purchase_cny": _money(cum_purchase) if is_revolving else None,
            "recovery_cny": None,
            "cumulative_recovery_cny": None,
            "other_income_cny": None,
            "not_applicable_reason": na_reason,
        })  # fmt: skip
        days = (pay_date - previous_payment).days
        previous_payment = pay_date
        for t in plan:
            if k > t.due:
                continue  # repaid in an earlier period
            before, after = t.path[k - 1], t.path[k]
            coupon = t.row.get("coupon_rate")
            interest = None if coupon is None else cny(Decimal(before) / 100 * Decimal(coupon) * days / 365)
            world.add("core.tranche_payments", {
                "tranche_id": t.row["tranche_id"], "period_number": k, "deal_id": deal["deal_id"],
                "payment_date": pay_date,
                "principal_before_cny": _money(before),
                "principal_paid_cny": _money(before - after),
                "principal_after_cny": _money(after),
                "interest_paid_cny": interest,
                "other_income_paid_cny": None,
            })  # fmt: skip
    return True
