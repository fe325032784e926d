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

Both lay out a section as a heading line followed by a two-column label/value table or a
headed table, so a reader can cut a document at its headings. Every cell is filled (`不适用`
or `-` for nothing), so a PDF row always has as many text runs as its header. Layout styles
rotate dates, rating spellings and the amount unit of the results table (万元 / 元).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
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
from sample_market.documents.render import Heading as _Heading, Num as _Num, Para as _Para, Table as _Table, render_pdf as _render_pdf

OFFERING_SUFFIX = "发行说明书（摘要）"
RESULTS_SUFFIX = "发行结果公告"
FOOTER = "第{n}页 共{total}页"
NA = "不适用"
_WAN = Decimal(10_000)
_CENT = Decimal("0.01")
KV_WIDTHS = (0.34, 0.66)


@dataclass(frozen=True)
class Style:
    """How one trustee prints dates, ratings and the results table's amounts."""

    date_style: str = "chinese"  # chinese 2025年7月31日, iso 2025-07-31, slash 2025/7/31
    rating_style: str = "plain"  # plain AAAsf, spaced AAA sf, bracket AAA(sf)
    results_unit: str = "万元"  # 万元 or 元

    def date(self, value: dt.date | None) -> str:
        if value is None:
            return NA
        if self.date_style == "iso":
            return value.isoformat()
        if self.date_style == "slash":
            return f"{value.year}/{value.month}/{value.day}"
        return f"{value.year}年{value.month}月{value.day}日"

    def rating(self, value: str | None) -> str:
        if value is None:
            return "无评级"
        base = value.removesuffix("sf")
        return {"plain": value, "spaced": f"{base} sf", "bracket": f"{base}(sf)"}[self.rating_style]


STYLES = (Style(), Style("iso", "spaced", "元"), Style("slash", "bracket", "万元"))


def _amount(value: Decimal | None, unit: str) -> _Num:
    if value is None:
        return _Num(NA, None)
    if unit == "万元":
        shown = (value / _WAN).quantize(_CENT)
        if shown * _WAN != value:
            raise ValueError(f"{value} 元 is not a whole hundred 元; print it in 元")
        return _Num(f"{shown:,.2f}", shown)
    shown = value.quantize(_CENT)
    return _Num(f"{shown:,.2f}", shown)


def _rate(value: Decimal | None) -> str:
    """Percent with as many decimals as the fraction needs (at least 2)."""
    if value is None:
        return NA
    pct = (value * 100).normalize()
    exponent = pct.as_tuple().exponent
    places = max(2, -exponent) if isinstance(exponent, int) and exponent < 0 else 2
    return f"{pct:.{places}f}%"


def _number(value: Decimal | int | None, places: int = 2) -> str:
    if value is None:
        return NA
    if isinstance(value, int):
        return f"{value:,}"
    exponent = value.normalize().as_tuple().exponent
    shown = max(places, -exponent) if isinstance(exponent, int) and exponent < 0 else places
    return f"{value:,.{shown}f}"


def _yes_no(value: bool | None) -> str:
    return NA if value is None else ("是" if value else "否")


def _kv(rows: list[tuple[str, str | _Num]]) -> _Table:
    return _Table(None, [[label, value] for label, value in rows], KV_WIDTHS, ("l", "l"))


def offering_title(deal: Mapping[str, Any]) -> str:
    return f"{deal['deal_name_zh']}{OFFERING_SUFFIX}"


def results_title(deal: Mapping[str, Any]) -> str:
    return f"{deal['deal_name_zh']}{RESULTS_SUFFIX}"


def offering_items(
    deal: Mapping[str, Any],
    tranches: Sequence[Mapping[str, Any]],
    institutions: Mapping[str, Mapping[str, Any]],
    labels: Sequence[str],
    enhancements: Sequence[Mapping[str, Any]],
    style: Style,
) -> list[Any]:
    """The offering-circular summary as layout items (see the module docstring)."""
    asset = deal["asset_class"]
    items: list[Any] = [
        _Para(deal["deal_name_zh"], size=13, align="center"),
        _Para(OFFERING_SUFFIX, size=12, align="center", space=6),
        _Heading("一、本期证券基本情况", 1),
        _kv([
            ("项目名称", deal["deal_name_zh"]),
            ("项目简称", deal.get("deal_short_name") or NA),
            ("产品类型", "信贷资产支持证券"),
            ("基础资产类型", asset_class_label(asset)),
            ("基础资产细分", SUBCLASS_LABELS.get(deal.get("asset_subclass"), NA)),
            ("发行方式", {True: "公开发行", False: "定向发行", None: NA}[deal.get("is_public_offering")]),
            ("发行日期", style.date(deal.get("issue_date"))),
            ("起息日", style.date(deal.get("value_date"))),
            ("法定到期日", style.date(deal.get("legal_maturity_date"))),
            ("发行总额（万元）", _amount(deal["deal_amount_cny"], "万元")),
            ("是否循环购买", _yes_no(deal.get("is_revolving"))),
            ("循环期（月）", _number(deal.get("revolving_period_months"))),
            ("特定品种", "、".join(labels) or "无"),
        ]),
        _Heading("二、交易参与机构", 1),
    ]
    parties = []
    for role, key in (("发起机构", "originator_id"), ("资产提供方", "asset_provider_id"), ("受托机构", "trustee_id")):
        inst_id = deal.get(key)
        if inst_id is None:
            continue
        inst = institutions[inst_id]
        parties.append([role, inst["full_name_zh"], inst.get("short_name_zh") or "-",
                        TYPE_LABELS[inst["institution_type"]]])
    items.append(_Table(["角色", "机构名称", "简称", "机构类型"], parties, (0.14, 0.44, 0.2, 0.22), ("l", "l", "l", "l")))
    items += [
        _Heading("三、资产池概况", 1),
        _kv([
            ("初始资产池余额（元）", _amount(deal.get("initial_pool_balance_cny"), "元")),
            ("入池笔数", _number(deal.get("pool_loan_count"))),
            ("借款人户数", _number(deal.get("pool_borrower_count"))),
            ("单笔平均余额（元）", _amount(deal.get("avg_balance_per_loan_cny"), "元")),
            ("户均余额（元）", _amount(deal.get("avg_balance_per_borrower_cny"), "元")),
            ("加权平均合同期限（月）", _number(deal.get("wa_contract_term_months"))),
            ("加权平均剩余期限（月）", _number(deal.get("wa_remaining_term_months"))),
            ("加权平均利率", _rate(deal.get("wa_pool_rate"))),
            ("加权平均逾期期限（月）", _number(deal.get("wa_overdue_months"))),
            ("预估毛回收率", _rate(deal.get("expected_gross_recovery_rate"))),
        ]),
        _Heading("四、信用增级", 1),
        _kv([("是否有外部增信", _yes_no(deal.get("has_external_enhancement")))]),
    ]
    if enhancements:
        rows = []
        for e in sorted(enhancements, key=lambda r: (r["enhancer_id"], r["enhancement_kind"])):
            inst = institutions[e["enhancer_id"]]
            rows.append([inst["full_name_zh"], TYPE_LABELS[inst["institution_type"]],
                         ENHANCEMENT_KIND_LABELS[e["enhancement_kind"]], RELATION_LABELS[e["enhancer_relation"]],
                         e.get("enhancer_rating") or "-"])
        items.append(_Table(["增信方", "机构类型", "增信方式", "与发起机构关系", "主体评级"], rows,
                            (0.36, 0.16, 0.14, 0.2, 0.14), ("l",) * 5))
    total = deal["deal_amount_cny"]
    structure = [[t["tranche_name"], CLASS_LABELS[t["tranche_class"]], _amount(t["amount_cny"], "万元"),
                  f"{(t['amount_cny'] / total * 100).quantize(_CENT)}%"] for t in _ordered(tranches)]
    structure.append(["合计", "-", _amount(sum((t["amount_cny"] for t in tranches), Decimal(0)), "万元"), "100.00%"])
    items += [_Heading("五、证券结构", 1),
              _Table(["档次", "类别", "发行金额（万元）", "占比"], structure, (0.25, 0.25, 0.3, 0.2), ("l", "l", "r", "r"))]
    return items


def results_items(
    deal: Mapping[str, Any],
    tranches: Sequence[Mapping[str, Any]],
    institutions: Mapping[str, Mapping[str, Any]],
    style: Style,
) -> list[Any]:
    """The issuance-results announcement as layout items (see the module docstring)."""
    unit = style.results_unit
    ordered = _ordered(tranches)

    def agency(t: Mapping[str, Any]) -> str:
        agency_id = t.get("initial_rating_agency_id")
        if agency_id is None:
            return "-"
        inst = institutions[agency_id]
        return inst.get("short_name_zh") or inst["full_name_zh"]

    items: list[Any] = [
        _Para(f"{deal['deal_name_zh']}{RESULTS_SUFFIX}", size=12, align="center", space=6),
        _Para(f"本期资产支持证券已于{style.date(deal.get('issue_date'))}簿记建档并完成发行，"
              f"起息日为{style.date(deal.get('value_date'))}。现将发行结果公告如下。"),
        _Heading("一、基本信息", 1),
        _kv([("项目名称", deal["deal_name_zh"]), ("发行日期", style.date(deal.get("issue_date"))),
             ("起息日", style.date(deal.get("value_date"))), ("发行总额（万元）", _amount(deal["deal_amount_cny"], "万元"))]),
        _Heading("二、发行情况", 1),
        _Table(["证券名称", "证券代码", "类别", "偿付顺序", f"发行金额（{unit}）", "票面利率", "利率类型", "发行价格（元）"],
               [[t["tranche_name"], t["security_code"], CLASS_LABELS[t["tranche_class"]], str(t["seniority_rank"]),
                 _amount(t["amount_cny"], unit), _rate(t.get("coupon_rate")) if t.get("coupon_rate") is not None else "-",
                 COUPON_TYPE_LABELS.get(t.get("coupon_type"), "-"), _number(t.get("issue_price_per_100"))]
                for t in ordered],
               (0.12, 0.15, 0.1, 0.1, 0.17, 0.11, 0.1, 0.15), ("l", "l", "l", "r", "r", "r", "l", "r")),
        _Heading("三、期限与评级", 1),
        _Table(["证券名称", "还本方式", "预期到期日", "法定到期日", "预期期限（年）", "评级", "评级机构"],
               [[t["tranche_name"], AMORTISATION_LABELS.get(t.get("amortisation"), "-"),
                 style.date(t.get("expected_maturity_date")), style.date(t.get("legal_maturity_date")),
                 _number(t.get("expected_tenor_years")), style.rating(t.get("initial_rating")), agency(t)]
                for t in ordered],
               (0.12, 0.14, 0.16, 0.16, 0.14, 0.12, 0.16), ("l", "l", "l", "l", "r", "l", "l")),
    ]
    junior = [t for t in ordered if any(t.get(k) is not None for k in
                                        ("is_externally_placed", "originator_retained_share", "period_return_rate"))]
    if junior:
        items += [_Heading("四、次级档证券", 1),
                  _Table(["证券名称", "是否对外发行", "发起机构自留比例", "期间收益率"],
                         [[t["tranche_name"], _yes_no(t.get("is_externally_placed")),
                           _rate(t.get("originator_retained_share")), _rate(t.get("period_return_rate"))]
                          for t in junior], (0.25, 0.25, 0.25, 0.25), ("l", "l", "r", "r"))]
    return items


def _ordered(tranches: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return sorted(tranches, key=lambda t: (t["seniority_rank"], t["tranche_name"]))


def render_offering_circular(deal: Mapping[str, Any], tranches: Sequence[Mapping[str, Any]],
                             institutions: Mapping[str, Mapping[str, Any]], labels: Sequence[str],
                             enhancements: Sequence[Mapping[str, Any]], style: Style = STYLES[0]) -> bytes:
    items = offering_items(deal, tranches, institutions, labels, enhancements, style)
    trustee = institutions[deal["trustee_id"]]["full_name_zh"] if deal.get("trustee_id") else ""
    return _render_pdf(items, offering_title(deal), trustee, FOOTER)


def render_issuance_results(deal: Mapping[str, Any], tranches: Sequence[Mapping[str, Any]],
                            institutions: Mapping[str, Mapping[str, Any]], style: Style = STYLES[0],
                            fmt: str = "pdf") -> bytes:
    items = results_items(deal, tranches, institutions, style)
    if fmt == "xlsx":
        return _render_xlsx(items, results_title(deal), deal.get("value_date"))
    trustee = institutions[deal["trustee_id"]]["full_name_zh"] if deal.get("trustee_id") else ""
    return _render_pdf(items, results_title(deal), trustee, FOOTER)


def _render_xlsx(items: list[Any], title: str, day: dt.date | None) -> bytes:
    """One sheet, items one under another; amounts as numbers, everything else as text."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    stamp = dt.datetime.combine(day or dt.date(2000, 1, 1), dt.time(9, 0))
    book.set_properties({"title": title, "created": stamp})
    money = book.add_format({"num_format": "#,##0.00"})
    sheet = book.add_worksheet(RESULTS_SUFFIX)
    sheet.set_column(0, 0, 24)
    sheet.set_column(1, 8, 16)
    row = 0
    for item in items:
        if isinstance(item, (_Heading, _Para)):
            sheet.write_string(row, 0, item.text)
            row += 1
        elif isinstance(item, _Table):
            for cells in ([item.header] if item.header else []) + item.rows:
                for col, cell in enumerate(cells):
                    if isinstance(cell, _Num) and cell.value is not None:
                        sheet.write_number(row, col, float(cell.value), money)
                    else:
                        sheet.write_string(row, col, cell.text if isinstance(cell, _Num) else cell)
                row += 1
    book.close()
    return buffer.getvalue()
