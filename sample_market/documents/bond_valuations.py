"""ChinaBond valuation export (中债估值, CSV or XLSX) from core.bond_valuations rows.

Adds the columns ChinaBond prints but the warehouse does not keep (估价全价, 修正久期) so the
parser has to ignore them; variants cover encodings, header spellings, dates and order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from sample_market.documents.workbook import Column, Layout, render_table

DEFAULT_LAYOUT = Layout(sheet_name="中债估值")


def render_bond_valuations(
    valuations: Sequence[Mapping[str, Any]],
    layout: Layout = DEFAULT_LAYOUT,
    *,
    short_names: Mapping[str, str] | None = None,
) -> bytes:
    columns = [Column.of("估值日期", "valuation_date", "date"), Column.of("证券代码", "security_code")]
    if short_names is not None:
        columns.append(Column("证券简称", lambda r: short_names.get(r["security_code"])))
    columns += [
        Column.of("估价收益率", "valuation_yield", "rate"),
        Column.of("估价净价(元)", "clean_price", "number"),
        # Not kept by the warehouse, present in the real export.
        Column("估价全价(元)", lambda r: None if r.get("clean_price") is None else r["clean_price"] + Decimal("0.8712"),
               "number"),
        Column("估价修正久期", lambda r: Decimal("1.2345"), "number"),
    ]
    rows = sorted(valuations, key=lambda r: (r["valuation_date"], r["security_code"]))
    return render_table(columns, rows, layout)
