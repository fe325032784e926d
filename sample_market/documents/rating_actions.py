"""Tracking-rating announcements export (CSV UTF-8 with BOM, CSV GB18030 or XLSX) from
core.rating_actions rows.

Agencies are printed by their usual short name (the parser must resolve them); ratings in the
layout's spelling; the action column (首次/维持/上调/下调/撤销) is optional because many
exports leave it to the reader.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sample_market.documents.workbook import Column, Layout, render_table

DEFAULT_LAYOUT = Layout(sheet_name="评级调整", file_format="csv")
ACTION_LABELS = {"initial": "首次", "affirm": "维持", "upgrade": "上调", "downgrade": "下调", "withdraw": "撤销"}


def render_rating_actions(
    actions: Sequence[Mapping[str, Any]],
    agency_names: Mapping[str, str],
    layout: Layout = DEFAULT_LAYOUT,
    *,
    with_action_column: bool = True,
    short_names: Mapping[str, str] | None = None,
) -> bytes:
    """``agency_names`` maps agency_id → the name to print (e.g. 中诚信国际)."""
    columns = [Column.of("证券代码", "tranche_id")]
    if short_names is not None:
        columns.append(Column("证券简称", lambda r: short_names.get(r["tranche_id"])))
    columns += [
        Column("评级机构", lambda r: agency_names[r["agency_id"]]),
        Column.of("评级日期", "action_date", "date"),
        Column("评级类型", lambda r: "首次" if r["action_type"] == "initial" else "跟踪"),
        Column.of("调整前级别", "rating_before", "rating"),
        Column.of("调整后级别", "rating_after", "rating"),
        Column("评级展望", lambda r: None if r["action_type"] == "withdraw" else "稳定"),
    ]
    if with_action_column:
        columns.append(Column("评级动作", lambda r: ACTION_LABELS[r["action_type"]]))
    rows = sorted(actions, key=lambda r: (r["action_date"], r["tranche_id"], r["agency_id"]))
    return render_table(columns, rows, layout)
