"""Whole-market monthly statistics (XLSX) from core.market_totals rows.

Variants: month spelling (`2025-07`, `2025年7月`, `202507`, a date cell), market names
(`信贷ABS` or the long names), amounts in 亿元 or 万元, header spelling and column order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sample_market.documents.workbook import Column, Layout, render_table

DEFAULT_LAYOUT = Layout(sheet_name="ABS市场统计", title="资产证券化市场月度统计", footer="数据来源：Wind")
MARKET_NAMES = {"credit_abs": "信贷ABS", "abn": "ABN", "exchange_abs": "企业ABS"}
LONG_MARKET_NAMES = {"credit_abs": "信贷资产支持证券", "abn": "资产支持票据", "exchange_abs": "企业资产支持证券"}
ORDER = {"credit_abs": 0, "abn": 1, "exchange_abs": 2}


def format_month(month: date, style: str) -> Any:
    """`iso` 2025-07, `chinese` 2025年7月, `compact` 202507, `slash` 2025/07, `serial` a date cell."""
    if style == "iso":
        return f"{month.year}-{month.month:02d}"
    if style == "chinese":
        return f"{month.year}年{month.month}月"
    if style == "compact":
        return f"{month.year}{month.month:02d}"
    if style == "slash":
        return f"{month.year}/{month.month:02d}"
    if style in ("serial", "serial_number"):
        return month
    raise ValueError(f"unknown month style {style!r}")


def render_market_totals(
    totals: Sequence[Mapping[str, Any]], layout: Layout = DEFAULT_LAYOUT, *, long_market_names: bool = False
) -> bytes:
    names = LONG_MARKET_NAMES if long_market_names else MARKET_NAMES
    month_kind = "date" if layout.date_style in ("serial", "serial_number") else "text"
    columns = [
        Column("月份", lambda r: format_month(r["period_month"], layout.date_style), month_kind),
        Column("市场", lambda r: names[r["market"]]),
        Column.of("发行单数", "issuance_count", "int"),
        Column.of("发行金额", "issuance_amount_cny", "amount"),
        Column.of("存续单数", "outstanding_count", "int"),
        Column.of("存续金额", "outstanding_amount_cny", "amount"),
    ]
    rows = sorted(totals, key=lambda r: (r["period_month"], ORDER[r["market"]]))
    return render_table(columns, rows, layout)
