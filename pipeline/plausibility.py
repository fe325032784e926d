"""Parsed reports that cannot be true are quarantined as documents, before they replace anything.

Row-level expectations would drop one bad row and let the rest of a corrupted re-upload
supersede the good version; a batch-level reconciliation would refuse the whole run. Two
faults are plainly the document's, so the document goes to quarantine and the version the
warehouse holds stays:

* a balance, collection or payment below zero;
* amounts a power of 10,000 away from what the warehouse holds for the same report (the loaded
  version) or for the period before it (the closing balance this period opens with): a unit
  label changed (元 ↔ 万元 ↔ 亿元) without the figures.

One query per table for the whole batch compares against the warehouse.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import duckdb
import polars as pl

from pipeline.outcomes import DocumentResult
from transforms.parse.base import DocumentError

NEVER_NEGATIVE = {
    "core.pool_performance": (
        "pool_balance_begin_cny", "pool_balance_end_cny", "principal_collected_cny", "interest_collected_cny",
        "prepayment_cny", "new_default_cny", "cumulative_default_cny", "delinquent_1_30_cny",
        "delinquent_31_60_cny", "delinquent_61_90_cny", "delinquent_90_plus_cny", "revolving_purchase_cny",
        "cumulative_revolving_purchase_cny", "recovery_cny", "cumulative_recovery_cny"),
    "core.tranche_payments": ("principal_before_cny", "principal_paid_cny", "principal_after_cny", "interest_paid_cny"),
}
# (table, key column, closing amount, opening amount): a report's closing amount is compared
# with the loaded version's, its opening amount with the previous period's closing amount.
_BALANCES = (
    ("core.pool_performance", "deal_id", "pool_balance_end_cny", "pool_balance_begin_cny"),
    ("core.tranche_payments", "tranche_id", "principal_after_cny", "principal_before_cny"),
)
_UNIT_STEPS = {4: "10,000", 8: "100,000,000", -4: "1/10,000", -8: "1/100,000,000"}
_UNIT_NAMES = {4: "元 printed as 万元", 8: "元 printed as 亿元", -4: "万元 printed as 元", -8: "亿元 printed as 元"}


def quarantine_implausible(results: list[DocumentResult], con: duckdb.DuckDBPyConnection) -> int:
    """Mark parsed reports with impossible figures as errors (so they are quarantined); returns
    how many. Results already in error, or without rows in these tables, are left alone."""
    candidates = [r for r in results if r.parsed is not None and r.error is None
                  and any(r.parsed.tables.get(t) for t in NEVER_NEGATIVE)]
    failed = 0
    for result in candidates:
        error = _negative(result.parsed.tables)
        if error:
            result.error = error
            failed += 1
    known = {table: _known_balances(con, table, key, [r for r in candidates if r.error is None])
             for table, key, *_ in _BALANCES}
    for result in candidates:
        if result.error is None:
            error = _unit_slip(result.parsed.tables, known)
            if error:
                result.error = error
                failed += 1
    return failed


def _negative(tables: dict[str, list[dict[str, Any]]]) -> DocumentError | None:
    for table, columns in NEVER_NEGATIVE.items():
        for row in tables.get(table, ()):
            for column in columns:
                value = row.get(column)
                if value is not None and value < 0:
                    where = row.get("source_row_label") or column
                    return DocumentError(
                        f"{column} is negative ({value:,.2f} CNY, row {where!r}): a balance, collection or payment "
                        "cannot be below zero", check="implausible_value", page=row.get("source_page"),
                        field=column, value=value)
    return None


def _known_balances(con: duckdb.DuckDBPyConnection, table: str, key: str,
                    results: list[DocumentResult]) -> dict[tuple[str, int], tuple[Decimal | None, Decimal | None, str]]:
    """(key, period) → (closing amount, opening amount, document_id) the warehouse holds for
    the periods these reports cover and the periods just before them."""
    wanted = {(row[key], int(row["period_number"]) + shift)
              for r in results for row in r.parsed.tables.get(table, ()) if row.get(key) is not None
              and row.get("period_number") is not None for shift in (0, -1)}
    if not wanted:
        return {}
    close, open_ = next((c, o) for t, _, c, o in _BALANCES if t == table)
    keys = pl.DataFrame(sorted(wanted), schema={"key": pl.String, "period": pl.Int64}, orient="row")
    con.register("_plausibility_keys", keys.to_arrow())
    try:
        rows = con.execute(
            f"SELECT t.{key}, t.period_number, t.{close}, t.{open_}, t.document_id FROM {table} t "
            f"JOIN _plausibility_keys k ON t.{key} = k.key AND t.period_number = k.period").fetchall()
    finally:
        con.unregister("_plausibility_keys")
    return {(k, int(p)): (c, o, d) for k, p, c, o, d in rows}


def _unit_slip(tables: dict[str, list[dict[str, Any]]],
               known: dict[str, dict[tuple[str, int], tuple[Any, Any, str]]]) -> DocumentError | None:
    for table, key, close, open_ in _BALANCES:
        for row in tables.get(table, ()):
            if row.get(key) is None or row.get("period_number") is None:
                continue
            period = int(row["period_number"])
            same = known[table].get((row[key], period))
            before = known[table].get((row[key], period - 1))
            checks = []
            if same is not None:
                checks.append((close, row.get(close), same[0], f"the loaded version of this report (document "
                                                               f"{same[2][:12]})"))
            if before is not None:
                checks.append((open_, row.get(open_), before[0], f"the closing {close} of period {period - 1} "
                                                                 f"(document {before[2][:12]})"))
            for column, new, old, against in checks:
                step = _power_of_10000(new, old)
                if step:
                    return DocumentError(
                        f"{row[key]} period {period}: {column} is {_UNIT_STEPS[step]}× {against} ({new:,.2f} vs "
                        f"{old:,.2f} CNY): a unit label changed without the figures ({_UNIT_NAMES[step]}?); "
                        "quarantined, the loaded version stays", check="unit_mismatch", page=row.get("source_page"),
                        field=column, value=new)
    return None


def _power_of_10000(new: Any, old: Any) -> int | None:
    """4 or 8 (or −4, −8) when new ≈ old × 10^k within 1 %, else None."""
    if not new or not old:
        return None
    ratio = Decimal(new) / Decimal(old)
    for exponent in _UNIT_STEPS:
        if abs(ratio / Decimal(10) ** exponent - 1) < Decimal("0.01"):
            return exponent
    return None
