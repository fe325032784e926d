"""Trustee reports (受托机构报告) of the sample market, rendered as PDF or XLSX bytes.

Real trustees each use their own template, and the pipeline must read all of them, so the
renderer draws one deal × one period from rows shaped like the warehouse schema
(``core.pool_performance``, ``core.tranche_payments``, ``core.liquidation_events``) through
one of several templates that differ the way trust companies do: section order and
numbering, row-label synonyms, column order, units (元 / 万元, named in a header or a
``金额单位`` line), not-applicable markers, date spellings and page breaks inside tables.
Variants add what the pipeline must survive (revisions, English duplicates, truncated files,
scanned pages, mis-encoded text, a missing row, an unreadable number).

The renderer is deterministic: the CJK font is a subset shipped in ``sample_market/fonts``
and embedded, and reportlab runs with ``invariant=1``, so the same input gives the same bytes
on every machine. It only draws; it invents no figures beyond presentation (the split of NPL
recoveries into 处置中 / 本期处置完毕 rows, per-100 factors and shares derived from the rows).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import io
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from pathlib import Path
from typing import Any

FONT_PATH = Path(__file__).resolve().parents[1] / "fonts" / "wqy-microhei-gb2312.ttf"
FONT_NAME = "WQYMicroHeiGB"

TEMPLATES = ("trust_a", "trust_b", "trust_c")
FORMATS = ("pdf", "xlsx")
VARIANTS = (
    "normal",  # as published
    "revised",  # 更正版: title and cover say 更正 / 以此为准; carries the true figures
    "superseded",  # the earlier, wrong version a revision replaces (one figure off by SUPERSEDED_DELTA)
    "english",  # 英文版: English labels, same numbers
    "truncated",  # bytes cut off mid-file
    "image_only",  # PDF: the pool-performance page has no text layer (a scan)
    "wrong_encoding",  # XLSX: GBK text read as Windows-1252 and saved again (mojibake)
    "missing_row",  # the 期末资产池余额 row is missing
    "bad_number",  # the 期末资产池余额 figure holds an OCR-style letter (1,2O4.00)
)
# The field a `superseded` report prints wrong, and by how much (its revision prints the truth).
SUPERSEDED_FIELDS = ("interest_collected_cny", "pool_balance_begin_cny")
SUPERSEDED_DELTA = Decimal("10000.00")

# Period-number spellings seen in ChinaBond's listing (see report_title).
TITLE_STYLES = (
    "paren",  # …受托机构报告（第30期）
    "paren_ascii",  # …受托机构报告(第30期)
    "plain",  # …受托机构报告第83期
    "dash",  # …受托机构报告-第75期
    "year_total",  # …受托机构报告2025年第4期（总第4期）
    "yeardu_total",  # …受托机构月度报告2025年度第11期（总第56期）
    "month_total",  # …信托2025年11月受托机构报告（总第10期）
    "total_year",  # …信托期间受托机构报告（总第2期2025年度第2期）
    "total",  # …信托期间受托机构报告总第6期
    "trailing_month",  # …受托机构报告第136期2025年11月
)
REVISION_MARKS = {"更正": "（更正）", "更新": "（更新版）", "以此为准": "（以此为准）"}

LIQUIDATION_METHODS = {
    "clean_up_call": "清仓回购",
    "full_liquidation": "全部变现",
    "in_kind_distribution": "原状分配",
}

NO_PAYMENTS = "本期各档资产支持证券均无本息兑付。"  # a period in which no tranche is paid
_CN_DIGITS = "零一二三四五六七八九"
_WAN = Decimal(10_000)
_CENT = Decimal("0.01")


# ───────────────────────────── input ─────────────────────────────
@dataclass(frozen=True)
class TrusteeReportData:
    """One deal × one payment period, as rows shaped like the warehouse schema.

    ``pool`` is the period's ``core.pool_performance`` row (it carries the period number and
    the three dates), ``payments`` the ``core.tranche_payments`` rows of every tranche,
    ``tranches`` the ``core.tranches`` rows (``tranche_id``, ``security_code``,
    ``tranche_name``, optional ``amount_cny`` for per-100 factors), ``history`` earlier
    periods' pool rows (for the cumulative-default-rate history table) and ``liquidation``
    the deal's ``core.liquidation_events`` row when this report announces it.
    ``unit`` ('元' or '万元') overrides the template's unit.
    """

    deal_name: str
    trustee_name: str
    asset_class: str
    tranches: Sequence[Mapping[str, Any]]
    pool: Mapping[str, Any]
    payments: Sequence[Mapping[str, Any]]
    liquidation: Mapping[str, Any] | None = None
    history: Sequence[Mapping[str, Any]] = ()
    is_revolving: bool = False
    unit: str | None = None

    def __post_init__(self) -> None:
        known = {t["tranche_id"] for t in self.tranches}
        unknown = [p["tranche_id"] for p in self.payments if p["tranche_id"] not in known]
        if unknown:
            raise ValueError(f"payments for tranches not in `tranches`: {unknown}")
        if any(not t.get("security_code") for t in self.tranches):
            raise ValueError("every tranche needs a security_code: reports print it")
        if self.unit not in (None, "元", "万元"):
            raise ValueError(f"unit must be 元 or 万元, not {self.unit!r}")
        if self.is_npl:
            used = [f for f in _PERFORMING_ONLY if self.pool.get(f) is not None]
            if used:
                raise ValueError(f"NPL reports have no delinquency/default section, but got {used}")
        elif self.pool.get("recovery_cny") is not None or self.pool.get("cumulative_recovery_cny") is not None:
            raise ValueError("recovery_cny / cumulative_recovery_cny are NPL fields")

    @property
    def is_npl(self) -> bool:
        return self.asset_class == "npl"

    @property
    def period_number(self) -> int:
        return int(self.pool["period_number"])

    @property
    def report_date(self) -> dt.date:
        return self.pool["report_date"]

    @property
    def collection_period_start(self) -> dt.date:
        return self.pool["collection_period_start"]

    @property
    def collection_period_end(self) -> dt.date:
        return self.pool["collection_period_end"]

    @property
    def payment_date(self) -> dt.date:
        return self.pool["payment_date"]


_PERFORMING_ONLY = (
    "new_default_cny",
    "cumulative_default_cny",
    "cumulative_default_rate",
    "delinquent_1_30_cny",
    "delinquent_31_60_cny",
    "delinquent_61_90_cny",
    "delinquent_90_plus_cny",
)


def reports_from_tables(
    tables: Mapping[str, Sequence[Mapping[str, Any]]], deal_ids: Sequence[str] | None = None
) -> Iterator[TrusteeReportData]:
    """Every report of the given deals (default: all with pool rows), period by period.

    Reads the world's truth tables (core.deals, core.institutions for the trustee's name,
    core.tranches, core.pool_performance, core.tranche_payments, core.liquidation_events);
    a liquidation row goes into the report of the period whose payment date is its event date.
    Indexes once, so a whole market year costs one pass.
    """
    deals = {d["deal_id"]: d for d in tables.get("core.deals", ())}
    names = {i["institution_id"]: i["full_name_zh"] for i in tables.get("core.institutions", ())}
    tranches: dict[str, list[Mapping[str, Any]]] = {}
    for row in tables.get("core.tranches", ()):
        tranches.setdefault(row["deal_id"], []).append(row)
    pools: dict[str, list[Mapping[str, Any]]] = {}
    for row in tables.get("core.pool_performance", ()):
        pools.setdefault(row["deal_id"], []).append(row)
    payments: dict[tuple[str, int], list[Mapping[str, Any]]] = {}
    for row in tables.get("core.tranche_payments", ()):
        payments.setdefault((row["deal_id"], int(row["period_number"])), []).append(row)
    events = {row["deal_id"]: row for row in tables.get("core.liquidation_events", ())}
    order = {t["tranche_id"]: (t.get("seniority_rank") or 0, t["tranche_id"])
             for rows in tranches.values() for t in rows}
    for deal_id in deal_ids if deal_ids is not None else sorted(pools):
        deal, history = deals[deal_id], []
        for pool in sorted(pools.get(deal_id, ()), key=lambda r: int(r["period_number"])):
            event = events.get(deal_id)
            paid = sorted(payments.get((deal_id, int(pool["period_number"])), ()), key=lambda r: order[r["tranche_id"]])
            yield TrusteeReportData(
                deal_name=deal["deal_name_zh"],
                trustee_name=names.get(deal.get("trustee_id") or "", "未披露"),
                asset_class=deal["asset_class"],
                tranches=sorted(tranches.get(deal_id, ()), key=lambda t: order[t["tranche_id"]]),
                pool=pool,
                payments=paid,
                liquidation=event if event and event["event_date"] == pool["payment_date"] else None,
                history=tuple(history),
                is_revolving=bool(deal.get("is_revolving")),
            )
            history.append(pool)


def template_for_trustee(trustee_name: str) -> str:
    """The template a trustee uses: stable per trustee, different trustees differ."""
    digest = hashlib.sha1(trustee_name.encode()).digest()
    return TEMPLATES[digest[0] % len(TEMPLATES)]


# ───────────────────────────── titles ─────────────────────────────
def report_title(
    deal_name: str,
    period_number: int,
    report_date: dt.date,
    style: str = "paren",
    *,
    revision: str | None = None,
    english: bool = False,
    monthly: bool = False,
    in_year_number: int | None = None,
) -> str:
    """A listing/cover title in one of the real spellings of the period number (TITLE_STYLES).

    ``in_year_number`` is the period's ordinal within the report year (``2025年第4期``);
    by default min(period_number, report month), right for monthly reports. ``revision``
    (更正 / 更新 / 以此为准) and ``english`` append the marks real listings use.
    """
    n, y, m = period_number, report_date.year, report_date.month
    k = in_year_number if in_year_number is not None else min(n, m)
    kind = "受托机构月度报告" if monthly else "受托机构报告"
    forms = {
        "paren": f"{deal_name}{kind}（第{n}期）",
        "paren_ascii": f"{deal_name}{kind}(第{n}期)",
        "plain": f"{deal_name}{kind}第{n}期",
        "dash": f"{deal_name}{kind}-第{n}期",
        "year_total": f"{deal_name}{kind}{y}年第{k}期（总第{n}期）",
        "yeardu_total": f"{deal_name}{kind}{y}年度第{k}期（总第{n}期）",
        "month_total": f"{deal_name}{y}年{m}月{kind}（总第{n}期）",
        "total_year": f"{deal_name}期间{kind}（总第{n}期{y}年度第{k}期）",
        "total": f"{deal_name}期间{kind}总第{n}期",
        "trailing_month": f"{deal_name}{kind}第{n}期{y}年{m}月",
    }
    if style not in forms:
        raise ValueError(f"unknown title style {style!r}; expected one of {TITLE_STYLES}")
    title = forms[style]
    if revision is not None:
        if revision not in REVISION_MARKS:
            raise ValueError(f"revision must be one of {tuple(REVISION_MARKS)}")
        title += REVISION_MARKS[revision]
    if english:
        title += "（英文版）"
    return title


# ───────────────────────────── templates ─────────────────────────────
@dataclass(frozen=True)
class Template:
    """How one trustee lays out its report. Labels map our field keys to printed labels."""

    name: str
    title_style: str
    cover_date: str  # format with {y} {m} {d}
    date_style: str  # cn, iso, slash
    na: str  # not-applicable marker
    unit: str  # pool tables
    tranche_unit: str  # 本息兑付 table
    unit_where: str  # header: 金额（元）; line: 金额单位：万元 under the section heading
    code_suffix: bool
    outline: tuple[tuple[str, tuple[str, ...]], ...]  # (top title, sub-block keys); see _BLOCKS
    sub_numbered: bool  # sub-blocks get （一）（二） headings
    labels: Mapping[str, str]
    headings: Mapping[str, str]
    tranche_rows: tuple[str, ...]
    tranche_header: str
    tranches_per_block: int
    repeat_header: bool
    section_new_page: bool
    pool_columns: tuple[str, ...]  # kv columns: seq, label, amount, count, note
    delinquency_columns: tuple[str, ...]
    history_columns: tuple[str, ...]
    recovery_columns: tuple[str, ...]
    history_period: str  # format of the period cell
    rate_percent_column: bool  # history rate printed bare under a (%) header
    default_rows: tuple[str, ...]  # rows of the default kv table
    collection_rows: str  # range or split
    period_row: bool  # basic table has a 报告期数 row
    xlsx_layout: str  # sheets or single
    xlsx_numbers: str  # numeric or text
    footer: str  # format with {n} {total}
    history_date: str = "payment_date"  # pool column printed in the history table's date column


_LABELS_A = {
    "begin": "期初资产池余额", "end": "期末资产池余额", "count": "期末贷款笔数",
    "principal": "本金回收", "prepay": "其中：提前偿还", "interest": "利息回收",
    "other_income": "其他收入", "revolving": "本期循环购买金额", "cum_revolving": "累计循环购买金额",
    "new_default": "当期新增违约金额", "cum_default": "累计违约金额", "cum_rate": "累计违约率",
    "normal": "正常", "d1_30": "逾期1-30天", "d31_60": "逾期31-60天", "d61_90": "逾期61-90天",
    "d90": "逾期90天以上", "total": "合计",
    "npl_begin": "期初未偿本金余额", "npl_end": "期末未偿本金余额", "npl_count": "期末户数",
    "disposal_cash": "处置回收款", "investment_income": "合格投资收益",
    "in_progress": "处置中", "completed": "本期处置完毕",
    "code": "证券代码", "before": "兑付前本金余额", "paid": "本期兑付本金", "after": "兑付后剩余本金值",
    "coupon": "本期利息", "excess": "超额收益", "factor": "每百元面额兑付本金", "factor_interest": "每百元面额付息",
    "trust": "信托名称", "trustee": "受托机构", "period": "报告期数", "collection": "收款期间",
    "collection_start": "收款期间起始日", "collection_end": "收款期间截止日", "payment": "本期支付日",
    "method": "清算方式", "event_date": "清仓回购日", "price": "清仓回购价格",
    "remaining": "剩余资产池未偿本金余额", "liq_rate": "清算时累计违约率",
    "h_period": "期数", "h_date": "支付日", "h_amount": "累计违约金额", "h_rate": "累计违约率",
    "c_item": "项目", "c_amount": "金额", "c_count": "笔数", "c_seq": "序号", "c_note": "备注",
    "c_bucket": "逾期天数", "c_balance": "未偿本金余额", "c_share": "占比",
    "c_status": "资产状态", "c_recovery": "本期回收金额", "c_cum_recovery": "累计回收金额",
}
_LABELS_B = {
    **_LABELS_A,
    "begin": "资产池期初本金余额", "end": "资产池期末本金余额", "count": "资产池期末笔数",
    "principal": "本期本金回收", "prepay": "提前还款", "interest": "本期利息回收",
    "revolving": "循环购买支出", "cum_revolving": "累计循环购买",
    "new_default": "本期新增违约贷款本金",
    "normal": "正常", "d1_30": "M1（1-30天）", "d31_60": "M2（31-60天）", "d61_90": "M3（61-90天）",
    "d90": "M3+（90天以上）",
    "npl_begin": "资产池期初未偿本金", "npl_end": "资产池期末未偿本金", "npl_count": "期末借款人户数",
    "before": "期初本金余额", "paid": "本期偿还本金", "after": "期末本金余额", "coupon": "本期支付利息/收益",
    "excess": "本期超额收益",
    "collection_start": "收款期间起始日", "collection_end": "收款期间截止日", "payment": "本期兑付日",
    "method": "处置方式", "event_date": "处置日", "price": "处置价款", "remaining": "剩余资产池本金余额",
    "liq_rate": "累计违约率",
    "h_period": "期次", "h_date": "兑付日", "h_amount": "累计违约贷款本金", "h_rate": "累计违约率(%)",
    "c_bucket": "账龄", "c_share": "占比(%)", "c_status": "处置状态",
}
_LABELS_C = {
    **_LABELS_A,
    "begin": "期初资产池", "end": "期末资产池", "principal": "本金回收款", "prepay": "提前偿还",
    "interest": "利息回收款", "other_income": "其他收入款", "revolving": "循环购买金额",
    "new_default": "新增违约金额", "cum_default": "累计违约金额", "cum_rate": "累计违约率",
    "d1_30": "拖欠1～30天", "d31_60": "拖欠31～60天", "d61_90": "拖欠61～90天", "d90": "拖欠90天以上",
    "normal": "未逾期",
    "npl_begin": "期初资产池", "npl_end": "期末资产池",
    "before": "本期兑付前未偿本金", "paid": "本期实付本金", "after": "兑付后未偿本金", "coupon": "本期实付利息",
    "trust": "信托计划名称", "collection": "报告期间", "payment": "本期支付日",
    "event_date": "清算日", "price": "清仓回购价款",
    "h_period": "报告期", "h_date": "收款期间截止日", "h_rate": "累计违约率",
    "c_bucket": "拖欠状态", "c_amount": "金额", "c_balance": "本金余额",
}
_LABELS_EN = {
        "begin": "Pool balance, beginning", "end": "Pool balance, end", "count": "Loans outstanding",
        "principal": "Principal collections", "prepay": "of which prepayments", "interest": "Interest collections",
        "other_income": "Other income", "revolving": "Revolving purchases",
        "cum_revolving": "Cumulative revolving purchases",
        "new_default": "New defaults", "cum_default": "Cumulative defaults", "cum_rate": "Cumulative default rate",
        "normal": "Current", "d1_30": "1-30 days", "d31_60": "31-60 days", "d61_90": "61-90 days",
        "d90": "90+ days", "total": "Total",
        "npl_begin": "Outstanding principal, beginning", "npl_end": "Outstanding principal, end",
        "npl_count": "Borrowers", "disposal_cash": "Disposal proceeds", "investment_income": "Investment income",
        "in_progress": "In disposal", "completed": "Disposal completed",
        "code": "Security code", "before": "Principal before payment", "paid": "Principal paid",
        "after": "Principal after payment", "coupon": "Interest paid", "excess": "Excess return",
        "factor": "Principal paid per 100", "factor_interest": "Interest per 100",
        "trust": "Trust Name", "trustee": "Trustee", "period": "Period", "collection": "Collection Period",
        "collection_start": "Collection period start", "collection_end": "Collection period end",
        "payment": "Payment Date", "method": "Method", "event_date": "Date", "price": "Price",
        "remaining": "Remaining pool principal", "liq_rate": "Cumulative default rate",
        "h_period": "Period", "h_date": "Payment date", "h_amount": "Cumulative defaults",
        "h_rate": "Cumulative default rate", "c_item": "Item", "c_amount": "Amount", "c_count": "Count",
        "c_seq": "No.", "c_note": "Note", "c_bucket": "Status", "c_balance": "Balance", "c_share": "Share",
        "c_status": "Status", "c_recovery": "Recovered", "c_cum_recovery": "Cumulative recovered",
}

_HEADINGS_A = {
    "basic": "信托基本信息", "tranche": "资产支持证券本息兑付情况", "pool_top": "资产池表现情况",
    "pool": "资产池概况", "cashflow": "资金池现金流入", "delinquency": "逾期情况", "default": "违约情况",
    "history": "累计违约率", "recovery": "资产处置及回收情况", "liquidation": "清仓回购情况",
}
_HEADINGS_B = {
    "basic": "基本情况", "pool": "资产池整体表现", "delinquency": "资产池逾期情况",
    "default": "累计违约情况", "tranche": "本息兑付情况", "liquidation": "信托清算情况",
    "recovery": "资产处置回收情况", "cashflow": "现金流入情况", "history": "累计违约率历史",
}
_HEADINGS_C = {
    "basic": "信托概况", "pool_top": "资产池表现情况", "pool": "本期资产池变动", "cashflow": "资金池现金流入",
    "delinquency": "资产池拖欠情况", "default": "违约及累计违约率", "history": "各期累计违约率",
    "tranche_top": "资产支持证券概况", "tranche": "本息兑付情况", "recovery": "资产回收情况",
    "liquidation": "清仓回购",
}
_HEADINGS_EN = {
    "basic": "General Information", "tranche": "Principal and Interest Payments", "tranche_top": "Notes",
    "pool_top": "Pool Performance", "pool": "Pool Balance", "cashflow": "Collections",
    "delinquency": "Delinquencies", "default": "Defaults", "history": "Cumulative Default Rate History",
    "recovery": "Disposal and Recoveries", "liquidation": "Clean-up Call",
}

TEMPLATE_SPECS: dict[str, Template] = {
    "trust_a": Template(
        name="trust_a", title_style="paren", cover_date="报告日期：{y} 年 {m} 月 {d} 日", date_style="cn",
        na="不适用", unit="元", tranche_unit="元", unit_where="header", code_suffix=False,
        outline=(
            ("basic", ("basic",)),
            ("tranche", ("tranche",)),
            ("pool_top", ("pool", "cashflow", "recovery", "delinquency", "default", "history")),
            ("liquidation", ("liquidation",)),
        ),
        sub_numbered=True, labels=_LABELS_A, headings=_HEADINGS_A,
        tranche_rows=("code", "before", "paid", "after", "coupon", "excess", "factor"),
        tranche_header="项目", tranches_per_block=4, repeat_header=True, section_new_page=True,
        pool_columns=("label", "amount"), delinquency_columns=("bucket", "balance", "share"),
        history_columns=("period", "date", "amount", "rate"),
        recovery_columns=("status", "balance", "recovery", "cum_recovery"),
        history_period="第{n}期", rate_percent_column=False,
        default_rows=("new_default", "cum_default", "cum_rate"), collection_rows="range", period_row=True,
        xlsx_layout="sheets", xlsx_numbers="numeric", footer="第 {n} 页 共 {total} 页",
    ),
    "trust_b": Template(
        name="trust_b", title_style="dash", cover_date="报告日期: {y}年{m}月{d}日", date_style="iso",
        na="—", unit="万元", tranche_unit="万元", unit_where="line", code_suffix=True,
        outline=(
            ("basic", ("basic",)),
            ("pool", ("pool", "cashflow", "recovery")),
            ("delinquency", ("delinquency",)),
            ("default", ("default", "history")),
            ("tranche", ("tranche",)),
            ("liquidation", ("liquidation",)),
        ),
        sub_numbered=False, labels=_LABELS_B, headings=_HEADINGS_B,
        tranche_rows=("code", "before", "factor", "paid", "after", "coupon", "excess"),
        tranche_header="证券名称", tranches_per_block=3, repeat_header=False, section_new_page=False,
        pool_columns=("seq", "label", "amount", "note"), delinquency_columns=("bucket", "share", "balance"),
        history_columns=("period", "rate", "amount", "date"),
        recovery_columns=("status", "recovery", "cum_recovery", "balance"),
        history_period="{n}", rate_percent_column=True,
        default_rows=("new_default",), collection_rows="split", period_row=False,
        xlsx_layout="single", xlsx_numbers="text", footer="- {n} -",
    ),
    "trust_c": Template(
        name="trust_c", title_style="year_total", cover_date="报告日期：{y}-{m:02d}-{d:02d}", date_style="slash",
        na="-", unit="元", tranche_unit="万元", unit_where="header", code_suffix=False,
        outline=(
            ("basic", ("basic",)),
            ("pool_top", ("pool", "cashflow", "recovery", "delinquency", "default", "history")),
            ("tranche_top", ("tranche",)),
            ("liquidation", ("liquidation",)),
        ),
        sub_numbered=True, labels=_LABELS_C, headings=_HEADINGS_C,
        tranche_rows=("code", "before", "paid", "coupon", "factor", "factor_interest", "after", "excess"),
        tranche_header="档次", tranches_per_block=5, repeat_header=True, section_new_page=False,
        pool_columns=("label", "count", "amount"), delinquency_columns=("bucket", "balance", "share"),
        history_columns=("period", "date", "rate"),
        recovery_columns=("status", "cum_recovery", "recovery"),
        history_period="第{n}期", rate_percent_column=False,
        default_rows=("new_default", "cum_default", "cum_rate"), collection_rows="range", period_row=False,
        xlsx_layout="sheets", xlsx_numbers="numeric", footer="{n} / {total}",
        history_date="collection_period_end",
    ),
}


# ───────────────────────────── document model ─────────────────────────────
@dataclass
class _Num:
    """A printed number and its value in the printed unit (XLSX writes the value)."""

    text: str
    value: Decimal | int | None


@dataclass
class _Heading:
    text: str
    level: int
    key: str = ""


@dataclass
class _Para:
    text: str
    size: float = 9.0
    align: str = "left"
    space: float = 4.0


@dataclass
class _Table:
    header: list[str] | None
    rows: list[list[str | _Num]]
    widths: tuple[float, ...]
    align: tuple[str, ...]
    repeat_header: bool = True
    row_keys: list[str | None] = field(default_factory=list)


class _PageBreak:
    pass


@dataclass
class _Fmt:
    """Number and date formatting of one report (template + unit + variant)."""

    tpl: Template
    english: bool
    wan_places: int

    def date(self, value: dt.date | None) -> str:
        if value is None:
            return self.tpl.na
        if self.english or self.tpl.date_style == "iso":
            return value.isoformat()
        if self.tpl.date_style == "slash":
            return f"{value.year}/{value.month}/{value.day}"
        return f"{value.year}年{value.month}月{value.day}日"

    def amount(self, value: Decimal | None, unit: str) -> _Num:
        if value is None:
            return _Num(self.tpl.na, None)
        if unit == "万元":
            shown = (value / _WAN).quantize(Decimal(1).scaleb(-self.wan_places))
            return _Num(f"{shown:,.{self.wan_places}f}", shown)
        shown = value.quantize(_CENT)
        return _Num(f"{shown:,.2f}", shown)

    def count(self, value: int | None) -> _Num:
        return _Num(self.tpl.na, None) if value is None else _Num(f"{value:,}", int(value))

    def rate(self, value: Decimal | None, bare: bool = False) -> _Num:
        """Percent with as many decimals as needed (at least 2), so no digit of the fraction is lost."""
        if value is None:
            return _Num(self.tpl.na, None)
        pct = (value * 100).normalize()
        places = max(2, -pct.as_tuple().exponent) if pct.as_tuple().exponent < 0 else 2
        text = f"{pct:.{places}f}"
        return _Num(text if bare else text + "%", None)

    def factor(self, value: Decimal | None) -> _Num:
        if value is None:
            return _Num(self.tpl.na, None)
        return _Num(f"{value:.6f}", value)


def _wan_places(report: TrusteeReportData) -> int:
    """万元 with 2 decimals when every amount is a whole hundred 元 (exact), else 6 (exact to the cent)."""
    rows = (report.pool, *report.payments, *report.history, report.liquidation or {})
    for row in rows:
        for name, value in row.items():
            if name.endswith("_cny") and value is not None and Decimal(value) % 100 != 0:
                return 6
    return 2


def _cn_number(n: int) -> str:
    """一 … 九十九, for section numbering."""
    if n < 10:
        return _CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + ("" if ones == 0 else _CN_DIGITS[ones])


# ───────────────────────────── building blocks ─────────────────────────────
class _Builder:
    """Turns report rows into headings, paragraphs and tables for one template."""

    def __init__(self, report: TrusteeReportData, tpl: Template, variant: str) -> None:
        self.r = report
        self.tpl = tpl
        self.variant = variant
        self.english = variant == "english"
        self.L = _LABELS_EN if self.english else tpl.labels
        self.H = _HEADINGS_EN if self.english else tpl.headings
        self.unit = report.unit or tpl.unit
        self.tranche_unit = report.unit or tpl.tranche_unit
        self.fmt = _Fmt(tpl, self.english, _wan_places(report))

    # -- whole document
    def title(self) -> str:
        r = self.r
        if self.english:
            return f"{r.deal_name} Trustee Report (Period {r.period_number})"
        revision = "更正" if self.variant == "revised" else None
        style = self.tpl.title_style
        return report_title(r.deal_name, r.period_number, r.report_date, style, revision=revision)

    def build(self) -> list[Any]:
        items: list[Any] = self.cover()
        number = 0
        for top, subs in self.tpl.outline:
            blocks = [s for s in subs if self.applies(s)]
            if not blocks:
                continue
            number += 1
            if self.tpl.section_new_page and number > 1:
                items.append(_PageBreak())
            head = self.H.get(top) or self.H[blocks[0]]
            items.append(_Heading(f"{number}. {head}" if self.english else f"{_cn_number(number)}、{head}", 1, top))
            if self.tpl.unit_where == "line" and top not in ("basic",):
                unit = self.tranche_unit if top == "tranche" else self.unit
                items.append(_Para(f"Unit: {unit}" if self.english else f"金额单位：{unit}", 8, "right", 0))
            for index, block in enumerate(blocks, 1):
                if self.tpl.sub_numbered and (len(blocks) > 1 or block != top):
                    sub = self.H[block]
                    number_text = f"({index}) " if self.english else f"（{_cn_number(index)}）"
                    items.append(_Heading(number_text + sub, 2, block))
                items.extend(getattr(self, f"block_{block}")())
            if "pool" in blocks:
                items.extend(self.na_note())
        return items

    def applies(self, block: str) -> bool:
        if block in ("delinquency", "default", "history"):
            return not self.r.is_npl
        if block == "recovery":
            return self.r.is_npl
        if block == "liquidation":
            return self.r.liquidation is not None
        return True

    def cover(self) -> list[Any]:
        r = self.r
        if self.english:
            lines = [f"Trustee: {r.trustee_name}", f"Report Date: {r.report_date.isoformat()}"]
        else:
            d = r.report_date
            lines = [f"受托机构：{r.trustee_name}", self.tpl.cover_date.format(y=d.year, m=d.month, d=d.day)]
        items: list[Any] = [_Para(self.title(), 16, "center", 120)]
        items += [_Para(line, 11, "center", 10) for line in lines]
        if self.variant == "revised":
            items.append(_Para("更正说明：本报告对原披露的同期受托机构报告中的相关数据进行了更正，请以此为准。", 9, "left", 40))
        notice = (
            "Important notice: this report is prepared by the trustee from information provided by the servicer."
            if self.english
            else "重要提示：本报告依据贷款服务机构、资金保管机构提供的资料编制，受托机构保证本报告内容的真实、准确和完整。"
        )
        items.append(_Para(notice, 8, "left", 60))
        items.append(_PageBreak())
        return items

    # -- helpers
    def kv(self, rows: list[tuple[str | None, str, Any]], unit: str) -> _Table:
        """A label | value table laid out with the template's pool columns."""
        cols = self.tpl.pool_columns
        amount_head = self.L["c_amount"] + (f"（{unit}）" if self.tpl.unit_where == "header" else "")
        heads = {"seq": self.L["c_seq"], "label": self.L["c_item"], "amount": amount_head,
                 "count": self.L["c_count"], "note": self.L["c_note"]}
        widths = {"seq": 0.08, "label": 0.46, "amount": 0.3, "count": 0.2, "note": 0.16}
        align = {"seq": "c", "label": "l", "amount": "r", "count": "r", "note": "l"}
        body, keys = [], []
        for seq, (key, label, value) in enumerate(rows, 1):
            cells: list[str | _Num] = []
            for col in cols:
                if col == "seq":
                    cells.append(str(seq))
                elif col == "label":
                    cells.append(label)
                elif col == "note":
                    cells.append("")
                elif col == "count":
                    cells.append(value[1] if isinstance(value, tuple) else "")
                else:
                    cells.append(value[0] if isinstance(value, tuple) else value)
            body.append(cells)
            keys.append(key)
        total = sum(widths[c] for c in cols)
        return _Table(
            [heads[c] for c in cols], body, tuple(widths[c] / total for c in cols),
            tuple(align[c] for c in cols), self.tpl.repeat_header, keys,
        )

    def money(self, field_name: str, row: Mapping[str, Any] | None = None) -> _Num:
        row = self.r.pool if row is None else row
        return self.fmt.amount(row.get(field_name), self.unit)

    # -- blocks
    def block_basic(self) -> list[Any]:
        r, L, f = self.r, self.L, self.fmt
        rows = [[L["trust"], r.deal_name], [L["trustee"], r.trustee_name]]
        if self.tpl.period_row or self.english:
            rows.append([L["period"], str(r.period_number) if self.english else f"第{r.period_number}期"])
        if self.tpl.collection_rows == "split":
            rows.append([L["collection_start"], f.date(r.collection_period_start)])
            rows.append([L["collection_end"], f.date(r.collection_period_end)])
        else:
            sep = " to " if self.english else "至"
            rows.append([L["collection"], f"{f.date(r.collection_period_start)}{sep}{f.date(r.collection_period_end)}"])
        rows.append([L["payment"], f.date(r.payment_date)])
        return [_Table(None, rows, (0.3, 0.7), ("l", "l"), True, [None] * len(rows))]

    def block_pool(self) -> list[Any]:
        r, L = self.r, self.L
        count = self.fmt.count(r.pool.get("loan_count_end"))
        if r.is_npl:
            begin, end, count_label = L["npl_begin"], L["npl_end"], L["npl_count"]
        else:
            begin, end, count_label = L["begin"], L["end"], L["count"]
        if "count" in self.tpl.pool_columns:  # trust_c: 期末资产池 | 笔数 | 金额
            rows = [
                ("pool_balance_begin_cny", begin, (self.money("pool_balance_begin_cny"), self.tpl.na)),
                ("pool_balance_end_cny", end, (self.money("pool_balance_end_cny"), count)),
            ]
        else:
            rows = [
                ("pool_balance_begin_cny", begin, self.money("pool_balance_begin_cny")),
                ("pool_balance_end_cny", end, self.money("pool_balance_end_cny")),
                ("loan_count_end", count_label, count),
            ]
        return [self.kv(rows, self.unit)]

    def block_cashflow(self) -> list[Any]:
        r, L, pool = self.r, self.L, self.r.pool
        spec: list[tuple[str, str, bool]] = [
            ("principal_collected_cny", "principal", not r.is_npl),
            ("prepayment_cny", "prepay", not r.is_npl),
            ("interest_collected_cny", "interest", not r.is_npl),
            ("other_income_cny", "other_income", r.is_npl or self.tpl.name == "trust_b"),
            ("revolving_purchase_cny", "revolving", r.is_revolving),
            ("cumulative_revolving_purchase_cny", "cum_revolving", r.is_revolving),
        ]
        rows = [(f, L[label], self.money(f)) for f, label, always in spec if always or pool.get(f) is not None]
        if r.is_npl:  # proceeds again and investment income: neither is other income, neither is new
            rows.insert(0, (None, L["disposal_cash"], self.money("recovery_cny")))
            rows.append((None, L["investment_income"], _Num(self.tpl.na, None)))
        return [self.kv(rows, self.unit)] if rows else []

    def block_delinquency(self) -> list[Any]:
        L, pool, unit = self.L, self.r.pool, self.unit
        buckets = [("delinquent_1_30_cny", "d1_30"), ("delinquent_31_60_cny", "d31_60"),
                   ("delinquent_61_90_cny", "d61_90"), ("delinquent_90_plus_cny", "d90")]
        end = pool.get("pool_balance_end_cny")
        late = [pool.get(f) for f, _ in buckets]
        normal = None if end is None or any(v is None for v in late) else end - sum(late)
        rows: list[tuple[str | None, str, Decimal | None]] = [(None, L["normal"], normal)]
        rows += [(f, L[label], pool.get(f)) for f, label in buckets]
        rows.append((None, L["total"], end))
        heads = {"bucket": L["c_bucket"],
                 "balance": L["c_balance"] + (f"（{unit}）" if self.tpl.unit_where == "header" else ""),
                 "share": L["c_share"]}
        body, keys = [], []
        for key, label, value in rows:
            share = None if value is None or not end else (value / end).quantize(Decimal("0.000001"))
            cell = {"bucket": label, "balance": self.fmt.amount(value, unit),
                    "share": self.fmt.rate(share, bare=self.tpl.rate_percent_column)}
            body.append([cell[c] for c in self.tpl.delinquency_columns])
            keys.append(key)
        cols = self.tpl.delinquency_columns
        return [_Table([heads[c] for c in cols], body, (0.36, 0.34, 0.30),
                       tuple("l" if c == "bucket" else "r" for c in cols), self.tpl.repeat_header, keys)]

    def block_default(self) -> list[Any]:
        L, fmt = self.L, self.fmt
        values = {
            "new_default": ("new_default_cny", self.money("new_default_cny")),
            "cum_default": ("cumulative_default_cny", self.money("cumulative_default_cny")),
            "cum_rate": ("cumulative_default_rate", fmt.rate(self.r.pool.get("cumulative_default_rate"))),
        }
        rows = [(values[k][0], L[k], values[k][1]) for k in self.tpl.default_rows]
        return [self.kv(rows, self.unit)]

    def block_history(self) -> list[Any]:
        L, fmt, tpl, unit = self.L, self.fmt, self.tpl, self.unit
        earlier = sorted(
            (h for h in self.r.history if int(h["period_number"]) < self.r.period_number),
            key=lambda h: int(h["period_number"]),
        )
        heads = {"period": L["h_period"], "date": L["h_date"],
                 "amount": L["h_amount"] + (f"（{unit}）" if tpl.unit_where == "header" else ""),
                 "rate": L["h_rate"]}
        body = []
        for row in (*earlier, self.r.pool):
            n = int(row["period_number"])
            cell = {"period": tpl.history_period.format(n=n), "date": fmt.date(row.get(tpl.history_date)),
                    "amount": fmt.amount(row.get("cumulative_default_cny"), unit),
                    "rate": fmt.rate(row.get("cumulative_default_rate"), bare=tpl.rate_percent_column)}
            body.append([cell[c] for c in tpl.history_columns])
        cols = tpl.history_columns
        widths = {"period": 0.16, "date": 0.26, "amount": 0.32, "rate": 0.26}
        total = sum(widths[c] for c in cols)
        return [_Table([heads[c] for c in cols], body, tuple(widths[c] / total for c in cols),
                       tuple("c" if c in ("period", "date") else "r" for c in cols), tpl.repeat_header,
                       [None] * len(body))]

    def block_recovery(self) -> list[Any]:
        """NPL disposal table: 处置中 / 本期处置完毕 / 合计 (the split is presentation only)."""
        L, pool, unit = self.L, self.r.pool, self.unit
        split = {f: _split(pool.get(f)) for f in ("pool_balance_end_cny", "recovery_cny", "cumulative_recovery_cny")}
        suffix = f"（{unit}）" if self.tpl.unit_where == "header" else ""
        heads = {"status": L["c_status"], "balance": L["c_balance"] + suffix,
                 "recovery": L["c_recovery"] + suffix, "cum_recovery": L["c_cum_recovery"] + suffix}
        source = {"balance": "pool_balance_end_cny", "recovery": "recovery_cny",
                  "cum_recovery": "cumulative_recovery_cny"}
        body = []
        for index, label in enumerate((L["in_progress"], L["completed"], L["total"])):
            cells: list[str | _Num] = []
            for col in self.tpl.recovery_columns:
                if col == "status":
                    cells.append(label)
                else:
                    part = split[source[col]]
                    value = pool.get(source[col]) if index == 2 else (None if part is None else part[index])
                    cells.append(self.fmt.amount(value, unit))
            body.append(cells)
        cols = self.tpl.recovery_columns
        return [_Table([heads[c] for c in cols], body, tuple([0.25] + [0.75 / (len(cols) - 1)] * (len(cols) - 1)),
                       tuple("l" if c == "status" else "r" for c in cols), self.tpl.repeat_header, [None] * 3)]

    def block_tranche(self) -> list[Any]:
        r, L, tpl, fmt, unit = self.r, self.L, self.tpl, self.fmt, self.tranche_unit
        by_id = {t["tranche_id"]: t for t in r.tranches}
        pays = [(by_id[p["tranche_id"]], p) for p in r.payments]
        if not pays:
            return [_Para("No payments on any tranche this period." if self.english else NO_PAYMENTS, 9, "left", 6)]
        show_excess = any(p.get("other_income_paid_cny") is not None for _, p in pays)
        keys = [k for k in tpl.tranche_rows if k != "excess" or show_excess]
        first = tpl.tranche_header + (f"（{unit}）" if tpl.unit_where == "header" else "")
        if self.english:
            first = "Tranche" + (f" ({unit})" if tpl.unit_where == "header" else "")
        out: list[Any] = []
        size = tpl.tranches_per_block
        for start in range(0, len(pays), size):
            chunk = pays[start:start + size]
            body, row_keys = [], []
            for key in keys:
                cells: list[str | _Num] = [L[key]]
                for tranche, pay in chunk:
                    cells.append(self.tranche_cell(key, tranche, pay, unit))
                body.append(cells)
                row_keys.append(key)
            label_w = 0.27
            col_w = (1 - label_w) / size
            widths = (label_w, *([col_w] * len(chunk)))
            out.append(_Table([first, *(t["tranche_name"] for t, _ in chunk)], body, widths,
                              ("l", *("r" * len(chunk))), tpl.repeat_header, row_keys))
        return out

    def tranche_cell(self, key: str, tranche: Mapping[str, Any], pay: Mapping[str, Any], unit: str) -> str | _Num:
        fmt = self.fmt
        if key == "code":
            code = str(tranche["security_code"])
            return code if self.tpl.code_suffix else code.split(".")[0]
        columns = {"before": "principal_before_cny", "paid": "principal_paid_cny", "after": "principal_after_cny",
                   "coupon": "interest_paid_cny", "excess": "other_income_paid_cny"}
        if key in columns:
            return fmt.amount(pay.get(columns[key]), unit)
        face = tranche.get("amount_cny") or pay.get("principal_before_cny")
        value = pay.get("principal_paid_cny" if key == "factor" else "interest_paid_cny")
        if value is None or not face:
            return _Num(self.tpl.na, None)
        return fmt.factor((value / face * 100).quantize(Decimal("0.000001"), rounding=ROUND_DOWN))

    def block_liquidation(self) -> list[Any]:
        liq, L, fmt = self.r.liquidation or {}, self.L, self.fmt
        method = liq["liquidation_method"]
        method_text = method.replace("_", " ") if self.english else LIQUIDATION_METHODS[method]
        rows = [
            (None, L["method"], method_text),
            (None, L["event_date"], fmt.date(liq.get("event_date"))),
            (None, L["price"], self.money("price_cny", liq)),
            (None, L["remaining"], self.money("remaining_pool_principal_cny", liq)),
            (None, L["liq_rate"], fmt.rate(liq.get("pool_cumulative_default_rate"))),
        ]
        return [self.kv(rows, self.unit)]

    def na_note(self) -> list[Any]:
        reason = self.r.pool.get("not_applicable_reason")
        if not reason:
            return []
        return [_Para(f"Note: not applicable: {reason}" if self.english else f"注：不适用原因：{reason}", 8.5, "left", 6)]


def _split(total: Decimal | None) -> tuple[Decimal, Decimal] | None:
    """Split a total into two exact parts (60 % rounded down to the cent, and the rest)."""
    if total is None:
        return None
    first = (total * Decimal("0.6")).quantize(_CENT, rounding=ROUND_DOWN)
    return first, total - first


# ───────────────────────────── variants on the model ─────────────────────────────
def _apply_content_variant(items: list[Any], variant: str) -> None:
    """missing_row drops, bad_number garbles, the 期末资产池余额 row of the pool table."""
    if variant not in ("missing_row", "bad_number"):
        return
    for item in items:
        if isinstance(item, _Table) and "pool_balance_end_cny" in item.row_keys:
            index = item.row_keys.index("pool_balance_end_cny")
            if variant == "missing_row":
                del item.rows[index]
                del item.row_keys[index]
                return
            row = item.rows[index]
            for pos, cell in enumerate(row):
                if isinstance(cell, _Num) and cell.value is not None and not isinstance(cell.value, int):
                    text = cell.text
                    digit = next((i for i, ch in enumerate(text) if ch.isdigit() and i > 0), 0)
                    row[pos] = text[:digit] + "O" + text[digit + 1:]
                    return
    raise ValueError("the report has no 期末资产池余额 row to break")


def _mojibake(text: str) -> str:
    """GBK bytes decoded as Windows-1252 (bytes it lacks as Latin-1): what a wrong code page gives."""
    out = []
    for byte in text.encode("gbk"):
        try:
            out.append(bytes([byte]).decode("cp1252"))
        except UnicodeDecodeError:
            out.append(chr(byte))
    return "".join(out)


# ───────────────────────────── PDF ─────────────────────────────
PAGE_W, PAGE_H = 595.28, 841.89
MARGIN_X, CONTENT_TOP, CONTENT_BOTTOM = 50.0, PAGE_H - 62.0, 60.0
ROW_H, CELL_PAD, TABLE_SIZE = 17.0, 4.0, 8.5


@functools.cache
def _font() -> Any:
    """Register the shipped CJK subset once per process (lazily, never at import)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    font = TTFont(FONT_NAME, str(FONT_PATH))
    pdfmetrics.registerFont(font)
    return font


def _check_glyphs(text: str) -> None:
    cmap = _font().face.charToGlyph
    missing = sorted({ch for ch in text if ord(ch) not in cmap and not ch.isspace()})
    if missing:
        raise ValueError(
            f"characters {''.join(missing)!r} in {text!r} are not in the embedded font subset; "
            "add them to EXTRA_HANZI in sample_market/fonts/build_subset.py and rebuild"
        )


def _width(text: str, size: float) -> float:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return stringWidth(text, FONT_NAME, size)


def _wrap(text: str, size: float, width: float) -> list[str]:
    """Greedy wrap that a reader can undo exactly.

    Chinese breaks between characters; Latin text only at a single space between two words,
    and that space is dropped. A reader therefore joins two lines with one space when both
    sides are Latin and with nothing otherwise. Spaces next to Chinese never sit at a break.
    """
    tokens = re.findall(r" +|[\u2e80-\uffff]|[^ \u2e80-\uffff]+", text)
    units: list[list[str]] = []  # [text, separator dropped at a break before it]
    pending, glue = "", False
    for i, token in enumerate(tokens):
        prev, nxt = tokens[i - 1] if i else "", tokens[i + 1] if i + 1 < len(tokens) else ""
        if token[0] == " ":
            if token == " " and _is_word(prev) and _is_word(nxt):
                pending = " "
            elif units:
                units[-1][0] += token
                glue = True
            else:
                units.append([token, ""])
            continue
        if units and glue:
            units[-1][0] += token
        else:
            units.append([token, pending])
        pending, glue = "", False
    lines, current = [], ""
    for unit, separator in units:
        candidate = current + (separator if current else "") + unit
        if current and _width(candidate, size) > width:
            lines.append(current)
            current = unit
        else:
            current = candidate
    return [*lines, current] if current else lines


def _is_word(token: str) -> bool:
    return bool(token) and token[0] != " " and ord(token[0]) < 0x2E80


class _Layout:
    """Flows items onto A4 pages as drawing ops; tables split row by row at the page foot."""

    def __init__(self) -> None:
        self.pages: list[list[tuple]] = [[]]
        self.y = CONTENT_TOP
        self.heading_pages: dict[str, int] = {}

    @property
    def ops(self) -> list[tuple]:
        return self.pages[-1]

    def new_page(self) -> None:
        self.pages.append([])
        self.y = CONTENT_TOP

    def need(self, height: float) -> None:
        if self.y - height < CONTENT_BOTTOM and self.ops:
            self.new_page()

    def text(self, x: float, y: float, text: str, size: float, align: str = "l") -> None:
        self.ops.append(("t", x, y, text, size, align))

    def add(self, item: Any) -> None:
        width = PAGE_W - 2 * MARGIN_X
        if isinstance(item, _PageBreak):
            self.new_page()
        elif isinstance(item, _Heading):
            size = 12.0 if item.level == 1 else 10.5
            self.need(size + 10 + 3 * ROW_H)  # keep a heading with the start of its table
            self.y -= size + 8
            self.text(MARGIN_X, self.y, item.text, size)
            self.heading_pages.setdefault(item.key, len(self.pages))
            self.y -= 4
        elif isinstance(item, _Para):
            lines = _wrap(item.text, item.size, width)
            self.need(item.space + len(lines) * (item.size + 5))
            self.y -= item.space
            for line in lines:
                self.y -= item.size + 5
                x = {"left": MARGIN_X, "right": PAGE_W - MARGIN_X, "center": PAGE_W / 2}[item.align]
                self.text(x, self.y, line, item.size, item.align[0])
        elif isinstance(item, _Table):
            self.table(item, width)

    def table(self, table: _Table, width: float) -> None:
        edges = [MARGIN_X]
        for w in table.widths:
            edges.append(edges[-1] + w * width)
        self.y -= 4
        self.need(ROW_H * (2 if table.header else 1))
        top = self.y
        if table.header:
            self.row(table.header, edges, ("c",) * len(edges), header=True)
        for cells in table.rows:
            if self.y - ROW_H < CONTENT_BOTTOM:
                self.grid(edges, top)
                self.new_page()
                top = self.y
                if table.header and table.repeat_header:
                    self.row(table.header, edges, ("c",) * len(edges), header=True)
            self.row([c.text if isinstance(c, _Num) else c for c in cells], edges, table.align)
        self.grid(edges, top)
        self.y -= 4

    def row(self, cells: Sequence[str], edges: list[float], align: Sequence[str], header: bool = False) -> None:
        base = self.y - ROW_H + 5.5
        for index, text in enumerate(cells):
            if not text:
                continue
            left, right = edges[index] + CELL_PAD, edges[index + 1] - CELL_PAD
            size = TABLE_SIZE
            while size > 5 and _width(text, size) > right - left:
                size -= 0.5
            where = align[index]
            x = left if where == "l" else right if where == "r" else (left + right) / 2
            self.text(x, base, text, size, where)
        self.y -= ROW_H
        self.ops.append(("h", edges[0], self.y, edges[-1]))
        if header:
            self.ops.append(("h", edges[0], self.y + 0.6, edges[-1]))

    def grid(self, edges: list[float], top: float) -> None:
        self.ops.append(("h", edges[0], top, edges[-1]))
        for x in edges:
            self.ops.append(("v", x, top, self.y))


def _render_pdf(items: list[Any], title: str, running: str, footer: str, variant: str = "normal") -> bytes:
    """Items flowed onto A4 pages; ``footer`` is a format string with ``{n}`` and ``{total}``."""
    from reportlab.pdfgen.canvas import Canvas

    _check_glyphs(title + running + "".join(_texts(item) for item in items))
    layout = _Layout()
    for item in items:
        layout.add(item)
    scanned = None
    if variant == "image_only":  # the page where the pool section starts comes out as a scan
        scanned = layout.heading_pages.get("pool_top", layout.heading_pages.get("pool"))
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(PAGE_W, PAGE_H), invariant=1, pageCompression=1)
    canvas.setTitle(title)
    canvas.setAuthor(running)
    total = len(layout.pages)
    for number, ops in enumerate(layout.pages, 1):
        if number == scanned:
            _draw_scan(canvas, ops)
        else:
            if number > 1:
                canvas.setFont(FONT_NAME, 7.5)
                canvas.drawString(MARGIN_X, PAGE_H - 38, running)
                canvas.line(MARGIN_X, PAGE_H - 42, PAGE_W - MARGIN_X, PAGE_H - 42)
                canvas.drawCentredString(PAGE_W / 2, 30, footer.format(n=number, total=total))
            _draw_ops(canvas, ops)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _texts(item: Any) -> str:
    """All text an item prints, for the glyph check."""
    if isinstance(item, (_Heading, _Para)):
        return item.text
    if isinstance(item, _Table):
        rows = ([item.header] if item.header else []) + item.rows
        return "".join(c.text if isinstance(c, _Num) else c for row in rows for c in row)
    return ""


def _draw_ops(canvas: Any, ops: list[tuple]) -> None:
    size = None
    lines = []
    for op in ops:
        if op[0] == "t":
            _, x, y, text, font_size, align = op
            if font_size != size:
                canvas.setFont(FONT_NAME, font_size)
                size = font_size
            if align == "r":
                canvas.drawRightString(x, y, text)
            elif align == "c":
                canvas.drawCentredString(x, y, text)
            else:
                canvas.drawString(x, y, text)
        elif op[0] == "h":
            lines.append((op[1], op[2], op[3], op[2]))
        else:
            lines.append((op[1], op[2], op[1], op[3]))
    canvas.setLineWidth(0.5)
    canvas.lines(lines)


def _draw_scan(canvas: Any, ops: list[tuple]) -> None:
    """A scanned page: the same table grid, every text run a grey blot, no text layer at all."""
    canvas.setFillGray(0.35)
    for op in ops:
        if op[0] == "t":
            _, x, y, text, size, align = op
            w = _width(text, size)
            left = x - w if align == "r" else x - w / 2 if align == "c" else x
            canvas.rect(left, y - 1, w, size * 0.8, stroke=0, fill=1)
    _draw_ops(canvas, [op for op in ops if op[0] != "t"])


# ───────────────────────────── XLSX ─────────────────────────────
def _render_xlsx(items: list[Any], title: str, tpl: Template, report_date: dt.date, variant: str) -> bytes:
    import xlsxwriter

    garble = _mojibake if variant == "wrong_encoding" else (lambda s: s)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    book.set_properties({"title": garble(title), "created": dt.datetime.combine(report_date, dt.time(9, 0))})
    number_format = book.add_format({"num_format": "#,##0.00"})
    wide_format = book.add_format({"num_format": "#,##0.000000"})
    count_format = book.add_format({"num_format": "#,##0"})
    sheets: list[Any] = []
    state = {"row": 0}

    def new_sheet(name: str) -> None:
        index = len(sheets) + 1
        safe = "".join(ch for ch in name if ch not in "[]:*?/\\")[:31]
        if variant == "wrong_encoding":
            safe = f"Sheet{index}"
        sheet = book.add_worksheet(safe or f"Sheet{index}")
        sheet.set_column(0, 0, 34)
        sheet.set_column(1, 8, 20)
        sheets.append(sheet)
        state["row"] = 0

    new_sheet("受托机构报告" if tpl.xlsx_layout == "single" else "封面")
    for item in items:
        if isinstance(item, _PageBreak):
            continue
        if isinstance(item, _Heading) and item.level == 1 and tpl.xlsx_layout == "sheets":
            new_sheet(item.text.split("、", 1)[-1].split(". ", 1)[-1])
        sheet = sheets[-1]
        if isinstance(item, (_Heading, _Para)):
            sheet.write_string(state["row"], 0, garble(item.text))
            state["row"] += 1
        elif isinstance(item, _Table):
            for cells in ([item.header] if item.header else []) + item.rows:
                for col, cell in enumerate(cells):
                    if isinstance(cell, _Num):
                        # numeric cells where a double holds the value exactly (< 10^13 with cents)
                        if cell.value is not None and tpl.xlsx_numbers == "numeric" and abs(cell.value) < 10**13:
                            fmt = count_format if isinstance(cell.value, int) else (
                                wide_format if -cell.value.as_tuple().exponent > 2 else number_format)
                            sheet.write_number(state["row"], col, float(cell.value), fmt)
                        else:
                            sheet.write_string(state["row"], col, garble(cell.text))
                    elif cell:
                        sheet.write_string(state["row"], col, garble(cell))
                state["row"] += 1
            state["row"] += 1
    book.close()
    return buffer.getvalue()


# ───────────────────────────── entry point ─────────────────────────────
def render_trustee_report(report: TrusteeReportData, template: str, fmt: str, variant: str = "normal") -> bytes:
    """The report as PDF or XLSX bytes in one trustee's template, optionally broken on purpose.

    Deterministic: identical input gives identical bytes. Raises ValueError for an unknown
    template/format/variant or a variant the format cannot carry (image_only is PDF-only,
    wrong_encoding XLSX-only).
    """
    if template not in TEMPLATE_SPECS:
        raise ValueError(f"unknown template {template!r}; expected one of {TEMPLATES}")
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected pdf or xlsx")
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}; expected one of {VARIANTS}")
    if (variant, fmt) in (("image_only", "xlsx"), ("wrong_encoding", "pdf")):
        raise ValueError(f"variant {variant} does not exist for {fmt}")
    tpl = TEMPLATE_SPECS[template]
    if variant == "superseded":
        report = _superseded(report)
    builder = _Builder(report, tpl, variant)
    items = builder.build()
    _apply_content_variant(items, variant)
    title = builder.title()
    if fmt == "pdf":
        running = f"{report.deal_name} Trustee Report" if variant == "english" else f"{report.deal_name}受托机构报告"
        data = _render_pdf(items, title, running, tpl.footer, variant)
    else:
        data = _render_xlsx(items, title, tpl, report.report_date, variant)
    if variant == "truncated":
        data = data[: len(data) * 3 // 5]
    return data


def listing_title(report: TrusteeReportData, template: str, variant: str = "normal") -> str:
    """The title a disclosure listing shows for this document (Chinese, with 更正 / 英文版 marks)."""
    style = TEMPLATE_SPECS[template].title_style
    revision = "更正" if variant == "revised" else None
    return report_title(report.deal_name, report.period_number, report.report_date, style,
                        revision=revision, english=variant == "english")


def _superseded(report: TrusteeReportData) -> TrusteeReportData:
    """The wrong first version that a revision replaces: one pool figure off by SUPERSEDED_DELTA."""
    for name in SUPERSEDED_FIELDS:
        if report.pool.get(name) is not None:
            return dataclasses.replace(report, pool={**report.pool, name: report.pool[name] + SUPERSEDED_DELTA})
    raise ValueError("the report has neither interest_collected_cny nor pool_balance_begin_cny to misstate")
