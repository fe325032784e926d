"""年度资产管理报告 of exchange ABS (one per deal and year, by 30 April of the next year), as PDF.

The chapters are the ones SSE 5号 第三章 and SZSE 第1号 mandate (``exchange-disclosure.md``
§2.2): 重要提示; 专项计划基本情况 (tranches, the year's distributions); 基础资产情况 (pool
balance and count at the start and end of the year, collections, revolving purchases, early,
late and defaulted repayments with amounts, counts and shares, and a table of the year's
payment periods with period-end balance, revolving purchases and the cumulative default
rate, as real reports often add); 资金收支与投资管理情况 (the plan account's receipts and
payments, actual against forecast collections); 特定原始权益人; 增信措施. No table layout is
prescribed, so managers differ: chapters as 第三节 or 三、, amounts in 元 or 万元, the period
table for the year or since inception, date styles.

Input rows are shaped like the warehouse: the annual ``core.pool_performance`` row
(``grain = 'annual'``), the year's period rows and payments, the tranches. The renderer only
draws; shares of the opening balance and the cash account's opening and closing balances are
presentation of those rows.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sample_market.documents.exchange_layout import ExchangeLayout, finish_pdf, garbled
from sample_market.documents.income_distribution import short_name
from sample_market.documents.render import Heading, Num, Para, Table

VARIANTS = ("normal", "revised", "superseded", "truncated", "image_only", "missing_row", "bad_number")
SUPERSEDED_DELTA = Decimal("10000.00")  # the wrong first version overstates interest collected by this
IMPORTANT = ("管理人保证本报告的内容真实、准确、完整，不存在虚假记载、误导性陈述或者重大遗漏，并承担相应的法律责任。")


@dataclass(frozen=True)
class AnnualReportData:
    """One deal × one report year: the annual pool row, the periods its table prints, the
    year's payments, the tranches, and the plan account's balance at the start of the year."""

    deal: Mapping[str, Any]
    manager_name: str
    originator_name: str
    tranches: Sequence[Mapping[str, Any]]
    annual: Mapping[str, Any]
    periods: Sequence[Mapping[str, Any]]
    payments: Sequence[Mapping[str, Any]]
    opening_cash: Decimal
    venue: str

    @property
    def year(self) -> int:
        return int(self.annual["period_number"])

    @property
    def report_start(self) -> dt.date:
        first = self.annual["collection_period_start"]
        return max(self.deal["value_date"], dt.date(first.year if first.year < self.year else self.year, 1, 1))

    @property
    def publish_date(self) -> dt.date:
        return self.annual["report_date"]


def report_title(data: AnnualReportData, revision: str | None = None) -> str:
    mark = {"更正": "（更正）", "更新": "（更新版）"}.get(revision or "", "")
    return f"{data.deal['deal_name_zh']}{data.year}年度资产管理报告{mark}"


class _Builder:
    def __init__(self, data: AnnualReportData, layout: ExchangeLayout, variant: str):
        self.d, self.L, self.variant = data, layout, variant
        self.a = data.annual
        self.unit = layout.amount_unit

    def money(self, value: Any) -> Num:
        return self.L.amount(None if value is None else Decimal(value))

    def count(self, value: Any) -> str:
        return "-" if value is None else f"{int(value):,}"

    def build(self) -> list[Any]:
        d, L = self.d, self.L
        items: list[Any] = [
            Para(report_title(d, "更正" if self.variant == "revised" else None), size=14, align="center", space=10),
            Para(f"专项计划名称：{d.deal['deal_name_zh']}"),
            Para(f"管理人：{d.manager_name}"),
            Para(f"报告期间：{L.date(d.report_start)}至{L.date(dt.date(d.year, 12, 31))}"),
            Para(f"披露日期：{L.date(d.publish_date)}", space=12),
        ]
        chapters = [("重要提示", self.important), ("专项计划基本情况及业务参与人履约情况", self.basics),
                    ("基础资产情况", self.pool), ("资金收支与投资管理情况", self.cash),
                    ("特定原始权益人情况", self.originator), ("增信措施及其执行情况", self.enhancement)]
        if d.venue == "SZ":
            chapters.append(("其他重大事项", lambda: [Para("报告期内，本专项计划未发生其他重大事项。")]))
        for number, (name, block) in enumerate(chapters, 1):
            items.append(Heading(L.chapter(number, name), 1, key="pool" if name == "基础资产情况" else ""))
            items.extend(block())
        return items

    def sub(self, number: int, text: str) -> Heading:
        from sample_market.documents.exchange_layout import cn_number

        return Heading(f"（{cn_number(number)}）{text}", 2)

    def important(self) -> list[Any]:
        return [Para(IMPORTANT), Para("本报告所载基础资产数据来源于资产服务机构提供的服务报告，财务数据经会计师事务所审计，"
                                        "审计报告附后。本报告与托管人出具的托管报告内容一致。")]

    def basics(self) -> list[Any]:
        L, deal = self.L, self.d.deal
        order = sorted(self.d.tranches, key=lambda t: (t["seniority_rank"], t["tranche_id"]))
        after = {}
        for pay in sorted(self.d.payments, key=lambda p: int(p["period_number"])):
            after[pay["tranche_id"]] = pay["principal_after_cny"]
        rows = []
        for t in order:
            junior = t["tranche_class"] == "subordinated"
            rows.append([short_name(deal, t), L.code(t["security_code"]), L.date(deal["value_date"]),
                         L.date(t.get("expected_maturity_date") or t.get("legal_maturity_date")),
                         L.scale(Decimal(t["amount_cny"])) if L.scale_unit == "万元" else L.amount(Decimal(t["amount_cny"]), "万元"),
                         "-" if junior else (t.get("initial_rating") or "-").removesuffix("sf"),
                         "-" if junior or t.get("coupon_rate") is None else f"{Decimal(t['coupon_rate']) * 100:.2f}%",
                         self.money(after.get(t["tranche_id"], t["amount_cny"]))])
        header = ["证券简称", "证券代码", "起息日", "预期到期日", "发行金额（万元）", "信用评级", "预期收益率",
                  f"期末本金余额（{self.unit}）"]
        table = Table(header, rows, (0.12, 0.11, 0.12, 0.12, 0.13, 0.09, 0.1, 0.21), ("c",) * 7 + ("r",))
        paid_rows = [[L.date(p["payment_date"]), L.code(p["tranche_id"]), self.money(p["principal_paid_cny"]),
                      self.money(p["interest_paid_cny"])]
                     for p in sorted(self.d.payments, key=lambda p: (p["payment_date"], p["tranche_id"]))]
        distribution = Table(["分配日期", "证券代码", f"分配本金（{self.unit}）", f"分配收益（{self.unit}）"], paid_rows,
                              (0.22, 0.2, 0.29, 0.29), ("c", "c", "r", "r"))
        return [Para("截至报告期末，本专项计划资产支持证券的基本情况如下："), table,
                self.sub(1, "报告期内收益分配情况"), Para("报告期内，本专项计划按约定按月进行收益分配，具体如下："), distribution,
                self.sub(2, "业务参与人履约情况"),
                Para("报告期内，原始权益人、资产服务机构、托管人等业务参与人均按约定履行了各自的职责。")]

    def pool(self) -> list[Any]:
        a, L = self.a, self.L
        items: list[Any] = [self.sub(1, "基础资产数量及金额"),
                            Para(f"统计期间：{L.date(a['collection_period_start'])}至{L.date(a['collection_period_end'])}")]
        balance_rows = [[f"未偿本金余额（{self.unit}）", self.money(a["pool_balance_begin_cny"]),
                         self.money(a["pool_balance_end_cny"])],
                        ["资产笔数（笔）", self.count(a.get("loan_count_begin")), self.count(a.get("loan_count_end"))]]
        if self.variant == "missing_row":
            del balance_rows[0]
        items.append(Table(["项目", "报告期初", "报告期末"], balance_rows, (0.4, 0.3, 0.3), ("l", "r", "r")))
        items += [self.sub(2, "基础资产回收情况"),
                  Table(["项目", f"金额（{self.unit}）"],
                         [["本金回收", self.money(a["principal_collected_cny"])],
                          ["利息回收", self.money(a["interest_collected_cny"])]], (0.5, 0.5), ("l", "r"))]
        items.append(self.sub(3, "循环购买情况"))
        if self.d.deal.get("is_revolving"):
            items.append(Table(["项目", f"金额（{self.unit}）"],
                                [["报告期内循环购买金额", self.money(a.get("revolving_purchase_cny"))],
                                 ["累计循环购买金额", self.money(a.get("cumulative_revolving_purchase_cny"))]],
                                (0.5, 0.5), ("l", "r")))
        else:
            items.append(Para("本专项计划不设循环购买。"))
        begin = Decimal(a["pool_balance_begin_cny"] or 0)

        def share(value: Any) -> str:
            return "-" if value is None or not begin else L.percent(Decimal(value) / begin)

        buckets = [("逾期1-30天", a.get("delinquent_1_30_cny")), ("逾期31-60天", a.get("delinquent_31_60_cny")),
                   ("逾期61-90天", a.get("delinquent_61_90_cny")), ("逾期90天以上", a.get("delinquent_90_plus_cny"))]
        overdue = [Decimal(v) for _, v in buckets if v is not None]
        abnormal = [["提前偿还", self.money(a.get("prepayment_cny")), self.count(a.get("prepayment_count")),
                     share(a.get("prepayment_cny"))]]
        abnormal += [[label, self.money(value), "-", share(value)] for label, value in buckets]
        total_overdue = sum(overdue, Decimal(0)) if overdue else None
        abnormal.append(["逾期合计", self.money(total_overdue), self.count(a.get("delinquent_count")), share(total_overdue)])
        abnormal.append(["本期新增违约", self.money(a.get("new_default_cny")), self.count(a.get("new_default_count")),
                         share(a.get("new_default_cny"))])
        items += [self.sub(4, "早偿、逾期、违约等非正常偿还情况"),
                  Para("报告期内基础资产早偿、逾期、违约等各类非正常偿还的金额、笔数及其占期初未偿本金余额的比例如下："),
                  Table(["类型", f"金额（{self.unit}）", "笔数（笔）", "占比"], abnormal, (0.3, 0.3, 0.18, 0.22),
                         ("l", "r", "r", "r")),
                  Table(["项目", "数值"], [[f"累计违约金额（{self.unit}）", self.money(a.get("cumulative_default_cny"))],
                                           ["累计违约率", L.exact_percent(a.get("cumulative_default_rate"))]],
                         (0.5, 0.5), ("l", "r"))]
        items += [self.sub(5, "各期资产池情况"), Para("各收款期间资产池情况如下（累计违约率=累计违约金额/初始起算日资产池余额）："),
                  self.period_table()]
        reason = a.get("not_applicable_reason")
        if reason:
            items.append(Para(f"注：不适用原因：{reason}"))
        return items

    def period_table(self) -> Table:
        L = self.L
        rows = []
        for p in sorted(self.d.periods, key=lambda r: int(r["period_number"])):
            rows.append([f"第{int(p['period_number'])}期", L.date(p["collection_period_start"]),
                         L.date(p["collection_period_end"]), L.date(p["payment_date"]),
                         self.money(p.get("pool_balance_end_cny")), self.money(p.get("revolving_purchase_cny")),
                         self.money(p.get("cumulative_revolving_purchase_cny")),
                         self.money(p.get("cumulative_default_cny")), L.exact_percent(p.get("cumulative_default_rate"))])
        header = ["期数", "期间起始日", "期间截止日", "兑付日", f"期末未偿本金余额（{self.unit}）",
                  f"当期循环购买金额（{self.unit}）", f"累计循环购买金额（{self.unit}）", f"累计违约金额（{self.unit}）",
                  "累计违约率"]
        return Table(header, rows, (0.06, 0.1, 0.1, 0.1, 0.14, 0.13, 0.14, 0.12, 0.11), ("c",) * 4 + ("r",) * 5)

    def cash(self) -> list[Any]:
        a, L = self.a, self.L
        received, paid = Decimal(a["cash_received_cny"]), Decimal(a["cash_paid_cny"])
        opening = self.d.opening_cash
        actual = Decimal(a["principal_collected_cny"] or 0) + Decimal(a["interest_collected_cny"] or 0)
        forecast = Decimal(a["forecast_collections_cny"])
        variance = L.percent((actual - forecast) / forecast) if forecast else "-"
        return [
            self.sub(1, "专项计划账户资金收支情况"),
            Para("报告期内，专项计划账户收入来源为基础资产回收款，支出用途为循环购买价款、税费及资产支持证券本息分配。"),
            Table([f"期初余额（{self.unit}）", f"本期收入（{self.unit}）", f"本期支出（{self.unit}）",
                    f"期末余额（{self.unit}）"],
                   [[self.money(opening), self.money(received), self.money(paid), self.money(opening + received - paid)]],
                   (0.25, 0.25, 0.25, 0.25), ("r",) * 4),
            self.sub(2, "合格投资情况"),
            Para("报告期内，专项计划账户闲置资金未进行合格投资，报告期初和期末投资余额均为0。"),
            self.sub(3, "基础资产现金流与预测情况"),
            Table(["项目", f"实际金额（{self.unit}）", f"预测金额（{self.unit}）", "差异率"],
                   [["基础资产现金流入", self.money(actual), self.money(forecast), variance]],
                   (0.31, 0.25, 0.25, 0.19), ("l", "r", "r", "r")),
            Para("报告期内基础资产现金流入较预测未下降超过20%。"),
        ]

    def originator(self) -> list[Any]:
        return [Para(f"特定原始权益人{self.d.originator_name}报告期内经营正常，财务状况未发生重大不利变化。")]

    def enhancement(self) -> list[Any]:
        return [Para("本专项计划采用优先/次级结构分层、超额抵押及超额利差等内部增信措施，报告期内各项增信措施执行正常。")]


def _superseded(data: AnnualReportData) -> AnnualReportData:
    """The wrong first version: interest collected overstated by SUPERSEDED_DELTA (receipts and
    actual collections follow, so the wrong report is consistent in itself)."""
    annual = dict(data.annual)
    annual["interest_collected_cny"] = Decimal(annual["interest_collected_cny"] or 0) + SUPERSEDED_DELTA
    annual["cash_received_cny"] = Decimal(annual["cash_received_cny"]) + SUPERSEDED_DELTA
    return dataclasses.replace(data, annual=annual)


def _bad_number(items: list[Any]) -> None:
    """An OCR-style letter in the year-end pool balance (报告期末 of 未偿本金余额)."""
    for item in items:
        if isinstance(item, Table) and item.header == ["项目", "报告期初", "报告期末"]:
            item.rows[0][2] = garbled(item.rows[0][2])
            return
    raise ValueError("no balance table to garble")


def render_asset_management_report(data: AnnualReportData, layout: ExchangeLayout, variant: str = "normal") -> bytes:
    """The report as PDF bytes (deterministic), optionally broken on purpose (see VARIANTS)."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}; expected one of {VARIANTS}")
    if variant == "superseded":
        data = _superseded(data)
    items = _Builder(data, layout, variant).build()
    if variant == "bad_number":
        _bad_number(items)
    title = report_title(data, "更正" if variant == "revised" else None)
    return finish_pdf(items, title, data.manager_name, "{n} / {total}", variant)


def annual_reports_from_tables(tables: Mapping[str, Sequence[Mapping[str, Any]]], deal_ids: Sequence[str],
                               layout_for: Any = None) -> list[AnnualReportData]:
    """Every annual report of the given deals (their ``grain = 'annual'`` rows), in year order.
    ``layout_for(deal_id)`` may say a deal's layout, for the period table's scope (year or all)."""
    deals = {d["deal_id"]: d for d in tables.get("core.deals", ())}
    names = {i["institution_id"]: i["full_name_zh"] for i in tables.get("core.institutions", ())}
    tranches: dict[str, list] = {}
    for t in tables.get("core.tranches", ()):
        tranches.setdefault(t["deal_id"], []).append(t)
    annual: dict[str, list] = {}
    periods: dict[str, list] = {}
    for row in tables.get("core.pool_performance", ()):
        (annual if row.get("grain") == "annual" else periods).setdefault(row["deal_id"], []).append(row)
    payments: dict[str, list] = {}
    for p in tables.get("core.tranche_payments", ()):
        payments.setdefault(p["deal_id"], []).append(p)
    out = []
    for deal_id in deal_ids:
        deal = deals[deal_id]
        cash = Decimal(0)
        scope = getattr(layout_for(deal_id), "history_scope", "year") if layout_for else "year"
        for row in sorted(annual.get(deal_id, ()), key=lambda r: int(r["period_number"])):
            start, end = row["collection_period_start"], row["collection_period_end"]
            covered = [p for p in periods.get(deal_id, ()) if start <= p["collection_period_start"] and p["collection_period_end"] <= end]
            shown = covered if scope == "year" else [p for p in periods.get(deal_id, ()) if p["collection_period_end"] <= end]
            paid_dates = {p["payment_date"] for p in covered}
            out.append(AnnualReportData(
                deal=deal, manager_name=names.get(deal.get("trustee_id") or "", "管理人"),
                originator_name=names.get(deal.get("originator_id") or "", "原始权益人"),
                tranches=tuple(tranches.get(deal_id, ())), annual=row, periods=tuple(shown),
                payments=tuple(p for p in payments.get(deal_id, ()) if p["payment_date"] in paid_dates),
                opening_cash=cash, venue=tranches[deal_id][0]["security_code"].rsplit(".", 1)[-1]))
            cash += Decimal(row["cash_received_cny"]) - Decimal(row["cash_paid_cny"])
    return out


__all__ = ["AnnualReportData", "VARIANTS", "annual_reports_from_tables", "render_asset_management_report",
           "report_title"]
