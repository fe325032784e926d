"""Half-yearly and annual statements of sampled local AMCs → core.amc_financials.

Collected by hand from bond prospectuses and annual reports, the workbook comes in two shapes:
one sheet per period (sheet named `2024H1`, `2024年中报`, `2024年报`, `2024-12-31` …) or one long
sheet with a 报告期 column. The unit is either in the headers or, more often, on its own line
above them (`单位：亿元` / `单位：万元`); a table with no unit anywhere is refused, because
guessing 元 vs 亿元 is a 10⁸ error. June statements are H1 (profits for six months), December
ones FY.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date

from transforms.normalise.dates import parse_date
from transforms.normalise.numbers import unit_from_header
from transforms.normalise.text import fold_width, squash_spaces
from transforms.parse.amc_bonds import issuer_amc_id
from transforms.parse.base import DocumentError, ParsedDocument
from transforms.parse.tabular import Row, Table, find_tables, fold_key, read_grids

DOC_TYPE = "amc_financials"
AMOUNT_COLUMNS = {
    "total_assets_cny": ("资产总额", "总资产", "资产合计"),
    "investment_assets_cny": ("投资类资产", "投资资产"),
    "net_assets_cny": ("所有者权益", "净资产", "所有者权益合计", "股东权益"),
    "paid_in_capital_cny": ("实收资本", "注册资本(实缴)", "实收资本(或股本)"),
    "total_debt_cny": ("负债总额", "总负债", "负债合计"),
    "short_term_debt_cny": ("短期债务", "短期有息债务"),
    "cash_cny": ("现金类资产", "货币资金"),
    "total_profit_cny": ("利润总额",),
    "net_profit_cny": ("净利润",),
}
SYNONYMS = {"company": ("公司名称", "发行人", "机构名称", "公司"), "period": ("报告期", "报告期末", "期末日期"),
            **AMOUNT_COLUMNS}
REQUIRED = ("company", "total_assets_cny")
_UNIT_LINE = re.compile(r"单位\s*[:：]\s*(人民币)?(亿元|万元|元)")
_PERIOD = re.compile(r"(\d{4})\s*(?:年度?)?\s*(H1|中报|半年报|半年度报告|中期|FY|年报|年度报告|A)")


def parse_period(value: object) -> tuple[date, str]:
    """(period_end_date, H1|FY) from `2024H1`, `2024年中报`, `2024年报`, `2024FY`, `2024-06-30` or a date."""
    if isinstance(value, str):
        text = squash_spaces(fold_width(value)).upper()
        match = _PERIOD.fullmatch(text)
        if match:
            year, word = int(match.group(1)), match.group(2)
            if word in ("H1", "中报", "半年报", "半年度报告", "中期"):
                return date(year, 6, 30), "H1"
            return date(year, 12, 31), "FY"
    end = parse_date(value)
    if end is None:
        raise ValueError("no report period")
    if (end.month, end.day) == (6, 30):
        return end, "H1"
    if (end.month, end.day) == (12, 31):
        return end, "FY"
    raise ValueError(f"{value!r} is neither a June nor a December period end")


def parse_amc_financials(data: bytes, file_name: str = "", *, aliases: Mapping[str, str] | None = None) -> ParsedDocument:
    """Every statement row; ``aliases`` maps company spellings to full names."""
    tables = find_tables(read_grids(data, file_name), SYNONYMS, REQUIRED)
    if not tables:
        raise DocumentError(f"no AMC financials table: no header row with {list(REQUIRED)}", check="header")
    doc = ParsedDocument(DOC_TYPE)
    names = {fold_key(k): v for k, v in (aliases or {}).items()}
    seen: dict[tuple[str, date], str] = {}
    for table in tables:
        unit = _table_unit(table)
        sheet_period = None if table.has("period") else _sheet_period(table)
        for row in table.rows():
            amc_id = issuer_amc_id(row, "company", names, aliases is not None)
            end, kind = _row_period(row, sheet_period)
            where = f"{table.sheet} row {row.number}"
            if (amc_id, end) in seen:
                raise row.fail("company", f"has two statements for {end} ({seen[amc_id, end]} and {where})",
                               check="duplicate")
            seen[amc_id, end] = where
            record = {"amc_id": amc_id, "period_end_date": end, "period_kind": kind}
            for column in AMOUNT_COLUMNS:
                record[column] = row.amount(column, default_unit=unit)
            record |= {"source_page": row.number, "source_row_label": row.text("company")}
            doc.add("core.amc_financials", record)
    return doc


def _table_unit(table: Table) -> str | None:
    """The `单位：…` line above the header; None if every amount header names its unit."""
    match = _UNIT_LINE.search(table.preamble_text())
    if match:
        return match.group(2)
    missing = [table.headers[c] for c in AMOUNT_COLUMNS if table.has(c) and unit_from_header(table.headers[c]) is None]
    if missing:
        raise DocumentError(f"{table.sheet}: no unit (单位：亿元/万元) for columns {missing}", check="missing_unit",
                            field="unit", value=missing[0])
    return None


def _sheet_period(table: Table) -> tuple[date, str]:
    try:
        return parse_period(table.sheet)
    except ValueError as exc:
        raise DocumentError(f"sheet {table.sheet!r} has no 报告期 column and its name is not a period",
                            check="missing_value", field="period", value=table.sheet) from exc


def _row_period(row: Row, sheet_period: tuple[date, str] | None) -> tuple[date, str]:
    if sheet_period is not None:
        return sheet_period
    value = row.raw("period")
    if value is None:
        raise row.fail("period", "is missing", check="missing_value")
    try:
        return parse_period(value)
    except ValueError as exc:
        raise row.fail("period", str(exc)) from exc
