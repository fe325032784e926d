"""Wind exports about AMC debt → core.amc_bonds, core.amc_bond_events, core.amc_issuer_ratings.

Three exports, recognised by their headers (one file may hold any of them, one per sheet):

* **bond list**: 证券代码 (.IB/.SH/.SZ), 证券简称, 发行人, 债券类型 or Wind债券二级分类, 币种,
  发行总额, 票面利率(发行时), 期限(年), 起息日期, 到期日期, 下一行权日, 担保人, 主体评级,
  债项评级, 是否ABS. Wind writes units on a second header line (`发行总额\\r\\n[单位] 亿元`).
  Offshore bonds are in USD: the amount is in the currency of issue and ``amount_cny`` is
  NULL rather than a converted guess.
* **bond events**: 证券代码, 事件日期, 事件类型 (兑付/回售/提前兑付/违约/展期), 金额, 展期后到期日.
* **issuer ratings**: 发行人, 评级机构, 评级日期, 主体评级, 评级动作 (derived when absent).

Issuers are named as Wind spells them (full or short name): the caller's alias map
{alias: full name} resolves them before ``amc_id_for``; an unknown issuer is an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from transforms.normalise.ids import amc_id_for
from transforms.parse.base import DocumentError, ParsedDocument
from transforms.parse.parties import INSTITUTION_TYPES, Parties
from transforms.parse.rating_actions import derive_action
from transforms.parse.tabular import Row, Table, find_tables, fold_key, lookup, read_grids

DOC_TYPE = "amc_bonds"
BOND_SYNONYMS = {
    "security_code": ("证券代码", "债券代码", "代码"),
    "short_name": ("证券简称", "债券简称", "简称"),
    "issuer": ("发行人", "发行人中文名称", "发行主体"),
    "bond_type": ("Wind债券二级分类", "债券类型", "债券二级分类", "Wind债券类型(二级)"),
    "bond_type_l1": ("Wind债券一级分类", "债券一级分类"),
    "currency": ("币种", "发行币种", "货币"),
    "amount": ("发行总额", "发行规模", "发行金额"),
    "coupon_rate": ("票面利率(发行时)", "票面利率", "发行利率"),
    "term_years": ("期限(年)", "发行期限(年)", "期限"),
    "value_date": ("起息日期", "起息日"),
    "maturity_date": ("到期日期", "到期日"),
    "next_put_date": ("下一行权日", "行权日"),
    "guarantor": ("担保人", "担保方"),
    "guarantor_type": ("担保人类型", "担保人性质"),
    "issuer_rating": ("主体评级", "发行时主体评级", "主体评级(发行时)"),
    "issue_rating": ("债项评级", "发行时债项评级", "债项评级(发行时)"),
    "is_abs": ("是否ABS", "是否资产支持证券"),
    "is_offshore": ("是否海外债", "是否境外债"),
    "venue": ("上市地点", "发行市场", "交易市场"),
}
BOND_REQUIRED = ("security_code", "issuer", "value_date", "maturity_date", "amount")
EVENT_SYNONYMS = {
    "security_code": ("证券代码", "债券代码"),
    "event_date": ("事件日期", "日期", "发生日期"),
    "event_type": ("事件类型", "事件"),
    "amount_cny": ("金额", "涉及金额", "兑付金额"),
    "new_maturity_date": ("展期后到期日", "新到期日"),
}
EVENT_REQUIRED = ("security_code", "event_date", "event_type")
RATING_SYNONYMS = {
    "issuer": ("发行人", "公司名称", "评级对象"),
    "agency": ("评级机构",),
    "rating_date": ("评级日期", "公告日期"),
    "rating": ("主体评级", "主体级别", "信用等级"),
    "action": ("评级动作", "评级行动", "变动方向"),
}
RATING_REQUIRED = ("issuer", "agency", "rating_date", "rating")

BOND_TYPES = {
    "一般公司债": "corporate_bond", "公司债": "corporate_bond",
    "一般中期票据": "mtn", "中期票据": "mtn",
    "超短期融资券": "scp", "超短期融资债券": "scp",
    "一般短期融资券": "cp", "短期融资券": "cp",
    "定向工具": "ppn", "定向债务融资工具": "ppn",
    "私募债": "private_bond", "私募公司债": "private_bond",
    "一般企业债": "enterprise_bond", "企业债": "enterprise_bond",
    "海外债": "offshore", "境外债": "offshore", "美元债": "offshore",
    "证监会主管ABS": "abs", "交易商协会ABN": "abs", "资产支持证券": "abs", "ABS": "abs",
}  # fmt: skip
CURRENCIES = {"人民币": "CNY", "CNY": "CNY", "RMB": "CNY", "美元": "USD", "USD": "USD", "港元": "HKD", "HKD": "HKD"}
OFFSHORE_VENUES = ("境外", "海外", "香港", "新加坡", "澳门")
EVENT_TYPES = {
    "兑付": "repayment", "到期兑付": "repayment", "正常兑付": "repayment",
    "回售": "put_repayment", "回售兑付": "put_repayment",
    "提前兑付": "early_redemption", "提前赎回": "early_redemption", "赎回": "early_redemption",
    "违约": "default", "实质违约": "default", "未按时兑付": "default",
    "展期": "extension",
}  # fmt: skip
ISSUER_ACTIONS = {
    "首次": "assign", "首次评级": "assign", "新评": "assign",
    "维持": "affirm", "上调": "upgrade", "调高": "upgrade", "下调": "downgrade", "调低": "downgrade",
    "撤销": "withdraw", "终止": "withdraw",
}  # fmt: skip


def parse_amc_bonds(data: bytes, file_name: str = "", *, aliases: Mapping[str, str] | None = None) -> ParsedDocument:
    """Whichever of the three tables the document holds; ``aliases`` maps issuer spellings to full names."""
    grids = read_grids(data, file_name)
    bonds = find_tables(grids, BOND_SYNONYMS, BOND_REQUIRED)
    events = find_tables(grids, EVENT_SYNONYMS, EVENT_REQUIRED)
    ratings = find_tables(grids, RATING_SYNONYMS, RATING_REQUIRED)
    if not (bonds or events or ratings):
        raise DocumentError("no AMC bond, bond-event or issuer-rating table", check="header")
    doc = ParsedDocument(DOC_TYPE)
    parties = Parties()
    names = {fold_key(k): v for k, v in (aliases or {}).items()}
    for table in bonds:
        _bonds(table, doc, parties, names, aliases is not None)
    for table in events:
        _events(table, doc)
    for table in ratings:
        _ratings(table, doc, parties, names, aliases is not None)
    parties.emit(doc)
    return doc


def issuer_amc_id(row: Row, key: str, names: Mapping[str, str], strict: bool) -> str:
    """amc_id of the issuer after alias resolution (unknown names fail when an alias map is given)."""
    name = row.text(key, required=True)
    full_name = names.get(fold_key(name))
    if full_name is None:
        if strict:
            raise row.fail(key, "is not a known AMC (not in the alias map)", check="unknown_entity")
        full_name = name
    return amc_id_for(full_name)


def _bond_type(row: Row) -> str:
    text = row.text("bond_type", required=True)
    if "可续期" in text or "永续" in text:
        return "perpetual"
    code = lookup(text, BOND_TYPES)
    if code is None:
        raise row.fail("bond_type", "is not a known bond type")
    return code


def _bonds(table: Table, doc: ParsedDocument, parties: Parties, names: Mapping[str, str], strict: bool) -> None:
    seen: dict[str, int] = {}
    for row in table.rows():
        code = row.code("security_code")
        if code in seen:
            raise row.fail("security_code", f"is listed twice (rows {seen[code]} and {row.number})", check="duplicate")
        seen[code] = row.number
        bond_type = _bond_type(row)
        currency = row.choice("currency", CURRENCIES) or "CNY"
        amount = row.amount("amount", required=True, default_unit="yi")
        venue = row.text("venue") or ""
        offshore = row.flag("is_offshore")
        if offshore is None:
            offshore = bond_type == "offshore" or any(v in venue for v in OFFSHORE_VENUES)
        is_abs = row.flag("is_abs")
        doc.add("core.amc_bonds", {
            "security_code": code,
            "amc_id": issuer_amc_id(row, "issuer", names, strict),
            "short_name": row.text("short_name", required=True),
            "bond_type": bond_type,
            "is_offshore": offshore,
            "is_abs": bond_type == "abs" if is_abs is None else is_abs,
            "currency": currency,
            "amount_cny": amount if currency == "CNY" else None,
            "amount_original": amount,
            "term_years": row.decimal("term_years", required=True, places=4),
            "coupon_rate": row.rate("coupon_rate"),
            "value_date": row.date("value_date", required=True),
            "maturity_date": row.date("maturity_date", required=True),
            "next_put_date": row.date("next_put_date"),
            "guarantor_id": _guarantor(row, parties),
            "issuer_rating": row.rating("issuer_rating", structured=False),
            "issue_rating": row.rating("issue_rating"),  # ABS issued by an AMC keep their `sf`
            "source_page": row.number,
            "source_row_label": code,
        })


def _guarantor(row: Row, parties: Parties) -> str | None:
    """Guarantor id; its type from 担保人类型, else from the name (融资担保 → financing_guarantor)."""
    name = row.text("guarantor")
    if name is None:
        return None
    kind = row.choice("guarantor_type", INSTITUTION_TYPES)
    if kind is None:
        kind = "financing_guarantor" if "担保" in name else "local_amc" if "资产管理" in name else "corporate"
    return parties.add(name, kind, row, "guarantor")


def _events(table: Table, doc: ParsedDocument) -> None:
    seen: dict[tuple[str, date, str], int] = {}
    for row in table.rows():
        code = row.code("security_code")
        event_date = row.date("event_date", required=True)
        event_type = row.choice("event_type", EVENT_TYPES, required=True)
        key = (code, event_date, event_type)
        if key in seen:
            raise row.fail("event_type", f"is listed twice (rows {seen[key]} and {row.number})", check="duplicate")
        seen[key] = row.number
        new_maturity = row.date("new_maturity_date")
        if event_type == "extension" and new_maturity is None:
            raise row.fail("new_maturity_date", "is missing for an extension", check="missing_value")
        doc.add("core.amc_bond_events", {
            "security_code": code, "event_date": event_date, "event_type": event_type,
            "amount_cny": row.amount("amount_cny", default_unit="yi"), "new_maturity_date": new_maturity,
        })


def _ratings(table: Table, doc: ParsedDocument, parties: Parties, names: Mapping[str, str], strict: bool) -> None:
    rows = []
    for row in table.rows():
        amc_id = issuer_amc_id(row, "issuer", names, strict)
        agency_id = parties.add_agency(row.text("agency", required=True), row, "agency")
        rows.append((amc_id, agency_id, row.date("rating_date", required=True), row))
    previous: dict[tuple[str, str], str | None] = {}
    seen: dict[tuple[str, str, date], int] = {}
    for amc_id, agency_id, rating_date, row in sorted(rows, key=lambda t: (t[0], t[1], t[2], t[3].number)):
        if (amc_id, agency_id, rating_date) in seen:
            raise row.fail("rating_date", f"has two ratings by one agency on one day (rows "
                           f"{seen[amc_id, agency_id, rating_date]} and {row.number})", check="duplicate")
        seen[amc_id, agency_id, rating_date] = row.number
        rating = row.rating("rating", structured=False)
        first = (amc_id, agency_id) not in previous
        stated = row.choice("action", ISSUER_ACTIONS)
        if first and stated is not None:
            action = stated  # an excerpt's first row need not be the agency's first rating
        else:
            try:
                derived = derive_action(previous.get((amc_id, agency_id)), rating, initial=first)
            except ValueError as exc:
                raise row.fail("rating", str(exc)) from exc
            action = "assign" if derived == "initial" else derived
            if stated is not None and stated != action:
                raise row.fail("action", f"says {stated} but the ratings mean {action}", check="inconsistent")
        previous[amc_id, agency_id] = rating
        doc.add("core.amc_issuer_ratings", {
            "amc_id": amc_id, "agency_id": agency_id, "rating_date": rating_date, "rating": rating,
            "action_type": action,
        })
