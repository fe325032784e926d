"""CNABS securities export (real file: shared/real-world/cnabs_securities_export.xlsx) →
core.tranches and core.deals (+ the rating agencies as institutions).

Sheet 证券信息 has one row per tranche: 产品全称, 证券名称, 证券代码 (.IB/.SH/.SZ), 发行量 (元,
a number), 发行量(万元) (text with commas, rounded to 0.01 万元), 还本方式, 类型 (优先级 / 夹层级 /
次级), 发行利率 (a fraction), 发行利率(%) (text), 利率形式, 预计到期日, and for each of eight
agencies an original and a current rating (`AAA`, `AA+`, `NR`, empty; sf is not written).
Sheet 产品信息 gives each deal's 起息日.

What the file does not say is left out or derived openly:

* amounts come from 发行量 and must agree with 发行量(万元) within its rounding (±50 元);
  the coupon from 发行利率, checked against the % text; a subordinated tranche's 0 is "no
  coupon" (NULL), not a 0 % coupon;
* the market from the code suffix (.SH/.SZ exchange ABS); an .IB deal is ABN or credit ABS by
  its name: an interbank deal of a non-financial company can only be an ABN, and a publicly
  offered 资产支持证券 (not a 票据, not 定向) of anyone else is credit ABS;
* seniority (1, 2, 3 …) follows the tranche labels when they all read (`优先A1`, `优先A2`, `次级`),
  else the class order (senior, mezzanine, subordinated), then the file order;
* CNABS has no tranche-label column: 证券名称 is the deal's short name and the label run together
  (`24京东东裕3ABN002优先A`). The part all tranches of a deal share is the deal's short name, the
  rest each tranche's label (`优先A`), as the Wind export's 项目简称 and 证券分层 state them; a
  deal of one tranche is split before its label word (优先, 次, 中间 …), or kept whole;
* CNABS prints no rating dates, and a rating without a date is not a rating action: the first
  agency's (原始) rating is the tranche's initial rating; every agency's original and current
  ratings are checked and kept in ``meta['ratings']`` but load nowhere. The dated history comes
  from the rating-action documents;
* two rows carry 利率形式's value `固定` in 还本方式, a CNABS column slip: amortisation is
  NULL there and the row is listed in ``meta['warnings']``;
* the asset class comes from the deal name; names that do not state one (most ABN and
  专项计划 shelf names) leave it NULL, so that another source's class stands (the warehouse
  files a deal no source classifies under `other`), and are listed in
  ``meta['unclassified_deals']``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from transforms.normalise.ids import deal_id_for
from transforms.normalise.markets import INTERBANK, market_from_code, refine_market
from transforms.normalise.numbers import parse_rate
from transforms.normalise.ratings import agency, resolve_agency
from transforms.normalise.text import fold_width
from transforms.normalise.titles import parse_deal_name
from transforms.normalise.tranches import dense_ranks, parse_tranche_label
from transforms.parse.base import DocumentError, ParsedDocument
from transforms.parse.parties import Parties
from transforms.parse.tabular import Grid, Row, Table, find_table, locate_table, read_grids

DOC_TYPE = "cnabs_export"
SYNONYMS = {
    "deal_name_zh": ("产品全称",),
    "short_name": ("证券名称", "证券简称"),
    "security_code": ("证券代码",),
    "amount_cny": ("发行量", "发行量(元)"),
    "amount_wan": ("发行量(万元)",),
    "amortisation": ("还本方式",),
    "tranche_class": ("类型", "证券类型"),
    "coupon_rate": ("发行利率",),
    "coupon_text": ("发行利率(%)",),
    "coupon_type": ("利率形式",),
    "expected_maturity_date": ("预计到期日", "预期到期日"),
}
REQUIRED = ("deal_name_zh", "security_code", "amount_cny", "tranche_class")
PRODUCT_SYNONYMS = {"deal_name_zh": ("产品全称",), "value_date": ("起息日", "起息日期")}
CLASSES = {"优先级": "senior", "夹层级": "mezzanine", "次级": "subordinated"}
CLASS_ORDER = {"senior": 0, "mezzanine": 1, "subordinated": 2}
AMORTISATION = {"过手": "pass_through", "到期还本": "bullet"}
COLUMN_SLIPS = {"固定", "浮动"}  # 利率形式 values that CNABS sometimes writes into 还本方式
COUPON_TYPES = {"固定": "fixed", "浮动": "floating"}
_ROWS_PER_CLASS = 10_000_000  # ranks by class, then row: more rows than any sheet holds
WAN_TOLERANCE = Decimal(50)  # 发行量(万元) is rounded to 0.01 万元
_RATING_HEADER = re.compile(r"(.+?)\s*\((原始|当前)\)")
# Where a tranche label starts, for a deal whose one tranche gives no shared part to split at.
_LABEL_START = re.compile(r"(?:优先|次优|次级|次|中间|夹层|劣后)")
# A shared part cannot end inside a label word (`…优先` when every tranche is 优先A/优先B).
_PARTIAL_LABEL = re.compile(r"(?:优先|优|次优|次|中间|中|夹层|夹|劣后|劣)$")
# A 资产支持证券 (not a 票据), with any bracketed labels after it: `…租赁资产支持证券（碳中和）`.
_PUBLIC_SECURITY = re.compile(r"资产支持证券(?:[（(][^）)]*[）)])*$")
# Originators that may issue credit ABS (NFRA-regulated financial institutions).
_FINANCIAL_WORDS = ("银行", "信托", "金融", "租赁", "资产管理", "财务公司")


def parse_cnabs_export(data: bytes, file_name: str = "") -> ParsedDocument:
    grids = read_grids(data, file_name)
    table = find_table(grids, SYNONYMS, REQUIRED, "CNABS securities")
    rating_columns = _rating_columns(table)
    value_dates = _value_dates(grids)
    doc = ParsedDocument(DOC_TYPE, meta={"warnings": [], "unclassified_deals": [], "ratings": {}})
    parties = Parties()
    deals: dict[str, dict[str, Any]] = {}
    tranches: list[tuple[int, dict[str, Any]]] = []
    for row in table.rows():
        name = row.text("deal_name_zh", required=True)
        code = row.code("security_code")
        deal = deals.get(name)
        if deal is None:
            deal = deals[name] = _deal(row, name, code, value_dates, doc)
        tranche = _tranche(row, deal, code, doc)
        tranches.append((row.number, tranche))
        deal["deal_amount_cny"] += tranche["amount_cny"]
        _ratings(row, code, tranche, rating_columns, parties, doc)
    _split_short_names(deals.values(), [t for _, t in tranches])
    _rank(tranches)
    for _, tranche in tranches:
        doc.add("core.tranches", tranche)
    for deal in deals.values():
        doc.add("core.deals", deal)
    parties.emit(doc)
    return doc


def _rating_columns(table: Table) -> list[tuple[str | None, str, str, str]]:
    """(agency id or None, original key, current key, header) per `X（原始）`/`X（当前）` pair.

    The pairs are registered as extra table columns so rows read them like any other cell.
    """
    pairs: dict[str, dict[str, tuple[int, str]]] = {}
    for col, text in enumerate(table.header_cells):
        match = _RATING_HEADER.fullmatch(fold_width(text).strip()) if isinstance(text, str) else None
        if match:
            kind = "original" if match.group(2) == "原始" else "current"
            pairs.setdefault(match.group(1), {})[kind] = (col, text)
    out = []
    for key, found in pairs.items():
        if set(found) != {"original", "current"}:
            raise DocumentError(f"rating column {key!r} lacks its original or current half", check="header")
        for kind, (col, text) in found.items():
            table.columns[f"rating:{text}"], table.headers[f"rating:{text}"] = col, text
        try:
            agency_id: str | None = resolve_agency(found["original"][1])
        except ValueError:
            agency_id = None  # e.g. CNABS's placeholder `评级机构1`: allowed only while empty
        out.append((agency_id, f"rating:{found['original'][1]}", f"rating:{found['current'][1]}", found["original"][1]))
    return out


def _value_dates(grids: list[Grid]) -> dict[str, date]:
    """产品全称 → 起息日 from the 产品信息 sheet (absent sheet: no value dates)."""
    for grid in grids:
        table = locate_table(grid, PRODUCT_SYNONYMS, ("deal_name_zh", "value_date"))
        if table is not None:
            return {row.text("deal_name_zh", required=True): row.date("value_date", required=True)
                    for row in table.rows()}
    return {}


def _deal(row: Row, name: str, code: str, value_dates: dict[str, date], doc: ParsedDocument) -> dict[str, Any]:
    try:
        parsed = parse_deal_name(name)
        venue = market_from_code(code)
        market = refine_market(venue, parsed.market_hint)
    except ValueError as exc:
        raise row.fail("deal_name_zh", str(exc)) from exc
    if market == INTERBANK:
        if parsed.originator and not any(word in parsed.originator for word in _FINANCIAL_WORDS):
            market = "abn"  # a non-financial company cannot originate credit ABS
        elif _PUBLIC_SECURITY.search(name) and "定向" not in name:
            market = "credit_abs"  # `永赢金租…租赁资产支持证券`: an ABN is a 票据 or a 定向 placement
        else:
            raise row.fail("deal_name_zh", "interbank deal: the name does not tell credit ABS from ABN")
    asset_class = parsed.asset_class
    if asset_class is None:
        doc.meta["unclassified_deals"].append(name)
    return {
        "deal_id": deal_id_for(name), "deal_name_zh": name, "deal_short_name": None,
        "series_name": parsed.series, "vintage_year": parsed.vintage_year, "issue_number": parsed.issue_number,
        "market": market, "asset_class": asset_class, "asset_subclass": None, "is_public_offering": None,
        "originator_id": None, "asset_provider_id": None, "trustee_id": None, "issue_date": None,
        "value_date": value_dates.get(name), "legal_maturity_date": None, "deal_amount_cny": Decimal("0.00"),
        "initial_pool_balance_cny": None, "pool_loan_count": None, "pool_borrower_count": None,
        "avg_balance_per_loan_cny": None, "avg_balance_per_borrower_cny": None, "wa_contract_term_months": None,
        "wa_remaining_term_months": None, "wa_pool_rate": None, "wa_overdue_months": None,
        "expected_gross_recovery_rate": None, "is_revolving": None, "revolving_period_months": None,
        "has_external_enhancement": None,
        "source_page": row.number, "source_table": row.table.sheet, "source_row_label": name,
    }


def _tranche(row: Row, deal: dict[str, Any], code: str, doc: ParsedDocument) -> dict[str, Any]:
    tranche_class = row.choice("tranche_class", CLASSES, required=True)
    amount = row.amount("amount_cny", required=True, default_unit="CNY")
    wan = row.amount("amount_wan", default_unit="wan")
    if wan is not None and abs(wan - amount) > WAN_TOLERANCE:
        raise row.fail("amount_wan", f"({wan} CNY) disagrees with 发行量 ({amount} CNY)", check="inconsistent")
    coupon = row.rate("coupon_rate", as_percent=False)
    text = row.raw("coupon_text")
    if text is not None and coupon is not None:
        try:
            printed = parse_rate(str(text), as_percent=True)
        except ValueError as exc:
            raise row.fail("coupon_text", str(exc)) from exc
        if printed is not None and printed != coupon:
            raise row.fail("coupon_text", f"({printed}) disagrees with 发行利率 ({coupon})", check="inconsistent")
    if tranche_class == "subordinated" and coupon == 0:
        coupon = None
    amortisation_text = row.text("amortisation")
    amortisation = None
    if amortisation_text in COLUMN_SLIPS:
        doc.meta["warnings"].append(f"{row.table.sheet} row {row.number}: 还本方式 {amortisation_text!r} is a "
                                    f"利率形式 value; amortisation left NULL")
    elif amortisation_text is not None:
        amortisation = row.choice("amortisation", AMORTISATION)
    return {
        "tranche_id": code, "deal_id": deal["deal_id"], "security_code": code,
        "tranche_name": row.text("short_name") or code, "tranche_class": tranche_class, "seniority_rank": 0,
        "amount_cny": amount, "coupon_rate": coupon,
        "coupon_type": row.choice("coupon_type", COUPON_TYPES) if tranche_class != "subordinated" else None,
        "issue_price_per_100": None, "amortisation": amortisation,
        "expected_maturity_date": row.date("expected_maturity_date"), "legal_maturity_date": None,
        "expected_tenor_years": None, "initial_rating": None, "initial_rating_agency_id": None,
        "is_externally_placed": None, "originator_retained_share": None, "period_return_rate": None,
        "delisting_date": None, **row.provenance("security_code"),
    }


def _ratings(row: Row, code: str, tranche: dict[str, Any], columns: list[tuple[str | None, str, str, str]],
             parties: Parties, doc: ParsedDocument) -> None:
    """Every agency's (original, current) into meta; the first original is the initial rating."""
    seen: dict[str, tuple[str | None, str | None]] = {}
    for agency_id, original_key, current_key, header in columns:
        original = row.rating(original_key, structured=True)
        current = row.rating(current_key, structured=True)
        if agency_id is None:
            if original or current:
                raise row.fail("rating", f"rating under unknown agency column {header!r}", value=original or current)
            continue
        seen[agency_id] = (original, current)
        if original is not None and tranche["initial_rating"] is None:
            tranche["initial_rating"] = original
            # under its usual short name: a column header (`鹏元资信`) is no alias the warehouse should learn
            tranche["initial_rating_agency_id"] = parties.add_agency(agency(agency_id).short_name)
    doc.meta["ratings"][code] = seen


def _split_short_names(deals: Iterable[dict[str, Any]], tranches: list[dict[str, Any]]) -> None:
    """证券名称 = deal short name + tranche label: the shared part names the deal, the rest the tranche."""
    members: dict[str, list[dict[str, Any]]] = {}
    for tranche in tranches:
        members.setdefault(tranche["deal_id"], []).append(tranche)
    for deal in deals:
        names = [t["tranche_name"] for t in members[deal["deal_id"]]]
        if len(names) > 1:
            shared = _PARTIAL_LABEL.sub("", os.path.commonprefix(names))
        else:
            starts = [m.start() for m in _LABEL_START.finditer(names[0])]
            shared = names[0][:starts[-1]] if starts else ""
        if not shared or shared in names:
            continue  # nothing to split at: the names stay whole
        deal["deal_short_name"] = shared
        for tranche in members[deal["deal_id"]]:
            tranche["tranche_name"] = tranche["tranche_name"][len(shared):]


def _rank(tranches: list[tuple[int, dict[str, Any]]]) -> None:
    """Payment priority within each deal: by the labels when they all read and agree with 类型
    (`优先A1` before `优先A2`), else by class, then the order of the rows in the file."""
    by_deal: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for number, tranche in tranches:
        by_deal.setdefault(tranche["deal_id"], []).append((number, tranche))
    for rows in by_deal.values():
        labels = [_label_rank(t) for _, t in rows]
        for (number, tranche), label_rank in zip(rows, labels):
            tranche["seniority_rank"] = (label_rank if None not in labels
                                         else CLASS_ORDER[tranche["tranche_class"]] * _ROWS_PER_CLASS + number)
    dense_ranks(t for _, t in tranches)


def _label_rank(tranche: dict[str, Any]) -> int | None:
    try:
        parsed = parse_tranche_label(tranche["tranche_name"])
    except ValueError:
        return None  # e.g. a bare `B`: mezzanine or subordinated
    return parsed.seniority_rank if parsed.tranche_class == tranche["tranche_class"] else None
