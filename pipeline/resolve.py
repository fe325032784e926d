"""Codes documents print for each other, resolved after parsing as joins over the parsed rows.

Trustee reports sometimes print an exchange code without its market suffix (``189012`` for
``189012.SH``). Which tranche it means is declared by other documents (issuance
announcements, vendor exports) or already in the warehouse — so it is resolved once every
document is parsed, against every tranche known, never through state one parse leaves for the
next. A bare code that matches no tranche, or several, quarantines its document with the page
and code, as it always did.
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb
import polars as pl

from transforms.parse.base import DocumentError

BARE_CODES_TABLE = "core.tranche_payments"


def bare_code_map(con: duckdb.DuckDBPyConnection, tranche_files: Iterable[str], candidates: set[str] | None) -> pl.DataFrame:
    """bare code → tranche_id for every tranche known: in the warehouse, or declared by a
    document of this run (``candidates``: the documents whose rows may count)."""
    known = con.execute("SELECT DISTINCT tranche_id FROM core.tranches").pl()
    files = list(tranche_files)
    if files:
        declared = pl.scan_parquet(files, missing_columns="insert", extra_columns="ignore").select("tranche_id", "document_id")
        if candidates is not None:
            declared = declared.filter(pl.col("document_id").is_in(list(candidates)))
        known = pl.concat([known, declared.select("tranche_id").collect()])
    return (known.unique()
            .with_columns(bare=pl.col("tranche_id").str.split(".").list.first())
            .group_by("bare").agg(pl.col("tranche_id").sort().alias("matches")))


def unresolved_codes(payment_files: Iterable[str], code_map: pl.DataFrame) -> dict[str, DocumentError]:
    """document_id → the error for its first bare code that does not resolve to exactly one tranche."""
    files = list(payment_files)
    if not files:
        return {}
    bare = (pl.scan_parquet(files, missing_columns="insert", extra_columns="ignore")
            .filter(~pl.col("tranche_id").str.contains(".", literal=True))
            .select("document_id", "_seq", "tranche_id", "source_page")
            .collect())
    if bare.is_empty():
        return {}
    joined = bare.join(code_map, left_on="tranche_id", right_on="bare", how="left")
    failing = (joined.filter(pl.col("matches").is_null() | (pl.col("matches").list.len() != 1))
               .sort("document_id", "_seq").unique("document_id", keep="first", maintain_order=True))
    out = {}
    for row in failing.iter_rows(named=True):
        matches = row["matches"] or []
        known = "matches no known tranche" if not matches else f"matches {sorted(matches)}"
        out[row["document_id"]] = DocumentError(
            f"security code {row['tranche_id']} has no market suffix and {known}", check="unresolved_code",
            page=row["source_page"], field="security_code", value=row["tranche_id"])
    return out


def resolve_bare_codes(frame: pl.LazyFrame, code_map: pl.DataFrame) -> pl.LazyFrame:
    """Give every bare code in ``tranche_id`` its suffix (documents that could not were quarantined)."""
    unique = code_map.filter(pl.col("matches").list.len() == 1).select(
        "bare", resolved=pl.col("matches").list.first())
    return (frame.join(unique.lazy(), left_on="tranche_id", right_on="bare", how="left", maintain_order="left")
            .with_columns(tranche_id=pl.when(pl.col("tranche_id").str.contains(".", literal=True))
                          .then(pl.col("tranche_id")).otherwise(pl.coalesce("resolved", "tranche_id")))
            .drop("resolved"))
