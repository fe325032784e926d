"""CNABS-style securities export (XLSX) from core.deals / core.tranches / core.rating_actions /
core.institutions rows, shaped like the real file tests/fixtures/real_world/cnabs_securities_export.xlsx.

Sheet 证券信息 has one row per tranche, sheet 产品信息 one per deal (产品全称, 起息日). What CNABS
prints unlike Wind, and the parser must undo:

* 证券名称 runs the deal's short name and the tranche label together (`飞驰建普2024-6优先A1`);
* amounts in 元 as numbers, and again in 万元 as text with separators (`80,000.00`);
* coupons as a fraction and as `%` text (`3.1%`, `0.00%`), 0 for a subordinated tranche,
  利率形式 empty there;
* ratings without `sf`, per agency an original and a current rating (the current one as of the
  export date, from the rating actions); `NR` for an unrated tranche of a deal the agency rated;
  the unnamed `评级机构1` columns stay empty, as in the real file;
* now and then 还本方式 holds 利率形式's value (`固定`), the column slip of the real file.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sample_market.documents.workbook import Column, Layout, SheetSpec, render_xlsx
from sample_market.documents.code_labels import (
    CNABS_AGENCY_COLUMNS,
    CNABS_AMORTISATION_LABELS as AMORTISATION_LABELS,
    COUPON_TYPE_LABELS,
    TRANCHE_CLASS_LABELS as CLASS_LABELS,
)

# The real file's agency columns in its order, then 中债资信 (the sample market's agencies include it).
AGENCY_COLUMNS = ("联合资信", "中诚信国际", "大公国际", "东方金诚", "鹏元资信", "评级机构1", "新世纪评级", "联合信用",
                  "中债资信")


def render_cnabs_export(
    deals: Sequence[Mapping[str, Any]],
    tranches: Sequence[Mapping[str, Any]],
    institutions: Sequence[Mapping[str, Any]],
    rating_actions: Sequence[Mapping[str, Any]],
    as_of: date,
    *,
    date_style: str = "iso",
    slip_every: int | None = None,
) -> bytes:
    """Both sheets; ``slip_every`` puts 利率形式 into 还本方式 on every n-th coupon-bearing row."""
    deal_by_id = {d["deal_id"]: d for d in deals}
    agency_column = {i["institution_id"]: _agency_column(i["full_name_zh"])
                     for i in institutions if i["institution_type"] == "rating_agency"}
    current = _current_ratings(rating_actions, as_of)
    deal_agencies: dict[str, set[str]] = defaultdict(set)
    for t in tranches:
        if t.get("initial_rating_agency_id"):
            deal_agencies[t["deal_id"]].add(t["initial_rating_agency_id"])
    rows = sorted(tranches, key=lambda t: (deal_by_id[t["deal_id"]]["value_date"],
                                           deal_by_id[t["deal_id"]]["deal_name_zh"], t["seniority_rank"]))
    slipped = _slipped_rows(rows, slip_every)

    def rating(column: str, moment: str):
        def get(t: Mapping[str, Any]) -> str | None:
            agencies = [a for a in deal_agencies[t["deal_id"]] if agency_column[a] == column]
            if not agencies:
                return None
            agency = agencies[0]
            if t.get("initial_rating_agency_id") != agency:
                return "NR"
            value = t["initial_rating"] if moment == "original" else current.get((t["tranche_id"], agency),
                                                                                   t["initial_rating"])
            return value.removesuffix("sf")
        return get

    def short_name(t: Mapping[str, Any]) -> str:
        deal_short = deal_by_id[t["deal_id"]].get("deal_short_name")
        if not deal_short:
            raise ValueError(f"deal {t['deal_id']} has no short name to print 证券名称 with")
        return f"{deal_short}{t['tranche_name']}"

    columns = [
        Column("产品全称", lambda t: deal_by_id[t["deal_id"]]["deal_name_zh"]),
        Column("证券名称", short_name),
        Column.of("证券代码", "security_code"),
        Column.of("发行量", "amount_cny", "number"),
        Column("发行量(万元)", lambda t: _wan_text(t["amount_cny"])),
        Column("还本方式", lambda t: "固定" if t["tranche_id"] in slipped else AMORTISATION_LABELS[t["amortisation"]]),
        Column("类型", lambda t: CLASS_LABELS[t["tranche_class"]]),
        Column("发行利率", lambda t: t.get("coupon_rate") or Decimal(0), "number"),
        Column("发行利率(%)", lambda t: _percent_text(t.get("coupon_rate"))),
        Column("利率形式", lambda t: COUPON_TYPE_LABELS.get(t.get("coupon_type"))),
        Column("当前利率", lambda t: t.get("coupon_rate") or Decimal(0), "number"),
        Column("当前利率(%)", lambda t: _percent_text(t.get("coupon_rate"))),
        Column.of("预计到期日", "expected_maturity_date", "date"),
    ]
    for name in AGENCY_COLUMNS:
        columns += [Column(f"{name}（原始）", rating(name, "original")), Column(f"{name}（当前）", rating(name, "current"))]
    products = sorted({t["deal_id"] for t in tranches}, key=lambda d: (deal_by_id[d]["value_date"],
                                                                        deal_by_id[d]["deal_name_zh"]))
    product_columns = [Column("产品全称", lambda d: deal_by_id[d]["deal_name_zh"]),
                       Column("起息日", lambda d: deal_by_id[d]["value_date"], "date")]
    return render_xlsx([
        SheetSpec(columns, rows, Layout(sheet_name="证券信息", date_style=date_style)),
        SheetSpec(product_columns, products, Layout(sheet_name="产品信息", date_style=date_style)),
    ])


def _agency_column(full_name: str) -> str:
    column = CNABS_AGENCY_COLUMNS.get(full_name)
    if column is None or column not in AGENCY_COLUMNS:
        raise ValueError(f"no CNABS rating column for agency {full_name}")
    return column


def _current_ratings(actions: Sequence[Mapping[str, Any]], as_of: date) -> dict[tuple[str, str], str]:
    """(tranche, agency) → the rating after the last action on or before ``as_of``."""
    out: dict[tuple[str, str], str] = {}
    for action in sorted(actions, key=lambda a: a["action_date"]):
        if action["action_date"] <= as_of and action.get("rating_after"):
            out[action["tranche_id"], action["agency_id"]] = action["rating_after"]
    return out


def _slipped_rows(rows: Sequence[Mapping[str, Any]], every: int | None) -> set[str]:
    if not every:
        return set()
    coupon_rows = [t["tranche_id"] for t in rows if t.get("coupon_type")]
    return set(coupon_rows[every // 2::every])


def _wan_text(amount: Decimal) -> str:
    return f"{(amount / 10_000).quantize(Decimal('0.01'), ROUND_HALF_UP):,.2f}"


def _percent_text(rate: Decimal | None) -> str:
    if not rate:
        return "0.00%"
    return f"{(rate * 100).normalize():f}%"
