"""A Chinese market review written from the warehouse for a period: sections like the seed
reports (issuance and markets; originators and asset providers; ratings and migrations; pool
performance by months on book; NPL recoveries; local AMCs), sentences built from the numbers,
tables, the charts of ``abs-etl report``, and a footnote behind every number.

Every number is a link (``<a class="num" data-q="…" data-col="…" data-row="…">``) to the footnote
of the query that produced it: the SQL, runnable as printed on the published warehouse, and the
source documents behind it (``reports.trace``). A period without data says so; nothing is printed
as zero for want of data.

The output is one offline HTML file (charts and the CJK font embedded as data URIs, no external
CSS, script or font) and a PDF printed from it by headless Chromium.
"""

from __future__ import annotations

import base64
import html
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb

from reports.charts import FONT_PATH, MARKET_ZH, PROVIDER_ZH
from reports.printed import format_number
from reports.trace import Tracer, figure_scopes

ASSET_CLASS_ZH = {"leasing": "融资租赁", "small_micro_loan": "小微贷款", "npl": "不良资产",
                  "micro_enterprise_loan": "微小企业贷款"}
EVENT_ZH = {"default": "违约", "extension": "展期"}
EXAMPLE_SOURCES = 3  # document titles named in a footnote


# ── the period ─────────────────────────────────────────────────────────────────────────────
@dataclass(frozen=True)
class Period:
    """A calendar window and the same window a year earlier."""

    code: str
    label: str  # 2025年 / 2025年上半年 / 2025年第一季度
    start: date
    end: date

    @property
    def prev_start(self) -> date:
        return _shift_year(self.start, -1)

    @property
    def prev_end(self) -> date:
        return _shift_year(self.end, -1)


def _shift_year(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _month_end(year: int, month: int) -> date:
    return (date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1))


def parse_period(text: str) -> Period:
    """``2025``, ``2025-H1``/``H2``, ``2025-Q1``…``Q4``."""
    m = re.fullmatch(r"(\d{4})(?:-(H[12]|Q[1-4]))?", text.strip().upper())
    if not m:
        raise ValueError(f"period {text!r}: use 2025, 2025-H1, 2025-H2 or 2025-Q1 … 2025-Q4")
    year, part = int(m.group(1)), m.group(2)
    if part is None:
        return Period(str(year), f"{year}年", date(year, 1, 1), date(year, 12, 31))
    if part.startswith("H"):
        first = 1 if part == "H1" else 7
        label = f"{year}年{'上' if part == 'H1' else '下'}半年"
        return Period(f"{year}-{part}", label, date(year, first, 1), _month_end(year, first + 5))
    q = int(part[1])
    return Period(f"{year}-{part}", f"{year}年第{'一二三四'[q - 1]}季度", date(year, 3 * q - 2, 1), _month_end(year, 3 * q))


# ── numbers with footnotes ─────────────────────────────────────────────────────────────────
@dataclass
class Footnote:
    number: int
    title: str
    sql: str
    documents: int = 0
    by_type: dict[str, int] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)
    superseded: int = 0
    followed: list[str] = field(default_factory=list)


@dataclass
class Result:
    footnote: Footnote
    columns: list[str]
    rows: list[tuple]

    def value(self, column: str, row: int = 0) -> Any:
        return self.rows[row][self.columns.index(column)] if self.rows else None

    def dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, r)) for r in self.rows]


def _d(day: date) -> str:
    return f"DATE '{day.isoformat()}'"


class ReviewWriter:
    """Runs the review's queries, keeps their footnotes, renders numbers as links to them."""

    def __init__(self, con: duckdb.DuckDBPyConnection, period: Period) -> None:
        self.con = con
        self.period = period
        self.tracer = Tracer(con)
        self.footnotes: list[Footnote] = []

    def query(self, title: str, sql: str) -> Result:
        sql = "\n".join(line.rstrip() for line in sql.strip("\n").splitlines())
        rel = self.con.sql(sql)
        columns, rows = rel.columns, rel.fetchall()
        note = Footnote(len(self.footnotes) + 1, title, sql)
        self._sources(note)
        self.footnotes.append(note)
        return Result(note, columns, rows)

    def _sources(self, note: Footnote) -> None:
        """The documents behind the query: the rows its filters select, traced to their documents."""
        scopes = figure_scopes(self.con, note.sql)
        note.followed = [f"{s.table} WHERE {s.condition}" if s.condition != "TRUE" else f"{s.table}（全部行）"
                         for s in scopes]
        docs = list(self.tracer.source_documents(scopes).values())
        note.documents = len(docs)
        note.by_type = dict(Counter(d.doc_type or "?" for d in docs).most_common())
        note.superseded = sum(1 for d in docs if d.is_superseded)
        docs.sort(key=lambda d: (str(d.published_at or ""), d.title or ""), reverse=True)
        note.examples = [d.title or d.document_id for d in docs[:EXAMPLE_SOURCES]]

    def num(self, result: Result, column: str, row: int = 0, unit: str = "", decimals: int = 2,
            signed: str | None = None) -> str:
        """The value as printed, linked to its footnote. ``unit``: 亿元, %, bp, or a counter such
        as 单 / 只 / 家 (integers). ``signed``: a pair of words for up/down ("增长", "下降"),
        printed before the magnitude."""
        value = result.value(column, row)
        if value is None:
            return '<span class="na">—</span>'
        word = ""
        if signed is not None:
            up, down = signed.split("/")
            word = up if value >= 0 else down
            value = abs(value)
        if unit in ("亿元", "%", "bp"):
            text = format_number(value, unit, decimals).replace(" 亿元", "亿元")
        else:
            text = format_number(value, "", 0) + unit
        n = result.footnote.number
        return (f'{word}<a class="num" href="#fn{n}" data-q="{n}" data-col="{html.escape(column)}" data-row="{row}" '
                f'data-unit="{html.escape(unit)}" title="注释{n}">{html.escape(text)}</a>')


# ── the sections ───────────────────────────────────────────────────────────────────────────
def _yoy(expr: str, prev: str) -> str:
    return f"CASE WHEN {prev} > 0 THEN {expr} / {prev} - 1 END"


TEXT_LABELS = {"asset_class": ASSET_CLASS_ZH, "market": MARKET_ZH}


def _table(w: ReviewWriter, result: Result, columns: list[tuple[str, str, str, int]], caption: str) -> str:
    """A table whose every number links to the result's footnote. ``columns``: (column, header,
    unit, decimals); unit "text" prints the value (asset classes and markets in Chinese)."""
    head = "".join(f"<th>{html.escape(h)}</th>" for _, h, _, _ in columns)
    body = []
    for i, row in enumerate(result.dicts()):
        cells = []
        for column, _, unit, decimals in columns:
            if unit == "text":
                value = row[column]
                text = "—" if value is None else TEXT_LABELS.get(column, {}).get(value, str(value))
                cells.append(f"<td>{html.escape(text)}</td>")
            else:
                cells.append(f'<td class="n">{w.num(result, column, i, unit, decimals)}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    n = result.footnote.number
    return (f'<table><caption>{html.escape(caption)}<sup><a href="#fn{n}">[{n}]</a></sup></caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>")


def _no_data(text: str) -> str:
    return f'<p class="nodata">{html.escape(text)}</p>'


def section_issuance(w: ReviewWriter) -> tuple[str, bool]:
    p = w.period
    cur = f"value_date BETWEEN {_d(p.start)} AND {_d(p.end)}"
    prev = f"value_date BETWEEN {_d(p.prev_start)} AND {_d(p.prev_end)}"
    market = w.query("全市场资产支持证券发行（信贷ABS、ABN、交易所ABS）", f"""
SELECT sum(issuance_count) FILTER (WHERE period_month BETWEEN {_d(p.start)} AND {_d(p.end)}) AS deals,
       sum(issuance_amount_cny) FILTER (WHERE period_month BETWEEN {_d(p.start)} AND {_d(p.end)}) / 1e8 AS amount_yi,
       {_yoy(f"sum(issuance_amount_cny) FILTER (WHERE period_month BETWEEN {_d(p.start)} AND {_d(p.end)})",
             f"sum(issuance_amount_cny) FILTER (WHERE period_month BETWEEN {_d(p.prev_start)} AND {_d(p.prev_end)})")} AS amount_yoy
FROM marts.market_totals_by_month
WHERE period_month BETWEEN {_d(p.prev_start)} AND {_d(p.end)}""")
    by_class = w.query("分资产类型发行（按起息日）", f"""
SELECT asset_class,
       count(*) FILTER (WHERE {cur}) AS deals,
       sum(deal_amount_cny) FILTER (WHERE {cur}) / 1e8 AS amount_yi,
       {_yoy(f"count(*) FILTER (WHERE {cur})", f"count(*) FILTER (WHERE {prev})")} AS deals_yoy,
       {_yoy(f"sum(deal_amount_cny) FILTER (WHERE {cur})", f"sum(deal_amount_cny) FILTER (WHERE {prev})")} AS amount_yoy
FROM marts.deal_facts
WHERE value_date BETWEEN {_d(p.prev_start)} AND {_d(p.end)}
GROUP BY asset_class
HAVING count(*) FILTER (WHERE {cur}) > 0
ORDER BY amount_yi DESC, asset_class""")
    by_market = w.query("分市场发行（按起息日）", f"""
SELECT market,
       count(*) AS deals,
       sum(deal_amount_cny) / 1e8 AS amount_yi,
       sum(deal_amount_cny) / sum(sum(deal_amount_cny)) OVER () AS share
FROM marts.deal_facts
WHERE {cur}
GROUP BY market
ORDER BY amount_yi DESC, market""")
    parts = []
    has_market = market.value("deals") is not None or market.value("amount_yi") is not None
    if has_market:
        sentence = f"{p.label}，全市场资产支持证券（含信贷ABS、ABN和交易所ABS）发行规模为{w.num(market, 'amount_yi', unit='亿元')}"
        if market.value("amount_yoy") is not None:
            sentence += f"，同比{w.num(market, 'amount_yoy', unit='%', signed='增长/下降')}"
        parts.append(f"<p>{sentence}。</p>")
    else:
        parts.append(_no_data(f"仓库中没有{p.label}的全市场发行统计。"))
    if by_class.rows:
        sentences = []
        for i, row in enumerate(by_class.dicts()):
            name = ASSET_CLASS_ZH.get(row["asset_class"], row["asset_class"])
            s = f"{name}ABS共发行{w.num(by_class, 'deals', i, '单')}"
            if row["deals_yoy"] is not None:
                s += f"，同比{w.num(by_class, 'deals_yoy', i, '%', signed='增长/下降')}"
            s += f"，发行规模{w.num(by_class, 'amount_yi', i, '亿元')}"
            if row["amount_yoy"] is not None:
                s += f"，同比{w.num(by_class, 'amount_yoy', i, '%', signed='增长/下降')}"
            sentences.append(s)
        parts.append(f"<p>{p.label}，" + "；".join(sentences) + "。</p>")
        parts.append(_table(w, by_class, [("asset_class", "资产类型", "text", 0), ("deals", "发行单数", "单", 0),
                                          ("amount_yi", "发行规模", "亿元", 2), ("deals_yoy", "单数同比", "%", 2),
                                          ("amount_yoy", "规模同比", "%", 2)], f"表 {p.label}分资产类型发行情况"))
        top = by_market.dicts()[0]
        parts.append(f"<p>分市场看，{MARKET_ZH.get(top['market'], top['market'])}发行规模最大，为"
                     f"{w.num(by_market, 'amount_yi', 0, '亿元')}，占比{w.num(by_market, 'share', 0, '%')}。</p>")
        parts.append(_table(w, by_market, [("market", "市场", "text", 0), ("deals", "发行单数", "单", 0),
                                           ("amount_yi", "发行规模", "亿元", 2), ("share", "占比", "%", 2)],
                            f"表 {p.label}分市场发行情况"))
    else:
        parts.append(_no_data(f"仓库中没有{p.label}起息的资产支持证券项目。"))
    return "\n".join(parts), bool(by_class.rows) or has_market


def section_originators(w: ReviewWriter) -> tuple[str, bool]:
    p = w.period
    cur = f"value_date BETWEEN {_d(p.start)} AND {_d(p.end)}"
    orig = w.query("发起机构（按发行规模排序，前五大）", f"""
WITH originators AS (
    SELECT originator_name,
           count(*) AS deals,
           sum(deal_amount_cny) / 1e8 AS amount_yi,
           sum(deal_amount_cny) / sum(sum(deal_amount_cny)) OVER () AS share,
           count(*) OVER () AS originators
    FROM marts.deal_facts
    WHERE {cur}
    GROUP BY originator_name
), top5 AS (
    SELECT * FROM originators ORDER BY amount_yi DESC, originator_name LIMIT 5
)
SELECT *, sum(share) OVER () AS top5_share
FROM top5
ORDER BY amount_yi DESC, originator_name""")
    prov = w.query("资产提供方（按发行规模排序）", f"""
SELECT asset_provider_name, asset_provider_category,
       count(*) AS deals,
       sum(deal_amount_cny) / 1e8 AS amount_yi,
       count(*) OVER () AS providers
FROM marts.deal_facts
WHERE {cur} AND asset_provider_name IS NOT NULL
GROUP BY asset_provider_name, asset_provider_category
ORDER BY amount_yi DESC, asset_provider_name
LIMIT 5""")
    if not orig.rows:
        return _no_data(f"仓库中没有{p.label}起息的项目，无发起机构及资产提供方数据。"), False
    top = orig.dicts()
    parts = [f"<p>{p.label}，共有{w.num(orig, 'originators', 0, '家')}发起机构发行资产支持证券，"
             f"其中{html.escape(top[0]['originator_name'] or '—')}发行规模最大，共发行{w.num(orig, 'deals', 0, '单')}、"
             f"{w.num(orig, 'amount_yi', 0, '亿元')}，占比{w.num(orig, 'share', 0, '%')}；"
             f"前{'一二三四五'[len(top) - 1]}大发起机构合计占比{w.num(orig, 'top5_share', 0, '%')}。</p>",
             _table(w, orig, [("originator_name", "发起机构", "text", 0), ("deals", "发行单数", "单", 0),
                              ("amount_yi", "发行规模", "亿元", 2), ("share", "占比", "%", 2)], f"表 {p.label}前五大发起机构")]
    if prov.rows:
        first = prov.dicts()[0]
        parts.append(f"<p>资产提供方方面，{p.label}共有{w.num(prov, 'providers', 0, '家')}资产提供方，"
                     f"{html.escape(first['asset_provider_name'])}（{PROVIDER_ZH.get(first['asset_provider_category'], first['asset_provider_category'] or '—')}）"
                     f"提供资产的项目发行规模最大，为{w.num(prov, 'amount_yi', 0, '亿元')}。</p>")
        parts.append(_table(w, prov, [("asset_provider_name", "资产提供方", "text", 0), ("deals", "发行单数", "单", 0),
                                      ("amount_yi", "发行规模", "亿元", 2)], f"表 {p.label}前五大资产提供方"))
    return "\n".join(parts), True


def section_ratings(w: ReviewWriter) -> tuple[str, bool]:
    p = w.period
    initial = w.query("新发证券的初始评级", f"""
SELECT coalesce(initial_rating, '未评级') AS initial_rating,
       count(*) AS tranches,
       sum(amount_cny) / 1e8 AS amount_yi,
       sum(amount_cny) / sum(sum(amount_cny)) OVER () AS share
FROM marts.tranche_facts
WHERE value_date BETWEEN {_d(p.start)} AND {_d(p.end)}
GROUP BY initial_rating, initial_rating_rank
ORDER BY initial_rating_rank NULLS LAST""")
    tracking = w.query("跟踪评级行动", f"""
SELECT count(*) AS actions,
       count(DISTINCT tranche_id) AS tranches,
       count(*) FILTER (WHERE is_upgrade) AS upgrades,
       count(*) FILTER (WHERE is_downgrade) AS downgrades
FROM marts.rating_migrations
WHERE action_date BETWEEN {_d(p.start)} AND {_d(p.end)}""")
    parts = []
    if initial.rows:
        aaa = [i for i, r in enumerate(initial.dicts()) if r["initial_rating"] == "AAAsf"]
        s = f"<p>{p.label}新发行资产支持证券中，"
        if aaa:
            s += (f"AAAsf级证券{w.num(initial, 'tranches', aaa[0], '只')}，规模{w.num(initial, 'amount_yi', aaa[0], '亿元')}，"
                  f"占新发证券规模的{w.num(initial, 'share', aaa[0], '%')}。</p>")
        else:
            s += "无AAAsf级证券。</p>"
        parts += [s, _table(w, initial, [("initial_rating", "初始评级", "text", 0), ("tranches", "证券只数", "只", 0),
                                         ("amount_yi", "规模", "亿元", 2), ("share", "占比", "%", 2)],
                            f"表 {p.label}新发证券初始评级分布")]
    else:
        parts.append(_no_data(f"仓库中没有{p.label}起息的证券，无初始评级数据。"))
    if tracking.value("actions"):
        parts.append(f"<p>{p.label}共有{w.num(tracking, 'actions', unit='次')}跟踪评级行动，涉及"
                     f"{w.num(tracking, 'tranches', unit='只')}证券，其中级别上调{w.num(tracking, 'upgrades', unit='次')}、"
                     f"下调{w.num(tracking, 'downgrades', unit='次')}，其余为维持。</p>")
    else:
        parts.append(_no_data(f"仓库中没有{p.label}的跟踪评级行动。"))
    return "\n".join(parts), bool(initial.rows) or bool(tracking.value("actions"))


def section_pools(w: ReviewWriter) -> tuple[str, bool]:
    p = w.period
    pools = w.query("受托机构报告中的资产池表现（期内最新一期）", f"""
WITH latest AS (
    SELECT * FROM marts.pool_performance_by_mob
    WHERE collection_period_end BETWEEN {_d(p.start)} AND {_d(p.end)}
    QUALIFY row_number() OVER (PARTITION BY deal_id ORDER BY period_number DESC) = 1
)
SELECT asset_class,
       count(*) AS deals,
       avg(months_on_book) AS mean_months_on_book,
       avg(cumulative_default_rate) AS mean_cumulative_default_rate,
       max(cumulative_default_rate) AS max_cumulative_default_rate
FROM latest
GROUP BY asset_class
ORDER BY deals DESC, asset_class""")
    if not pools.rows:
        return _no_data(f"仓库中没有收款期末落在{p.label}的受托机构报告，无资产池表现数据。"), False
    sentences = []
    for i, row in enumerate(pools.dicts()):
        name = ASSET_CLASS_ZH.get(row["asset_class"], row["asset_class"])
        s = f"{name}ABS共{w.num(pools, 'deals', i, '单')}项目披露了受托机构报告"
        if row["mean_cumulative_default_rate"] is not None:
            s += (f"，期内最新一期平均累计违约率为{w.num(pools, 'mean_cumulative_default_rate', i, '%')}，"
                  f"最高{w.num(pools, 'max_cumulative_default_rate', i, '%')}")
        sentences.append(s)
    parts = [f"<p>{p.label}，" + "；".join(sentences) + "。</p>",
             _table(w, pools, [("asset_class", "资产类型", "text", 0), ("deals", "项目数", "单", 0),
                               ("mean_months_on_book", "平均存续月数", "", 0),
                               ("mean_cumulative_default_rate", "平均累计违约率", "%", 2),
                               ("max_cumulative_default_rate", "最高累计违约率", "%", 2)],
                    f"表 {p.label}资产池表现（各项目期内最新一期受托机构报告）")]
    return "\n".join(parts), True


def section_npl(w: ReviewWriter) -> tuple[str, bool]:
    p = w.period
    issued = w.query("不良资产支持证券发行", f"""
SELECT count(*) AS deals,
       sum(deal_amount_cny) / 1e8 AS amount_yi,
       sum(pool_principal_cny) / 1e8 AS pool_principal_yi,
       avg(expected_gross_recovery_rate) AS mean_expected_recovery
FROM marts.npl_pools
WHERE value_date BETWEEN {_d(p.start)} AND {_d(p.end)}""")
    curves = w.query("信用类小微不良资产支持证券分年度累计回收率", f"""
SELECT vintage,
       max(vintage_deals) AS deals,
       max(mean_cumulative_recovery_rate) FILTER (WHERE months_since_issue = 6) AS recovery_6m,
       max(mean_cumulative_recovery_rate) FILTER (WHERE months_since_issue = 12) AS recovery_12m,
       max(mean_expected_gross_recovery_rate) AS expected_recovery
FROM marts.npl_recoveries_by_vintage
WHERE is_credit_type_interbank AND vintage <= {p.end.year}
GROUP BY vintage
ORDER BY vintage DESC
LIMIT 5""")
    parts = []
    has = bool(issued.value("deals"))
    if has:
        parts.append(f"<p>{p.label}，不良资产支持证券共发行{w.num(issued, 'deals', unit='单')}，发行规模"
                     f"{w.num(issued, 'amount_yi', unit='亿元')}，入池资产未偿本金{w.num(issued, 'pool_principal_yi', unit='亿元')}，"
                     f"评级机构预期毛回收率平均为{w.num(issued, 'mean_expected_recovery', unit='%')}。</p>")
    else:
        parts.append(_no_data(f"仓库中没有{p.label}起息的不良资产支持证券。"))
    if curves.rows and has:
        parts.append(_table(w, curves, [("vintage", "发行年度", "text", 0), ("deals", "项目数", "单", 0),
                                        ("recovery_6m", "6个月累计回收率", "%", 2), ("recovery_12m", "12个月累计回收率", "%", 2),
                                        ("expected_recovery", "预期毛回收率", "%", 2)],
                            "表 信用类小微不良资产支持证券分年度累计回收率（银行间）"))
    return "\n".join(parts), has


def section_amc(w: ReviewWriter) -> tuple[str, bool]:
    p = w.period
    cur = f"value_date BETWEEN {_d(p.start)} AND {_d(p.end)}"
    prev = f"value_date BETWEEN {_d(p.prev_start)} AND {_d(p.prev_end)}"
    active = w.query("期末持牌地方AMC", f"""
SELECT count(DISTINCT amc_id) AS amcs
FROM marts.amc_licence_periods
WHERE licensed_from <= {_d(p.end)} AND (licensed_until IS NULL OR licensed_until > {_d(p.end)})""")
    bonds = w.query("地方AMC境内债券发行（不含ABS与境外债）", f"""
SELECT count(DISTINCT amc_id) FILTER (WHERE {cur}) AS issuers,
       count(*) FILTER (WHERE {cur}) AS bonds,
       sum(amount_cny) FILTER (WHERE {cur}) / 1e8 AS amount_yi,
       {_yoy(f"sum(amount_cny) FILTER (WHERE {cur})", f"sum(amount_cny) FILTER (WHERE {prev})")} AS amount_yoy
FROM marts.amc_bond_issuance
WHERE is_onshore_debt AND value_date BETWEEN {_d(p.prev_start)} AND {_d(p.end)}""")
    net = w.query("地方AMC债券净融资", f"""
SELECT sum(issued_cny) / 1e8 AS issued_yi, sum(repaid_cny) / 1e8 AS repaid_yi,
       sum(net_financing_cny) / 1e8 AS net_financing_yi
FROM marts.amc_net_financing
WHERE period_month BETWEEN {_d(p.start)} AND {_d(p.end)}""")
    wall = w.query("期末地方AMC债券到期分布", f"""
SELECT due_year, bonds, amount_yi, share_of_outstanding, total_outstanding_yi
FROM marts.amc_maturity_wall
WHERE as_of_date = {_d(p.end)}
ORDER BY due_year""")
    ratings = w.query("期末地方AMC主体评级", f"""
SELECT count(*) FILTER (WHERE is_licensed) AS licensed,
       count(*) FILTER (WHERE is_licensed AND has_valid_rating) AS rated,
       count(*) FILTER (WHERE is_licensed AND valid_rating = 'AAA') AS aaa
FROM marts.amc_ratings_at_month_end
WHERE as_of_date = {_d(p.end)}""")
    events = w.query("地方AMC债券违约及展期", f"""
SELECT event_type, count(*) AS events, count(DISTINCT amc_id) AS issuers, sum(event_amount_cny) / 1e8 AS amount_yi
FROM marts.amc_defaults_and_extensions
WHERE event_date BETWEEN {_d(p.start)} AND {_d(p.end)}
GROUP BY event_type
ORDER BY event_type""")
    parts = []
    # Licence periods are open-ended: the count at a date past everything the warehouse knows
    # would be an extrapolation, so it is printed only for a period with AMC data of its own.
    any_data = bool(bonds.value("bonds") or wall.rows or ratings.value("licensed") or events.rows)
    if active.value("amcs") and any_data:
        parts.append(f"<p>截至{p.end.year}年{p.end.month}月末，持牌地方资产管理公司共{w.num(active, 'amcs', unit='家')}。</p>")
    if bonds.value("bonds"):
        s = (f"<p>{p.label}，共有{w.num(bonds, 'issuers', unit='家')}地方AMC发行境内债券{w.num(bonds, 'bonds', unit='只')}，"
             f"发行规模{w.num(bonds, 'amount_yi', unit='亿元')}")
        if bonds.value("amount_yoy") is not None:
            s += f"，同比{w.num(bonds, 'amount_yoy', unit='%', signed='增长/下降')}"
        if net.value("net_financing_yi") is not None:
            s += f"；扣除到期、回售及提前兑付后，净融资额为{w.num(net, 'net_financing_yi', unit='亿元')}"
        parts.append(s + "。</p>")
    else:
        parts.append(_no_data(f"仓库中没有{p.label}起息的地方AMC境内债券。"))
    if wall.rows:
        nxt = [i for i, r in enumerate(wall.dicts()) if int(r["due_year"]) == p.end.year + 1]
        s = f"<p>截至{p.end.isoformat()}，地方AMC存续境内债券规模{w.num(wall, 'total_outstanding_yi', unit='亿元')}"
        if nxt:
            s += (f"，其中{p.end.year + 1}年到期（含回售）{w.num(wall, 'amount_yi', nxt[0], '亿元')}，"
                  f"占比{w.num(wall, 'share_of_outstanding', nxt[0], '%')}")
        parts.append(s + "。</p>")
        parts.append(_table(w, wall, [("due_year", "到期（行权）年度", "text", 0), ("bonds", "只数", "只", 0),
                                      ("amount_yi", "到期规模", "亿元", 2), ("share_of_outstanding", "占比", "%", 2)],
                            f"表 截至{p.end.isoformat()}地方AMC债券到期分布"))
    if ratings.value("licensed"):
        parts.append(f"<p>评级方面，期末持有有效公开主体评级的地方AMC共{w.num(ratings, 'rated', unit='家')}，"
                     f"其中AAA级{w.num(ratings, 'aaa', unit='家')}。</p>")
    if events.rows:
        pieces = [f"{EVENT_ZH.get(r['event_type'], r['event_type'])}{w.num(events, 'events', i, '次')}"
                  f"（涉及{w.num(events, 'issuers', i, '家')}发行人、{w.num(events, 'amount_yi', i, '亿元')}）"
                  for i, r in enumerate(events.dicts())]
        parts.append(f"<p>信用事件方面，{p.label}地方AMC债券发生" + "、".join(pieces) + "。</p>")
    else:
        parts.append(_no_data(f"仓库中没有{p.label}的地方AMC债券违约或展期事件。"))
    return "\n".join(parts), any_data


SECTIONS = (
    ("一、发行概况及分市场情况", section_issuance, ("02_small_micro_issuance_by_market.png", "01_leasing_monthly_issuance.png")),
    ("二、发起机构与资产提供方", section_originators, ()),
    ("三、证券评级与级别迁移", section_ratings, ("04_leasing_rating_migration_matrix.png", "03_leasing_aaa_coupons_vs_mtn_curve.png")),
    ("四、资产池表现（按存续月数）", section_pools, ("05_small_micro_default_curves.png", "06_small_micro_revolving_multiples.png")),
    ("五、不良资产支持证券回收情况", section_npl, ("07_npl_recovery_by_vintage.png",)),
    ("六、地方资产管理公司：发行人、发行、净融资、到期、评级、违约与展期", section_amc,
     ("08_amc_bond_issuance_and_net_financing.png", "09_amc_maturity_wall.png")),
)


# ── the page ───────────────────────────────────────────────────────────────────────────────
STYLE = """
@font-face { font-family: "ReviewCJK"; src: url(data:font/ttf;base64,{font}) format("truetype"); }
@page { size: A4; margin: 16mm 14mm; }
body { font-family: "ReviewCJK", sans-serif; color: #1b1b1b; line-height: 1.7; max-width: 980px; margin: 1.5rem auto;
       padding: 0 1rem; font-size: 15px; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; } h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #dfe2e6; }
.meta { color: #555; font-size: 0.85rem; }
a.num { color: #0b4f9c; text-decoration: none; border-bottom: 1px dotted #0b4f9c; }
sup a { color: #777; text-decoration: none; font-size: 0.7em; }
table { border-collapse: collapse; margin: 0.8rem 0 1.2rem; font-size: 0.88rem; page-break-inside: avoid; }
caption { text-align: left; font-weight: bold; padding-bottom: 0.3rem; }
th, td { border: 1px solid #d5d9de; padding: 3px 8px; } th { background: #f3f5f7; } td.n { text-align: right; }
figure { margin: 1rem 0; page-break-inside: avoid; } figure img { max-width: 100%; height: auto; border: 1px solid #eef0f2; }
figcaption { font-size: 0.85rem; color: #444; }
.nodata { background: #fff6e0; border-left: 4px solid #e0a21a; padding: 0.4rem 0.8rem; }
.na { color: #999; }
ol.notes { font-size: 0.8rem; color: #333; } ol.notes pre { white-space: pre-wrap; background: #f6f7f9; padding: 0.4rem;
  font-size: 0.75rem; } ol.notes li { margin-bottom: 0.8rem; page-break-inside: avoid; }
"""


@dataclass
class ReviewResult:
    html_path: Path
    pdf_path: Path | None
    numbers: int
    footnotes: int
    has_data: bool
    timings: dict[str, float]


def _chart_images(con: duckdb.DuckDBPyConnection, work_dir: Path) -> dict[str, tuple[str, str, bytes]]:
    """The chart report drawn once: file name → (title, caption, PNG bytes)."""
    from reports.charts import CHARTS, build_report

    build_report(con, work_dir)
    return {c.file_name: (c.title, c.caption, (work_dir / c.file_name).read_bytes()) for c in CHARTS}


def write_review(con: duckdb.DuckDBPyConnection, period: Period, out_dir: Path, *, pdf: bool = True) -> ReviewResult:
    """Write ``out_dir/review.html`` (and ``review.pdf``) for ``period`` from ``con`` (marts applied)."""
    import tempfile

    timings: dict[str, float] = {}
    started = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    w = ReviewWriter(con, period)
    bodies = []
    any_data = False
    for title, write, _ in SECTIONS:
        body, has = write(w)
        bodies.append((title, body, has))
        any_data = any_data or has
    timings["sections_s"] = time.perf_counter() - started
    charts: dict[str, tuple[str, str, bytes]] = {}
    if any_data:
        t = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="abs-etl-review-charts-") as tmp:
            charts = _chart_images(con, Path(tmp))
        timings["charts_s"] = time.perf_counter() - t
    figure_no = 0
    sections_html = []
    for (title, body, has), (_, _, chart_files) in zip(bodies, SECTIONS):
        figures = []
        if has:
            for name in chart_files:
                if name in charts:
                    figure_no += 1
                    chart_title, caption, png = charts[name]
                    figures.append(
                        f'<figure><img alt="{html.escape(chart_title)}" src="data:image/png;base64,'
                        f'{base64.b64encode(png).decode()}"><figcaption>图{figure_no}　{html.escape(chart_title)}。'
                        f"{html.escape(caption)}（图表窗口以标题为准，由 abs-etl report 绘制。）</figcaption></figure>")
        sections_html.append(f"<section><h2>{html.escape(title)}</h2>\n{body}\n{''.join(figures)}</section>")
    notes = []
    for note in w.footnotes:
        kinds = "、".join(f"{k} {v}份" for k, v in note.by_type.items())
        sources = (f"来源文档 {note.documents} 份（{kinds}）" if note.documents else "来源：无文档级出处（派生或汇总值）")
        if note.superseded:
            sources += f"，其中 {note.superseded} 份已被后续修订版替代"
        examples = "；".join(html.escape(t) for t in note.examples)
        followed = "；".join(html.escape(f) for f in note.followed)
        notes.append(f'<li id="fn{note.number}"><b>{html.escape(note.title)}</b><pre class="sql">{html.escape(note.sql)}</pre>'
                     f"{sources}{'，例如：' + examples if examples else ''}。追溯范围：{followed or '—'}。"
                     f"逐行出处：<code>abs-etl trace</code>。</li>")
    last = _last_run(con)
    nodata_banner = "" if any_data else _no_data(f"仓库中没有{period.label}的任何数据：本报告不列示任何数值。")
    font = base64.b64encode(FONT_PATH.read_bytes()).decode()
    page = (
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>{html.escape(period.label)}中国资产证券化市场回顾</title>\n"
        f"<style>{STYLE.replace('{font}', font)}</style>\n</head>\n<body>\n"
        f"<h1>{html.escape(period.label)}中国资产证券化市场回顾</h1>\n"
        f"<p class=\"meta\">统计区间：{period.start.isoformat()} 至 {period.end.isoformat()}（同比区间 "
        f"{period.prev_start.isoformat()} 至 {period.prev_end.isoformat()}）；发行按起息日统计，金额单位亿元。"
        f"全文数字均由 <code>abs-etl review</code> 从 DuckDB 仓库生成{('（' + html.escape(last) + '）') if last else ''}，"
        "每个数字链接至脚注中的查询语句与来源文档。</p>\n"
        f"{nodata_banner}\n" + "\n".join(sections_html) +
        f"\n<section><h2>注释</h2><ol class=\"notes\">{''.join(notes)}</ol></section>\n</body>\n</html>\n"
    )
    html_path = out / "review.html"
    html_path.write_text(page, encoding="utf-8")
    timings["html_s"] = time.perf_counter() - started
    pdf_path = None
    if pdf:
        from reports.browser import print_pdf

        t = time.perf_counter()
        pdf_path = print_pdf(html_path, out / "review.pdf")
        timings["pdf_s"] = time.perf_counter() - t
    timings["total_s"] = time.perf_counter() - started
    numbers = page.count('class="num"')
    return ReviewResult(html_path, pdf_path, numbers, len(w.footnotes), any_data, timings)


def _last_run(con: duckdb.DuckDBPyConnection) -> str | None:
    from reports.charts import _last_run as last_run

    return last_run(con)


__all__ = ["Period", "parse_period", "write_review", "ReviewResult"]
