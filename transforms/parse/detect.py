"""Which parser reads a document: content first (magic bytes, sheet names, header cells,
report titles inside the file), the file name and listing title second.

Names lie (a vendor export saved as `下载.xlsx`, a curve saved under an announcement's title)
and error pages arrive under an .xlsx name, so the bytes decide whenever they can. Header rows
are matched with each family's own synonym table — the same one its parser uses — so a
spelling the parser accepts is also recognised here. Families are tried from the most
specific header set to the least (a bare 项目名称 column comes last). Anything unrecognised
raises ``DocumentError('unrecognised document …')`` for quarantine rather than being guessed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from transforms.normalise.text import fold_width, squash_spaces
from transforms.parse import (
    amc_bonds,
    amc_financials,
    amc_registry,
    bond_valuations,
    cnabs_export,
    deal_names,
    issuance_announcement,
    issuance_export,
    market_totals,
    outstanding_snapshot,
    rating_actions,
    yield_curve,
)
from transforms.parse.base import DocumentError
from transforms.parse.tabular import HTML_ERROR, Grid, cell_text, load_json, locate_table, read_grids, sniff_format
from transforms.parse.vocabulary import load as load_vocabulary

TRUSTEE_REPORT = "trustee_report"
# A trustee report names itself (受托机构报告, 资产运营报告 …): the title words of its vocabulary,
# matched on width-folded, space-free text.
_TRUSTEE_TITLE_WORDS = tuple(
    squash_spaces(fold_width(w)) for w in load_vocabulary("trustee_report").data["title"]["words"])
_REPORT_WORDS = re.compile("|".join(re.escape(w) for w in _TRUSTEE_TITLE_WORDS), re.IGNORECASE)
_SCAN_ROWS = 12
_TITLE_ROWS = 3  # an announcement names itself in its title, above any table
_TITLE_CHARS = 120

# (doc_type, synonyms, required) in the order they are tried: most specific first.
HEADER_RULES: tuple[tuple[str, Mapping[str, Iterable[str]], tuple[str, ...]], ...] = (
    ("issuance_export", issuance_export.SYNONYMS, issuance_export.REQUIRED),
    ("cnabs_export", cnabs_export.SYNONYMS, ("deal_name_zh", "security_code", "amount_cny", "amount_wan")),
    ("amc_financials", amc_financials.SYNONYMS, amc_financials.REQUIRED),
    ("amc_bonds", amc_bonds.BOND_SYNONYMS, amc_bonds.BOND_REQUIRED),
    ("amc_bonds", amc_bonds.EVENT_SYNONYMS, amc_bonds.EVENT_REQUIRED),
    ("amc_bonds", amc_bonds.RATING_SYNONYMS, amc_bonds.RATING_REQUIRED),
    ("rating_actions", rating_actions.SYNONYMS, rating_actions.REQUIRED),
    ("bond_valuations", bond_valuations.SYNONYMS, bond_valuations.REQUIRED),
    ("outstanding_snapshot", outstanding_snapshot.SYNONYMS, outstanding_snapshot.REQUIRED),
    ("market_totals", market_totals.SYNONYMS, market_totals.REQUIRED),
    ("amc_registry", amc_registry.REGISTRY_SYNONYMS, amc_registry.REGISTRY_REQUIRED),
    ("amc_registry", amc_registry.EVENT_SYNONYMS, amc_registry.EVENT_REQUIRED),
    ("yield_curve", yield_curve.LONG_SYNONYMS, yield_curve.LONG_REQUIRED),
    ("yield_curve", yield_curve.LONG_SYNONYMS, yield_curve.LONG_REQUIRED_BY_LABEL),
    ("yield_curve", yield_curve.WIDE_SYNONYMS, yield_curve.WIDE_REQUIRED),
)

# Keywords in the file name or title, used only when the content decides nothing.
NAME_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    # exchange-ABS and ABN families before the trustee report, whose words they share
    ("income_distribution", ("收益分配报告", "收益分配的公告", "收益分配公告")),
    ("asset_management_report", ("年度资产管理报告",)),
    ("abn_operating_report", ("资产运营报告",)),
    (issuance_announcement.RESULTS, issuance_announcement.RESULTS_WORDS),
    (issuance_announcement.OFFERING, issuance_announcement.OFFERING_WORDS),
    (TRUSTEE_REPORT, _TRUSTEE_TITLE_WORDS),
    ("yield_curve", ("收益率曲线", "yield_curve", "downyearbzqx")),
    ("bond_valuations", ("中债估值", "估值", "valuation")),
    ("rating_actions", ("跟踪评级", "评级调整", "评级行动", "rating_action")),
    ("outstanding_snapshot", ("债券余额", "存量余额", "outstanding")),
    ("market_totals", ("市场统计", "市场月度", "market_totals")),
    ("amc_financials", ("财务数据", "财务报表", "amc_financials")),
    ("amc_registry", ("地方amc名单", "地方资产管理公司名单", "牌照变动", "amc_registry")),
    ("amc_bonds", ("amc债券", "债券列表", "债券事件", "主体评级", "amc_bonds")),
    ("cnabs_export", ("cnabs",)),
    ("issuance_export", ("发行明细", "abs发行", "issuance")),
    ("deal_names", ("项目名称", "deal_names", "缺失项目")),
)

# Exchange-ABS and ABN report families, recognised by their title (first lines of page 1)
# before the trustee-report words, which they share (资产管理报告 …).
TITLE_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("income_distribution", re.compile(r"收益分配(?:报告|的公告|公告)")),
    ("asset_management_report", re.compile(r"\d{4}年度?资产管理报告")),
    ("abn_operating_report", re.compile(r"票据.{0,12}?资产运营报告|资产运营报告")),
)
_TITLE_SPAN = 200

ANNOUNCEMENTS = (issuance_announcement.OFFERING, issuance_announcement.RESULTS)
DOC_TYPES = (TRUSTEE_REPORT, *(rule[0] for rule in TITLE_RULES), *ANNOUNCEMENTS,
             *dict.fromkeys(rule[0] for rule in HEADER_RULES), "deal_names")

# doc_type → "module:function" of its parser (the trustee-report parser lives elsewhere).
PARSERS: dict[str, str] = {
    "issuance_export": "transforms.parse.issuance_export:parse_issuance_export",
    "offering_circular": "transforms.parse.issuance_announcement:parse_offering_circular",
    "issuance_results": "transforms.parse.issuance_announcement:parse_issuance_results",
    "rating_actions": "transforms.parse.rating_actions:parse_rating_actions",
    "outstanding_snapshot": "transforms.parse.outstanding_snapshot:parse_outstanding_snapshot",
    "market_totals": "transforms.parse.market_totals:parse_market_totals",
    "yield_curve": "transforms.parse.yield_curve:parse_yield_curve",
    "bond_valuations": "transforms.parse.bond_valuations:parse_bond_valuations",
    "amc_registry": "transforms.parse.amc_registry:parse_amc_registry",
    "amc_bonds": "transforms.parse.amc_bonds:parse_amc_bonds",
    "amc_financials": "transforms.parse.amc_financials:parse_amc_financials",
    "cnabs_export": "transforms.parse.cnabs_export:parse_cnabs_export",
    "deal_names": "transforms.parse.deal_names:parse_deal_names",
    "income_distribution": "transforms.parse.income_distribution:parse_income_distribution",
    "asset_management_report": "transforms.parse.asset_management_report:parse_asset_management_report",
    "abn_operating_report": "transforms.parse.abn_operating_report:parse_abn_operating_report",
}


def parser_for(doc_type: str) -> Callable[..., Any]:
    """The parse function of a doc type (``KeyError`` for types parsed elsewhere)."""
    import importlib

    module, _, function = PARSERS[doc_type].partition(":")
    return getattr(importlib.import_module(module), function)


def detect_doc_type(data: bytes, file_name: str = "", title: str = "") -> str:
    """The document family of ``data``; raises DocumentError when neither content nor name tells."""
    kind = sniff_format(data)
    if kind == "html":
        raise DocumentError(HTML_ERROR, check="error_page", value=file_name or None)
    found: str | None = None
    if kind == "pdf":
        found = _from_pdf(data)
    elif kind == "json":
        found = _from_json(data)
    elif kind in ("xlsx", "text"):
        try:
            found = from_grids(read_grids(data))  # no file name: a CSV's grid is named by content only
        except DocumentError:
            found = None
    found = found or from_name(file_name, title)
    if found is None:
        raise DocumentError(f"unrecognised document ({kind}): neither its content nor its name names a family",
                            check="unrecognised", value=file_name or title or None)
    return found


def from_grids(grids: list[Grid]) -> str | None:
    """Family from sheet names, titles in the first rows, then header rows."""
    for grid in grids:
        title = " ".join(cell_text(c) for row in grid.rows[:_TITLE_ROWS] for c in row)
        kind = issuance_announcement.announcement_kind(title)
        if kind is not None:
            return kind
    for grid in grids:
        text = " ".join([grid.name, *(cell_text(c) for row in grid.rows[:_SCAN_ROWS] for c in row)])
        if _REPORT_WORDS.search(squash_spaces(fold_width(text))):
            return TRUSTEE_REPORT
    for doc_type, synonyms, required in HEADER_RULES:
        for grid in grids:
            if locate_table(grid, synonyms, required, strict=False) is not None:
                return doc_type
    for grid in grids:
        table = locate_table(grid, deal_names.SYNONYMS, deal_names.REQUIRED, strict=False)
        if table is not None and sum(1 for c in table.header_cells if cell_text(c)) <= 2:
            return "deal_names"
    return None


def from_name(file_name: str, title: str) -> str | None:
    key = squash_spaces(fold_width(f"{file_name} {title}")).casefold()
    for doc_type, words in NAME_RULES:
        if any(word.casefold() in key for word in words):
            return doc_type
    return None


def _from_json(data: bytes) -> str | None:
    try:
        payload = load_json(data)
    except DocumentError:
        return None
    while isinstance(payload, dict):
        payload = next((payload[k] for k in ("data", "records", "list", "rows") if k in payload), None)
    if isinstance(payload, list) and payload and isinstance(payload[0], dict):
        keys = set(payload[0])
        if "日期" in keys and keys & set(yield_curve.WIDE_TENORS):
            return "yield_curve"
    return None


def _from_pdf(data: bytes) -> str | None:
    """Announcements name themselves in their title; trustee reports say so on their first pages;
    other PDFs are left to the name rules."""
    from transforms.parse.pdf_text import page_text, pdf_document

    try:
        with pdf_document(data) as document:
            text = "".join(page_text(document, i, data) for i in range(min(2, len(document))))
    except Exception:  # no text layer, encrypted, broken: fall back to the name
        return None
    kind = issuance_announcement.announcement_kind(text[:_TITLE_CHARS])
    if kind is not None:
        return kind
    head = squash_spaces(fold_width(text[:_TITLE_SPAN]))
    for doc_type, pattern in TITLE_RULES:
        if pattern.search(head):
            return doc_type
    return TRUSTEE_REPORT if _REPORT_WORDS.search(squash_spaces(fold_width(text))) else None
