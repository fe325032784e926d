"""Tracking-rating announcements export → core.rating_actions (+ the agencies as institutions).

Vendors list one row per tranche, agency and date with the rating before and after. Some
exports say what happened (首次 / 维持 / 上调 / 下调 / 撤销), many only give the two ratings;
then the action is derived: no rating before → initial, none after → withdraw, else the
direction on the rating scale. When the file does state an action that contradicts the
ratings, the row is refused rather than trusted either way. Tranche ratings are structured
finance ratings, stored with `sf` even when the export drops it.
"""

from __future__ import annotations

from datetime import date

from transforms.normalise.ratings import rating_change
from transforms.parse.base import ParsedDocument
from transforms.parse.parties import Parties
from transforms.parse.tabular import Row, find_table, read_grids

DOC_TYPE = "rating_actions"
SYNONYMS = {
    "security_code": ("证券代码", "债券代码", "代码"),
    "agency": ("评级机构", "评级机构名称"),
    "action_date": ("评级日期", "公告日期", "发布日期"),
    "rating_kind": ("评级类型", "评级类别"),
    "rating_before": ("调整前级别", "前次级别", "上次评级", "原级别", "调整前评级"),
    "rating_after": ("调整后级别", "本次级别", "最新评级", "现级别", "调整后评级", "债项评级"),
    "action": ("评级动作", "评级行动", "变动方向", "级别变动"),
    "outlook": ("评级展望",),
}
REQUIRED = ("security_code", "agency", "action_date", "rating_after")

ACTIONS = {
    "首次": "initial", "首次评级": "initial", "新评": "initial", "初始评级": "initial",
    "维持": "affirm", "维持评级": "affirm", "确认": "affirm",
    "上调": "upgrade", "调高": "upgrade", "调升": "upgrade",
    "下调": "downgrade", "调低": "downgrade", "调降": "downgrade",
    "撤销": "withdraw", "终止": "withdraw", "撤销评级": "withdraw", "终止评级": "withdraw",
}  # fmt: skip
KINDS = {"首次": "initial", "首次评级": "initial", "跟踪": "tracking", "跟踪评级": "tracking", "定期跟踪": "tracking",
         "不定期跟踪": "tracking"}


def parse_rating_actions(data: bytes, file_name: str = "") -> ParsedDocument:
    table = find_table(read_grids(data, file_name), SYNONYMS, REQUIRED, "rating action")
    doc = ParsedDocument(DOC_TYPE)
    parties = Parties()
    seen: dict[tuple[str, str, date], int] = {}
    for row in table.rows():
        code = row.code("security_code")
        agency_id = parties.add_agency(row.text("agency", required=True), row, "agency")
        action_date = row.date("action_date", required=True)
        key = (code, agency_id, action_date)
        if key in seen:
            raise row.fail("security_code", f"has two actions by one agency on {action_date} (rows {seen[key]} and "
                           f"{row.number})", check="duplicate")
        seen[key] = row.number
        before = row.rating("rating_before", structured=True)
        after = row.rating("rating_after", structured=True)
        doc.add("core.rating_actions", {
            "tranche_id": code,
            "agency_id": agency_id,
            "action_date": action_date,
            "action_type": action_type(row, before, after),
            "rating_before": before,
            "rating_after": after,
            "source_page": row.number,
            "source_row_label": code,
        })
    parties.emit(doc)
    return doc


def derive_action(before: str | None, after: str | None, initial: bool = False) -> str:
    """initial / withdraw / affirm / upgrade / downgrade from the two ratings."""
    if initial or before is None:
        if after is None:
            raise ValueError("an initial rating needs a rating")
        return "initial"
    if after is None:
        return "withdraw"
    change = rating_change(before, after)
    return "affirm" if change == "unchanged" else change


def action_type(row: Row, before: str | None, after: str | None) -> str:
    """The stated action if any (checked against the ratings), else the derived one."""
    kind = row.choice("rating_kind", KINDS)
    stated = row.choice("action", ACTIONS)
    try:
        derived = derive_action(before, after, initial=kind == "initial" or stated == "initial")
    except ValueError as exc:
        raise row.fail("rating_after", str(exc)) from exc
    if stated is not None and stated != derived:
        raise row.fail("action", f"says {stated} but the ratings {before} → {after} mean {derived}",
                       check="inconsistent")
    if kind == "initial" and before is not None and before != after:
        raise row.fail("rating_before", "is set on a 首次 rating", check="inconsistent")
    return derived

