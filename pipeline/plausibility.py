"""Parsed reports that cannot be true are quarantined as documents, before they replace anything.

Row-level expectations would drop one bad row and let the rest of a corrupted re-upload
supersede the good version; a batch-level reconciliation would refuse the whole run. Two
faults are plainly the document's, so the document goes to quarantine and the version the
warehouse holds stays:

* a balance, collection or payment below zero;
* amounts a power of 10,000 away from what the warehouse holds for the same report (the loaded
  version) or for the period before it (the closing balance this period opens with): a unit
  label changed (元 ↔ 万元 ↔ 亿元) without the figures.

The first is the document's own: :func:`negative_amount` runs in the parse worker on the
document's rows. The second needs the warehouse: :func:`unit_slips` is one join per table over
the parsed batch files and the rows the warehouse holds.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import polars as pl

from transforms.parse.base import DocumentError

if TYPE_CHECKING:  # the parse workers import this module: they have no use for DuckDB's 47 MB
    import duckdb

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
BALANCES = (
    ("core.pool_performance", "deal_id", "pool_balance_end_cny", "pool_balance_begin_cny"),
    ("core.tranche_payments", "tranche_id", "principal_after_cny", "principal_before_cny"),
)
_UNIT_STEPS = {4: "10,000", 8: "100,000,000", -4: "1/10,000", -8: "1/100,000,000"}
_UNIT_NAMES = {4: "元 printed as 万元", 8: "元 printed as 亿元", -4: "万元 printed as 元", -8: "亿元 printed as 元"}


def negative_amount(tables: dict[str, list[dict[str, Any]]]) -> DocumentError | None:
    """The error for the first balance, collection or payment below zero in a parsed document."""
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


def unit_slips(con: duckdb.DuckDBPyConnection, rows: dict[str, pl.LazyFrame],
               candidates: Iterable[str]) -> dict[str, DocumentError]:
    """document_id → the error of each candidate report whose amounts are a power of 10,000 off
    what the warehouse holds for the same report or for the period before it.

    ``rows`` maps a table of ``BALANCES`` to its parsed rows (document_id, the key,
    period_number, the closing and opening amounts, source_page)."""
    wanted = pl.DataFrame({"document_id": sorted(set(candidates))}, schema={"document_id": pl.String})
    errors: dict[str, DocumentError] = {}
    for table, key, close, open_ in BALANCES:
        if table not in rows or wanted.is_empty():
            continue
        parsed = (rows[table].join(wanted.lazy(), on="document_id", how="semi")
                  .filter(pl.col(key).is_not_null() & pl.col("period_number").is_not_null())
                  .select("document_id", pl.col(key).alias("key"), pl.col("period_number").cast(pl.Int64),
                          pl.col(close).cast(pl.Float64).alias("new_close"),
                          pl.col(open_).cast(pl.Float64).alias("new_open"), "source_page")
                  .collect())
        if parsed.is_empty():
            continue
        con.register("_plausibility_rows", parsed.select("key", "period_number").unique().to_arrow())
        try:
            held = con.execute(
                f"SELECT t.{key} AS key, t.period_number::BIGINT AS period, t.{close}::DOUBLE AS held_close, "
                f"t.document_id AS held_document FROM {table} t JOIN (SELECT key, period_number AS p FROM "
                f"_plausibility_rows UNION SELECT key, period_number - 1 FROM _plausibility_rows) k "
                f"ON t.{key} = k.key AND t.period_number = k.p").pl()
        finally:
            con.unregister("_plausibility_rows")
        if held.is_empty():
            continue
        same = parsed.join(held, left_on=["key", "period_number"], right_on=["key", "period"], how="inner").select(
            "document_id", "key", "period_number", "source_page", pl.lit(close).alias("column"),
            pl.col("new_close").alias("new"), pl.col("held_close").alias("old"),
            pl.format("the loaded version of this report (document {})", pl.col("held_document").str.slice(0, 12))
            .alias("against"))
        before = parsed.with_columns((pl.col("period_number") - 1).alias("previous")).join(
            held, left_on=["key", "previous"], right_on=["key", "period"], how="inner").select(
            "document_id", "key", "period_number", "source_page", pl.lit(open_).alias("column"),
            pl.col("new_open").alias("new"), pl.col("held_close").alias("old"),
            pl.format("the closing {} of period {} (document {})", pl.lit(close), pl.col("previous"),
                      pl.col("held_document").str.slice(0, 12)).alias("against"))
        for row in pl.concat([same, before]).sort("document_id", "period_number", "column").iter_rows(named=True):
            if row["document_id"] in errors:
                continue
            step = _power_of_10000(row["new"], row["old"])
            if step:
                errors[row["document_id"]] = DocumentError(
                    f"{row['key']} period {row['period_number']}: {row['column']} is {_UNIT_STEPS[step]}× "
                    f"{row['against']} ({row['new']:,.2f} vs {row['old']:,.2f} CNY): a unit label changed without "
                    f"the figures ({_UNIT_NAMES[step]}?); quarantined, the loaded version stays",
                    check="unit_mismatch", page=row["source_page"], field=row["column"], value=row["new"])
    return errors


def _power_of_10000(new: float | None, old: float | None) -> int | None:
    """4 or 8 (or −4, −8) when new ≈ old × 10^k within 1 %, else None."""
    if not new or not old:
        return None
    ratio = new / old
    for exponent in _UNIT_STEPS:
        if abs(ratio / 10.0 ** exponent - 1) < 0.01:
            return exponent
    return None
