"""Financial statements of sampled AMCs (XLSX) from core.amc_financials rows.

Two shapes, as analysts keep them: one sheet per period (`2024H1`, `2024年报` …) or one long
sheet with a 报告期 column; the unit on a `单位：亿元` line (or in the headers).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sample_market.documents.workbook import Column, Layout, SheetSpec, render_xlsx

DEFAULT_LAYOUT = Layout(unit_line=True, sheet_name="财务数据")
AMOUNTS = (
    ("资产总额", "total_assets_cny"), ("投资类资产", "investment_assets_cny"), ("所有者权益", "net_assets_cny"),
    ("实收资本", "paid_in_capital_cny"), ("负债总额", "total_debt_cny"), ("短期债务", "short_term_debt_cny"),
    ("现金类资产", "cash_cny"), ("利润总额", "total_profit_cny"), ("净利润", "net_profit_cny"),
)  # fmt: skip


def period_label(end: date, style: str = "code") -> str:
    """`code` 2024H1 / 2024FY, `chinese` 2024年中报 / 2024年报, `date` 2024-06-30."""
    half = end.month == 6
    if style == "code":
        return f"{end.year}{'H1' if half else 'FY'}"
    if style == "chinese":
        return f"{end.year}年{'中报' if half else '年报'}"
    if style == "date":
        return end.isoformat()
    raise ValueError(f"unknown period style {style!r}")


def render_amc_financials(
    financials: Sequence[Mapping[str, Any]],
    company_names: Mapping[str, str],
    layout: Layout = DEFAULT_LAYOUT,
    *,
    shape: str = "per_period",
    period_style: str = "code",
) -> bytes:
    """``company_names`` maps amc_id → the name to print; ``shape`` per_period or long."""
    company = Column("公司名称", lambda r: company_names[r["amc_id"]])
    amounts = [Column.of(label, key, "amount") for label, key in AMOUNTS]
    order = lambda r: (r["period_end_date"], company_names[r["amc_id"]])  # noqa: E731
    if shape == "long":
        period = Column("报告期", lambda r: period_label(r["period_end_date"], period_style))
        return render_xlsx([SheetSpec([company, period, *amounts], sorted(financials, key=order), layout)])
    if shape != "per_period":
        raise ValueError(f"unknown shape {shape!r}")
    by_period: dict[date, list[Mapping[str, Any]]] = defaultdict(list)
    for row in financials:
        by_period[row["period_end_date"]].append(row)
    specs = [
        SheetSpec([company, *amounts], sorted(rows, key=order),
                  layout.with_(sheet_name=period_label(end, "date" if period_style == "date" else period_style)))
        for end, rows in sorted(by_period.items())
    ]
    return render_xlsx(specs)
