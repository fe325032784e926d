"""Vendor snapshot of tranche balances (Wind style XLSX) from core.tranche_balances rows.

Layout variants: the date as a column or as a `截止日期：…` line above the header, balances in
亿元 or 万元, header spellings and column order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sample_market.documents.workbook import Column, Layout, format_date, render_table

DEFAULT_LAYOUT = Layout(sheet_name="债券余额", footer="数据来源：Wind")


def render_outstanding_snapshot(
    balances: Sequence[Mapping[str, Any]],
    layout: Layout = DEFAULT_LAYOUT,
    *,
    short_names: Mapping[str, str] | None = None,
    date_in_title: bool = False,
) -> bytes:
    """One row per tranche balance; ``date_in_title`` needs a single as-of date for all rows."""
    columns = [Column.of("证券代码", "tranche_id")]
    if short_names is not None:
        columns.append(Column("证券简称", lambda r: short_names.get(r["tranche_id"])))
    preamble: list[str] = []
    if date_in_title:
        dates = {r["as_of_date"] for r in balances}
        if len(dates) != 1:
            raise ValueError(f"date_in_title needs one as-of date, got {sorted(dates)}")
        preamble.append(f"截止日期：{format_date(dates.pop(), 'iso')}")
    else:
        columns.append(Column.of("截止日期", "as_of_date", "date"))
    columns.append(Column.of("债券余额", "outstanding_cny", "amount"))
    rows = sorted(balances, key=lambda r: (r["as_of_date"], r["tranche_id"]))
    return render_table(columns, rows, layout, preamble)
