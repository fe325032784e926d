"""Registry of local AMCs (CSV, UTF-8 or GB18030) and its licence events, from core.amcs and
core.amc_licence_events rows.

The registry and the events are separate files (CSV) or two sheets of one workbook; events can
name companies by short name, as the published lists do.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sample_market.documents.workbook import Column, Layout, SheetSpec, render_table, render_xlsx

REGISTRY_LAYOUT = Layout(file_format="csv", encoding="utf-8-sig", sheet_name="地方AMC名单")
EVENTS_LAYOUT = Layout(file_format="csv", encoding="utf-8-sig", sheet_name="牌照变动")
OWNERSHIP_LABELS = {"state": "国有", "private": "民营"}
STATUS_LABELS = {"active": "存续", "scope_removed": "移出名单", "deregistered": "已注销"}
EVENT_LABELS = {"licensed": "获批", "scope_removed": "移出名单", "deregistered": "注销"}


def _registry_spec(amcs: Sequence[Mapping[str, Any]], layout: Layout) -> SheetSpec:
    rows = sorted(amcs, key=lambda r: (r["province"], r["full_name_zh"]))
    numbered = [dict(r, _seq=i) for i, r in enumerate(rows, start=1)]
    columns = [
        Column.of("序号", "_seq", "int"),
        Column.of("公司名称", "full_name_zh"),
        Column.of("所在省份", "province"),
        Column.of("简称", "short_name_zh"),
        Column("股东性质", lambda r: OWNERSHIP_LABELS[r["ownership"]]),
        Column("牌照状态", lambda r: STATUS_LABELS[r["licence_status"]]),
        Column.of("是否财务样本", "in_financial_sample", "flag"),
    ]
    return SheetSpec(columns, numbered, layout)


def _events_spec(events: Sequence[Mapping[str, Any]], amcs: Sequence[Mapping[str, Any]], layout: Layout,
                 use_short_names: bool) -> SheetSpec:
    by_id = {a["amc_id"]: a["short_name_zh" if use_short_names else "full_name_zh"] for a in amcs}
    columns = [
        Column("公司名称", lambda r: by_id[r["amc_id"]]),
        Column.of("日期", "event_date", "date"),
        Column("事件", lambda r: EVENT_LABELS[r["event_type"]]),
        Column.of("说明", "description"),
    ]
    rows = sorted(events, key=lambda r: (r["event_date"], by_id[r["amc_id"]], r["event_type"]))
    return SheetSpec(columns, rows, layout)


def render_amc_registry(amcs: Sequence[Mapping[str, Any]], layout: Layout = REGISTRY_LAYOUT) -> bytes:
    spec = _registry_spec(amcs, layout)
    return render_table(spec.columns, spec.records, layout)


def render_amc_licence_events(
    events: Sequence[Mapping[str, Any]], amcs: Sequence[Mapping[str, Any]], layout: Layout = EVENTS_LAYOUT,
    *, use_short_names: bool = False,
) -> bytes:
    spec = _events_spec(events, amcs, layout, use_short_names)
    return render_table(spec.columns, spec.records, layout)


def render_amc_registry_workbook(
    amcs: Sequence[Mapping[str, Any]], events: Sequence[Mapping[str, Any]], *, use_short_names: bool = True,
    layout: Layout = Layout(),
) -> bytes:
    """Both tables in one XLSX (sheets 地方AMC名单 and 牌照变动)."""
    return render_xlsx([
        _registry_spec(amcs, layout.with_(file_format="xlsx", sheet_name="地方AMC名单")),
        _events_spec(events, amcs, layout.with_(file_format="xlsx", sheet_name="牌照变动"), use_short_names),
    ])
