"""ChinaBond valuations (中债估值) of bonds and tranches → core.bond_valuations.

Spreads of outstanding AMC bonds and ABS tranches need the valuation yield and clean price
by date. ChinaBond's exports add columns we do not keep (估价全价, 应计利息, 修正久期 …); they
are ignored. The yield is a percent (`估价收益率(%)`); the clean price is per 100 face.
"""

from __future__ import annotations

from datetime import date

from transforms.parse.base import ParsedDocument
from transforms.parse.tabular import find_table, read_grids

DOC_TYPE = "bond_valuations"
SYNONYMS = {
    "security_code": ("证券代码", "债券代码", "代码"),
    "valuation_date": ("估值日期", "日期", "估价日期"),
    "valuation_yield": ("估价收益率", "估值收益率", "中债估值收益率"),
    "clean_price": ("估价净价", "估值净价", "中债估值净价", "净价"),
}
REQUIRED = ("security_code", "valuation_date", "valuation_yield")


def parse_bond_valuations(data: bytes, file_name: str = "") -> ParsedDocument:
    table = find_table(read_grids(data, file_name), SYNONYMS, REQUIRED, "valuation")
    doc = ParsedDocument(DOC_TYPE)
    seen: dict[tuple[str, date], int] = {}
    for row in table.rows():
        code = row.code("security_code")
        valuation_date = row.date("valuation_date", required=True)
        if (code, valuation_date) in seen:
            raise row.fail("security_code", f"is valued twice on {valuation_date} (rows {seen[code, valuation_date]}"
                           f" and {row.number})", check="duplicate")
        seen[code, valuation_date] = row.number
        doc.add("core.bond_valuations", {
            "security_code": code,
            "valuation_date": valuation_date,
            # A bare number in a column without (%) is still a percent: ChinaBond never sends fractions.
            "valuation_yield": row.rate("valuation_yield", as_percent=True),
            "clean_price": row.decimal("clean_price", places=4),
        })
    return doc
