"""ABN 资产运营报告 (PDF) into ``core.pool_performance`` (per payment period) and
``core.tranche_payments`` rows.

A trust company files one per payment period on chinamoney and Shanghai Clearing. NAFMII
prescribes fifteen items, not a layout, so the parser reads by label: the cover lines (名称,
收款期间, 支付日, 报告日期), the receipts (本金/利息回收款), each class's payment (classes as rows or as
columns), the pool (balances, count, prepayments, new and cumulative defaults, the delinquency
distribution) and revolving purchases. Labels are in ``abn_operating_report.toml``. Interbank
codes printed without a suffix are ``.IB``. Per-period tranche balances must roll: before −
paid = after.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import partial
from typing import Any

from transforms.normalise.ids import deal_id_for
from transforms.parse.base import DocumentError, ParsedDocument
from transforms.parse.disclosure_text import (
    DATE,
    DisclosureText,
    Section,
    TextTable,
    amount,
    cover_value,
    date_in,
    key,
    note_after,
    read_disclosure,
    table_value,
)
from transforms.parse.disclosure_vocabulary import load_vocabulary

DOC_TYPE = "abn_operating_report"
V = load_vocabulary("abn_operating_report")
CENT = Decimal("0.01")
_PERIOD = re.compile(r"第\s*(\d+)\s*期")
_CODE = re.compile(r"^(\d{6,9})(?:\.(IB|SH|SZ))?$", re.IGNORECASE)


def parse_abn_operating_report(data: bytes, file_name: str = "") -> ParsedDocument:
    doc = read_disclosure(data, title_stops=V["title"]["body_starts"])
    title = key(doc.title)
    if not any(word in title for word in V["title"]["family"]):
        raise DocumentError(f"not an ABN 资产运营报告: its title is {doc.title[:80]!r}", check="unrecognised",
                            value=doc.title[:80])
    period_match = _PERIOD.search(title)
    if period_match is None:
        raise DocumentError(f"no period number (第N期) in the title {doc.title[:80]!r}", check="missing_row",
                            field="period_number", value=doc.title[:80])
    period = int(period_match.group(1))
    deal_name = cover_value(doc, V["cover"]["deal_name"]) or _name_from_title(title)
    collection = cover_value(doc, V["cover"]["collection"])
    dates = DATE.findall(key(collection or ""))
    if len(dates) != 2:
        raise DocumentError(f"collection period (收款期间) not readable from {collection!r}", check="missing_row",
                            page=1, field="收款期间", value=collection)
    meta = {
        "deal_id": deal_id_for(deal_name), "period_number": period,
        "collection_period_start": date_in(dates[0], "收款期间", 1),
        "collection_period_end": date_in(dates[1], "收款期间", 1),
        "payment_date": date_in(cover_value(doc, V["cover"]["payment_date"]), "本期支付日", 1),
        "report_date": date_in(cover_value(doc, V["cover"]["report_date"]), "报告日期", 1),
    }
    parsed = ParsedDocument(DOC_TYPE, meta={
        "report_key": f"{meta['deal_id']}:{period}:{DOC_TYPE}", "deal_name": deal_name, "period_number": period,
        "is_revision": any(word in title + file_name for word in V["title"]["revision"]), "is_english": False,
    })
    parsed.add("core.pool_performance", _pool_row(doc, meta))
    for row in _payment_rows(doc, meta):
        parsed.add("core.tranche_payments", row)
    return parsed


def _name_from_title(title: str) -> str:
    end = V["cover"]["name_end"]
    at = title.rfind(end)
    if at < 0:
        raise DocumentError(f"the notes' name is neither on the cover nor in the title {title[:80]!r}",
                            check="missing_row", field="资产支持票据名称")
    name = title[:at + len(end)]
    bracket = re.match(r"[(（][^)）]*[)）]", title[at + len(end):])
    return name + (bracket.group(0) if bracket else "")


def _section(doc: DisclosureText, words: list[str]) -> Section:
    section = doc.find(words)
    if section is None:
        raise DocumentError(f"section {words[0]} not found", check="missing_section", field=words[0])
    return section


def _pool_row(doc: DisclosureText, meta: dict[str, Any]) -> dict[str, Any]:
    receipts = _section(doc, V["sections"]["receipts"]).tables
    pool_section = _section(doc, V["sections"]["pool"])
    pool = pool_section.tables
    P, R = V["pool"], V["receipts"]
    figure = partial(table_value, printed=True)  # the pool's figures: typed by the batch, as columns
    begin, table, page = figure(pool, P["begin"], None, "期初资产池余额", where=pool_section.name)
    row: dict[str, Any] = {
        "deal_id": meta["deal_id"], "grain": "payment_period", "period_number": meta["period_number"],
        "report_date": meta["report_date"], "collection_period_start": meta["collection_period_start"],
        "collection_period_end": meta["collection_period_end"], "payment_date": meta["payment_date"],
        "pool_balance_begin_cny": begin,
        "pool_balance_end_cny": figure(pool, P["end"], None, "期末资产池余额")[0],
        "loan_count_end": table_value(pool, P["count_end"], None, "期末资产笔数", kind="count", required=False)[0],
        "principal_collected_cny": figure(receipts, R["principal"], None, "本金回收款")[0],
        "interest_collected_cny": figure(receipts, R["interest"], None, "利息回收款")[0],
        "other_income_cny": figure(receipts, R["other_income"], None, "其他收入", required=False)[0],
        "prepayment_cny": figure(pool, P["prepayment"], None, "提前还款金额", required=False)[0],
        "new_default_cny": figure(pool, P["new_default"], None, "本期新增违约金额", required=False)[0],
        "cumulative_default_cny": figure(pool, P["cumulative_default"], None, "累计违约金额", required=False)[0],
        "cumulative_default_rate": figure(pool, P["cumulative_rate"], None, "累计违约率", kind="rate",
                                          required=False)[0],
        "recovery_cny": None, "cumulative_recovery_cny": None,
    }
    for name in ("delinquent_1_30", "delinquent_31_60", "delinquent_61_90", "delinquent_90_plus"):
        row[f"{name}_cny"] = figure(pool, P[name], None, P[name][0], required=False)[0]
    revolving = doc.find(V["sections"]["revolving"])
    tables = revolving.tables if revolving is not None else []
    row["revolving_purchase_cny"] = figure(tables, V["revolving"]["period"], None, "本期循环购买金额",
                                           required=False)[0]
    row["cumulative_revolving_purchase_cny"] = figure(tables, V["revolving"]["cumulative"], None,
                                                      "累计循环购买金额", required=False)[0]
    row["not_applicable_reason"] = note_after(doc.sections, V["notes"]["not_applicable"])
    row.update(source_page=page, source_table=pool_section.name, source_row_label=P["begin"][0])
    return row


def _payment_rows(doc: DisclosureText, meta: dict[str, Any]) -> list[dict[str, Any]]:
    section = _section(doc, V["sections"]["payments"])
    if not section.tables and any(word in key(section.text()) for word in V["payments"]["no_payment"]):
        return []
    spec = V["payments"]
    for table in section.tables:
        if table.has(spec["code"]) and table.has(spec["paid"]):
            return [_payment(meta, table, index, row) for index, row in enumerate(table.rows)]
        if table.row_labelled(spec["code"]) is not None:
            return _payments_by_column(meta, table)
    raise DocumentError(f"page {section.page}: the payment table (证券代码 … 本期偿还本金) not found in {section.name}",
                        check="missing_row", page=section.page, field="证券代码")


def _payment(meta: dict[str, Any], table: TextTable, index: int, row: list[str | None]) -> dict[str, Any]:
    spec, page = V["payments"], table.pages[index]
    code = row[table.column(spec["code"])] or ""
    values = {}
    for name in ("before", "paid", "after", "interest", "excess"):
        column = table.column(spec[name])
        text = row[column] if column is not None else None
        value = amount(text, table.unit_of(column) if column is not None else "CNY",
                       where=f"page {page}, {table.section}, {code}", field=spec[name][0], page=page)
        values[name] = None if value is None else value.quantize(CENT)
    return _checked(meta, code, values, page, table.section)


def _payments_by_column(meta: dict[str, Any], table: TextTable) -> list[dict[str, Any]]:
    spec = V["payments"]
    code_index, code_row = table.row_labelled(spec["code"])
    out = []
    for column in range(1, len(table.header)):
        code, page = code_row[column] or "", table.pages[code_index]
        values = {}
        for name in ("before", "paid", "after", "interest", "excess"):
            found = table.row_labelled(spec[name])
            text = found[1][column] if found else None
            unit = table.unit_of(column, found[1][0]) if found else "CNY"
            value = amount(text, unit, where=f"page {page}, {table.section}, {code}", field=spec[name][0], page=page)
            values[name] = None if value is None else value.quantize(CENT)
        out.append(_checked(meta, code, values, page, table.section, label=table.header[column]))
    return out


def _checked(meta: dict[str, Any], code: str, values: dict[str, Any], page: int, where: str,
             label: str | None = None) -> dict[str, Any]:
    match = _CODE.match(key(code))
    if match is None:
        raise DocumentError(f"page {page}: cannot read a security code from {code!r}", check="bad_value", page=page,
                            field="证券代码", value=code)
    tranche_id = f"{match.group(1)}.{(match.group(2) or 'IB').upper()}"
    before, paid, after = values["before"], values["paid"], values["after"]
    if None not in (before, paid, after) and before - paid != after:
        raise DocumentError(f"page {page}, {tranche_id}: 期初 {before} − 偿还 {paid} is not 期末 {after}",
                            check="arithmetic", page=page, field="期末本金余额", value=after)
    return {
        "tranche_id": tranche_id, "period_number": meta["period_number"], "deal_id": meta["deal_id"],
        "grain": "payment", "payment_date": meta["payment_date"],
        "principal_before_cny": before, "principal_paid_cny": paid, "principal_after_cny": after,
        "interest_paid_cny": values["interest"], "other_income_paid_cny": values["excess"],
        "source_page": page, "source_table": where, "source_row_label": label or code,
    }
