"""Whole-market monthly issuance and month-end outstanding by market → core.market_totals.

The denominators of market-share figures come from a vendor's monthly statistics: one row per
month and market (信贷ABS / ABN / 企业ABS), deal counts and amounts in 亿元. Months are written
`2025-07`, `2025年7月`, `202507`, `2025/07` or as a date cell; all become the month's first day.
"""

from __future__ import annotations

import re
from datetime import date

from transforms.normalise.markets import INTERBANK, parse_market
from transforms.normalise.text import fold_width
from transforms.parse.base import ParsedDocument
from transforms.parse.tabular import Row, find_table, read_grids

DOC_TYPE = "market_totals"
SYNONYMS = {
    "period_month": ("月份", "统计月份", "月度", "期间"),
    "market": ("市场", "市场类型", "产品类型", "证券类型"),
    "issuance_count": ("发行单数", "发行数量(单)", "发行只数", "发行数量"),
    "issuance_amount_cny": ("发行金额", "发行规模", "发行总额"),
    "outstanding_count": ("存续单数", "存量单数", "存续数量"),
    "outstanding_amount_cny": ("存续金额", "存量金额", "存续规模", "存量规模"),
}
REQUIRED = ("period_month", "market")
_YEAR_MONTH = re.compile(r"(\d{4})\s*(?:年|[-/.])?\s*(\d{1,2})\s*月?")


def parse_market_totals(data: bytes, file_name: str = "") -> ParsedDocument:
    table = find_table(read_grids(data, file_name), SYNONYMS, REQUIRED, "market totals")
    doc = ParsedDocument(DOC_TYPE)
    seen: dict[tuple[date, str], int] = {}
    for row in table.rows():
        month = _month(row)
        market = _market(row)
        if (month, market) in seen:
            raise row.fail("market", f"is listed twice for {month:%Y-%m} (rows {seen[month, market]} and {row.number})",
                           check="duplicate")
        seen[month, market] = row.number
        doc.add("core.market_totals", {
            "period_month": month,
            "market": market,
            "issuance_count": row.integer("issuance_count"),
            "issuance_amount_cny": row.amount("issuance_amount_cny", default_unit="yi"),
            "outstanding_count": row.integer("outstanding_count"),
            "outstanding_amount_cny": row.amount("outstanding_amount_cny", default_unit="yi"),
        })
    return doc


def _month(row: Row) -> date:
    """First day of the month from `2025-07`, `2025年7月`, `202507`, a date or a date cell."""
    value = row.raw("period_month")
    if value is None:
        raise row.fail("period_month", "is missing", check="missing_value")
    if isinstance(value, str):
        text = fold_width(value).strip()
        match = _YEAR_MONTH.fullmatch(text)
        if match and 1 <= int(match.group(2)) <= 12:
            return date(int(match.group(1)), int(match.group(2)), 1)
    elif isinstance(value, (int, float)) and 190001 <= value <= 299912 and float(value).is_integer():
        year, month = divmod(int(value), 100)
        if 1 <= month <= 12:
            return date(year, month, 1)
    parsed = row.date("period_month", required=True)
    return parsed.replace(day=1)


def _market(row: Row) -> str:
    text = row.text("market", required=True)
    try:
        market = parse_market(text)
    except ValueError as exc:
        raise row.fail("market", "is not a market (信贷ABS / ABN / 企业ABS)") from exc
    if market == INTERBANK:
        raise row.fail("market", "names only the interbank venue, not credit ABS or ABN")
    return market
