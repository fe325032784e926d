"""Vendor snapshot of tranche balances (证券代码, 截止日期, 债券余额) → core.tranche_balances.

Wind/CNABS snapshots are taken "as of" a date that is either a column or a line above the
header (`截止日期：2025-06-30`); the balance unit (亿元/万元/元) sits in the header. One row
per tranche and date; a code listed twice for one date is refused, because the loader could
not tell which balance is right.
"""

from __future__ import annotations

import re
from datetime import date

from transforms.normalise.dates import parse_date
from transforms.parse.base import DocumentError, ParsedDocument
from transforms.parse.tabular import Table, find_table, read_grids

DOC_TYPE = "outstanding_snapshot"
SYNONYMS = {
    "security_code": ("证券代码", "代码", "债券代码", "Wind代码"),
    "as_of_date": ("截止日期", "数据日期", "日期", "交易日期", "统计日期"),
    "outstanding_cny": ("债券余额", "证券余额", "存量余额", "剩余本金", "未偿本金余额", "余额"),
    "short_name": ("证券简称", "债券简称"),
}
REQUIRED = ("security_code", "outstanding_cny")
_AS_OF_LINE = re.compile(r"(?:截止日期|截至|数据日期|日期)\s*[:：]?\s*([0-9年月日/\-.]+)")


def parse_outstanding_snapshot(data: bytes, file_name: str = "", *, as_of: date | None = None) -> ParsedDocument:
    """Balances of every tranche in the snapshot; ``as_of`` is used only if the file has no date."""
    table = find_table(read_grids(data, file_name), SYNONYMS, REQUIRED, "balance snapshot")
    default_date = _preamble_date(table) or as_of
    doc = ParsedDocument(DOC_TYPE)
    seen: dict[tuple[str, date], int] = {}
    for row in table.rows():
        code = row.code("security_code")
        as_of_date = row.date("as_of_date") if table.has("as_of_date") else None
        as_of_date = as_of_date or default_date
        if as_of_date is None:
            raise row.fail("as_of_date", "is missing and the file names no 截止日期", check="missing_value")
        key = (code, as_of_date)
        if key in seen:
            raise row.fail("security_code", f"is listed twice for {as_of_date} (rows {seen[key]} and {row.number})",
                           check="duplicate")
        seen[key] = row.number
        doc.add("core.tranche_balances", {
            "tranche_id": code,
            "as_of_date": as_of_date,
            "outstanding_cny": row.amount("outstanding_cny", required=True, default_unit="CNY"),
            "source_page": row.number,
        })
    doc.meta["as_of_dates"] = sorted({d for _, d in seen})
    return doc


def _preamble_date(table: Table) -> date | None:
    match = _AS_OF_LINE.search(table.preamble_text())
    if not match:
        return None
    try:
        return parse_date(match.group(1))
    except ValueError as exc:
        raise DocumentError(f"{table.sheet}: unreadable 截止日期 above the header", check="bad_value",
                            field="as_of_date", value=match.group(1)) from exc
