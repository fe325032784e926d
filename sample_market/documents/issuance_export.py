"""Wind-style ABS issuance export (XLSX): one row per tranche, the deal's columns repeated,
from core.deals / core.tranches / core.deal_labels / core.credit_enhancements /
core.institutions rows.

Wind's ABS fields are only partly public, so the column set follows the inferred headers in
shared/reference/real-world-formats.md (项目名称, 证券分层, 基础资产类型, 预期到期日, 原始权益人
…) plus what the warehouse needs (pool statistics, enhancement, labels). Several enhancers of
one deal share a cell, `;`-separated, with the kind/relation/rating cells in the same order.

Amounts are printed in the layout's unit with enough decimals for the cent (亿元 → 10, see
``workbook``); averages per loan in 万元 (6 decimals).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
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
from sample_market.documents.workbook import Column, Layout, render_table

DEFAULT_LAYOUT = Layout(sheet_name="ABS发行明细", footer="数据来源：Wind")
MARKET_LABELS = {"credit_abs": "信贷ABS", "abn": "ABN", "exchange_abs": "企业ABS"}
VENUE_LABELS = {"credit_abs": "银行间", "abn": "银行间", "exchange_abs": "交易所"}


def render_issuance_export(
    deals: Sequence[Mapping[str, Any]],
    tranches: Sequence[Mapping[str, Any]],
    institutions: Sequence[Mapping[str, Any]],
    deal_labels: Sequence[Mapping[str, Any]] = (),
    credit_enhancements: Sequence[Mapping[str, Any]] = (),
    layout: Layout = DEFAULT_LAYOUT,
    *,
    label_separator: str = ";",
    market_style: str = "market",
) -> bytes:
    """One row per tranche (deals without tranches are not printable and raise).

    ``market_style``: `market` prints 信贷ABS/ABN/企业ABS, `venue` prints 银行间/交易所 as
    Wind's 发行场所 does (the reader then needs the deal name to tell credit ABS from ABN).
    """
    inst = {i["institution_id"]: i for i in institutions}
    deal_by_id = {d["deal_id"]: d for d in deals}
    labels: dict[str, list[str]] = defaultdict(list)
    for row in sorted(deal_labels, key=lambda r: (r["deal_id"], r["label"])):
        labels[row["deal_id"]].append(row["label"])
    enhancements: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for row in sorted(credit_enhancements, key=lambda r: (r["deal_id"], r["enhancer_id"], r["enhancement_kind"])):
        enhancements[row["deal_id"]].append(row)
    with_tranches = {t["deal_id"] for t in tranches}
    missing = sorted(set(deal_by_id) - with_tranches)
    if missing:
        raise ValueError(f"deals without tranches cannot be printed in a tranche-level export: {missing[:5]}")

    def deal(key: str):
        return lambda r: deal_by_id[r["deal_id"]].get(key)

    def name(key: str, field: str = "full_name_zh"):
        def get(r: Mapping[str, Any]) -> Any:
            inst_id = deal_by_id[r["deal_id"]].get(key)
            return None if inst_id is None else inst[inst_id][field]
        return get

    def type_of(key: str):
        def get(r: Mapping[str, Any]) -> Any:
            inst_id = deal_by_id[r["deal_id"]].get(key)
            return None if inst_id is None else TYPE_LABELS[inst[inst_id]["institution_type"]]
        return get

    def agency(r: Mapping[str, Any]) -> Any:
        agency_id = r.get("initial_rating_agency_id")
        if agency_id is None:
            return None
        return inst[agency_id].get("short_name_zh") or inst[agency_id]["full_name_zh"]

    def enhancement(get):
        def cell(r: Mapping[str, Any]) -> Any:
            items = enhancements.get(r["deal_id"], [])
            if not items:
                return None
            values = [get(e) for e in items]
            return ";".join("-" if v is None else v for v in values)
        return cell

    def short_name(r: Mapping[str, Any]) -> Any:
        deal_short = deal_by_id[r["deal_id"]].get("deal_short_name")
        return f"{deal_short}{r['tranche_name']}" if deal_short else None

    market_labels = MARKET_LABELS if market_style == "market" else VENUE_LABELS
    columns = [
        Column.of("证券代码", "security_code"),
        Column("证券简称", short_name),
        Column("项目名称", deal("deal_name_zh")),
        Column("项目简称", deal("deal_short_name")),
        Column.of("证券分层", "tranche_name"),
        Column("分层类别", lambda r: CLASS_LABELS[r["tranche_class"]]),
        Column.of("偿付顺序", "seniority_rank", "int"),
        Column.of("发行总额", "amount_cny", "amount"),
        Column.of("票面利率", "coupon_rate", "rate"),
        Column("利率类型", lambda r: COUPON_TYPE_LABELS.get(r.get("coupon_type"))),
        Column.of("发行价格", "issue_price_per_100", "number"),
        Column.of("债项评级(发行时)", "initial_rating", "rating"),
        Column("评级机构", agency),
        Column("发行日期", deal("issue_date"), "date"),
        Column("起息日期", deal("value_date"), "date"),
        Column.of("预期到期日", "expected_maturity_date", "date"),
        Column.of("法定到期日", "legal_maturity_date", "date"),
        Column("项目法定到期日", deal("legal_maturity_date"), "date"),
        Column.of("期限(年)", "expected_tenor_years", "number"),
        Column("还本方式", lambda r: AMORTISATION_LABELS.get(r.get("amortisation"))),
        Column("发行市场" if market_style == "market" else "发行场所",
               lambda r: market_labels[deal_by_id[r["deal_id"]]["market"]]),
        Column("基础资产类型", lambda r: _asset_label(deal_by_id[r["deal_id"]]["asset_class"])),
        Column("基础资产细分", lambda r: SUBCLASS_LABELS.get(deal_by_id[r["deal_id"]].get("asset_subclass"),
                                                          deal_by_id[r["deal_id"]].get("asset_subclass"))),
        Column("原始权益人/发起机构", name("originator_id")),
        Column("发起机构简称", name("originator_id", "short_name_zh")),
        Column("发起机构类型", type_of("originator_id")),
        Column("资产提供方", name("asset_provider_id")),
        Column("资产提供方简称", name("asset_provider_id", "short_name_zh")),
        Column("资产提供方类型", type_of("asset_provider_id")),
        Column("受托机构/计划管理人", name("trustee_id")),
        Column("受托机构简称", name("trustee_id", "short_name_zh")),
        Column("受托机构类型", type_of("trustee_id")),
        Column("是否公开发行", deal("is_public_offering"), "flag"),
        Column("是否循环购买", deal("is_revolving"), "flag"),
        Column("循环期(月)", deal("revolving_period_months"), "int"),
        Column("特定领域标识", lambda r: label_separator.join(labels[r["deal_id"]]) or None),
        Column("是否有外部增信", deal("has_external_enhancement"), "flag"),
        Column("增信方", enhancement(lambda e: inst[e["enhancer_id"]]["full_name_zh"])),
        Column("增信方类型", enhancement(lambda e: TYPE_LABELS[inst[e["enhancer_id"]]["institution_type"]])),
        Column("增信方式", enhancement(lambda e: ENHANCEMENT_KIND_LABELS[e["enhancement_kind"]])),
        Column("增信方关系", enhancement(lambda e: RELATION_LABELS[e["enhancer_relation"]])),
        Column("增信方主体评级", enhancement(lambda e: e.get("enhancer_rating"))),
        Column.of("次级期间收益率", "period_return_rate", "rate"),
        Column.of("自留比例", "originator_retained_share", "rate"),
        Column.of("次级是否对外发行", "is_externally_placed", "flag"),
        Column("项目发行总额", deal("deal_amount_cny"), "amount"),
        Column("初始资产池余额", deal("initial_pool_balance_cny"), "amount"),
        Column("入池笔数", deal("pool_loan_count"), "int"),
        Column("入池户数", deal("pool_borrower_count"), "int"),
        Column("笔均余额", deal("avg_balance_per_loan_cny"), "amount", unit="wan"),
        Column("户均余额", deal("avg_balance_per_borrower_cny"), "amount", unit="wan"),
        Column("加权平均合同期限(月)", deal("wa_contract_term_months"), "number"),
        Column("加权平均剩余期限(月)", deal("wa_remaining_term_months"), "number"),
        Column("加权平均利率", deal("wa_pool_rate"), "rate"),
        Column("加权平均逾期期限(月)", deal("wa_overdue_months"), "number"),
        Column("预估毛回收率", deal("expected_gross_recovery_rate"), "rate"),
        Column.of("摘牌日", "delisting_date", "date"),
    ]
    rows = sorted(tranches, key=lambda t: (deal_by_id[t["deal_id"]]["deal_name_zh"], t["seniority_rank"],
                                           t["tranche_name"]))
    return render_table(columns, rows, layout)


def _asset_label(code: str) -> str:
    """Chinese asset-class name (the market's own spelling); unknown codes print as the code."""
    return asset_class_label(code)
