"""Wind-style exports about local-AMC debt from core.amc_bonds, core.amc_bond_events and
core.amc_issuer_ratings rows (one XLSX each, or all three as sheets of one workbook).

Wind's quirks are the default: units on a second header line (`发行总额\\r\\n[单位] 亿元`,
`票面利率(发行时)\\r\\n[单位] %`), codes with .IB/.SH/.SZ, Chinese bond-type names, `数据来源：
Wind` under the table. Offshore bonds carry 币种 美元 and an amount in 亿美元.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sample_market.documents.code_labels import INSTITUTION_TYPE_LABELS as TYPE_LABELS
from sample_market.documents.workbook import Column, Layout, SheetSpec, render_table, render_xlsx

WIND_LAYOUT = Layout(header_style="wind", sheet_name="债券列表", footer="数据来源：Wind")
EVENTS_LAYOUT = WIND_LAYOUT.with_(sheet_name="债券事件")
RATINGS_LAYOUT = WIND_LAYOUT.with_(sheet_name="主体评级")
BOND_TYPE_LABELS = {
    "corporate_bond": "一般公司债", "mtn": "一般中期票据", "scp": "超短期融资券", "cp": "一般短期融资券",
    "ppn": "定向工具", "private_bond": "私募债", "enterprise_bond": "一般企业债", "perpetual": "可续期公司债",
    "offshore": "海外债", "abs": "证监会主管ABS",
}  # fmt: skip
CURRENCY_LABELS = {"CNY": "人民币", "USD": "美元", "HKD": "港元"}
EVENT_LABELS = {"repayment": "兑付", "put_repayment": "回售", "early_redemption": "提前兑付", "default": "违约",
                "extension": "展期"}
ACTION_LABELS = {"assign": "首次", "affirm": "维持", "upgrade": "上调", "downgrade": "下调", "withdraw": "撤销"}


def _venue(bond: Mapping[str, Any]) -> str:
    if bond["is_offshore"]:
        return "境外"
    suffix = bond["security_code"].rsplit(".", 1)[-1].upper()
    return {"IB": "银行间", "SH": "上交所", "SZ": "深交所"}.get(suffix, "其他")


def _bonds_spec(bonds: Sequence[Mapping[str, Any]], issuer_names: Mapping[str, str],
                institutions: Mapping[str, Mapping[str, Any]], layout: Layout) -> SheetSpec:
    def guarantor(key: str):
        def get(r: Mapping[str, Any]) -> Any:
            inst = institutions.get(r["guarantor_id"]) if r.get("guarantor_id") else None
            if inst is None:
                return None
            if key == "name":
                return inst["full_name_zh"]
            return TYPE_LABELS[inst["institution_type"]]
        return get

    columns = [
        Column.of("证券代码", "security_code"),
        Column.of("证券简称", "short_name"),
        Column("发行人", lambda r: issuer_names[r["amc_id"]]),
        Column("Wind债券二级分类", lambda r: BOND_TYPE_LABELS[r["bond_type"]]),
        Column("币种", lambda r: CURRENCY_LABELS[r["currency"]]),
        Column.of("发行总额", "amount_original", "amount"),
        Column.of("票面利率(发行时)", "coupon_rate", "rate"),
        Column.of("期限(年)", "term_years", "number"),
        Column.of("起息日期", "value_date", "date"),
        Column.of("到期日期", "maturity_date", "date"),
        Column.of("下一行权日", "next_put_date", "date"),
        Column("担保人", guarantor("name")),
        Column("担保人类型", guarantor("type")),
        Column.of("主体评级", "issuer_rating", "rating"),
        Column.of("债项评级", "issue_rating", "rating"),
        Column.of("是否ABS", "is_abs", "flag"),
        Column("上市地点", _venue),
    ]
    return SheetSpec(columns, sorted(bonds, key=lambda r: r["security_code"]), layout)


def render_amc_bonds(
    bonds: Sequence[Mapping[str, Any]],
    issuer_names: Mapping[str, str],
    institutions: Sequence[Mapping[str, Any]] = (),
    layout: Layout = WIND_LAYOUT,
) -> bytes:
    """``issuer_names`` maps amc_id → the name Wind prints (full or short); ``institutions``
    are core.institutions rows for the guarantors."""
    spec = _bonds_spec(bonds, issuer_names, {i["institution_id"]: i for i in institutions}, layout)
    return render_table(spec.columns, spec.records, layout)


def _events_spec(events: Sequence[Mapping[str, Any]], layout: Layout) -> SheetSpec:
    columns = [
        Column.of("证券代码", "security_code"),
        Column.of("事件日期", "event_date", "date"),
        Column("事件类型", lambda r: EVENT_LABELS[r["event_type"]]),
        Column.of("金额", "amount_cny", "amount"),
        Column.of("展期后到期日", "new_maturity_date", "date"),
    ]
    rows = sorted(events, key=lambda r: (r["event_date"], r["security_code"], r["event_type"]))
    return SheetSpec(columns, rows, layout)


def render_amc_bond_events(events: Sequence[Mapping[str, Any]], layout: Layout = EVENTS_LAYOUT) -> bytes:
    spec = _events_spec(events, layout)
    return render_table(spec.columns, spec.records, spec.layout)


def _ratings_spec(ratings: Sequence[Mapping[str, Any]], issuer_names: Mapping[str, str],
                  agency_names: Mapping[str, str], layout: Layout, with_action_column: bool) -> SheetSpec:
    columns = [
        Column("发行人", lambda r: issuer_names[r["amc_id"]]),
        Column("评级机构", lambda r: agency_names[r["agency_id"]]),
        Column.of("评级日期", "rating_date", "date"),
        Column.of("主体评级", "rating", "rating"),
    ]
    if with_action_column:
        columns.append(Column("评级动作", lambda r: ACTION_LABELS[r["action_type"]]))
    rows = sorted(ratings, key=lambda r: (r["rating_date"], issuer_names[r["amc_id"]], r["agency_id"]))
    return SheetSpec(columns, rows, layout)


def render_amc_issuer_ratings(
    ratings: Sequence[Mapping[str, Any]],
    issuer_names: Mapping[str, str],
    agency_names: Mapping[str, str],
    layout: Layout = RATINGS_LAYOUT,
    *,
    with_action_column: bool = True,
) -> bytes:
    spec = _ratings_spec(ratings, issuer_names, agency_names, layout, with_action_column)
    return render_table(spec.columns, spec.records, spec.layout)


def render_amc_debt_workbook(
    bonds: Sequence[Mapping[str, Any]],
    events: Sequence[Mapping[str, Any]],
    ratings: Sequence[Mapping[str, Any]],
    issuer_names: Mapping[str, str],
    agency_names: Mapping[str, str],
    institutions: Sequence[Mapping[str, Any]] = (),
    layout: Layout = WIND_LAYOUT,
) -> bytes:
    """All three exports as sheets 债券列表, 债券事件, 主体评级 of one workbook."""
    by_id = {i["institution_id"]: i for i in institutions}
    return render_xlsx([
        _bonds_spec(bonds, issuer_names, by_id, layout.with_(sheet_name="债券列表")),
        _events_spec(events, layout.with_(sheet_name="债券事件")),
        _ratings_spec(ratings, issuer_names, agency_names, layout.with_(sheet_name="主体评级"), True),
    ])
