"""Registry of local AMCs (地方资产管理公司) and their licence events → core.amcs,
core.amc_licence_events, core.institutions (type local_amc) and core.institution_aliases.

The registry is published as CSV (UTF-8 or GB18030): 序号, 公司名称, 所在省份, 简称, 股东性质,
牌照状态, 是否财务样本. Licence events come as a second file or sheet (公司名称, 日期, 事件,
说明), often naming companies by their short name, so names resolve through the registry in
the same document or the caller's alias map ({alias: full name}); an unknown name is an error,
never a new AMC.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from transforms.normalise.ids import amc_id_for
from transforms.parse.base import DocumentError, ParsedDocument
from transforms.parse.parties import Parties
from transforms.parse.tabular import Row, Table, find_tables, fold_key, read_grids

DOC_TYPE = "amc_registry"
REGISTRY_SYNONYMS = {
    "seq": ("序号",),
    "full_name_zh": ("公司名称", "机构名称", "名称", "全称"),
    "province": ("所在省份", "省份", "所在地区", "地区"),
    "short_name_zh": ("简称", "公司简称"),
    "ownership": ("股东性质", "控股股东性质", "企业性质"),
    "licence_status": ("牌照状态", "状态", "资质状态"),
    "in_financial_sample": ("是否财务样本", "财务样本", "是否样本"),
}
REGISTRY_REQUIRED = ("full_name_zh", "province", "short_name_zh")
EVENT_SYNONYMS = {
    "name": ("公司名称", "机构名称", "名称"),
    "event_date": ("日期", "变动日期", "公告日期"),
    "event_type": ("事件", "变动类型", "事件类型"),
    "description": ("说明", "备注", "详情"),
}
EVENT_REQUIRED = ("name", "event_date", "event_type")

OWNERSHIP = {"国有": "state", "国资": "state", "地方国有": "state", "民营": "private", "民企": "private"}
LICENCE_STATUS = {
    "存续": "active", "正常": "active", "有效": "active",
    "移出名单": "scope_removed", "业务范围取消": "scope_removed", "取消资质": "scope_removed",
    "已注销": "deregistered", "注销": "deregistered",
}  # fmt: skip
EVENT_TYPES = {
    "获批": "licensed", "获批设立": "licensed", "纳入名单": "licensed", "获得牌照": "licensed",
    "移出名单": "scope_removed", "业务范围取消": "scope_removed", "取消资质": "scope_removed",
    "注销": "deregistered", "已注销": "deregistered",
}  # fmt: skip


def parse_amc_registry(data: bytes, file_name: str = "", *, aliases: Mapping[str, str] | None = None) -> ParsedDocument:
    """Registry rows and/or licence events, whichever tables the document holds."""
    grids = read_grids(data, file_name)
    registries = find_tables(grids, REGISTRY_SYNONYMS, REGISTRY_REQUIRED)
    events = [t for t in find_tables(grids, EVENT_SYNONYMS, EVENT_REQUIRED)
              if not any(t.sheet == r.sheet for r in registries)]
    if not registries and not events:
        raise DocumentError("no AMC registry or licence-event table", check="header")
    doc = ParsedDocument(DOC_TYPE)
    parties = Parties()
    names: dict[str, str] = {fold_key(k): v for k, v in (aliases or {}).items()}
    for table in registries:
        _registry(table, doc, parties, names)
    for table in events:
        _events(table, doc, names, strict=bool(registries) or aliases is not None)
    parties.emit(doc)
    return doc


def _registry(table: Table, doc: ParsedDocument, parties: Parties, names: dict[str, str]) -> None:
    seen: dict[str, int] = {}
    for row in table.rows():
        full_name = row.text("full_name_zh", required=True)
        short_name = row.text("short_name_zh", required=True)
        if full_name in seen:
            raise row.fail("full_name_zh", f"is listed twice (rows {seen[full_name]} and {row.number})", check="duplicate")
        seen[full_name] = row.number
        province = row.text("province", required=True)
        inst_id = parties.add(full_name, "local_amc", row, "full_name_zh", short_name_zh=short_name, province=province)
        parties.alias(short_name, inst_id)
        names[fold_key(full_name)] = full_name
        names[fold_key(short_name)] = full_name
        doc.add("core.amcs", {
            "amc_id": amc_id_for(full_name),
            "institution_id": inst_id,
            "full_name_zh": full_name,
            "short_name_zh": short_name,
            "province": province,
            "ownership": row.choice("ownership", OWNERSHIP, required=True),
            "licence_status": row.choice("licence_status", LICENCE_STATUS, required=True),
            "in_financial_sample": bool(row.flag("in_financial_sample")),
        })


def resolve_amc(row: Row, key: str, names: Mapping[str, str], strict: bool) -> str:
    """amc_id for a full or short name; unknown names fail when a registry or alias map exists."""
    name = row.text(key, required=True)
    full_name = names.get(fold_key(name))
    if full_name is None:
        if strict:
            raise row.fail(key, "is not an AMC in the registry or the alias map", check="unknown_entity")
        full_name = name
    return amc_id_for(full_name)


def _events(table: Table, doc: ParsedDocument, names: Mapping[str, str], strict: bool) -> None:
    seen: dict[tuple[str, date, str], int] = {}
    for row in table.rows():
        amc_id = resolve_amc(row, "name", names, strict)
        event_date = row.date("event_date", required=True)
        event_type = row.choice("event_type", EVENT_TYPES, required=True)
        key = (amc_id, event_date, event_type)
        if key in seen:
            raise row.fail("event_type", f"is listed twice (rows {seen[key]} and {row.number})", check="duplicate")
        seen[key] = row.number
        doc.add("core.amc_licence_events", {
            "amc_id": amc_id, "event_date": event_date, "event_type": event_type,
            "description": row.text("description"),
        })
