"""资产运营报告 of asset-backed notes (ABN, 资产支持票据), one per deal and payment period, as PDF.

The trust company that issues the notes files one before each payment on chinamoney. NAFMII's
信息披露指引 第二十一条 prescribes fifteen items, not a layout (``exchange-disclosure.md`` §3):
participants, performance of duties, the notes, the period's receipts and payments, each
class's payment and rating, the pool's performance, revolving purchases, concentration,
assets in workout, special events, holder meetings, reports received, corrections, documents
for inspection, other. Here they are fifteen numbered sections; the figures live in 三 (the
notes), 四 (receipts), 五 (payments per class), 六 (the pool, with the delinquency
distribution) and 七 (revolving purchases).

Input: the same per-period rows a trustee report is drawn from (``TrusteeReportData``); the
renderer only draws. Layouts (``ExchangeLayout``) vary the payment table's orientation
(classes as rows or as columns), units (元 / 万元), codes with or without ``.IB``, dates.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

from sample_market.documents.exchange_layout import ExchangeLayout, finish_pdf, garbled
from sample_market.documents.render import Heading, Num, Para, Table
from sample_market.documents.trustee_report import TrusteeReportData

VARIANTS = ("normal", "revised", "superseded", "truncated", "image_only", "missing_row", "bad_number")
SUPERSEDED_DELTA = Decimal("10000.00")
CLEARING_HOUSE = "银行间市场清算所股份有限公司"
ITEMS = ("参与机构名称及地址", "履约情况", "资产支持票据基本信息", "本收款期间资金收支情况", "各档次兑付、收益及评级情况",
         "资产池运行情况及总体信息", "循环购买情况", "集中度情况", "进入处置程序的基础资产情况", "特殊事项报告",
         "持有人会议召开情况", "接受资产服务机构、资金保管机构报告的情况", "差错更正情况", "备查文件", "其他事项")


def operating_title(report: TrusteeReportData, revision: str | None = None) -> str:
    mark = {"更正": "(更正)", "更新": "(更新)"}.get(revision or "", "")
    return f"{report.deal_name}信托资产运营报告(第{report.period_number}期){mark}"


class _Builder:
    def __init__(self, report: TrusteeReportData, layout: ExchangeLayout, variant: str, names: dict[str, str]):
        self.r, self.L, self.variant, self.names = report, layout, variant, names
        self.unit = layout.amount_unit

    def money(self, value: Any) -> Num:
        return self.L.amount(None if value is None else Decimal(value))

    def build(self) -> list[Any]:
        r, L = self.r, self.L
        items: list[Any] = [
            Para(operating_title(r, "更正" if self.variant == "revised" else None), size=13, align="center", space=8),
            Para(f"资产支持票据名称：{r.deal_name}"),
            Para(f"发行载体管理机构：{r.trustee_name}"),
            Para(f"本期收款期间：{L.date(r.collection_period_start)}至{L.date(r.collection_period_end)}"),
            Para(f"本期支付日：{L.date(r.payment_date)}"),
            Para(f"报告日期：{L.date(r.report_date)}", space=10),
        ]
        blocks = {2: self.notes, 3: self.receipts, 4: self.payments, 5: self.pool, 6: self.revolving}
        for index, name in enumerate(ITEMS):
            items.append(Heading(L.heading(index + 1, name), 1, key="pool" if index == 5 else ""))
            items.extend(blocks[index]() if index in blocks else self.text(index))
        return items

    def text(self, index: int) -> list[Any]:
        if index == 0:
            rows = [["发起机构/资产服务机构", self.names.get("originator", "-")],
                    ["发行载体管理机构", self.r.trustee_name], ["登记托管机构", CLEARING_HOUSE]]
            return [Table(["参与机构", "名称"], rows, (0.35, 0.65), ("l", "l"))]
        texts = {
            1: "本收款期间内，发起机构、发行载体管理机构、资产服务机构、资金保管机构等参与机构均按约定履行了职责。",
            7: "本收款期间末，不存在单一债务人未偿本金余额占比超过15%或债务人及其关联方未偿本金余额占比超过20%的情形。",
            8: "本收款期间内，无进入处置程序的基础资产。",
            9: "本收款期间内，未发生违约事件、加速清偿事件及循环购买提前终止事件。",
            10: "本收款期间内，未召开持有人会议。",
            11: "发行载体管理机构已收到资产服务机构出具的资产服务报告及资金保管机构出具的资金保管报告。",
            12: "无。", 13: "资产服务报告、资金保管报告。", 14: "无。",
        }
        return [Para(texts[index])]

    def notes(self) -> list[Any]:
        rows = []
        for t in self.r.tranches:
            junior = t.get("tranche_class") == "subordinated"
            rows.append([t["tranche_name"], self.L.code(t["security_code"]), self.money(t.get("amount_cny")),
                         "-" if junior or t.get("coupon_rate") is None else f"{Decimal(t['coupon_rate']) * 100:.2f}%",
                         "-" if junior or not t.get("initial_rating") else t["initial_rating"]])
        return [Table(["档次", "证券代码", f"发行金额（{self.unit}）", "票面利率", "评级"], rows,
                       (0.16, 0.22, 0.26, 0.16, 0.2), ("c", "c", "r", "c", "c"))]

    def receipts(self) -> list[Any]:
        pool = self.r.pool
        rows = [["本金回收款", self.money(pool.get("principal_collected_cny"))],
                ["利息回收款", self.money(pool.get("interest_collected_cny"))],
                ["其他收入", self.money(pool.get("other_income_cny"))]]
        return [Table(["项目", f"金额（{self.unit}）"], rows, (0.5, 0.5), ("l", "r")),
                Para("本收款期间内闲置资金未进行投资。")]

    def payments(self) -> list[Any]:
        paid = {p["tranche_id"]: p for p in self.r.payments}
        tranches = [t for t in self.r.tranches if t["tranche_id"] in paid]
        if not tranches:
            return [Para("本期各档资产支持票据均无本息兑付。")]
        fields = (("期初本金余额", "principal_before_cny"), ("本期偿还本金", "principal_paid_cny"),
                  ("期末本金余额", "principal_after_cny"), ("本期支付利息", "interest_paid_cny"),
                  ("本期支付超额收益", "other_income_paid_cny"))
        if self.L.tranche_table == "huabei":  # classes as columns
            header = ["项目", *(t["tranche_name"] for t in tranches)]
            rows = [["证券代码", *(self.L.code(t["security_code"]) for t in tranches)]]
            rows += [[f"{label}（{self.unit}）", *(self.money(paid[t["tranche_id"]].get(name)) for t in tranches)]
                     for label, name in fields]
            share = 0.7 / len(tranches)
            return [Table(header, rows, (0.3, *(share,) * len(tranches)), ("l", *("r",) * len(tranches)))]
        header = ["证券代码", *(f"{label}（{self.unit}）" for label, _ in fields)]
        rows = [[self.L.code(t["security_code"]), *(self.money(paid[t["tranche_id"]].get(name)) for _, name in fields)]
                for t in tranches]
        return [Table(header, rows, (0.15, 0.17, 0.17, 0.17, 0.17, 0.17), ("c",) + ("r",) * 5),
                Para("本期各档资产支持票据评级均未发生变化。")]

    def pool(self) -> list[Any]:
        pool, L = self.r.pool, self.L
        rows = [["期初资产池余额", self.money(pool.get("pool_balance_begin_cny"))],
                ["期末资产池余额", self.money(pool.get("pool_balance_end_cny"))],
                ["期末资产笔数", "-" if pool.get("loan_count_end") is None else f"{int(pool['loan_count_end']):,}"],
                ["提前还款金额", self.money(pool.get("prepayment_cny"))],
                ["本期新增违约金额", self.money(pool.get("new_default_cny"))],
                ["累计违约金额", self.money(pool.get("cumulative_default_cny"))],
                ["累计违约率", L.exact_percent(pool.get("cumulative_default_rate"))]]
        if self.variant == "missing_row":
            del rows[1]
        buckets = [["1-30天", self.money(pool.get("delinquent_1_30_cny"))],
                   ["31-60天", self.money(pool.get("delinquent_31_60_cny"))],
                   ["61-90天", self.money(pool.get("delinquent_61_90_cny"))],
                   ["90天以上", self.money(pool.get("delinquent_90_plus_cny"))]]
        items = [Table(["项目", f"金额/数值（{self.unit}）"], rows, (0.5, 0.5), ("l", "r")),
                 Para("本收款期间末资产池逾期分布如下："),
                 Table(["逾期天数", f"未偿本金余额（{self.unit}）"], buckets, (0.5, 0.5), ("l", "r"))]
        if pool.get("not_applicable_reason"):
            items.append(Para(f"注：不适用原因：{pool['not_applicable_reason']}"))
        return items

    def revolving(self) -> list[Any]:
        pool = self.r.pool
        if not self.r.is_revolving:
            return [Para("本项目不设循环购买。")]
        return [Table(["项目", f"金额（{self.unit}）"],
                       [["本期循环购买金额", self.money(pool.get("revolving_purchase_cny"))],
                        ["累计循环购买金额", self.money(pool.get("cumulative_revolving_purchase_cny"))]],
                       (0.5, 0.5), ("l", "r"))]


def _bad_number(items: list[Any]) -> None:
    for item in items:
        if isinstance(item, Table) and item.rows and item.rows[0][0] == "期初资产池余额":
            item.rows[0][1] = garbled(item.rows[0][1])
            return
    raise ValueError("no pool table to garble")


def render_abn_operating_report(report: TrusteeReportData, layout: ExchangeLayout, variant: str = "normal",
                                names: dict[str, str] | None = None) -> bytes:
    """The report as PDF bytes (deterministic); ``names`` holds the originator's name."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}; expected one of {VARIANTS}")
    if variant == "superseded":
        report = dataclasses.replace(report, pool={**report.pool, "interest_collected_cny":
                                                   Decimal(report.pool["interest_collected_cny"] or 0) + SUPERSEDED_DELTA})
    items = _Builder(report, layout, variant, names or {}).build()
    if variant == "bad_number":
        _bad_number(items)
    title = operating_title(report, "更正" if variant == "revised" else None)
    return finish_pdf(items, title, report.trustee_name, "第{n}页", variant)


__all__ = ["VARIANTS", "operating_title", "render_abn_operating_report"]
