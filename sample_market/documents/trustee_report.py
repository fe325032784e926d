"""Trustee reports (受托机构报告) of the sample market, rendered as PDF or XLSX bytes.

Real trustees each use their own template, and the pipeline must read all of them, so the
renderer draws one deal × one period from rows shaped like the warehouse schema
(``core.pool_performance``, ``core.tranche_payments``, ``core.liquidation_events``) through a
``ReportLayout`` that says how a trust company lays it out: section order, titles and
numbering, row-label synonyms, column order and table orientation, units per table (元 /
万元 / 亿元, named in a header, a ``金额单位`` line, a note, a label or the value), not-applicable
markers, date spellings, notes, boilerplate sections and page breaks inside tables. The sample
market publishes three trustees' templates (``TEMPLATE_SPECS``); ``layout_fuzzer`` draws others.
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
import hashlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from typing import Any

from sample_market.documents.render import Heading, Num, PageBreak, Para, Table, XlsxStyle, render_pdf, render_xlsx

_render_pdf = render_pdf  # the name other modules and tests knew it by

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


# ───────────────────────────── layouts ─────────────────────────────
@dataclass(frozen=True)
class ReportLayout:
    """How one trustee lays out its report: one point of the layout space the sample market
    draws from. The three templates below are three points; the fuzzer
    (``layout_fuzzer.draw_report_layout``) draws the others. Labels and headings map our
    field and block keys to printed text. Every field after ``history_date`` defaults to the
    templates' behaviour.
    """

    name: str
    title_style: str
    cover_date: str  # format with {y} {m} {d} (and {mm} {dd} zero-padded)
    date_style: str  # cn, iso, slash, or a pattern with {y} {m} {d} {mm} {dd}
    na: str  # not-applicable marker
    unit: str  # pool tables
    tranche_unit: str  # 本息兑付 table
    unit_where: str  # header 金额（元） | line 金额单位：万元 under the section heading | table_line | note | label | value
    code_suffix: bool
    outline: tuple[tuple[str, tuple[str, ...]], ...]  # (top title, sub-block keys)
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
    top_numbering: str = "{n}、"  # {n} Chinese numeral, {i} Arabic
    sub_numbering: str = "（{n}）"
    heading_end: str = ""  # after every heading, e.g. "："
    table_units: Mapping[str, str] = field(default_factory=dict)  # block → 元 | 万元 | 亿元
    unit_text: str = ""  # how the unit is stated, with {unit}; "" = the templates' own
    amount_places: str = "document"  # document: 万元 at 2 or 6 places; fewest: fewest exact places per unit
    thousands: bool = True
    rate_style: str = "percent"  # percent | fraction
    tranche_orientation: str = "columns"  # columns: a column per tranche; rows: a row per tranche
    pool_shape: str = "kv"  # kv | asof (期初 and 期末 as columns)
    delinquency_orientation: str = "rows"  # rows: a row per bucket; columns: a column per bucket
    basic_style: str = "table"  # table | lines (label：value paragraphs) | pairs (two pairs a row)
    basic_colon: str = "："
    cover_split: bool = False  # 报告日期： / trustee / date as three blocks
    label_notes: tuple[str, ...] = ()  # label keys printed with a footnote marker
    value_notes: tuple[str, ...] = ()  # fields (or tranche rows) whose value carries a footnote marker
    note_marker: str = "(注{n})"
    split_tables: tuple[str, ...] = ()  # blocks whose table breaks onto the next page part-way
    continued: str = ""  # caption above a table's continued part
    extras: tuple[tuple[str, int], ...] = ()  # (boilerplate block, number of outline sections before it)
    extra_texts: Mapping[str, str] = field(default_factory=dict)  # boilerplate wording (fees/accounts: "|"-joined)
    omit_na_rows: bool = False  # label/value rows without a value are left out
    other_in_recovery: bool = False  # NPL other income as a row of the disposal table
    period_text: str = "第{n}期"
    collection_sep: str = "至"
    date_qualifier: str = ""  # after the collection period's dates, e.g. （含该日）
    count_suffix: str = ""  # after loan counts, e.g. 笔
    wrap_headers: bool = False  # header cells wrap instead of shrinking
    xlsx: XlsxStyle | None = None  # None: from xlsx_layout / xlsx_numbers


Template = ReportLayout  # the three trustees' templates are layouts like any other


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

TEMPLATE_SPECS: dict[str, ReportLayout] = {
    "trust_a": ReportLayout(
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
    "trust_b": ReportLayout(
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
    "trust_c": ReportLayout(
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


@dataclass
class _Fmt:
    """Number and date formatting of one report (layout + units + variant)."""

    tpl: ReportLayout
    english: bool
    places: Mapping[str, int]  # unit → decimals (万元, 亿元)

    def date(self, value: dt.date | None) -> str:
        if value is None:
            return self.tpl.na
        style = self.tpl.date_style
        if self.english or style == "iso":
            return value.isoformat()
        if style == "slash":
            return f"{value.year}/{value.month}/{value.day}"
        if "{" in style:
            return _date_pattern(style, value)
        return f"{value.year}年{value.month}月{value.day}日"

    def amount(self, value: Decimal | None, unit: str) -> Num:
        if value is None:
            return Num(self.tpl.na, None)
        sep = "," if self.tpl.thousands else ""
        if unit in _UNIT_SIZES and unit != "元":
            places = self.places[unit]
            shown = (value / _UNIT_SIZES[unit]).quantize(Decimal(1).scaleb(-places))
            text = f"{shown:{sep}.{places}f}"
        else:
            shown = value.quantize(_CENT)
            text = f"{shown:{sep}.2f}"
        if self.tpl.unit_where == "value" and not self.english:
            return Num(text + unit, None)  # 13,200.00万元: the unit is part of the text
        return Num(text, shown)

    def count(self, value: int | None) -> Num:
        if value is None:
            return Num(self.tpl.na, None)
        text = f"{value:,}" if self.tpl.thousands else str(value)
        if self.tpl.count_suffix:
            return Num(text + self.tpl.count_suffix, None)
        return Num(text, int(value))

    def rate(self, value: Decimal | None, bare: bool = False) -> Num:
        """Percent with as many decimals as needed (at least 2), so no digit of the fraction is lost;
        or the fraction itself (at least 4 decimals) in a layout that prints rates as decimals."""
        if value is None:
            return Num(self.tpl.na, None)
        if self.tpl.rate_style == "fraction":
            exponent = value.normalize().as_tuple().exponent
            places = max(4, -exponent) if isinstance(exponent, int) and exponent < 0 else 4
            return Num(f"{value:.{places}f}", None)
        pct = (value * 100).normalize()
        places = max(2, -pct.as_tuple().exponent) if pct.as_tuple().exponent < 0 else 2
        text = f"{pct:.{places}f}"
        return Num(text if bare else text + "%", None)

    def factor(self, value: Decimal | None) -> Num:
        if value is None:
            return Num(self.tpl.na, None)
        return Num(f"{value:.6f}", value)


def _date_pattern(pattern: str, value: dt.date) -> str:
    return pattern.format(y=value.year, m=value.month, d=value.day, mm=f"{value.month:02d}", dd=f"{value.day:02d}")


_UNIT_SIZES = {"元": Decimal(1), "万元": Decimal(10_000), "亿元": Decimal(100_000_000)}
_MAX_PLACES = {"万元": 6, "亿元": 10}


def _amounts(report: TrusteeReportData) -> Iterator[Decimal]:
    rows = (report.pool, *report.payments, *report.history, report.liquidation or {})
    for row in rows:
        for name, value in row.items():
            if name.endswith("_cny") and value is not None:
                yield Decimal(value)


def _wan_places(report: TrusteeReportData) -> int:
    """万元 with 2 decimals when every amount is a whole hundred 元 (exact), else 6 (exact to the cent)."""
    return 2 if all(value % 100 == 0 for value in _amounts(report)) else 6


def _fewest_places(report: TrusteeReportData) -> dict[str, int]:
    """Per unit, the fewest decimals (at least 2) that print every amount of the report exactly."""
    amounts = list(_amounts(report))
    places = {}
    for unit, most in _MAX_PLACES.items():
        size = _UNIT_SIZES[unit]
        places[unit] = next((p for p in range(2, most) if all((a / size).quantize(Decimal(1).scaleb(-p)) * size == a
                                                                for a in amounts)), most)
    return places


def _cn_number(n: int) -> str:
    """一 … 九十九, for section numbering."""
    if n < 10:
        return _CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + ("" if ones == 0 else _CN_DIGITS[ones])


# Sentences for the footnotes a layout attaches to labels or values (presentation only).
_NOTE_TEXTS = (
    "本表数据由贷款服务机构提供。",
    "余额为截至本收款期间期末日的未偿本金余额。",
    "本期数据已经资金保管机构核对。",
    "差异系四舍五入所致。",
)


# ───────────────────────────── building blocks ─────────────────────────────
class _Builder:
    """Turns report rows into headings, paragraphs and tables for one layout."""

    def __init__(self, report: TrusteeReportData, tpl: ReportLayout, variant: str) -> None:
        self.r = report
        self.tpl = tpl
        self.variant = variant
        self.english = variant == "english"
        self.L = _LABELS_EN if self.english else tpl.labels
        self.H = _HEADINGS_EN if self.english else tpl.headings
        self.unit = report.unit or tpl.unit
        self.tranche_unit = report.unit or tpl.tranche_unit
        places = _fewest_places(report)
        if tpl.amount_places == "document":  # 万元 at 2 or 6 places across the report, as the templates print it
            places["万元"] = _wan_places(report)
        self.fmt = _Fmt(tpl, self.english, places)
        self.notes: list[str] = []  # footnotes of the table being built

    # -- whole document
    def title(self) -> str:
        r = self.r
        if self.english:
            return f"{r.deal_name} Trustee Report (Period {r.period_number})"
        revision = "更正" if self.variant == "revised" else None
        style = self.tpl.title_style
        return report_title(r.deal_name, r.period_number, r.report_date, style, revision=revision)

    def unit_for(self, block: str) -> str:
        if self.r.unit:
            return self.r.unit
        return self.tpl.table_units.get(block) or (self.tranche_unit if block == "tranche" else self.unit)

    def label(self, key: str, unit: str | None = None) -> str:
        """A row or column label, its unit filled in where the spelling holds one."""
        text = self.L[key]
        if "{unit}" in text:
            text = text.format(unit=unit or self.unit)
        if key in self.tpl.label_notes:
            text += self.marker()
        return text

    def marker(self) -> str:
        self.notes.append(_NOTE_TEXTS[len(self.notes) % len(_NOTE_TEXTS)])
        return self.tpl.note_marker.format(n=len(self.notes))

    def noted(self, key: str | None, cell: Num | str) -> Num | str:
        """The cell with a note marker glued to it, for a layout that notes this key's value."""
        if key is None or key not in self.tpl.value_notes:
            return cell
        if isinstance(cell, Num):
            return Num(cell.text + self.marker(), None)
        return cell + self.marker()

    def head_unit(self, unit: str, label: str = "") -> str:
        """The unit after a header or label, where the layout states units there (and ``label``
        does not already say it)."""
        if self.tpl.unit_where not in ("header", "label") or f"({unit})" in label or f"（{unit}）" in label:
            return ""
        return (self.tpl.unit_text or "（{unit}）").format(unit=unit)

    def build(self) -> list[Any]:
        items: list[Any] = self.cover()
        number = 0
        sections = [(top, [s for s in subs if self.applies(s)]) for top, subs in self.tpl.outline]
        placed = 0
        for top, blocks in [*sections, ("", [])]:
            for extra, position in self.tpl.extras:
                if position == placed and not self.english:
                    number += 1
                    items += self.section_break(number)
                    items.append(self.heading(extra, number))
                    items += getattr(self, f"extra_{extra}")()
            if not top:
                break
            placed += 1
            if not blocks:
                continue
            number += 1
            items += self.section_break(number)
            items.append(self.heading(top, number, blocks[0]))
            if self.tpl.unit_where == "line" and top not in ("basic",):
                unit = self.unit_for(blocks[0])
                items.append(Para(f"Unit: {unit}" if self.english else
                                  (self.tpl.unit_text or "金额单位：{unit}").format(unit=unit), 8, "right", 0))
            for index, block in enumerate(blocks, 1):
                if self.tpl.sub_numbered and (len(blocks) > 1 or block != top):
                    sub = self.H[block]
                    number_text = f"({index}) " if self.english else self.tpl.sub_numbering.format(
                        n=_cn_number(index), i=index)
                    items.append(Heading(number_text + sub + self.end(), 2, block))
                items.extend(self.finish(block, getattr(self, f"block_{block}")()))
            if "pool" in blocks:
                items.extend(self.na_note())
        return items

    def end(self) -> str:
        return "" if self.english else self.tpl.heading_end

    def section_break(self, number: int) -> list[Any]:
        return [PageBreak()] if self.tpl.section_new_page and number > 1 else []

    def heading(self, key: str, number: int, first_block: str | None = None) -> Heading:
        head = self.H.get(key) or self.H[first_block or key]
        if self.english:
            return Heading(f"{number}. {head}", 1, key, head)
        numbering = self.tpl.top_numbering.format(n=_cn_number(number), i=number)
        return Heading(f"{numbering}{head}{self.tpl.heading_end}", 1, key, head)

    def finish(self, block: str, items: list[Any]) -> list[Any]:
        """A block's tables with what the layout puts around them: unit lines or notes, footnotes,
        and a page break part-way through a table."""
        out: list[Any] = []
        for item in items:
            if not isinstance(item, Table):
                out.append(item)
                continue
            unit = self.unit_for(block)
            has_amounts = block not in ("basic",) and not self.english
            if has_amounts and self.tpl.unit_where == "table_line":
                out.append(Para(self.tpl.unit_text.format(unit=unit), 8, "right", 0))
            item.wrap_header = self.tpl.wrap_headers
            if block in self.tpl.split_tables and len(item.rows) >= 4:
                out += self.split(item)
            else:
                out.append(item)
            if has_amounts and self.tpl.unit_where == "note":
                out.append(Para(self.tpl.unit_text.format(unit=unit), 8, "left", 2))
            if self.notes:
                out += [Para(f"注{k}：{text}" if "{n}" in self.tpl.note_marker else f"注：{text}", 8, "left", 2)
                        for k, text in enumerate(self.notes, 1)]
                self.notes = []
        return out

    def split(self, table: Table) -> list[Any]:
        """The table cut into two parts with a page break between (the header repeated or not)."""
        cut = len(table.rows) // 2
        first = dataclasses.replace(table, rows=table.rows[:cut], row_keys=table.row_keys[:cut])
        rest = dataclasses.replace(table, rows=table.rows[cut:], row_keys=table.row_keys[cut:],
                                   header=table.header if table.repeat_header else None)
        caption = [Para(self.tpl.continued, 8, "left", 2)] if self.tpl.continued else []
        return [first, PageBreak(), *caption, rest]

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
        d = r.report_date
        if self.english:
            lines = [f"Trustee: {r.trustee_name}", f"Report Date: {r.report_date.isoformat()}"]
        elif self.tpl.cover_split:  # label, trustee and date come out as three separate blocks
            label, _, pattern = self.tpl.cover_date.partition("{")
            lines = [label.strip(), r.trustee_name, _date_pattern("{" + pattern, d)]
        else:
            lines = [f"受托机构：{r.trustee_name}", _date_pattern(self.tpl.cover_date, d)]
        items: list[Any] = [Para(self.title(), 16, "center", 120)]
        items += [Para(line, 11, "center", 10) for line in lines]
        if self.variant == "revised":
            items.append(Para("更正说明：本报告对原披露的同期受托机构报告中的相关数据进行了更正，请以此为准。", 9, "left", 40))
        notice = (
            "Important notice: this report is prepared by the trustee from information provided by the servicer."
            if self.english
            else "重要提示：本报告依据贷款服务机构、资金保管机构提供的资料编制，受托机构保证本报告内容的真实、准确和完整。"
        )
        items.append(Para(notice, 8, "left", 60))
        items.append(PageBreak())
        return items

    # -- helpers
    def kv(self, rows: list[tuple[str | None, str, Any]], unit: str) -> Table:
        """A label | value table laid out with the layout's pool columns."""
        cols = self.tpl.pool_columns
        amount_head = self.L["c_amount"] + self.head_unit(unit) * (self.tpl.unit_where == "header")
        heads = {"seq": self.L["c_seq"], "label": self.L["c_item"], "amount": amount_head,
                 "count": self.L["c_count"], "note": self.L["c_note"]}
        widths = {"seq": 0.08, "label": 0.46, "amount": 0.3, "count": 0.2, "note": 0.16}
        align = {"seq": "c", "label": "l", "amount": "r", "count": "r", "note": "l"}
        body, keys = [], []
        for key, label, value in rows:
            amount = value[0] if isinstance(value, tuple) else value
            if self.tpl.omit_na_rows and isinstance(amount, Num) and amount.text == self.tpl.na:
                continue
            if self.tpl.unit_where == "label" and isinstance(amount, Num) and amount.value is not None \
                    and not isinstance(amount.value, int) and key not in _NOT_AMOUNTS:
                label += self.head_unit(unit, label)
            cells: list[str | Num] = []
            for col in cols:
                if col == "seq":
                    cells.append(str(len(body) + 1))
                elif col == "label":
                    cells.append(label)
                elif col == "note":
                    cells.append("")
                elif col == "count":
                    cells.append(value[1] if isinstance(value, tuple) else "")
                else:
                    cells.append(self.noted(key, amount))
            body.append(cells)
            keys.append(key)
        total = sum(widths[c] for c in cols)
        return Table(
            [heads[c] for c in cols], body, tuple(widths[c] / total for c in cols),
            tuple(align[c] for c in cols), self.tpl.repeat_header, keys, "kv",
        )

    def money(self, field_name: str, row: Mapping[str, Any] | None = None, block: str = "pool") -> Num:
        row = self.r.pool if row is None else row
        return self.fmt.amount(row.get(field_name), self.unit_for(block))

    # -- blocks
    def block_basic(self) -> list[Any]:
        r, L, f, tpl = self.r, self.L, self.fmt, self.tpl
        rows = [[L["trust"], r.deal_name], [L["trustee"], r.trustee_name]]
        if tpl.period_row or self.english:
            rows.append([L["period"], str(r.period_number) if self.english else tpl.period_text.format(n=r.period_number)])
        start = f.date(r.collection_period_start) + tpl.date_qualifier
        end = f.date(r.collection_period_end) + tpl.date_qualifier
        if tpl.collection_rows == "split":
            rows.append([L["collection_start"], start])
            rows.append([L["collection_end"], end])
        else:
            sep = " to " if self.english else tpl.collection_sep
            rows.append([L["collection"], f"{start}{sep}{end}"])
        rows.append([L["payment"], f.date(r.payment_date)])
        if tpl.basic_style == "lines" and not self.english:
            return [Para(f"{label}{tpl.basic_colon}{value}", 9, "left", 2) for label, value in rows]
        if tpl.basic_style == "pairs" and not self.english:
            paired = [[*a, *b] for a, b in zip(rows[::2], [*rows[1::2], ["", ""]])]
            return [Table(None, paired, (0.2, 0.3, 0.2, 0.3), ("l",) * 4, True, [None] * len(paired), "kv")]
        return [Table(None, rows, (0.3, 0.7), ("l", "l"), True, [None] * len(rows), "kv")]

    def block_pool(self) -> list[Any]:
        r, L = self.r, self.L
        count = self.fmt.count(r.pool.get("loan_count_end"))
        if r.is_npl:
            begin, end, count_key = "npl_begin", "npl_end", "npl_count"
        else:
            begin, end, count_key = "begin", "end", "count"
        unit = self.unit_for("pool")
        if self.tpl.pool_shape == "asof" and not self.english:
            head_unit = self.head_unit(unit) if self.tpl.unit_where in ("header", "label") else ""
            rows = [
                [self.label("c_pool_balance", unit), self.noted("pool_balance_begin_cny", self.money("pool_balance_begin_cny")),
                 self.noted("pool_balance_end_cny", self.money("pool_balance_end_cny"))],
                [self.label(count_key, unit), Num(self.tpl.na, None), self.noted("loan_count_end", count)],
            ]
            header = [L["c_item"], L["c_begin"] + head_unit, L["c_end"] + head_unit]
            return [Table(header, rows, (0.4, 0.3, 0.3), ("l", "r", "r"), self.tpl.repeat_header,
                          ["pool_balance_begin_cny", "loan_count_end"])]
        if "count" in self.tpl.pool_columns:  # trust_c: 期末资产池 | 笔数 | 金额
            rows = [
                ("pool_balance_begin_cny", self.label(begin, unit), (self.money("pool_balance_begin_cny"), self.tpl.na)),
                ("pool_balance_end_cny", self.label(end, unit), (self.money("pool_balance_end_cny"), count)),
            ]
        else:
            rows = [
                ("pool_balance_begin_cny", self.label(begin, unit), self.money("pool_balance_begin_cny")),
                ("pool_balance_end_cny", self.label(end, unit), self.money("pool_balance_end_cny")),
                ("loan_count_end", self.label(count_key, unit), count),
            ]
        return [self.kv(rows, unit)]

    def block_cashflow(self) -> list[Any]:
        r, pool = self.r, self.r.pool
        other_here = not (r.is_npl and self.tpl.other_in_recovery)
        spec: list[tuple[str, str, bool]] = [
            ("principal_collected_cny", "principal", not r.is_npl),
            ("prepayment_cny", "prepay", not r.is_npl),
            ("interest_collected_cny", "interest", not r.is_npl),
            ("other_income_cny", "other_income", other_here and (r.is_npl or self.tpl.name == "trust_b")),
            ("revolving_purchase_cny", "revolving", r.is_revolving),
            ("cumulative_revolving_purchase_cny", "cum_revolving", r.is_revolving),
        ]
        unit = self.unit_for("cashflow")
        rows = [(f, self.label(label, unit), self.money(f, block="cashflow")) for f, label, always in spec
                if always or (pool.get(f) is not None and (f != "other_income_cny" or other_here))]
        if r.is_npl:  # proceeds again and investment income: neither is other income, neither is new
            rows.insert(0, (None, self.label("disposal_cash", unit), self.money("recovery_cny", block="cashflow")))
            rows.append((None, self.label("investment_income", unit), Num(self.tpl.na, None)))
        return [self.kv(rows, unit)] if rows else []

    def block_delinquency(self) -> list[Any]:
        L, pool, unit = self.L, self.r.pool, self.unit_for("delinquency")
        buckets = [("delinquent_1_30_cny", "d1_30"), ("delinquent_31_60_cny", "d31_60"),
                   ("delinquent_61_90_cny", "d61_90"), ("delinquent_90_plus_cny", "d90")]
        end = pool.get("pool_balance_end_cny")
        late = [pool.get(f) for f, _ in buckets]
        normal = None if end is None or any(v is None for v in late) else end - sum(late)
        rows: list[tuple[str | None, str, Decimal | None]] = [(None, self.label("normal", unit), normal)]
        rows += [(f, self.label(label, unit), pool.get(f)) for f, label in buckets]
        rows.append((None, self.label("total", unit), end))
        heads = {"bucket": L["c_bucket"], "balance": L["c_balance"] + self.head_unit(unit), "share": L["c_share"]}
        cells = []
        for key, label, value in rows:
            share = None if value is None or not end else (value / end).quantize(Decimal("0.000001"))
            cells.append({"bucket": label, "balance": self.noted(key, self.fmt.amount(value, unit)),
                          "share": self.fmt.rate(share, bare=self.tpl.rate_percent_column)})
        if self.tpl.delinquency_orientation == "columns" and not self.english:
            header = [L["c_bucket"], *(c["bucket"] for c in cells)]
            body = [[heads["balance"], *(c["balance"] for c in cells)], [heads["share"], *(c["share"] for c in cells)]]
            width = 0.82 / len(cells)
            return [Table(header, body, (0.18, *([width] * len(cells))), ("l", *("r" * len(cells))),
                          self.tpl.repeat_header, ["delinquency_balance", "delinquency_share"])]
        cols = self.tpl.delinquency_columns
        return [Table([heads[c] for c in cols], [[c[k] for k in cols] for c in cells], (0.36, 0.34, 0.30),
                      tuple("l" if c == "bucket" else "r" for c in cols), self.tpl.repeat_header,
                      [key for key, _, _ in rows])]

    def block_default(self) -> list[Any]:
        fmt, unit = self.fmt, self.unit_for("default")
        values = {
            "new_default": ("new_default_cny", self.money("new_default_cny", block="default")),
            "cum_default": ("cumulative_default_cny", self.money("cumulative_default_cny", block="default")),
            "cum_rate": ("cumulative_default_rate", fmt.rate(self.r.pool.get("cumulative_default_rate"))),
        }
        rows = [(values[k][0], self.label(k, unit), values[k][1]) for k in self.tpl.default_rows]
        return [self.kv(rows, unit)]

    def block_history(self) -> list[Any]:
        L, fmt, tpl, unit = self.L, self.fmt, self.tpl, self.unit_for("history")
        earlier = sorted(
            (h for h in self.r.history if int(h["period_number"]) < self.r.period_number),
            key=lambda h: int(h["period_number"]),
        )
        heads = {"period": L["h_period"], "date": L["h_date"],
                 "amount": (amount := self.label("h_amount", unit)) + self.head_unit(unit, amount), "rate": L["h_rate"]}
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
        return [Table([heads[c] for c in cols], body, tuple(widths[c] / total for c in cols),
                      tuple("c" if c in ("period", "date") else "r" for c in cols), tpl.repeat_header,
                      [None] * len(body))]

    def block_recovery(self) -> list[Any]:
        """NPL disposal table: 处置中 / 本期处置完毕 / 合计 (the split is presentation only)."""
        L, pool, unit = self.L, self.r.pool, self.unit_for("recovery")
        split = {f: _split(pool.get(f)) for f in ("pool_balance_end_cny", "recovery_cny", "cumulative_recovery_cny")}
        suffix = self.head_unit(unit)
        heads = {"status": L["c_status"], "balance": L["c_balance"] + suffix,
                 "recovery": L["c_recovery"] + suffix, "cum_recovery": L["c_cum_recovery"] + suffix}
        source = {"balance": "pool_balance_end_cny", "recovery": "recovery_cny",
                  "cum_recovery": "cumulative_recovery_cny"}
        body = []
        for index, label in enumerate((self.label("in_progress"), self.label("completed"), self.label("total"))):
            cells: list[str | Num] = []
            for col in self.tpl.recovery_columns:
                if col == "status":
                    cells.append(label)
                else:
                    part = split[source[col]]
                    value = pool.get(source[col]) if index == 2 else (None if part is None else part[index])
                    cell = self.fmt.amount(value, unit)
                    cells.append(self.noted(source[col], cell) if index == 2 else cell)
            body.append(cells)
        keys: list[str | None] = [None] * 3
        if self.tpl.other_in_recovery and not self.english:  # 「2-其他现金流流入 本期回收金额 5,180.97」
            other = {"status": f"2-{self.label('other_income', unit)}",
                     "recovery": self.fmt.amount(pool.get("other_income_cny"), unit)}
            body.append([other.get(col, Num(self.tpl.na, None)) for col in self.tpl.recovery_columns])
            keys.append("other_income_cny")
        cols = self.tpl.recovery_columns
        return [Table([heads[c] for c in cols], body, tuple([0.25] + [0.75 / (len(cols) - 1)] * (len(cols) - 1)),
                      tuple("l" if c == "status" else "r" for c in cols), self.tpl.repeat_header, keys)]

    def block_tranche(self) -> list[Any]:
        r, tpl, unit = self.r, self.tpl, self.unit_for("tranche")
        by_id = {t["tranche_id"]: t for t in r.tranches}
        pays = [(by_id[p["tranche_id"]], p) for p in r.payments]
        if not pays:
            return [Para("No payments on any tranche this period." if self.english else NO_PAYMENTS, 9, "left", 6)]
        show_excess = any(p.get("other_income_paid_cny") is not None for _, p in pays)
        keys = [k for k in tpl.tranche_rows if k != "excess" or show_excess]
        if tpl.tranche_orientation == "rows" and not self.english:
            return [self.tranche_rows_table(pays, keys, unit)]
        first = tpl.tranche_header + self.head_unit(unit)
        if self.english:
            first = "Tranche" + (f" ({unit})" if tpl.unit_where == "header" else "")
        out: list[Any] = []
        size = tpl.tranches_per_block
        for start in range(0, len(pays), size):
            chunk = pays[start:start + size]
            body, row_keys = [], []
            for key in keys:
                cells: list[str | Num] = [self.label(key, unit)]
                for tranche, pay in chunk:
                    cells.append(self.tranche_cell(key, tranche, pay, unit))
                body.append(cells)
                row_keys.append(key)
            label_w = 0.27
            col_w = (1 - label_w) / size
            widths = (label_w, *([col_w] * len(chunk)))
            out.append(Table([first, *(t["tranche_name"] for t, _ in chunk)], body, widths,
                             ("l", *("r" * len(chunk))), tpl.repeat_header, row_keys))
        return out

    def tranche_rows_table(self, pays: list[tuple[Mapping[str, Any], Mapping[str, Any]]], keys: list[str],
                           unit: str) -> Table:
        """Tranches as rows (as prospectuses print them): one column per metric."""
        header = [self.tpl.tranche_header]
        for key in keys:
            label = self.label(key, unit)
            header.append(label + (self.head_unit(unit, label) if key in _TRANCHE_AMOUNTS else ""))
        body = [[tranche["tranche_name"], *(self.tranche_cell(k, tranche, pay, unit) for k in keys)]
                for tranche, pay in pays]
        label_w = 0.12
        widths = (label_w, *([(1 - label_w) / len(keys)] * len(keys)))
        return Table(header, body, widths, ("l", *("r" * len(keys))), self.tpl.repeat_header,
                     [t["tranche_id"] for t, _ in pays])

    def tranche_cell(self, key: str, tranche: Mapping[str, Any], pay: Mapping[str, Any], unit: str) -> str | Num:
        fmt = self.fmt
        if key == "code":
            code = str(tranche["security_code"])
            return code if self.tpl.code_suffix else code.split(".")[0]
        columns = {"before": "principal_before_cny", "paid": "principal_paid_cny", "after": "principal_after_cny",
                   "coupon": "interest_paid_cny", "excess": "other_income_paid_cny"}
        if key in columns:
            return self.noted(key, fmt.amount(pay.get(columns[key]), unit))
        face = tranche.get("amount_cny") or pay.get("principal_before_cny")
        value = pay.get(_FACTOR_OF[key])
        if value is None or not face:
            return Num(self.tpl.na, None)
        return fmt.factor((value / face * 100).quantize(Decimal("0.000001"), rounding=ROUND_DOWN))

    def block_liquidation(self) -> list[Any]:
        liq, fmt, unit = self.r.liquidation or {}, self.fmt, self.unit_for("liquidation")
        method = liq["liquidation_method"]
        method_text = method.replace("_", " ") if self.english else LIQUIDATION_METHODS[method]
        rows = [
            (None, self.label("method", unit), method_text),
            (None, self.label("event_date", unit), fmt.date(liq.get("event_date"))),
            (None, self.label("price", unit), self.money("price_cny", liq, "liquidation")),
            (None, self.label("remaining", unit), self.money("remaining_pool_principal_cny", liq, "liquidation")),
            (None, self.label("liq_rate", unit), fmt.rate(liq.get("pool_cumulative_default_rate"))),
        ]
        return [self.kv(rows, unit)]

    def na_note(self) -> list[Any]:
        reason = self.r.pool.get("not_applicable_reason")
        if not reason:
            return []
        return [Para(f"Note: not applicable: {reason}" if self.english else f"注：不适用原因：{reason}", 8.5, "left", 6)]

    # -- boilerplate sections some trustees add (no warehouse figure lives here)
    def extra_notice(self) -> list[Any]:
        return [Para(self.tpl.extra_texts.get("notice", NOTICE_TEXT), 9, "left", 4)]

    def extra_definitions(self) -> list[Any]:
        return [Para(self.tpl.extra_texts.get("definitions", DEFINITIONS_TEXT), 9, "left", 4)]

    def extra_events(self) -> list[Any]:
        return [Para(self.tpl.extra_texts.get("events", EVENTS_TEXT), 9, "left", 4)]

    def extra_parties(self) -> list[Any]:
        rows = [["受托机构", self.r.trustee_name], ["资金保管机构", "（见信托合同）"], ["登记托管机构", "银行间市场清算所股份有限公司"]]
        return [Table(["角色", "机构名称"], rows, (0.3, 0.7), ("l", "l"), self.tpl.repeat_header, [None] * 3)]

    def extra_fees(self) -> list[Any]:
        """Fees paid this period: made up from the period's collections, so they look the part."""
        unit = self.unit_for("fees")
        base = self.r.pool.get("interest_collected_cny") or self.r.pool.get("recovery_cny") or Decimal("1000000")
        names = [n for n in self.tpl.extra_texts.get("fees", "受托机构报酬|贷款服务机构报酬|增值税及附加").split("|") if n]
        rows = [[name, self.fmt.amount((base * Decimal(k + 1) / 997).quantize(_CENT), unit)]
                for k, name in enumerate(names)]
        head = ["费用项目", "金额" + self.head_unit(unit)]
        return [Table(head, rows, (0.6, 0.4), ("l", "r"), self.tpl.repeat_header, [None] * len(rows))]

    def extra_accounts(self) -> list[Any]:
        unit = self.unit_for("accounts")
        base = self.r.pool.get("principal_collected_cny") or self.r.pool.get("recovery_cny") or Decimal("5000000")
        names = [n for n in self.tpl.extra_texts.get("accounts", "信托收款账户").split("|") if n]
        columns = self.tpl.extra_texts.get("account_columns", "期初余额|本期收入|本期支出|期末余额").split("|")
        rows = []
        for k, name in enumerate(names):
            opening = (base * Decimal(k + 1) / 89).quantize(_CENT)
            income = (base * Decimal(k + 2) / 7).quantize(_CENT)
            spent = (income * Decimal("0.97")).quantize(_CENT)
            rows.append([name, *(self.fmt.amount(v, unit) for v in (opening, income, spent, opening + income - spent))])
        head = ["账户", *(c + self.head_unit(unit) for c in columns)]
        return [Table(head, rows, (0.24, 0.19, 0.19, 0.19, 0.19), ("l", "r", "r", "r", "r"), self.tpl.repeat_header,
                      [None] * len(rows))]

    def extra_tranche_info(self) -> list[Any]:
        """The tranches' issue terms (issue size, coupon, expected maturity): not this period's payments."""
        unit = self.unit_for("tranche_info")
        rows = []
        for t in self.r.tranches:
            coupon = t.get("coupon_rate")
            rows.append([t["tranche_name"], str(t["security_code"]).split(".")[0] if not self.tpl.code_suffix
                         else str(t["security_code"]), self.fmt.amount(t.get("amount_cny"), unit),
                         self.fmt.rate(coupon) if coupon is not None else Num(self.tpl.na, None),
                         self.fmt.date(t.get("expected_maturity_date"))])
        head = [self.tpl.tranche_header, self.L["code"], "发行金额" + self.head_unit(unit), "票面利率", "预期到期日"]
        return [Table(head, rows, (0.18, 0.18, 0.24, 0.16, 0.24), ("l", "l", "r", "r", "l"), self.tpl.repeat_header,
                      [None] * len(rows))]


_NOT_AMOUNTS = {"loan_count_end", "cumulative_default_rate"}
_TRANCHE_AMOUNTS = {"before", "paid", "after", "coupon", "excess"}
_FACTOR_OF = {"factor": "principal_paid_cny", "factor_interest": "interest_paid_cny",
              "factor_before": "principal_before_cny", "factor_after": "principal_after_cny"}
NOTICE_TEXT = "本公司保证本公告内容不存在任何虚假记载、误导性陈述或者重大遗漏。"
DEFINITIONS_TEXT = "除非本报告另有定义，本报告所用术语与信托合同中的定义相同。"
EVENTS_TEXT = "本期未发生对资产支持证券投资者权益产生重大影响的事项。"


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
        if isinstance(item, Table) and "pool_balance_end_cny" in item.row_keys:
            index = item.row_keys.index("pool_balance_end_cny")
            if variant == "missing_row":
                del item.rows[index]
                del item.row_keys[index]
                return
            row = item.rows[index]
            for pos, cell in enumerate(row):
                if isinstance(cell, Num) and cell.value is not None and not isinstance(cell.value, int):
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


# ───────────────────────────── entry point ─────────────────────────────
def render_trustee_report(report: TrusteeReportData, template: str | ReportLayout, fmt: str,
                          variant: str = "normal") -> bytes:
    """The report as PDF or XLSX bytes in one trustee's layout (a template name or any
    ``ReportLayout``), optionally broken on purpose.

    Deterministic: identical input gives identical bytes. Raises ValueError for an unknown
    template/format/variant or a variant the format cannot carry (image_only is PDF-only,
    wrong_encoding XLSX-only).
    """
    if isinstance(template, ReportLayout):
        tpl = template
    elif template in TEMPLATE_SPECS:
        tpl = TEMPLATE_SPECS[template]
    else:
        raise ValueError(f"unknown template {template!r}; expected one of {TEMPLATES}")
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected pdf or xlsx")
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}; expected one of {VARIANTS}")
    if (variant, fmt) in (("image_only", "xlsx"), ("wrong_encoding", "pdf")):
        raise ValueError(f"variant {variant} does not exist for {fmt}")
    if variant == "superseded":
        report = _superseded(report)
    builder = _Builder(report, tpl, variant)
    items = builder.build()
    _apply_content_variant(items, variant)
    title = builder.title()
    if fmt == "pdf":
        running = f"{report.deal_name} Trustee Report" if variant == "english" else f"{report.deal_name}受托机构报告"
        data = render_pdf(items, title, running, tpl.footer, variant)
    else:
        style = tpl.xlsx or XlsxStyle(sheets=tpl.xlsx_layout, numbers=tpl.xlsx_numbers,
                                      first_sheet="受托机构报告" if tpl.xlsx_layout == "single" else "封面")
        created = dt.datetime.combine(report.report_date, dt.time(9, 0))
        data = render_xlsx(items, title, created, style, _mojibake if variant == "wrong_encoding" else None)
    if variant == "truncated":
        data = data[: len(data) * 3 // 5]
    return data


def listing_title(report: TrusteeReportData, template: str | ReportLayout, variant: str = "normal") -> str:
    """The title a disclosure listing shows for this document (Chinese, with 更正 / 英文版 marks)."""
    style = (template if isinstance(template, ReportLayout) else TEMPLATE_SPECS[template]).title_style
    revision = "更正" if variant == "revised" else None
    return report_title(report.deal_name, report.period_number, report.report_date, style,
                        revision=revision, english=variant == "english")


def _superseded(report: TrusteeReportData) -> TrusteeReportData:
    """The wrong first version that a revision replaces: one pool figure off by SUPERSEDED_DELTA."""
    for name in SUPERSEDED_FIELDS:
        if report.pool.get(name) is not None:
            return dataclasses.replace(report, pool={**report.pool, name: report.pool[name] + SUPERSEDED_DELTA})
    raise ValueError("the report has neither interest_collected_cny nor pool_balance_begin_cny to misstate")
