"""年度资产管理报告 of exchange ABS (PDF) into ``core.pool_performance`` rows at two grains.

The annual report states a year of the pool (``grain = 'annual'``, ``period_number`` = the
year): balance and loan count at the start and end, principal and interest collected,
revolving purchases, prepayments, delinquencies and new defaults with amounts and counts, the
cumulative default amount and rate, the plan account's receipts and payments, and collections
against the offering circular's forecast. Its table of payment periods gives each period's
dates, period-end balance, revolving purchases and cumulative default rate (``grain =
'payment_period'``; what a period table does not print stays NULL).

The report is reconciled with itself before anything is kept: the account's opening balance
plus receipts minus payments must be its closing balance, actual collections must be principal
plus interest collected, the delinquency buckets must add up to their total. Labels, headers
and section names are in ``asset_management_report.toml``; no fixed layout is assumed (the
rules prescribe content, not tables).
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from functools import partial
from typing import Any

from transforms.normalise.ids import deal_id_for
from transforms.parse.base import DocumentError, ParsedDocument
from transforms.parse.disclosure_text import (
    DATE,
    DisclosureText,
    Section,
    amount,
    cover_value,
    date_in,
    key,
    money_cell,
    note_after,
    rate_cell,
    read_disclosure,
    table_value,
)
from transforms.parse.disclosure_vocabulary import load_vocabulary

DOC_TYPE = "asset_management_report"
V = load_vocabulary("asset_management_report")
CENT = Decimal("0.01")
_YEAR = re.compile(r"(\d{4})\s*年\s*(?:度)?\s*资产管理报告")
_PERIOD_CELL = re.compile(r"(\d+)")


def parse_asset_management_report(data: bytes, file_name: str = "") -> ParsedDocument:
    doc = read_disclosure(data, title_stops=V["title"]["body_starts"])
    title = doc.title
    year_match = _YEAR.search(key(title))
    if not any(word in key(title) for word in V["title"]["family"]) or year_match is None:
        raise DocumentError(f"not an annual 资产管理报告: its title is {title[:80]!r}", check="unrecognised",
                            value=title[:80])
    year = int(year_match.group(1))
    deal_name = cover_value(doc, V["cover"]["deal_name"]) or key(title)[:year_match.start()]
    report_date = date_in(cover_value(doc, V["cover"]["report_date"]), "披露日期", 1)
    deal_id = deal_id_for(deal_name)
    pool = doc.find(V["sections"]["pool"])
    if pool is None:
        raise DocumentError("chapter 基础资产情况 not found", check="missing_section", field="基础资产情况")
    annual = _annual_row(doc, pool, deal_id, year, report_date)
    periods = _period_rows(doc, pool, deal_id)
    parsed = ParsedDocument(DOC_TYPE, meta={
        "report_key": f"{deal_id}:{year}:{DOC_TYPE}", "deal_name": deal_name, "period_number": year,
        "is_revision": any(word in title + file_name for word in V["title"]["revision"]), "is_english": False,
    })
    parsed.add("core.pool_performance", annual)
    for row in periods:
        parsed.add("core.pool_performance", row)
    return parsed


# ───────────────────────────── the year ─────────────────────────────
def _sub(doc: DisclosureText, pool: Section, words: list[str], *, required: bool = True) -> Section | None:
    found = doc.find(words, within=pool)
    if found is None and required:
        raise DocumentError(f"section {words[0]} not found in chapter {pool.name}", check="missing_section",
                            field=words[0])
    return found


def _annual_row(doc: DisclosureText, pool: Section, deal_id: str, year: int, report_date: Any) -> dict[str, Any]:
    balance = _sub(doc, pool, V["sections"]["balance"])
    figure = partial(table_value, printed=True)  # figures the checks below do not use: typed by the batch
    start, end = _statistic_period(balance)
    bt = V["balance_table"]
    begin, anchor, anchor_page = figure(balance.tables, bt["balance"], bt["begin"], "期初未偿本金余额")
    end_balance, _, _ = figure(balance.tables, bt["balance"], bt["end"], "期末未偿本金余额")
    count_begin, _, _ = table_value(balance.tables, bt["count"], bt["begin"], "期初资产笔数", kind="count", required=False)
    count_end, _, _ = table_value(balance.tables, bt["count"], bt["end"], "期末资产笔数", kind="count", required=False)
    collections = _sub(doc, pool, V["sections"]["collections"]).tables
    principal, _, _ = table_value(collections, V["collections"]["principal"], None, "本金回收")
    interest, _, _ = table_value(collections, V["collections"]["interest"], None, "利息回收")
    revolving_section = _sub(doc, pool, V["sections"]["revolving"], required=False)
    revolving_tables = revolving_section.tables if revolving_section else []
    revolving, _, _ = figure(revolving_tables, V["revolving"]["period"], None, "循环购买金额", required=False)
    cumulative_revolving, _, _ = figure(revolving_tables, V["revolving"]["cumulative"], None, "累计循环购买金额",
                                   required=False)
    ab = V["abnormal"]
    abnormal = _sub(doc, pool, V["sections"]["abnormal"]).tables
    row: dict[str, Any] = {
        "deal_id": deal_id, "grain": "annual", "period_number": year, "report_date": report_date,
        "collection_period_start": start, "collection_period_end": end, "payment_date": None,
        "pool_balance_begin_cny": begin, "pool_balance_end_cny": end_balance,
        "loan_count_begin": count_begin, "loan_count_end": count_end,
        "principal_collected_cny": principal, "interest_collected_cny": interest,
        "revolving_purchase_cny": revolving, "cumulative_revolving_purchase_cny": cumulative_revolving,
    }
    row["prepayment_cny"] = figure(abnormal, ab["prepayment"], ab["amount"], "提前偿还")[0]
    row["prepayment_count"] = table_value(abnormal, ab["prepayment"], ab["count"], "早偿笔数", kind="count")[0]
    buckets = {}
    for name in ("delinquent_1_30", "delinquent_31_60", "delinquent_61_90", "delinquent_90_plus"):
        buckets[name] = row[f"{name}_cny"] = table_value(abnormal, ab[name], ab["amount"], ab[name][0], required=False)[0]
    overdue, overdue_table, overdue_page = table_value(abnormal, ab["overdue_total"], ab["amount"], "逾期合计", required=False)
    row["delinquent_count"] = table_value(abnormal, ab["overdue_total"], ab["count"], "逾期笔数", kind="count",
                                     required=False)[0]
    stated = [v for v in buckets.values() if v is not None]
    if overdue is not None and stated and sum(stated) != overdue:
        raise DocumentError(f"page {overdue_page}: delinquency buckets add up to {sum(stated)} but 逾期合计 is {overdue}",
                            check="arithmetic", page=overdue_page, field="逾期合计", value=overdue)
    row["new_default_cny"] = figure(abnormal, ab["new_default"], ab["amount"], "本期新增违约")[0]
    row["new_default_count"] = table_value(abnormal, ab["new_default"], ab["count"], "新增违约笔数", kind="count")[0]
    row["cumulative_default_cny"] = figure(abnormal, ab["cumulative_default"], None, "累计违约金额", required=False)[0]
    row["cumulative_default_rate"] = figure(abnormal, ab["cumulative_rate"], None, "累计违约率", kind="rate",
                                       required=False)[0]
    row.update(recovery_cny=None, cumulative_recovery_cny=None, other_income_cny=None)
    row.update(_cash(doc))
    actual = (principal or 0) + (interest or 0)
    if row.pop("_actual") != actual:
        raise DocumentError(f"actual collections stated differ from principal + interest collected ({actual})",
                            check="arithmetic", field="基础资产现金流入", value=actual)
    row["not_applicable_reason"] = note_after(doc.under(pool), V["notes"]["not_applicable"])
    row.update(source_page=anchor_page, source_table=balance.path, source_row_label=bt["balance"][0])
    return row


def _statistic_period(section: Section) -> tuple[Any, Any]:
    text = section.text()
    for label in V["statistic_period"]["labels"]:
        at = key(text).find(label)
        if at < 0:
            continue
        dates = DATE.findall(key(text)[at:])
        if len(dates) >= 2:
            return date_in(dates[0], label, section.page), date_in(dates[1], label, section.page)
    raise DocumentError(f"page {section.page}: statistic period (统计期间) not found in {section.name}",
                        check="missing_row", page=section.page, field="统计期间")


def _cash(doc: DisclosureText) -> dict[str, Any]:
    chapter = doc.find(V["sections"]["cash"])
    if chapter is None:
        raise DocumentError("chapter 资金收支与投资管理情况 not found", check="missing_section", field="资金收支")
    tables = doc.tables(doc.under(chapter))
    c = V["cash"]
    for table in tables:
        cols = {name: table.column(c[name]) for name in ("opening", "received", "paid", "closing")}
        if None in cols.values() or not table.rows:
            continue
        row, page = table.rows[0], table.pages[0]
        where = f"page {page}, {table.section}"
        values = {n: amount(row[i], table.unit_of(i), where=where, field=c[n][0], page=page) for n, i in cols.items()}
        if any(v is None for v in values.values()):
            raise DocumentError(f"{where}: the plan account's balances are incomplete", check="missing_row", page=page,
                                field="专项计划账户")
        if _cents(values["opening"] + values["received"] - values["paid"]) != _cents(values["closing"]):
            raise DocumentError(f"{where}: opening {values['opening']} + receipts {values['received']} − payments "
                                f"{values['paid']} is not the closing balance {values['closing']}", check="arithmetic",
                                page=page, field="期末余额", value=values["closing"])
        actual, _, _ = table_value(tables, c["inflow_row"], c["actual"], "实际现金流入")
        forecast, _, _ = table_value(tables, c["inflow_row"], c["forecast"], "预测现金流入")
        return {"cash_received_cny": _cents(values["received"]), "cash_paid_cny": _cents(values["paid"]),
                "forecast_collections_cny": forecast, "_actual": actual}
    raise DocumentError("the plan account's table (期初余额 / 本期收入 / 本期支出 / 期末余额) not found",
                        check="missing_row", field="专项计划账户")


# ───────────────────────────── the year's periods ─────────────────────────────
def _period_rows(doc: DisclosureText, pool: Section, deal_id: str) -> list[dict[str, Any]]:
    section = _sub(doc, pool, V["sections"]["periods"], required=False)
    if section is None:
        return []
    pt = V["period_table"]
    table = next((t for t in section.tables if t.has(pt["period"]) and t.has(pt["balance_end"])), None)
    if table is None:
        raise DocumentError(f"page {section.page}: the table of periods (期数 … 期末未偿本金余额) not found",
                            check="missing_row", page=section.page, field="期数")
    cols = {name: table.column(words) for name, words in pt.items()}
    rows = []
    for index, cells in enumerate(table.rows):
        page = table.pages[index]
        label = cells[cols["period"]] or ""
        number = _PERIOD_CELL.search(key(label))
        if number is None:
            raise DocumentError(f"page {page}: cannot read a period number from {label!r}", check="bad_value",
                                page=page, field="期数", value=label)
        where = f"page {page}, {table.section}, {label}"

        # the periods' figures are not computed with: typed by the batch, as columns
        def money(name: str, field: str) -> Any:
            column = cols[name]
            if column is None:
                return None
            return money_cell(cells[column], table.unit_of(column), where=where, field=field, page=page, half_up=True)

        def day(name: str, field: str) -> Any:
            column = cols[name]
            return None if column is None else date_in(cells[column], field, page, printed=True)

        rate_column = cols["cumulative_rate"]
        rows.append({
            "deal_id": deal_id, "grain": "payment_period", "period_number": int(number.group(1)),
            "collection_period_start": day("start", "期间起始日"), "collection_period_end": day("end", "期间截止日"),
            "payment_date": day("payment", "兑付日"),
            "pool_balance_end_cny": money("balance_end", "期末未偿本金余额"),
            "revolving_purchase_cny": money("revolving", "当期循环购买金额"),
            "cumulative_revolving_purchase_cny": money("cumulative_revolving", "累计循环购买金额"),
            "cumulative_default_cny": money("cumulative_default", "累计违约金额"),
            "cumulative_default_rate": None if rate_column is None else
            rate_cell(cells[rate_column], where=where, field="累计违约率", page=page),
            "source_page": page, "source_table": table.section, "source_row_label": label,
        })
    return rows


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)
