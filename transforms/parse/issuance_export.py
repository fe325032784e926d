"""Wind-style ABS issuance export → core.deals, core.tranches, core.deal_labels,
core.credit_enhancements, core.institutions and core.institution_aliases.

The export has one row per tranche with the deal's columns repeated on every row. The deal is
keyed by its full name (项目名称 → ``deal_id_for``), the tranche by its security code. A deal
column that differs between two rows of one deal is refused (naming the row and the field),
because the loader could not know which value is true. Series, vintage and issue number come
from the deal name (``parse_deal_name``); the market from 发行市场 (or 发行场所 plus the name
when the venue is only "interbank"); the asset class from 基础资产类型 or, when absent, the name.
Several enhancers of one deal share a cell (`;`-separated) with their kinds, relations, types
and ratings in parallel cells. Tranche ratings are stored with `sf`, enhancer ratings without.

Which Wind columns exist for ABS is partly inferred (see shared/reference/real-world-formats.md),
so every column is matched through ``SYNONYMS``: a new spelling is one line here.
"""

from __future__ import annotations

import re

from decimal import Decimal
from typing import Any

from transforms.normalise.ids import canonical_name, deal_id_for, stable_id
from transforms.normalise.markets import INTERBANK, market_from_code, parse_market, refine_market
from transforms.normalise.numbers import is_null_marker
from transforms.normalise.ratings import parse_rating
from transforms.normalise.text import fold_width
from transforms.normalise.titles import ASSET_CLASSES, DealName, parse_deal_name
from transforms.normalise.tranches import dense_ranks, parse_tranche_label
from transforms.parse.base import ParsedDocument
from transforms.parse.parties import INSTITUTION_TYPES, Parties
from transforms.parse.tabular import Row, canonical_rating, find_table, lookup, read_grids, split_list

DOC_TYPE = "issuance_export"
SYNONYMS: dict[str, tuple[str, ...]] = {
    # tranche
    "security_code": ("证券代码", "代码", "Wind代码"),
    "short_name": ("证券简称", "简称"),
    "tranche_name": ("证券分层", "分层", "档次", "证券档次", "分层名称"),
    "tranche_class": ("分层类别", "证券类别", "档次类别", "类型"),
    "seniority_rank": ("偿付顺序", "清偿顺序", "偿付次序"),
    "amount_cny": ("发行总额", "发行规模", "发行金额", "发行量"),
    "coupon_rate": ("票面利率", "票面利率(发行时)", "发行利率"),
    "coupon_type": ("利率类型", "利率形式", "息票品种"),
    "issue_price_per_100": ("发行价格", "发行价"),
    "initial_rating": ("债项评级(发行时)", "债项评级", "发行时债项评级", "信用评级"),
    "rating_agency": ("评级机构", "债项评级机构"),
    "expected_maturity_date": ("预期到期日", "预计到期日", "预期到期日期"),
    "legal_maturity_date": ("法定到期日", "法定到期日期"),
    "expected_tenor_years": ("期限(年)", "预期期限(年)", "期限"),
    "amortisation": ("还本方式", "偿还方式", "摊还方式"),
    "period_return_rate": ("次级期间收益率", "期间收益率"),
    "originator_retained_share": ("自留比例", "风险自留比例", "发起机构自留比例"),
    "is_externally_placed": ("次级是否对外发行", "是否对外发行"),
    "delisting_date": ("摘牌日", "摘牌日期"),
    # deal
    "deal_name_zh": ("项目名称", "项目全称", "产品全称", "产品名称"),
    "deal_short_name": ("项目简称", "产品简称"),
    "issue_date": ("发行日期", "发行日", "簿记建档日"),
    "value_date": ("起息日期", "起息日"),
    "deal_legal_maturity_date": ("项目法定到期日",),
    "market": ("发行市场", "发行场所", "市场类型", "ABS类型"),
    "asset_class": ("基础资产类型", "基础资产", "资产类型"),
    "asset_subclass": ("基础资产细分", "基础资产二级分类", "资产细分"),
    "originator": ("原始权益人/发起机构", "发起机构/原始权益人", "发起机构", "原始权益人", "发起人"),
    "originator_type": ("发起机构类型", "原始权益人类型", "原始权益人/发起机构类型"),
    "originator_short": ("发起机构简称", "原始权益人简称"),
    "asset_provider_short": ("资产提供方简称",),
    "trustee_short": ("受托机构简称", "计划管理人简称"),
    "asset_provider": ("资产提供方", "底层资产提供方"),
    "asset_provider_type": ("资产提供方类型",),
    "trustee": ("受托机构/计划管理人", "计划管理人/受托机构", "受托机构", "计划管理人", "发行人(受托机构)"),
    "trustee_type": ("受托机构类型", "计划管理人类型"),
    "is_public_offering": ("是否公开发行", "公开发行"),
    "is_revolving": ("是否循环购买", "循环购买"),
    "revolving_period_months": ("循环期(月)", "循环购买期(月)", "循环期"),
    "labels": ("特定领域标识", "特定品种", "标签"),
    "has_external_enhancement": ("是否有外部增信", "外部增信"),
    "enhancer": ("增信方", "增信机构", "差额支付承诺人/担保人"),
    "enhancer_type": ("增信方类型", "增信机构类型"),
    "enhancement_kind": ("增信方式", "外部增信方式"),
    "enhancer_relation": ("增信方关系", "增信方与原始权益人关系"),
    "enhancer_rating": ("增信方主体评级", "增信方评级"),
    "deal_amount_cny": ("项目发行总额", "项目规模", "项目发行规模"),
    "initial_pool_balance_cny": ("初始资产池余额", "资产池本金余额", "入池资产本金余额", "初始资产池本金余额"),
    "pool_loan_count": ("入池笔数", "资产笔数", "贷款笔数"),
    "pool_borrower_count": ("入池户数", "借款人户数", "借款人数量"),
    "avg_balance_per_loan_cny": ("笔均余额", "单笔平均余额"),
    "avg_balance_per_borrower_cny": ("户均余额", "借款人平均余额"),
    "wa_contract_term_months": ("加权平均合同期限(月)", "加权平均合同期限"),
    "wa_remaining_term_months": ("加权平均剩余期限(月)", "加权平均剩余期限"),
    "wa_pool_rate": ("加权平均利率", "加权平均贷款利率", "加权平均年利率"),
    "wa_overdue_months": ("加权平均逾期期限(月)", "加权平均逾期期限"),
    "expected_gross_recovery_rate": ("预估毛回收率", "预计毛回收率", "毛回收率"),
}
REQUIRED = ("deal_name_zh", "tranche_name", "amount_cny")
_FIRST_DEAL_KEY = "deal_name_zh"
DEAL_KEYS = tuple(list(SYNONYMS)[list(SYNONYMS).index(_FIRST_DEAL_KEY):])  # the repeated deal columns

CLASS_LABELS = {"senior": "优先级", "mezzanine": "夹层级", "subordinated": "次级"}
_CLASSES = {**{v: k for k, v in CLASS_LABELS.items()}, "优先": "senior", "优先档": "senior", "夹层": "mezzanine",
            "次优级": "mezzanine", "次级档": "subordinated", "劣后级": "subordinated"}
COUPON_TYPE_LABELS = {"fixed": "固定", "floating": "浮动"}
_COUPON_TYPES = {"固定": "fixed", "固定利率": "fixed", "浮动": "floating", "浮动利率": "floating"}
AMORTISATION_LABELS = {"pass_through": "过手摊还", "bullet": "到期一次还本"}
_AMORTISATION = {"过手摊还": "pass_through", "过手": "pass_through", "过手型": "pass_through",
                 "到期一次还本": "bullet", "到期还本": "bullet", "一次还本": "bullet", "固定摊还": "bullet"}
ENHANCEMENT_KIND_LABELS = {"guarantee": "担保", "shortfall_payment": "差额支付", "repurchase": "回购"}
_ENHANCEMENT_KINDS = {**{v: k for k, v in ENHANCEMENT_KIND_LABELS.items()}, "差额支付承诺": "shortfall_payment",
                      "差额补足": "shortfall_payment", "保证担保": "guarantee", "连带责任保证": "guarantee",
                      "回购承诺": "repurchase"}
RELATION_LABELS = {"originator": "原始权益人", "related_party": "关联方", "professional_guarantor": "专业担保机构",
                   "other": "其他"}
_RELATIONS = {**{v: k for k, v in RELATION_LABELS.items()}, "发起机构": "originator", "原始权益人本身": "originator",
              "关联企业": "related_party", "股东": "related_party", "母公司": "related_party",
              "担保公司": "professional_guarantor", "第三方担保机构": "professional_guarantor", "无关联": "other"}
SUBCLASS_LABELS = {"corporate_leasing": "企业融资租赁", "small_micro_leasing": "小微融资租赁",
                   "credit_npl": "信用类不良", "mortgage_npl": "抵押类不良"}
_SUBCLASSES = {**{v: k for k, v in SUBCLASS_LABELS.items()}, "个人信用类不良": "credit_npl",
               "信用卡不良": "credit_npl", "个人住房抵押不良": "mortgage_npl", "抵押类不良贷款": "mortgage_npl"}
_ASSET_CLASSES = {**{name: code for code, (name, _) in ASSET_CLASSES.items()},
                  **{word: code for code, (_, words) in ASSET_CLASSES.items() for word in words}}

DEAL_COLUMNS = (
    "deal_id", "deal_name_zh", "deal_short_name", "series_name", "vintage_year", "issue_number", "market",
    "asset_class", "asset_subclass", "is_public_offering", "originator_id", "asset_provider_id", "trustee_id",
    "issue_date", "value_date", "legal_maturity_date", "deal_amount_cny", "initial_pool_balance_cny",
    "pool_loan_count", "pool_borrower_count", "avg_balance_per_loan_cny", "avg_balance_per_borrower_cny",
    "wa_contract_term_months", "wa_remaining_term_months", "wa_pool_rate", "wa_overdue_months",
    "expected_gross_recovery_rate", "is_revolving", "revolving_period_months", "has_external_enhancement",
    "source_page", "source_table", "source_row_label",
)  # fmt: skip
# Guesses used only when an export has no type column for a party.
_TYPE_BY_NAME = (("信托", "trust"), ("证券", "securities_firm"), ("融资租赁", "lessor"), ("租赁", "lessor"),
                 ("小额贷款", "micro_lender"), ("融资担保", "financing_guarantor"), ("消费金融", "consumer_finance"),
                 ("汽车金融", "auto_finance"), ("农村商业银行", "rural_commercial_bank"))


def tranche_id_for(security_code: str | None, deal_name: str, tranche_name: str) -> str:
    """The security code when known (the warehouse's tranche id), else a stable id of deal + label."""
    if security_code:
        return security_code
    return stable_id("tranche", canonical_name(deal_name), canonical_name(tranche_name))


def parse_issuance_export(data: bytes, file_name: str = "") -> ParsedDocument:
    table = find_table(read_grids(data, file_name), SYNONYMS, REQUIRED, "ABS issuance")
    doc = ParsedDocument(DOC_TYPE)
    parties = Parties()
    deals: dict[str, dict[str, Any]] = {}
    deal_rows: dict[str, Row] = {}
    extras: dict[str, dict[str, Any]] = {}
    sums: dict[str, Decimal] = {}
    legal: dict[str, list[Any]] = {}
    tranche_ids: dict[str, int] = {}
    raw_cells: dict[str, tuple[Any, ...]] = {}
    for row in table.rows():
        name = row.text("deal_name_zh", required=True)
        deal_id = deal_id_for(name)
        cells = tuple(row.raw(k) for k in DEAL_KEYS)
        if deal_id not in deals:
            deals[deal_id], extras[deal_id] = _deal(row, parties)
            deal_rows[deal_id], raw_cells[deal_id] = row, cells
        elif cells != raw_cells[deal_id]:  # identical cells need no second reading
            deal, extra = _deal(row, parties)
            _same(row, deals[deal_id], deal, deal_rows[deal_id])
            _same(row, extras[deal_id], extra, deal_rows[deal_id])
        deal = deals[deal_id]
        tranche = _tranche(row, deal, parties)
        if tranche["tranche_id"] in tranche_ids:
            raise row.fail("security_code", f"is listed twice (rows {tranche_ids[tranche['tranche_id']]} and "
                           f"{row.number})", check="duplicate")
        tranche_ids[tranche["tranche_id"]] = row.number
        sums[deal_id] = sums.get(deal_id, Decimal(0)) + tranche["amount_cny"]
        legal.setdefault(deal_id, []).append(tranche["legal_maturity_date"])
        doc.add("core.tranches", tranche)
    for deal_id, deal in deals.items():
        if not table.has("deal_legal_maturity_date"):
            # No deal-level column: the deal ends when its last tranche legally must.
            deal["legal_maturity_date"] = max((d for d in legal[deal_id] if d is not None), default=None)
        _finish_deal(deal, extras[deal_id], sums[deal_id], deal_rows[deal_id], doc)
        doc.add("core.deals", deal)
    dense_ranks(doc.tables["core.tranches"])
    parties.emit(doc)
    return doc


# --------------------------------------------------------------------------- deal columns


def _deal(row: Row, parties: Parties) -> tuple[dict[str, Any], dict[str, Any]]:
    """Deal columns of one row, plus the deal-level lists (labels, enhancements) kept aside."""
    name = row.text("deal_name_zh", required=True)
    try:
        parsed = parse_deal_name(name)
    except ValueError as exc:
        raise row.fail("deal_name_zh", str(exc)) from exc
    deal: dict[str, Any] = {
        "deal_id": deal_id_for(name),
        "deal_name_zh": name,
        "deal_short_name": row.text("deal_short_name"),
        "series_name": parsed.series,
        "vintage_year": parsed.vintage_year,
        "issue_number": parsed.issue_number,
        "market": _market(row, parsed),
        "asset_class": _asset_class(row, parsed),
        "asset_subclass": row.choice("asset_subclass", _SUBCLASSES) if not _is_code(row, "asset_subclass")
        else row.text("asset_subclass"),
        "is_public_offering": row.flag("is_public_offering"),
        "originator_id": _party(row, parties, "originator", "originator_type"),
        "asset_provider_id": _party(row, parties, "asset_provider", "asset_provider_type"),
        "trustee_id": _party(row, parties, "trustee", "trustee_type"),
        "issue_date": row.date("issue_date"),
        "value_date": row.date("value_date"),
        "legal_maturity_date": row.date("deal_legal_maturity_date"),
        "deal_amount_cny": row.amount("deal_amount_cny", default_unit="yi"),
        "initial_pool_balance_cny": row.amount("initial_pool_balance_cny", default_unit="yi"),
        "pool_loan_count": row.integer("pool_loan_count"),
        "pool_borrower_count": row.integer("pool_borrower_count"),
        "avg_balance_per_loan_cny": row.amount("avg_balance_per_loan_cny", default_unit="wan"),
        "avg_balance_per_borrower_cny": row.amount("avg_balance_per_borrower_cny", default_unit="wan"),
        "wa_contract_term_months": row.decimal("wa_contract_term_months", places=2),
        "wa_remaining_term_months": row.decimal("wa_remaining_term_months", places=2),
        "wa_pool_rate": row.rate("wa_pool_rate"),
        "wa_overdue_months": row.decimal("wa_overdue_months", places=2),
        "expected_gross_recovery_rate": row.rate("expected_gross_recovery_rate"),
        "is_revolving": row.flag("is_revolving"),
        "revolving_period_months": row.integer("revolving_period_months"),
        "has_external_enhancement": row.flag("has_external_enhancement"),
    }
    extra = {"labels": tuple(split_list(row.text("labels"))), "enhancements": _enhancements(row, parties)}
    return deal, extra


def _is_code(row: Row, key: str) -> bool:
    """A snake_case code instead of a Chinese label (vocabularies the export does not spell)."""
    text = row.text(key)
    return text is not None and text.isascii() and text.replace("_", "").isalnum() and text.islower()


def _same(row: Row, first: dict[str, Any], again: dict[str, Any], first_row: Row) -> None:
    """Deal columns must repeat identically on every tranche row of the deal."""
    for key, value in again.items():
        if first.get(key) != value:
            raise row.fail(_field_of(key), f"differs from row {first_row.number} of the same deal "
                           f"({first.get(key)!r} vs {value!r})", value=value, check="inconsistent")


def _field_of(key: str) -> str:
    return {"originator_id": "originator", "asset_provider_id": "asset_provider", "trustee_id": "trustee",
            "legal_maturity_date": "deal_legal_maturity_date"}.get(key, key)


def _market(row: Row, parsed: DealName) -> str:
    """发行市场 (or 发行场所/the code's suffix) settled with the deal name's market hint."""
    text = row.text("market")
    try:
        if text is not None:
            venue = parse_market(text)
        else:
            code = row.code("security_code", required=False)
            if code is None:
                raise row.fail("market", "is missing and there is no security code", check="missing_value")
            venue = market_from_code(code)
        market = refine_market(venue, parsed.market_hint)
    except ValueError as exc:
        raise row.fail("market", str(exc)) from exc
    if market == INTERBANK:
        raise row.fail("market", "says only 'interbank' and the deal name does not tell credit ABS from ABN")
    return market


def _asset_class(row: Row, parsed: DealName) -> str:
    if _is_code(row, "asset_class"):
        return row.text("asset_class")
    code = row.choice("asset_class", _ASSET_CLASSES)
    code = code or parsed.asset_class
    if code is None:
        raise row.fail("asset_class", "is missing and the deal name names no asset class", check="missing_value")
    return code


def _party(row: Row, parties: Parties, key: str, type_key: str) -> str | None:
    name = row.text(key)
    if name is None:
        return None
    kind = row.choice(type_key, INSTITUTION_TYPES)
    if kind is None:
        kind = next((code for word, code in _TYPE_BY_NAME if word in name), "other")
    short = row.text(f"{key}_short") if row.table.has(f"{key}_short") else None
    inst_id = parties.add(name, kind, row, key, short_name_zh=short)
    parties.alias(short, inst_id)
    return inst_id


def _cells(row: Row, key: str) -> list[str | None]:
    """A `;`-separated cell keeping positions: `A;-;C` → ['A', None, 'C']."""
    text = row.text(key)
    if text is None:
        return []
    # Split on half- and full-width semicolons but keep each part as written: names keep
    # their full-width brackets (中联重科融资租赁（中国）有限公司).
    parts = re.split(r"[;；]", text)
    return [None if is_null_marker(fold_width(p).strip()) else p.strip() for p in parts]


def _enhancements(row: Row, parties: Parties) -> tuple[tuple[str, str, str, str | None], ...]:
    """(enhancer_id, kind, relation, rating) per enhancer in the parallel 增信方… cells."""
    names = _cells(row, "enhancer")
    if not names:
        return ()
    columns = {key: _cells(row, key) for key in ("enhancer_type", "enhancement_kind", "enhancer_relation",
                                                 "enhancer_rating")}
    for key, values in columns.items():
        if values and len(values) != len(names):
            raise row.fail(key, f"lists {len(values)} values for {len(names)} enhancers", check="inconsistent")
    out = []
    for index, name in enumerate(names):
        if name is None:
            raise row.fail("enhancer", f"has an empty name in position {index + 1}")

        def at(key: str, vocabulary: dict[str, str], required: bool) -> str | None:
            values = columns[key]
            value = values[index] if values else None
            if value is None:
                if required:
                    raise row.fail(key, f"is missing for enhancer {name!r}", check="missing_value")
                return None
            code = lookup(value, vocabulary)
            if code is None:
                raise row.fail(key, f"{value!r} is not one of {sorted(vocabulary)}", value=value)
            return code

        kind = at("enhancer_type", INSTITUTION_TYPES, False) or next(
            (code for word, code in _TYPE_BY_NAME if word in name), "corporate")
        enhancer_id = parties.add(name, kind, row, "enhancer")
        rating_text = columns["enhancer_rating"][index] if columns["enhancer_rating"] else None
        try:
            rating = canonical_rating(parse_rating(rating_text), structured=False) if rating_text else None
        except ValueError as exc:
            raise row.fail("enhancer_rating", str(exc), value=rating_text) from exc
        out.append((enhancer_id, at("enhancement_kind", _ENHANCEMENT_KINDS, True),
                    at("enhancer_relation", _RELATIONS, True), rating))
    return tuple(out)


def _finish_deal(deal: dict[str, Any], extra: dict[str, Any], tranche_sum: Decimal, row: Row,
                 doc: ParsedDocument) -> None:
    """Deal amount (checked against its tranches), enhancement flag, labels, provenance."""
    if deal["deal_amount_cny"] is None:
        deal["deal_amount_cny"] = tranche_sum
    elif deal["deal_amount_cny"] != tranche_sum:
        raise row.fail("deal_amount_cny", f"is {deal['deal_amount_cny']} but the tranches add up to {tranche_sum}",
                       check="inconsistent")
    if deal["has_external_enhancement"] is None:
        deal["has_external_enhancement"] = bool(extra["enhancements"])
    deal |= {"source_page": row.number, "source_table": row.table.sheet, "source_row_label": deal["deal_name_zh"]}
    for label in dict.fromkeys(extra["labels"]):
        doc.add("core.deal_labels", {"deal_id": deal["deal_id"], "label": label})
    seen: set[tuple[str, str]] = set()
    for enhancer_id, kind, relation, rating in extra["enhancements"]:
        if (enhancer_id, kind) in seen:
            raise row.fail("enhancer", "names one enhancer twice for one kind", check="duplicate")
        seen.add((enhancer_id, kind))
        doc.add("core.credit_enhancements", {"deal_id": deal["deal_id"], "enhancer_id": enhancer_id,
                                             "enhancement_kind": kind, "enhancer_relation": relation,
                                             "enhancer_rating": rating})


# --------------------------------------------------------------------------- tranche columns


def _tranche(row: Row, deal: dict[str, Any], parties: Parties) -> dict[str, Any]:
    label = row.text("tranche_name", required=True)
    code = row.code("security_code", required=False)
    tranche_class, rank = _class_and_rank(row, label)
    rating, agency_id = _initial_rating(row, parties)
    return {
        "tranche_id": tranche_id_for(code, deal["deal_name_zh"], label),
        "deal_id": deal["deal_id"],
        "security_code": code,
        "tranche_name": label,
        "tranche_class": tranche_class,
        "seniority_rank": rank,
        "amount_cny": row.amount("amount_cny", required=True, default_unit="yi"),
        "coupon_rate": row.rate("coupon_rate"),
        "coupon_type": row.choice("coupon_type", _COUPON_TYPES),
        "issue_price_per_100": row.decimal("issue_price_per_100", places=4),
        "amortisation": row.choice("amortisation", _AMORTISATION),
        "expected_maturity_date": row.date("expected_maturity_date"),
        "legal_maturity_date": row.date("legal_maturity_date"),
        "expected_tenor_years": row.decimal("expected_tenor_years", places=4),
        "initial_rating": rating,
        "initial_rating_agency_id": agency_id,
        "is_externally_placed": row.flag("is_externally_placed"),
        "originator_retained_share": row.rate("originator_retained_share"),
        "period_return_rate": row.rate("period_return_rate"),
        "delisting_date": row.date("delisting_date"),
        **row.provenance("security_code" if code else "tranche_name"),
    }


def _class_and_rank(row: Row, label: str) -> tuple[str, int]:
    """分层类别/偿付顺序 when printed; otherwise from the label (`优先A1` → senior, rank 1)."""
    parsed: Any = None

    def from_label() -> Any:
        try:
            return parse_tranche_label(label)
        except ValueError as exc:
            raise row.fail("tranche_name", str(exc)) from exc

    tranche_class = row.choice("tranche_class", _CLASSES)
    if tranche_class is None:
        parsed = from_label()
        tranche_class = parsed.tranche_class
    rank = row.integer("seniority_rank")
    if rank is None:
        rank = (parsed or from_label()).seniority_rank
    return tranche_class, rank


def _initial_rating(row: Row, parties: Parties) -> tuple[str | None, str | None]:
    """First agency's rating at issue (`AAAsf/AAAsf` with `中债资信/中诚信` keeps the first pair)."""
    text = row.text("initial_rating")
    if text is None:
        return None, None
    rating = _one_rating(row, fold_width(text).replace("／", "/").split("/")[0])
    if rating is None:
        return None, None
    agency_text = row.text("rating_agency")
    if agency_text is None:
        raise row.fail("rating_agency", "is missing for a rated tranche", check="missing_value")
    agency_name = fold_width(agency_text).replace("／", "/").split("/")[0].strip()
    return rating, parties.add_agency(agency_name, row, "rating_agency")


def _one_rating(row: Row, text: str) -> str | None:
    try:
        return canonical_rating(parse_rating(text), structured=True)
    except ValueError as exc:
        raise row.fail("initial_rating", str(exc), value=text) from exc

