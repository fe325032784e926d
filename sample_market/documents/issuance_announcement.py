"""Issuance announcements of credit ABS deals, as ChinaBond's 发行文件 channel carries them.

Two documents per deal, from core.deals / core.tranches / core.institutions /
core.deal_labels / core.credit_enhancements rows:

* **发行说明书（摘要）** (PDF), published before bookbuilding: the deal's terms (一、本期证券基本
  情况), its parties with short names and types (二、交易参与机构), the pool at the cut-off date
  (三、资产池概况), external credit enhancement (四、信用增级) and the planned tranche sizes
  (五、证券结构, with a 合计 row that a reader checks). Coupons are not known yet.
* **发行结果公告** (PDF, or XLSX for some trustees), published on the value date: every tranche
  with its security code, size, coupon, price, seniority (二、发行情况), its maturities and rating
  (三、期限与评级) and, for the subordinated tranches, placement, retention and period return
  (四、次级档证券).

How a document is laid out is an ``AnnouncementLayout``: section titles, their order and
numbering, label spellings, units (元 / 万元 / 亿元, stated in a header, a unit line, a note or
glued to the values), date and rating spellings, tranche tables with tranches as rows or as
columns or one tranche per page, and the workbook arrangement of an XLSX. ``STYLES`` are the
three layouts the sample market has published since v1; the layout fuzzer draws others.
Every cell is filled (`不适用` or `-` for nothing), so a PDF row always has as many text runs as
its header.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sample_market.documents.code_labels import (
    AMORTISATION_LABELS,
    COUPON_TYPE_LABELS,
    ENHANCEMENT_KIND_LABELS,
    INSTITUTION_TYPE_LABELS as TYPE_LABELS,
    RELATION_LABELS,
    SUBCLASS_LABELS,
    TRANCHE_CLASS_LABELS as CLASS_LABELS,
    asset_class_label,
)
from sample_market.documents.render import Heading, Num, PageBreak, Para, Table, XlsxStyle, render_pdf, render_xlsx

OFFERING_SUFFIX = "发行说明书（摘要）"
RESULTS_SUFFIX = "发行结果公告"
FOOTER = "第{n}页 共{total}页"
NA = "不适用"
_CENT = Decimal("0.01")
_UNIT_SIZES = {"元": Decimal(1), "万元": Decimal(10_000), "亿元": Decimal(100_000_000)}
_MAX_PLACES = {"元": 2, "万元": 6, "亿元": 10}
KV_WIDTHS = (0.34, 0.66)
_CN_DIGITS = "零一二三四五六七八九"

# The v1 spellings; a layout's own ``headings`` and ``labels`` override them key by key.
HEADINGS = {
    "basics": "本期证券基本情况", "parties": "交易参与机构", "pool": "资产池概况", "enhancement": "信用增级",
    "structure": "证券结构", "info": "基本信息", "issued": "发行情况", "terms": "期限与评级", "junior": "次级档证券",
}
LABELS = {
    "deal_name": "项目名称", "short_name": "项目简称", "product_type": "产品类型", "asset_class": "基础资产类型",
    "asset_subclass": "基础资产细分", "offering_kind": "发行方式", "issue_date": "发行日期", "value_date": "起息日",
    "legal_maturity": "法定到期日", "deal_amount": "发行总额", "revolving": "是否循环购买",
    "revolving_period": "循环期（月）", "deal_labels": "特定品种",
    "initial_pool": "初始资产池余额", "pool_loans": "入池笔数", "pool_borrowers": "借款人户数",
    "avg_loan": "单笔平均余额", "avg_borrower": "户均余额", "wa_term": "加权平均合同期限（月）",
    "wa_remaining": "加权平均剩余期限（月）", "wa_rate": "加权平均利率", "wa_overdue": "加权平均逾期期限（月）",
    "recovery_rate": "预估毛回收率", "external": "是否有外部增信",
    "role": "角色", "institution": "机构名称", "institution_short": "简称", "institution_type": "机构类型",
    "enhancer": "增信方", "enhancement_kind": "增信方式", "enhancer_relation": "与发起机构关系",
    "enhancer_rating": "主体评级",
    "structure_tranche": "档次", "tranche_class": "类别", "structure_amount": "发行金额", "share": "占比",
    "total": "合计", "amount": "发行金额",
    "tranche_name": "证券名称", "security_code": "证券代码", "seniority": "偿付顺序", "coupon_rate": "票面利率",
    "coupon_type": "利率类型", "issue_price": "发行价格（元）", "amortisation": "还本方式",
    "expected_maturity": "预期到期日", "tranche_legal_maturity": "法定到期日", "tenor": "预期期限（年）",
    "rating": "评级", "agency": "评级机构", "placed": "是否对外发行", "retained": "发起机构自留比例",
    "period_return": "期间收益率",
}
ROLES = {"originator_id": "发起机构", "asset_provider_id": "资产提供方", "trustee_id": "受托机构"}


@dataclass(frozen=True)
class AnnouncementLayout:
    """How one trustee or arranger lays out its 发行说明书 and 发行结果公告. The defaults are the
    v1 layout (``STYLES[0]``)."""

    date_style: str = "chinese"  # chinese 2025年7月31日, iso 2025-07-31, slash 2025/7/31, or a {y}{m}{d} pattern
    rating_style: str = "plain"  # plain AAAsf, spaced AAA sf, bracket AAA(sf), or a {grade} pattern
    results_unit: str = "万元"  # tranche amounts of the results: 元 | 万元 | 亿元
    deal_unit: str = "万元"  # 发行总额 and the 证券结构 table
    pool_unit: str = "元"  # initial pool balance and average balances
    unit_where: str = "header"  # header | line (under the section heading) | note (under the table) | value
    unit_text: str = ""  # with {unit}; "" = 「（万元）」 after the header label
    offering_title: str = OFFERING_SUFFIX
    results_title: str = RESULTS_SUFFIX
    headings: Mapping[str, str] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)
    top_numbering: str = "{n}、"  # {n} Chinese numeral, {i} Arabic
    heading_end: str = ""
    offering_order: tuple[str, ...] = ("basics", "parties", "pool", "enhancement", "structure")
    results_order: tuple[str, ...] = ("info", "issued", "terms", "junior")
    results_shape: str = "tables"  # tables: tranches as rows | columns: a column per tranche | per_page
    structure_shape: str = "rows"  # rows | columns
    basics_style: str = "table"  # table | lines (label：value paragraphs)
    na: str = NA
    dash: str = "-"
    thousands: bool = True
    unrated: str = "无评级"
    coupon_places: int | None = None  # None: as many decimals as needed (at least 2); 4: 「2.0000%」
    coupon_types: Mapping[str, str] = field(default_factory=dict)  # overrides COUPON_TYPE_LABELS
    no_coupon: str = "-"  # coupon type of a tranche that has none (「无票面利率」)
    amortisations: Mapping[str, str] = field(default_factory=dict)  # overrides AMORTISATION_LABELS
    agency_where: str = "column"  # column | header (「评级（中债资信）」, when one agency rates the deal)
    preamble: tuple[str, ...] = ()  # boilerplate paragraphs under the title
    split_tables: tuple[str, ...] = ()  # sections whose table breaks onto the next page part-way
    wrap_headers: bool = False
    footer: str = FOOTER
    xlsx: XlsxStyle | None = None  # None: one sheet, items one under another

    # -- spelling
    def date(self, value: dt.date | None) -> str:
        if value is None:
            return self.na
        if self.date_style == "iso":
            return value.isoformat()
        if self.date_style == "slash":
            return f"{value.year}/{value.month}/{value.day}"
        if "{" in self.date_style:
            return self.date_style.format(y=value.year, m=value.month, d=value.day, mm=f"{value.month:02d}",
                                          dd=f"{value.day:02d}")
        return f"{value.year}年{value.month}月{value.day}日"

    def rating(self, value: str | None) -> str:
        if value is None:
            return self.unrated
        base = value.removesuffix("sf")
        named = {"plain": value, "spaced": f"{base} sf", "bracket": f"{base}(sf)"}
        return named[self.rating_style] if self.rating_style in named else self.rating_style.format(grade=base)

    def label(self, key: str) -> str:
        return self.labels.get(key, LABELS[key])

    def heading(self, key: str) -> str:
        return self.headings.get(key, HEADINGS[key])

    def with_unit(self, key: str, unit: str) -> str:
        """A label of an amount, with its unit where the layout states units in headers."""
        if self.unit_where != "header":
            return self.label(key)
        return self.label(key) + (self.unit_text or "（{unit}）").format(unit=unit)

    def amount(self, value: Decimal | None, unit: str) -> Num:
        """The amount in ``unit`` with the fewest decimals (at least 2) that print it exactly."""
        if value is None:
            return Num(self.na, None)
        size = _UNIT_SIZES[unit]
        places = next(p for p in range(2, _MAX_PLACES[unit] + 1)
                      if p == _MAX_PLACES[unit] or (value / size).quantize(Decimal(1).scaleb(-p)) * size == value)
        shown = (value / size).quantize(Decimal(1).scaleb(-places))
        text = f"{shown:{',' if self.thousands else ''}.{places}f}"
        if self.unit_where == "value":
            return Num(text + unit, None)  # 「13,200.00万元」: the unit is part of the text
        return Num(text, shown)

    def rate(self, value: Decimal | None, places: int | None = None) -> str:
        """Percent with as many decimals as the fraction needs (at least 2), or a fixed number."""
        if value is None:
            return self.na
        pct = (value * 100).normalize()
        exponent = pct.as_tuple().exponent
        needed = max(2, -exponent) if isinstance(exponent, int) and exponent < 0 else 2
        return f"{pct:.{max(needed, places or 0)}f}%"

    def number(self, value: Decimal | int | None, places: int = 2) -> str:
        if value is None:
            return self.na
        sep = "," if self.thousands else ""
        if isinstance(value, int):
            return f"{value:{sep}}"
        exponent = value.normalize().as_tuple().exponent
        shown = max(places, -exponent) if isinstance(exponent, int) and exponent < 0 else places
        return f"{value:{sep}.{shown}f}"

    def yes_no(self, value: bool | None) -> str:
        return self.na if value is None else ("是" if value else "否")

    def coupon_type(self, code: str | None) -> str:
        if code is None:
            return self.no_coupon
        return self.coupon_types.get(code, COUPON_TYPE_LABELS.get(code, self.dash))

    def amortisation(self, code: str | None) -> str:
        return self.dash if code is None else self.amortisations.get(code, AMORTISATION_LABELS.get(code, self.dash))

    def numbered(self, key: str, number: int) -> Heading:
        prefix = self.top_numbering.format(n=_cn_number(number), i=number)
        return Heading(f"{prefix}{self.heading(key)}{self.heading_end}", 1, key, self.heading(key))


Style = AnnouncementLayout  # the name the v1 styles were known by
STYLES = (AnnouncementLayout(), AnnouncementLayout("iso", "spaced", "元"), AnnouncementLayout("slash", "bracket", "万元"))


def _cn_number(n: int) -> str:
    if n < 10:
        return _CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + ("" if ones == 0 else _CN_DIGITS[ones])


def _kv(rows: list[tuple[str, str | Num]], style: AnnouncementLayout, block: str = "") -> list[Any]:
    if style.basics_style == "lines" and block in ("basics", "info", "pool"):
        return [Para(f"{label}：{value.text if isinstance(value, Num) else value}", 9, "left", 2) for label, value in rows]
    return [Table(None, [[label, value] for label, value in rows], KV_WIDTHS, ("l", "l"), kind="kv")]


def offering_title(deal: Mapping[str, Any], style: AnnouncementLayout | None = None) -> str:
    return f"{deal['deal_name_zh']}{(style or STYLES[0]).offering_title}"


def results_title(deal: Mapping[str, Any], style: AnnouncementLayout | None = None) -> str:
    return f"{deal['deal_name_zh']}{(style or STYLES[0]).results_title}"


def _sections(style: AnnouncementLayout, order: Sequence[str], blocks: Mapping[str, tuple[list[Any], str | None]]) -> list[Any]:
    """Numbered sections in the layout's order; each with its unit line or note when it has one."""
    items: list[Any] = []
    number = 0
    for key in order:
        if key not in blocks:
            continue
        body, unit = blocks[key]
        number += 1
        items.append(style.numbered(key, number))
        if unit and style.unit_where == "line":
            items.append(Para((style.unit_text or "金额单位：{unit}").format(unit=unit), 8, "right", 0))
        for item in body:
            if not isinstance(item, Table):
                items.append(item)
                continue
            item.wrap_header = style.wrap_headers
            if key in style.split_tables and len(item.rows) >= 4:
                cut = len(item.rows) // 2
                items += [dataclasses.replace(item, rows=item.rows[:cut]), PageBreak(),
                          dataclasses.replace(item, rows=item.rows[cut:])]
            else:
                items.append(item)
            if unit and style.unit_where == "note":  # 「本表」: a note under every table it speaks of
                items.append(Para((style.unit_text or "注：金额单位为人民币{unit}。").format(unit=unit), 8, "left", 2))
        if unit and style.unit_where == "note" and not any(isinstance(item, Table) for item in body):
            items.append(Para((style.unit_text or "注：金额单位为人民币{unit}。").format(unit=unit), 8, "left", 2))
    return items


def offering_items(
    deal: Mapping[str, Any],
    tranches: Sequence[Mapping[str, Any]],
    institutions: Mapping[str, Mapping[str, Any]],
    labels: Sequence[str],
    enhancements: Sequence[Mapping[str, Any]],
    style: AnnouncementLayout,
) -> list[Any]:
    """The offering-circular summary as layout items (see the module docstring)."""
    s, L = style, style.label
    deal_unit, pool_unit = s.deal_unit, s.pool_unit
    items: list[Any] = [
        Para(deal["deal_name_zh"], size=13, align="center"),
        Para(s.offering_title, size=12, align="center", space=6),
        *(Para(text) for text in s.preamble),
    ]
    blocks: dict[str, tuple[list[Any], str | None]] = {}
    blocks["basics"] = (_kv([
        (L("deal_name"), deal["deal_name_zh"]),
        (L("short_name"), deal.get("deal_short_name") or s.na),
        (L("product_type"), "信贷资产支持证券"),
        (L("asset_class"), asset_class_label(deal["asset_class"])),
        (L("asset_subclass"), SUBCLASS_LABELS.get(deal.get("asset_subclass"), s.na)),
        (L("offering_kind"), {True: "公开发行", False: "定向发行", None: s.na}[deal.get("is_public_offering")]),
        (L("issue_date"), s.date(deal.get("issue_date"))),
        (L("value_date"), s.date(deal.get("value_date"))),
        (L("legal_maturity"), s.date(deal.get("legal_maturity_date"))),
        (s.with_unit("deal_amount", deal_unit), s.amount(deal["deal_amount_cny"], deal_unit)),
        (L("revolving"), s.yes_no(deal.get("is_revolving"))),
        (L("revolving_period"), s.number(deal.get("revolving_period_months"))),
        (L("deal_labels"), "、".join(labels) or "无"),
    ], s, "basics"), deal_unit)
    parties = []
    for key, role in ROLES.items():
        inst_id = deal.get(key)
        if inst_id is None:
            continue
        inst = institutions[inst_id]
        parties.append([role, inst["full_name_zh"], inst.get("short_name_zh") or s.dash,
                        TYPE_LABELS[inst["institution_type"]]])
    blocks["parties"] = ([Table([L("role"), L("institution"), L("institution_short"), L("institution_type")], parties,
                                (0.14, 0.44, 0.2, 0.22), ("l", "l", "l", "l"))], None)
    blocks["pool"] = (_kv([
        (s.with_unit("initial_pool", pool_unit), s.amount(deal.get("initial_pool_balance_cny"), pool_unit)),
        (L("pool_loans"), s.number(deal.get("pool_loan_count"))),
        (L("pool_borrowers"), s.number(deal.get("pool_borrower_count"))),
        (s.with_unit("avg_loan", pool_unit), s.amount(deal.get("avg_balance_per_loan_cny"), pool_unit)),
        (s.with_unit("avg_borrower", pool_unit), s.amount(deal.get("avg_balance_per_borrower_cny"), pool_unit)),
        (L("wa_term"), s.number(deal.get("wa_contract_term_months"))),
        (L("wa_remaining"), s.number(deal.get("wa_remaining_term_months"))),
        (L("wa_rate"), s.rate(deal.get("wa_pool_rate"))),
        (L("wa_overdue"), s.number(deal.get("wa_overdue_months"))),
        (L("recovery_rate"), s.rate(deal.get("expected_gross_recovery_rate"))),
    ], s, "pool"), pool_unit)
    enhancement: list[Any] = _kv([(L("external"), s.yes_no(deal.get("has_external_enhancement")))], s)
    if enhancements:
        rows = []
        for e in sorted(enhancements, key=lambda r: (r["enhancer_id"], r["enhancement_kind"])):
            inst = institutions[e["enhancer_id"]]
            rows.append([inst["full_name_zh"], TYPE_LABELS[inst["institution_type"]],
                         ENHANCEMENT_KIND_LABELS[e["enhancement_kind"]], RELATION_LABELS[e["enhancer_relation"]],
                         e.get("enhancer_rating") or s.dash])
        enhancement.append(Table([L("enhancer"), L("institution_type"), L("enhancement_kind"), L("enhancer_relation"),
                                  L("enhancer_rating")], rows, (0.36, 0.16, 0.14, 0.2, 0.14), ("l",) * 5))
    blocks["enhancement"] = (enhancement, None)
    blocks["structure"] = (_structure(deal, tranches, style), deal_unit)
    return items + _sections(style, style.offering_order, blocks)


def _structure(deal: Mapping[str, Any], tranches: Sequence[Mapping[str, Any]], s: AnnouncementLayout) -> list[Any]:
    """The planned tranche sizes with their 合计 row (tranches as rows, or as columns)."""
    total, unit = deal["deal_amount_cny"], s.deal_unit
    rows = [[t["tranche_name"], CLASS_LABELS[t["tranche_class"]], s.amount(t["amount_cny"], unit),
             f"{(t['amount_cny'] / total * 100).quantize(_CENT)}%"] for t in _ordered(tranches)]
    rows.append([s.label("total"), s.dash, s.amount(sum((t["amount_cny"] for t in tranches), Decimal(0)), unit),
                 "100.00%"])
    header = [s.label("structure_tranche"), s.label("tranche_class"), s.with_unit("structure_amount", unit),
              s.label("share")]
    if s.structure_shape == "columns":
        body = [[header[k], *(row[k] for row in rows)] for k in range(1, 4)]
        width = 0.8 / len(rows)
        return [Table([header[0], *(row[0] for row in rows)], body, (0.2, *([width] * len(rows))),
                      ("l", *("r" * len(rows))))]
    return [Table(header, rows, (0.25, 0.25, 0.3, 0.2), ("l", "l", "r", "r"))]


def results_items(
    deal: Mapping[str, Any],
    tranches: Sequence[Mapping[str, Any]],
    institutions: Mapping[str, Mapping[str, Any]],
    style: AnnouncementLayout,
) -> list[Any]:
    """The issuance-results announcement as layout items (see the module docstring)."""
    s, L, unit = style, style.label, style.results_unit
    ordered = _ordered(tranches)

    def agency(t: Mapping[str, Any]) -> str:
        agency_id = t.get("initial_rating_agency_id")
        if agency_id is None:
            return s.dash
        inst = institutions[agency_id]
        return inst.get("short_name_zh") or inst["full_name_zh"]

    agencies = {agency(t) for t in ordered if t.get("initial_rating_agency_id")}
    rating_head = L("rating")
    by_header = s.agency_where == "header" and len(agencies) == 1
    if by_header:  # 「评级（中债资信）」: the header names the agency, the column is gone
        rating_head += f"（{next(iter(agencies))}）"
    issued = {
        "tranche_name": lambda t: t["tranche_name"], "security_code": lambda t: t["security_code"],
        "tranche_class": lambda t: CLASS_LABELS[t["tranche_class"]], "seniority": lambda t: str(t["seniority_rank"]),
        "amount": lambda t: s.amount(t["amount_cny"], unit),
        "coupon_rate": lambda t: s.rate(t["coupon_rate"], s.coupon_places) if t.get("coupon_rate") is not None else s.dash,
        "coupon_type": lambda t: s.coupon_type(t.get("coupon_type")),
        "issue_price": lambda t: s.number(t.get("issue_price_per_100")),
    }
    terms = {
        "tranche_name": lambda t: t["tranche_name"], "amortisation": lambda t: s.amortisation(t.get("amortisation")),
        "expected_maturity": lambda t: s.date(t.get("expected_maturity_date")),
        "tranche_legal_maturity": lambda t: s.date(t.get("legal_maturity_date")),
        "tenor": lambda t: s.number(t.get("expected_tenor_years")), "rating": lambda t: s.rating(t.get("initial_rating")),
        **({} if by_header else {"agency": agency}),
    }
    junior_columns = {
        "tranche_name": lambda t: t["tranche_name"], "placed": lambda t: s.yes_no(t.get("is_externally_placed")),
        "retained": lambda t: s.rate(t.get("originator_retained_share")),
        "period_return": lambda t: s.rate(t.get("period_return_rate")),
    }
    heads = {key: (s.with_unit(key, unit) if key == "amount" else rating_head if key == "rating" else L(key))
             for key in {**issued, **terms, **junior_columns}}
    junior = [t for t in ordered if any(t.get(k) is not None for k in
                                        ("is_externally_placed", "originator_retained_share", "period_return_rate"))]
    items: list[Any] = [
        Para(f"{deal['deal_name_zh']}{s.results_title}", size=12, align="center", space=6),
        Para(f"本期资产支持证券已于{s.date(deal.get('issue_date'))}簿记建档并完成发行，"
             f"起息日为{s.date(deal.get('value_date'))}。现将发行结果公告如下。"),
        *(Para(text) for text in s.preamble),
    ]
    blocks: dict[str, tuple[list[Any], str | None]] = {}
    blocks["info"] = (_kv([(L("deal_name"), deal["deal_name_zh"]), (L("issue_date"), s.date(deal.get("issue_date"))),
                           (L("value_date"), s.date(deal.get("value_date"))),
                           (s.with_unit("deal_amount", s.deal_unit), s.amount(deal["deal_amount_cny"], s.deal_unit))],
                          s, "info"), s.deal_unit)
    if s.results_shape == "per_page":  # one tranche per page: label → value, as scanned results print them
        pages: list[Any] = []
        for index, t in enumerate(ordered):
            columns = {**issued, **terms, **(junior_columns if t in junior else {})}
            pages += [PageBreak()] if index else []
            pages += _kv([(heads[key], get(t)) for key, get in columns.items()], s)
        blocks["issued"] = (pages, unit)
    else:
        widths = {"issued": (0.12, 0.15, 0.1, 0.1, 0.17, 0.11, 0.1, 0.15),
                  "terms": (0.12, 0.14, 0.16, 0.16, 0.14, 0.12, 0.16) if not by_header else (0.16, 0.16, 0.18, 0.18, 0.16, 0.16),
                  "junior": (0.25, 0.25, 0.25, 0.25)}
        aligns = {"issued": ("l", "l", "l", "r", "r", "r", "l", "r"),
                  "terms": ("l", "l", "l", "l", "r", "l", "l")[: len(terms)], "junior": ("l", "l", "r", "r")}
        for key, columns, members in (("issued", issued, ordered), ("terms", terms, ordered),
                                      ("junior", junior_columns, junior)):
            if not members:
                continue
            table = _tranche_table(s, [heads[k] for k in columns], [[get(t) for get in columns.values()] for t in members],
                                   widths[key], aligns[key])
            blocks[key] = ([table], unit if key == "issued" else None)
    return items + _sections(style, style.results_order, blocks)


def _tranche_table(s: AnnouncementLayout, header: list[str], rows: list[list[Any]], widths: tuple[float, ...],
                   align: tuple[str, ...]) -> Table:
    """Tranches as rows, or (a ``columns`` layout) turned so that each tranche is a column."""
    if s.results_shape != "columns":
        return Table(header, rows, widths, align)
    body = [[header[k], *(row[k] for row in rows)] for k in range(1, len(header))]
    width = 0.76 / len(rows)
    return Table([header[0], *(row[0] for row in rows)], body, (0.24, *([width] * len(rows))), ("l", *("r" * len(rows))))


def _ordered(tranches: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return sorted(tranches, key=lambda t: (t["seniority_rank"], t["tranche_name"]))


def render_offering_circular(deal: Mapping[str, Any], tranches: Sequence[Mapping[str, Any]],
                             institutions: Mapping[str, Mapping[str, Any]], labels: Sequence[str],
                             enhancements: Sequence[Mapping[str, Any]], style: AnnouncementLayout = STYLES[0]) -> bytes:
    items = offering_items(deal, tranches, institutions, labels, enhancements, style)
    trustee = institutions[deal["trustee_id"]]["full_name_zh"] if deal.get("trustee_id") else ""
    return render_pdf(items, offering_title(deal, style), trustee, style.footer)


def render_issuance_results(deal: Mapping[str, Any], tranches: Sequence[Mapping[str, Any]],
                            institutions: Mapping[str, Mapping[str, Any]], style: AnnouncementLayout = STYLES[0],
                            fmt: str = "pdf") -> bytes:
    items = results_items(deal, tranches, institutions, style)
    if fmt == "xlsx":
        return _render_xlsx(items, results_title(deal, style), deal.get("value_date"), style.xlsx)
    trustee = institutions[deal["trustee_id"]]["full_name_zh"] if deal.get("trustee_id") else ""
    return render_pdf(items, results_title(deal, style), trustee, style.footer)


V1_WORKBOOK = XlsxStyle(first_sheet=RESULTS_SUFFIX, widths=((0, 0, 24), (1, 8, 16)), number_formats="money",
                        gap_after_table=0, empty_cells=True)


def _render_xlsx(items: list[Any], title: str, day: dt.date | None, workbook: XlsxStyle | None = None) -> bytes:
    """The results as a workbook: by default one sheet, items one under another, amounts as numbers."""
    created = dt.datetime.combine(day or dt.date(2000, 1, 1), dt.time(9, 0))
    return render_xlsx(items, title, created, workbook or V1_WORKBOOK)
