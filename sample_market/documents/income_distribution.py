"""收益分配报告 / 收益分配公告 of exchange ABS (one per deal and payment), as PDF bytes.

A securities firm, as the plan's manager (管理人), publishes one on SSE or SZSE before each
payment date. The skeleton follows the real templates (白鹭, 中港, 金泰 of 2016 and the 2021
花呗 notice; ``../shared/reference/exchange-disclosure.md`` §2.1): a preamble, the tranche
table (剩余规模 in 万元 or 亿元, a 总计 row), the principal schedule (兑付日期 × 本金兑付比例,
合计), then 一、分配对象 … 七、咨询方式. The numbers that matter are per unit of 100 元 face, to
4 decimals: ``每份…分配资金=X元，其中：每份…分配本金=X元，每份…分配预期收益=X元`` and
``…分配资金合计=X元×N份=Y元``, with the record date (权益登记日) and payment date (兑付日).

Input rows are shaped like the warehouse (core.tranches, core.tranche_payments with the
per-unit columns); the renderer only draws: face value per unit, totals, shares of principal
repaid and short names are presentation of those rows. Layouts (``ExchangeLayout``) differ
the way managers do: title, column set of the tranche table, unit of 剩余规模, codes with or
without market suffix, the per-unit lines as equations, as prose or as a table, date style.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sample_market.documents.exchange_layout import CENT, ExchangeLayout, cn_number, finish_pdf, per_unit
from sample_market.documents.render import Heading, Num, Para, Table

VARIANTS = ("normal", "revised", "superseded", "truncated", "image_only", "missing_row", "bad_number")
SUPERSEDED_DELTA = Decimal("0.0100")  # the wrong first version pays this much more income per unit
REGISTRARS = {
    "SH": ("中国证券登记结算有限责任公司上海分公司", "中证登上海公司"),
    "SZ": ("中国证券登记结算有限责任公司深圳分公司", "中证登深圳公司"),
}
SENIOR = ("senior", "mezzanine")


@dataclass(frozen=True)
class DistributionData:
    """One deal × one payment: the deal, its tranches, this payment's rows and every payment
    up to it (for the principal schedule), all shaped like the warehouse."""

    deal: Mapping[str, Any]
    manager_name: str
    tranches: Sequence[Mapping[str, Any]]
    payments: Sequence[Mapping[str, Any]]
    history: Sequence[Mapping[str, Any]]
    publish_date: dt.date

    @property
    def period_number(self) -> int:
        return int(self.payments[0]["period_number"])

    @property
    def payment_date(self) -> dt.date:
        return self.payments[0]["payment_date"]

    @property
    def record_date(self) -> dt.date:
        return self.payments[0]["record_date"]

    @property
    def venue(self) -> str:
        return self.tranches[0]["security_code"].rsplit(".", 1)[-1]

    def previous_payment_date(self) -> dt.date:
        earlier = [p["payment_date"] for p in self.history if int(p["period_number"]) < self.period_number]
        return max(earlier) if earlier else self.deal["value_date"]

    def in_year_number(self) -> int:
        """The payment's number within its calendar year (the 2025年第k期 of some titles)."""
        dates = sorted({p["payment_date"] for p in self.history if p["payment_date"].year == self.payment_date.year})
        return dates.index(self.payment_date) + 1


def series_label(tranche: Mapping[str, Any]) -> str:
    """优先A → 优先A级, 次级 stays 次级 (how the per-unit lines name a tranche)."""
    name = tranche["tranche_name"]
    return name if name.endswith("级") else f"{name}级"


def short_name(deal: Mapping[str, Any], tranche: Mapping[str, Any]) -> str:
    """An exchange-style short name: year, two characters of the series, issue, class (24惠益7A)."""
    series = (deal.get("series_name") or deal["deal_name_zh"])[-2:]
    cls = tranche["tranche_name"].replace("优先", "").replace("级", "") or "A"
    cls = "次" if tranche["tranche_class"] == "subordinated" else cls
    return f"{str(deal.get('vintage_year') or deal['value_date'].year)[-2:]}{series}{deal.get('issue_number') or 1}{cls}"


def distribution_title(data: DistributionData, layout: ExchangeLayout, revised: bool = False) -> str:
    deal = data.deal["deal_name_zh"]
    if layout.title_style == "notice":
        title = f"关于{deal}第{data.period_number}期收益分配的公告"
    elif layout.title_style == "year_total":
        title = (f"关于{deal}{data.payment_date.year}年第{data.in_year_number()}期"
                 f"(总第{data.period_number}期)收益分配的公告")
    else:
        title = f"{data.manager_name}关于{deal}第{data.period_number}期收益分配报告"
    return title + ("（更正）" if revised else "")


class _Builder:
    def __init__(self, data: DistributionData, layout: ExchangeLayout, variant: str):
        self.d, self.L, self.variant = data, layout, variant
        self.paid = {p["tranche_id"]: p for p in data.payments}
        self.order = sorted(data.tranches, key=lambda t: (t["seniority_rank"], t["tranche_id"]))

    def label(self, tranche: Mapping[str, Any]) -> str:
        return short_name(self.d.deal, tranche) if self.L.tranche_table == "huabei" else series_label(tranche)

    def build(self) -> list[Any]:
        d, L = self.d, self.L
        registrar, registrar_short = REGISTRARS[d.venue]
        items: list[Any] = [
            Para(distribution_title(d, L, self.variant == "revised"), size=13, align="center", space=8),
            Para(f"专项计划名称：{d.deal['deal_name_zh']}", space=6),
            Para(f"本专项计划自{L.date(d.deal['value_date'])}由{d.manager_name}（以下简称“管理人”）设立并开始运作。"
                  "本专项计划设置优先级资产支持证券和次级资产支持证券，截至目前，本次发行的资产支持证券各类别情况如下表所示："),
            self.tranche_table(),
        ]
        if L.schedule_table:
            items += [Para(f"根据《{d.deal['deal_name_zh']}说明书》的约定，本专项计划优先级资产支持证券投资者获得分配本金的"
                            "具体情况如下表所示："), self.schedule_table()]
        items.append(Para("现将有关分配的具体事宜公告如下："))
        sub = [t for t in self.order if t["tranche_class"] == "subordinated"]
        units_note = "".join(f"本专项计划{series_label(t)}资产支持证券共计{self.units(t):,}份。" for t in sub)
        items += [Heading(L.heading(1, "分配对象"), 2),
                  Para(f"本次收益分配对象为权益登记日登记在册的本专项计划全体资产支持证券持有人。{units_note}")]
        items += [Heading(L.heading(2, "分配方案"), 2, key="pool"), *self.plan()]
        items += [Heading(L.heading(3, "资产支持专项计划分期偿还情况"), 2), *self.amortisation()]
        items += [Heading(L.heading(4, "分配时间"), 2), *self.timing(registrar, registrar_short)]
        items += [
            Heading(L.heading(5, "分配方式"), 2),
            Para(f"1. 现金分配。优先级资产支持证券的分配资金由托管人划付至{registrar_short}，由{registrar_short}"
                  "划付至投资者资金账户；次级资产支持证券的分配资金由托管人直接划付至次级资产支持证券持有人账户。"),
            Heading(L.heading(6, "关于本专项计划优先级资产支持证券利息所得税的征收"), 2),
            Para("个人投资者取得的收益按20%的税率缴纳个人所得税，由兑付机构代扣代缴；非居民企业取得的收益按10%的税率"
                  "缴纳企业所得税。"),
            Heading(L.heading(7, "咨询方式"), 2),
            Para(f"管理人：{d.manager_name}"),
            Para("特此公告。", space=10),
            Para(d.manager_name, align="right"),
            Para(L.date(d.publish_date), align="right"),
        ]
        return items

    def units(self, tranche: Mapping[str, Any]) -> int:
        pay = self.paid.get(tranche["tranche_id"])
        if pay is not None and pay.get("unit_count"):
            return int(pay["unit_count"])
        return int(Decimal(tranche["amount_cny"]) / 100)

    def remaining(self, tranche: Mapping[str, Any]) -> Decimal:
        pay = self.paid.get(tranche["tranche_id"])
        if pay is not None:
            return Decimal(pay["principal_before_cny"])
        earlier = [p for p in self.d.history if p["tranche_id"] == tranche["tranche_id"]
                   and int(p["period_number"]) < self.d.period_number]
        return Decimal(max(earlier, key=lambda p: int(p["period_number"]))["principal_after_cny"]) if earlier \
            else Decimal(tranche["amount_cny"])

    def tranche_table(self) -> Table:
        L, deal = self.L, self.d.deal
        scale = f"剩余规模（{L.scale_unit}）"
        rows = []
        for t in self.order:
            junior = t["tranche_class"] == "subordinated"
            rating = "-" if junior or not t.get("initial_rating") else t["initial_rating"].removesuffix("sf")
            coupon = "-" if junior or t.get("coupon_rate") is None else f"{Decimal(t['coupon_rate']) * 100:.2f}%"
            method = ("按月付息，过手摊还本金" if t.get("amortisation") == "pass_through" else "按月付息，到期一次还本") \
                if not junior else "剩余收益分配"
            maturity = L.date(t.get("expected_maturity_date") or t.get("legal_maturity_date"))
            code = L.code(t["security_code"])
            remaining = L.scale(self.remaining(t))
            if L.tranche_table == "zhonggang":
                renamed = ("RP" + short_name(deal, t)) if self.remaining(t) < Decimal(t["amount_cny"]) else "-"
                rows.append([code, series_label(t), renamed, L.date(deal["value_date"]), maturity, method, rating, coupon,
                             remaining])
            elif L.tranche_table == "huabei":
                rows.append([code, short_name(deal, t), L.date(deal["value_date"]), maturity, method, rating, coupon,
                             L.scale(Decimal(t["amount_cny"])), remaining])
            else:
                rows.append([series_label(t), code, L.date(deal["value_date"]), maturity, method, rating, coupon,
                             remaining])
        total = sum(self.remaining(t) for t in self.order)
        if L.tranche_table == "zhonggang":
            header = ["证券代码", "系列", "按面值分期偿还后的简称", "起息日", "到期日", "还本付息方式", "评级", "预期年收益率", scale]
            widths = (0.09, 0.08, 0.13, 0.11, 0.11, 0.17, 0.06, 0.1, 0.15)
        elif L.tranche_table == "huabei":
            header = ["证券代码", "证券简称", "起息日", "到期日", "收益分配方式", "信用评级", "年化收益率",
                      f"发行金额({L.scale_unit})", f"未偿本金余额({L.scale_unit})"]
            widths = (0.09, 0.1, 0.1, 0.1, 0.18, 0.07, 0.09, 0.12, 0.15)
        else:
            header = ["系列", "证券代码", "起息日", "预期到期日", "还本付息方式", "评级", "预期年收益率", scale]
            widths = (0.09, 0.11, 0.12, 0.12, 0.2, 0.07, 0.12, 0.17)
        total_row = ["总  计"] + [""] * (len(header) - 2) + [L.scale(total)]
        if L.tranche_table == "huabei":
            total_row[-2] = L.scale(sum(Decimal(t["amount_cny"]) for t in self.order))
        rows.append(total_row)
        return Table(header, rows, widths, ("c",) * (len(header) - 1) + ("r",))

    def schedule_table(self) -> Table:
        senior = [t for t in self.order if t["tranche_class"] in SENIOR]
        dates = sorted({p["payment_date"] for p in self.d.history if int(p["period_number"]) <= self.d.period_number})
        paid = {(p["tranche_id"], p["payment_date"]): Decimal(p["principal_paid_cny"] or 0) for p in self.d.history}
        header = ["兑付日期", *(f"{series_label(t)}本金兑付比例" for t in senior)]
        rows = []
        for day in dates:
            rows.append([self.L.date(day), *(self.L.percent(paid.get((t["tranche_id"], day), Decimal(0))
                                                            / Decimal(t["amount_cny"])) for t in senior)])
        rows.append(["合计", *(self.L.percent(sum(paid.get((t["tranche_id"], day), Decimal(0)) for day in dates)
                                            / Decimal(t["amount_cny"])) for t in senior)])
        share = 1 / (len(senior) + 1.4)
        return Table(header, rows, (1.4 * share, *(share,) * len(senior)), ("c",) * (len(senior) + 1))

    def plan(self) -> list[Any]:
        L = self.L
        paid_senior = [t for t in self.order if t["tranche_class"] in SENIOR and t["tranche_id"] in self.paid]
        senior_total = sum(self.total(self.paid[t["tranche_id"]]) for t in paid_senior)
        items: list[Any] = [Para(f"本次优先级资产支持证券的分配资金为{senior_total:,.2f}元。")]
        paying = [t for t in self.order if t["tranche_id"] in self.paid]
        if L.plan_style == "table":
            items.append(self.plan_table(paying))
            return items
        for index, t in enumerate(paying, 1):
            items.extend(self.plan_lines(index, t))
        return items

    def per_unit_values(self, pay: Mapping[str, Any]) -> tuple[Decimal, Decimal | None, Decimal | None]:
        return (Decimal(pay["principal_paid_per_unit"] or 0), pay.get("interest_paid_per_unit"),
                pay.get("other_income_paid_per_unit"))

    def total(self, pay: Mapping[str, Any]) -> Decimal:
        return sum((Decimal(pay[k] or 0) for k in ("principal_paid_cny", "interest_paid_cny", "other_income_paid_cny")),
                   Decimal(0))

    def face_before(self, pay: Mapping[str, Any]) -> Decimal:
        return (Decimal(pay["principal_before_cny"]) / int(pay["unit_count"])).quantize(Decimal("0.0001"))

    def plan_lines(self, index: int, t: Mapping[str, Any]) -> list[Any]:
        pay, name = self.paid[t["tranche_id"]], self.label(t)
        units = int(pay["unit_count"])
        p, i, o = self.per_unit_values(pay)
        each = p + (Decimal(i) if i is not None else 0) + (Decimal(o) if o is not None else 0)
        junior = t["tranche_class"] == "subordinated"
        income_word = "期间收益" if junior else "预期收益"
        lines = [Para(f"{index}. {name}资产支持证券每份面值为{per_unit(self.face_before(pay))}元（本次分配前）。")]
        if self.L.plan_style == "wei":
            parts = [f"本金{per_unit(p)}元"]
            if i is not None:
                parts.append(f"{income_word}{per_unit(i)}元")
            if o is not None:
                parts.append(f"超额收益{per_unit(o)}元")
            text = f"每份{name}资产支持证券分配资金为{per_unit(each)}元，其中" + "，".join(parts) + "。"
            if i is None:
                text += f"本期不分配{income_word}。"
            text += f"{name}资产支持证券共{units:,}份，分配资金合计为{self.total(pay):,.2f}元。"
            return [*lines, Para(text)]
        clauses = [f"每份{name}资产支持证券分配本金={per_unit(p)}元"]
        if i is not None:
            clauses.append(f"每份{name}资产支持证券分配{income_word}={per_unit(i)}元")
        if o is not None:
            clauses.append(f"每份{name}资产支持证券分配超额收益={per_unit(o)}元")
        text = f"每份{name}资产支持证券分配资金={per_unit(each)}元，其中：" + "，".join(clauses) + "。"
        if i is None:
            text += f"本期{name}资产支持证券不分配{income_word}。"
        return [*lines, Para(text),
                Para(f"{name}资产支持证券投资者应得分配资金={per_unit(each)}元×持有份额。"),
                Para(f"{name}资产支持证券分配资金合计={per_unit(each)}元×{units:,}份={self.total(pay):,.2f}元。")]

    def plan_table(self, paying: list[Mapping[str, Any]]) -> Table:
        excess = any(self.paid[t["tranche_id"]].get("other_income_paid_per_unit") is not None for t in paying)
        header = ["证券代码", "证券简称", "份数（份）", "每份面值（元）", "每份分配本金（元）", "每份分配收益（元）",
                  *(["每份分配超额收益（元）"] if excess else []), "分配资金合计（元）"]
        rows = []
        for t in paying:
            pay = self.paid[t["tranche_id"]]
            p, i, o = self.per_unit_values(pay)
            row = [self.L.code(t["security_code"]), self.label(t), f"{int(pay['unit_count']):,}",
                   per_unit(self.face_before(pay)), per_unit(p), per_unit(i)]
            if excess:
                row.append(per_unit(o))
            rows.append([*row, Num(f"{self.total(pay):,.2f}", self.total(pay))])
        widths = (0.11, 0.1, 0.12, 0.11, 0.13, 0.13, *((0.12,) if excess else ()), 0.18)
        scale = sum(widths)
        return Table(header, rows, tuple(w / scale for w in widths), ("c",) * (len(header) - 1) + ("r",))

    def amortisation(self) -> list[Any]:
        lines, untouched = [], []
        for t in self.order:
            pay = self.paid.get(t["tranche_id"])
            after = Decimal(pay["principal_after_cny"]) if pay else self.remaining(t)
            repaid = 1 - after / Decimal(t["amount_cny"])
            if repaid > 0:
                lines.append(Para(f"{series_label(t)}截至本收益分配报告日已分期偿还本金{self.L.percent(repaid)}。"))
            else:
                untouched.append(t)
        if untouched:
            lines.append(Para("其余证券截至本收益分配报告日尚未进行还本。" if lines else
                               "本专项计划各级资产支持证券截至本收益分配报告日尚未进行还本。"))
        return lines

    def timing(self, registrar: str, registrar_short: str) -> list[Any]:
        L, d = self.L, self.d
        start, end = d.previous_payment_date(), d.payment_date
        return [
            Para(f"1. 本专项计划各级资产支持证券的权益登记日均为{L.date(d.record_date)}。份额持有人对应登记日登记在"
                  f"{registrar}（以下简称“{registrar_short}”）所提供的本专项计划持有人名册上的投资者可获得相应的收益分配资金款项。"),
            Para(f"2. 兑付（息）日为{L.date(end)}。{registrar_short}于该日将实际分配资金直接划付至投资者资金账户。",
                  ) if self.variant != "missing_row" else Para(f"2. {registrar_short}将实际分配资金直接划付至投资者资金账户。"),
            Para(f"3. 收益周期为{L.date(start)}（含）-{L.date(end)}（不含），合计天数{(end - start).days}天。"),
        ]


def _superseded(data: DistributionData) -> DistributionData:
    """The wrong first version: the first tranche paid income gets SUPERSEDED_DELTA more per unit;
    when no tranche is paid income, the record date is a day early."""
    payments = [dict(p) for p in data.payments]
    for pay in sorted(payments, key=lambda p: p["tranche_id"]):
        if pay.get("interest_paid_per_unit") is not None:
            pay["interest_paid_per_unit"] = Decimal(pay["interest_paid_per_unit"]) + SUPERSEDED_DELTA
            pay["interest_paid_cny"] = (pay["interest_paid_per_unit"] * int(pay["unit_count"])).quantize(CENT)
            return dataclasses.replace(data, payments=payments)
    for pay in payments:
        pay["record_date"] = pay["record_date"] - dt.timedelta(days=1)
    return dataclasses.replace(data, payments=payments)


def _bad_number(items: list[Any]) -> None:
    """An OCR-style letter in the first per-unit principal amount (0.0000 → O.0000)."""
    for item in items:
        if isinstance(item, Para):
            match = re.search(r"(分配本金[=为]|其中本金)(\d)", item.text)
            if match:
                item.text = item.text[:match.start(2)] + "O" + item.text[match.end(2):]
                return
        if isinstance(item, Table) and item.header and "每份分配本金（元）" in item.header:
            col = item.header.index("每份分配本金（元）")
            item.rows[0][col] = "O" + item.rows[0][col][1:]
            return
    raise ValueError("no per-unit principal to garble")


def render_income_distribution(data: DistributionData, layout: ExchangeLayout, variant: str = "normal") -> bytes:
    """The report as PDF bytes (deterministic), optionally broken on purpose (see VARIANTS)."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}; expected one of {VARIANTS}")
    if variant == "superseded":
        data = _superseded(data)
    builder = _Builder(data, layout, variant)
    items = builder.build()
    if variant == "bad_number":
        _bad_number(items)
    title = distribution_title(data, layout, variant == "revised")
    return finish_pdf(items, title, data.manager_name, "第{n}页 共{total}页", variant)


def distributions_from_tables(tables: Mapping[str, Sequence[Mapping[str, Any]]], deal_ids: Sequence[str],
                              publish_date) -> list[DistributionData]:
    """Every payment of the given deals as report data; ``publish_date(deal_id, payment_date)``
    says when each is published."""
    deals = {d["deal_id"]: d for d in tables.get("core.deals", ())}
    names = {i["institution_id"]: i["full_name_zh"] for i in tables.get("core.institutions", ())}
    tranches: dict[str, list] = {}
    for t in tables.get("core.tranches", ()):
        tranches.setdefault(t["deal_id"], []).append(t)
    payments: dict[str, list] = {}
    for p in tables.get("core.tranche_payments", ()):
        payments.setdefault(p["deal_id"], []).append(p)
    out = []
    for deal_id in deal_ids:
        deal, history = deals[deal_id], sorted(payments.get(deal_id, ()), key=lambda p: (int(p["period_number"]), p["tranche_id"]))
        by_period: dict[int, list] = {}
        for p in history:
            by_period.setdefault(int(p["period_number"]), []).append(p)
        for period, rows in sorted(by_period.items()):
            out.append(DistributionData(
                deal=deal, manager_name=names.get(deal.get("trustee_id") or "", "管理人"),
                tranches=tuple(tranches.get(deal_id, ())), payments=tuple(rows), history=tuple(history),
                publish_date=publish_date(deal_id, rows[0]["payment_date"])))
    return out


__all__ = ["DistributionData", "VARIANTS", "distribution_title", "distributions_from_tables",
           "render_income_distribution", "series_label", "short_name", "cn_number"]
