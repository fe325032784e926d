"""Exchange ABS as the exchanges disclose them: what the truth holds once their documents are
收益分配报告 (per payment, per-unit amounts on 100-元 units) and an annual 资产管理报告, not
ChinaBond-style trustee reports.

Runs after every segment (it reshapes rows other segments made, never makes deals). For every
exchange deal with a performance history (``core.pool_performance`` rows):

* **Payments** become what a 收益分配报告 can state: each tranche has ``unit_count`` = issued
  amount ÷ 100 units (a generated amount with an odd remainder below 100 元 loses it); per payment, principal and income per unit are rounded to 4 decimals
  (half up; the last principal payment is the whole remaining face), and the amounts are
  per-unit × units. The record date (权益登记日) is the weekday before the payment date. Vendor
  balance snapshots of these tranches (``core.tranche_balances``) that equalled the old
  balance after a payment follow the new one.
* **Pool performance** comes from the annual 资产管理报告: one ``grain = 'annual'`` row per
  report year (the periods paid in the year, added up: balances at the ends, flows summed,
  counts, cash in and out of the plan account, the forecast collections), and the year's
  periods as the report's period table prints them (``grain = 'payment_period'``: dates, the
  period-end balance, revolving purchases, cumulative defaults and default rate; the other
  measures of a period are not disclosed, so they are NULL). A plan set up less than two months
  before a year end files no report for that year (SSE 5号 3.1.1); its periods go into the next.

ABN deals keep their rows: a 资产运营报告 per period discloses what a trustee report did.
``world.extras["annual_reports"]`` lists, per exchange deal, its report years and the date each
report is published (by 30 April of the next year).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sample_market.world.base import World, cny

UNIT_FACE = Decimal(100)
PER_UNIT = Decimal("0.0001")
PERIOD_TABLE_COLUMNS = (
    "deal_id", "grain", "period_number", "collection_period_start", "collection_period_end", "payment_date",
    "pool_balance_end_cny", "revolving_purchase_cny", "cumulative_revolving_purchase_cny",
    "cumulative_default_cny", "cumulative_default_rate",
)
"""What the 资产管理报告's table of the year's periods prints (the rest of a period is not disclosed)."""
FEE_SHARE = Decimal("0.015")  # taxes and fees paid from the plan account, as a share of collections


def build(world: World) -> None:
    deals = {d["deal_id"]: d for d in world.rows("core.deals")}
    with_history = {r["deal_id"] for r in world.rows("core.pool_performance")}
    exchange = sorted(d for d in with_history if deals[d]["market"] == "exchange_abs")
    if not exchange:
        return
    whole_units(world, deals, set(exchange))
    per_unit_payments(world, set(exchange))
    annual_pool_rows(world, deals, set(exchange))


# ───────────────────────────── payments ─────────────────────────────
def whole_units(world: World, deals: dict[str, dict[str, Any]], deal_ids: set[str]) -> None:
    """Exchange ABS are issued in whole units of 100 元: a generated tranche amount that is not
    (a residual subordinated tranche) loses its odd remainder, and its deal's total with it."""
    for tranche in world.rows("core.tranches"):
        if tranche["deal_id"] not in deal_ids:
            continue
        odd = Decimal(tranche["amount_cny"]) % UNIT_FACE
        if odd:
            tranche["amount_cny"] = cny(Decimal(tranche["amount_cny"]) - odd)
            deal = deals[tranche["deal_id"]]
            deal["deal_amount_cny"] = cny(Decimal(deal["deal_amount_cny"]) - odd)



def record_date(payment_date: date) -> date:
    """The weekday before the payment date (权益登记日 = T-1)."""
    day = payment_date - timedelta(days=1)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def _per_unit(amount: Decimal | None, units: int) -> Decimal | None:
    if amount is None:
        return None
    return (Decimal(amount) / units).quantize(PER_UNIT, rounding=ROUND_HALF_UP)


def per_unit_payments(world: World, deal_ids: set[str]) -> None:
    tranches = {t["tranche_id"]: t for t in world.rows("core.tranches") if t["deal_id"] in deal_ids}
    by_tranche: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in world.rows("core.tranche_payments"):
        if row["tranche_id"] in tranches:
            by_tranche[row["tranche_id"]].append(row)
    after_by_date: dict[str, list[tuple[date, Decimal, Decimal]]] = defaultdict(list)
    for tranche_id, rows in by_tranche.items():
        units = int(Decimal(tranches[tranche_id]["amount_cny"]) / UNIT_FACE)
        face = UNIT_FACE
        for row in sorted(rows, key=lambda r: int(r["period_number"])):
            old_after = Decimal(row["principal_after_cny"])
            paid = _per_unit(row["principal_paid_cny"], units) or Decimal(0)
            if old_after == 0 or paid > face:
                paid = face
            row["principal_before_cny"] = cny(face * units)
            row["principal_paid_cny"] = cny(paid * units)
            face -= paid
            row["principal_after_cny"] = cny(face * units)
            for name in ("interest_paid", "other_income_paid"):
                each = _per_unit(row.get(f"{name}_cny"), units)
                row[f"{name}_per_unit"] = each
                row[f"{name}_cny"] = None if each is None else cny(each * units)
            row.update(principal_paid_per_unit=paid, unit_count=units, record_date=record_date(row["payment_date"]))
            after_by_date[tranche_id].append((row["payment_date"], old_after, row["principal_after_cny"]))
    for balance in world.rows("core.tranche_balances"):
        history = after_by_date.get(balance["tranche_id"])
        if not history:
            continue
        paid_by = [h for h in history if h[0] <= balance["as_of_date"]]
        if paid_by and Decimal(balance["outstanding_cny"]) == paid_by[-1][1]:
            balance["outstanding_cny"] = paid_by[-1][2]


# ───────────────────────────── pool ─────────────────────────────
def report_years(value_date: date, payment_years: list[int]) -> dict[int, list[int]]:
    """Report year → the payment years it covers. A plan set up after 31 October files no
    report for that year; its payments of that year go into the next report."""
    out: dict[int, list[int]] = {}
    pending: list[int] = []
    for year in sorted(set(payment_years)):
        pending.append(year)
        if year == value_date.year and value_date > date(year, 10, 31) and year != max(payment_years):
            continue
        out[year] = pending
        pending = []
    return out


def publish_date(deal_id: str, year: int) -> date:
    """A business day in the second half of April of the next year (deadline 30 April)."""
    day = date(year + 1, 4, 15) + timedelta(days=int(hashlib.sha1(f"{deal_id}|{year}".encode()).hexdigest()[:4], 16) % 14)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def _count(amount: Decimal | None, per_loan: Decimal) -> int | None:
    if amount is None:
        return None
    return int((Decimal(amount) / per_loan).quantize(Decimal(1), rounding=ROUND_HALF_UP)) if per_loan else None


def _sum(rows: list[dict[str, Any]], name: str) -> Decimal | None:
    values = [r[name] for r in rows if r.get(name) is not None]
    return cny(sum(Decimal(v) for v in values)) if values else None


def _forecast_factor(deal_id: str, year: int) -> Decimal:
    """Actual collections ÷ forecast: between 0.88 and 1.06 (never the 20 % shortfall that
    would need explaining)."""
    roll = int(hashlib.sha1(f"forecast|{deal_id}|{year}".encode()).hexdigest()[:6], 16) % 1801
    return Decimal("0.88") + Decimal(roll) / Decimal(10_000)


def annual_pool_rows(world: World, deals: dict[str, dict[str, Any]], deal_ids: set[str]) -> None:
    periods: dict[str, list[dict[str, Any]]] = defaultdict(list)
    kept: list[dict[str, Any]] = []
    for row in world.rows("core.pool_performance"):
        (periods[row["deal_id"]] if row["deal_id"] in deal_ids else kept).append(row)
        row.setdefault("grain", "payment_period")
    paid: dict[tuple[str, int], Decimal] = defaultdict(Decimal)
    for row in world.rows("core.tranche_payments"):
        if row["deal_id"] in deal_ids:
            total = sum(Decimal(row[k] or 0) for k in ("principal_paid_cny", "interest_paid_cny", "other_income_paid_cny"))
            paid[(row["deal_id"], int(row["period_number"]))] += total
    schedule: dict[str, list[tuple[int, date]]] = {}
    for deal_id in sorted(periods):
        deal = deals[deal_id]
        rows = sorted(periods[deal_id], key=lambda r: int(r["period_number"]))
        per_loan = Decimal(deal.get("avg_balance_per_loan_cny") or 0)
        years = report_years(deal["value_date"], [r["payment_date"].year for r in rows])
        opening_cash = Decimal(0)
        count_before = deal.get("pool_loan_count")
        schedule[deal_id] = []
        for year, covered in sorted(years.items()):
            in_year = [r for r in rows if r["payment_date"].year in covered]
            annual, opening_cash = _annual_row(deal, year, in_year, count_before, per_loan, opening_cash, paid)
            count_before = in_year[-1].get("loan_count_end")
            kept.append(annual)
            schedule[deal_id].append((year, publish_date(deal_id, year)))
        for row in rows:
            kept.append({k: row.get(k) for k in PERIOD_TABLE_COLUMNS} | {"grain": "payment_period"})
    world.tables["core.pool_performance"] = kept
    world.extras["annual_reports"] = schedule


def _annual_row(deal: dict[str, Any], year: int, rows: list[dict[str, Any]], count_before: int | None,
                per_loan: Decimal, opening_cash: Decimal, paid: dict[tuple[str, int], Decimal],
                ) -> tuple[dict[str, Any], Decimal]:
    first, last = rows[0], rows[-1]
    principal, interest = _sum(rows, "principal_collected_cny"), _sum(rows, "interest_collected_cny")
    received = cny((principal or 0) + (interest or 0))
    to_investors = sum(paid[(deal["deal_id"], int(r["period_number"]))] for r in rows)
    revolving = _sum(rows, "revolving_purchase_cny")
    fees = cny(received * FEE_SHARE)
    spent = cny(to_investors + (revolving or 0) + fees)
    # what the account could not pay out waits there; a shortfall was met from the reserve
    cash_paid = min(spent, opening_cash + received)
    delinquent = [last.get(k) for k in ("delinquent_1_30_cny", "delinquent_31_60_cny", "delinquent_61_90_cny",
                                         "delinquent_90_plus_cny")]
    overdue = sum(Decimal(v) for v in delinquent if v is not None) if any(v is not None for v in delinquent) else None
    row = {
        "deal_id": deal["deal_id"], "grain": "annual", "period_number": year,
        "report_date": publish_date(deal["deal_id"], year),
        "collection_period_start": first["collection_period_start"], "collection_period_end": last["collection_period_end"],
        "payment_date": None,
        "pool_balance_begin_cny": first.get("pool_balance_begin_cny"), "pool_balance_end_cny": last.get("pool_balance_end_cny"),
        "loan_count_begin": count_before, "loan_count_end": last.get("loan_count_end"),
        "principal_collected_cny": principal, "interest_collected_cny": interest,
        "prepayment_cny": _sum(rows, "prepayment_cny"),
        "prepayment_count": sum(_count(r.get("prepayment_cny"), per_loan) or 0 for r in rows),
        "new_default_cny": _sum(rows, "new_default_cny"),
        "new_default_count": sum(_count(r.get("new_default_cny"), per_loan) or 0 for r in rows),
        "cumulative_default_cny": last.get("cumulative_default_cny"),
        "cumulative_default_rate": last.get("cumulative_default_rate"),
        "delinquent_1_30_cny": delinquent[0], "delinquent_31_60_cny": delinquent[1],
        "delinquent_61_90_cny": delinquent[2], "delinquent_90_plus_cny": delinquent[3],
        "delinquent_count": _count(overdue, per_loan),
        "revolving_purchase_cny": revolving,
        "cumulative_revolving_purchase_cny": last.get("cumulative_revolving_purchase_cny"),
        "recovery_cny": None, "cumulative_recovery_cny": None, "other_income_cny": None,
        "cash_received_cny": received, "cash_paid_cny": cny(cash_paid),
        "forecast_collections_cny": cny(received / _forecast_factor(deal["deal_id"], year)),
        "not_applicable_reason": last.get("not_applicable_reason"),
    }
    return row, opening_cash + received - cash_paid
