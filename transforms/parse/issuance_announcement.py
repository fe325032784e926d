"""Issuance announcements (发行文件) → deal and tranche terms.

* **发行说明书（摘要）** → core.deals, core.deal_labels, core.credit_enhancements and the
  parties (core.institutions, core.institution_aliases).
* **发行结果公告** → core.tranches and the rating agencies.

Both arrive as PDF (read from pdfium's character boxes, like trustee reports) or XLSX. A
document is cut at its numbered headings (`一、本期证券基本情况`); a section is either a
two-column label/value table or a headed table. The labels and cells are gathered into one
virtual row with the canonical keys of the Wind issuance export, and that parser's own row
readers (``_deal``, ``_finish_deal``, ``_tranche``) turn it into warehouse rows, so the same
deal reads the same from a vendor export and from its announcement. Checks that the
documents themselves allow: the tranche sizes add up to 发行总额 (说明书 证券结构 and its 合计
row; 结果公告 发行情况), and every tranche appears once in each tranche table.

Errors name the section and its PDF page (or sheet row), the field and the printed value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from transforms.normalise.headers import match_header
from transforms.normalise.ids import deal_id_for
from transforms.normalise.text import fold_width, squash_spaces
from transforms.normalise.tranches import dense_ranks
from transforms.parse import issuance_export
from transforms.parse.base import DocumentError, ParsedDocument
from transforms.parse.parties import Parties
from transforms.parse.tabular import Grid, Row, Table, cell_text, is_blank, locate_table, read_grids, sniff_format

OFFERING = "offering_circular"
RESULTS = "issuance_results"
OFFERING_WORDS = ("发行说明书",)
RESULTS_WORDS = ("发行结果公告", "发行情况公告")

# Label/value sections of the 说明书 → canonical keys of the Wind issuance export.
DEAL_LABELS: dict[str, tuple[str, ...]] = {
    "deal_name_zh": ("项目名称", "产品名称"),
    "deal_short_name": ("项目简称", "简称"),
    "market": ("产品类型", "证券类型", "发行市场", "发行场所"),
    "asset_class": ("基础资产类型", "基础资产"),
    "asset_subclass": ("基础资产细分",),
    "is_public_offering": ("发行方式",),
    "issue_date": ("发行日期", "簿记建档日"),
    "value_date": ("起息日", "起息日期"),
    "deal_legal_maturity_date": ("法定到期日", "法定最终到期日"),
    "deal_amount_cny": ("发行总额", "发行规模", "发行金额"),
    "is_revolving": ("是否循环购买", "循环购买"),
    "revolving_period_months": ("循环期(月)", "循环购买期(月)", "循环期"),
    "labels": ("特定品种", "特定领域标识"),
    "initial_pool_balance_cny": ("初始资产池余额", "资产池本金余额", "入池资产本金余额"),
    "pool_loan_count": ("入池笔数", "贷款笔数", "资产笔数"),
    "pool_borrower_count": ("借款人户数", "入池户数"),
    "avg_balance_per_loan_cny": ("单笔平均余额", "笔均余额"),
    "avg_balance_per_borrower_cny": ("户均余额", "借款人平均余额"),
    "wa_contract_term_months": ("加权平均合同期限(月)", "加权平均合同期限"),
    "wa_remaining_term_months": ("加权平均剩余期限(月)", "加权平均剩余期限"),
    "wa_pool_rate": ("加权平均利率", "加权平均贷款利率"),
    "wa_overdue_months": ("加权平均逾期期限(月)", "加权平均逾期期限"),
    "expected_gross_recovery_rate": ("预估毛回收率", "预计毛回收率"),
    "has_external_enhancement": ("是否有外部增信", "外部增信"),
}
OFFERING_KINDS = {"公开发行": "是", "定向发行": "否", "非公开定向发行": "否"}
PARTY_HEADERS = {"role": ("角色", "机构角色"), "name": ("机构名称", "名称"), "short": ("简称", "机构简称"),
                 "type": ("机构类型", "类型")}
PARTY_ROLES = {"发起机构": "originator", "委托人": "originator", "发起机构/委托人": "originator",
               "资产提供方": "asset_provider", "受托机构": "trustee", "受托机构/发行人": "trustee"}
ENHANCER_HEADERS = {"enhancer": ("增信方", "增信机构"), "enhancer_type": ("机构类型",),
                    "enhancement_kind": ("增信方式",), "enhancer_relation": ("与发起机构关系", "增信方关系"),
                    "enhancer_rating": ("主体评级",)}
STRUCTURE_HEADERS = {"tranche_name": ("档次", "证券名称"), "tranche_class": ("类别",),
                     "amount_cny": ("发行金额", "发行规模"), "share": ("占比",)}
TRANCHE_HEADERS: dict[str, tuple[str, ...]] = {
    "tranche_name": ("证券名称", "档次", "证券档次"),
    "security_code": ("证券代码",),
    "tranche_class": ("类别", "证券类别"),
    "seniority_rank": ("偿付顺序",),
    "amount_cny": ("发行金额", "发行规模"),
    "coupon_rate": ("票面利率", "发行利率"),
    "coupon_type": ("利率类型",),
    "issue_price_per_100": ("发行价格",),
    "amortisation": ("还本方式",),
    "expected_maturity_date": ("预期到期日",),
    "legal_maturity_date": ("法定到期日",),
    "expected_tenor_years": ("预期期限(年)", "预期期限"),
    "initial_rating": ("评级", "信用评级"),
    "rating_agency": ("评级机构",),
    "is_externally_placed": ("是否对外发行",),
    "originator_retained_share": ("发起机构自留比例", "自留比例"),
    "period_return_rate": ("期间收益率",),
}
RESULTS_INFO = {"deal_name_zh": ("项目名称",), "deal_amount_cny": ("发行总额",)}
_HEADING = re.compile(r"^[一二三四五六七八九十]+\s*[、.．]\s*(?P<name>\S.*)$")
_TOTAL = "合计"


@dataclass
class Section:
    """Rows under one numbered heading: cell texts per row, and where each row sits."""

    name: str
    rows: list[list[str | None]] = field(default_factory=list)
    places: list[int] = field(default_factory=list)  # PDF page or sheet row of each row
    unit_is_page: bool = True

    def where(self, index: int = 0) -> str:
        place = self.places[index] if self.places else None
        return f"{self.name} ({'page' if self.unit_is_page else 'row'} {place})"

    def label_values(self) -> list[tuple[str, Any, int]]:
        """(label, value, place) of the leading two-cell rows."""
        out = []
        for cells, place in zip(self.rows, self.places):
            filled = [c for c in cells if not is_blank(c)]
            if len(filled) != 2:
                break
            out.append((cell_text(filled[0]), filled[1], place))
        return out

    def table(self, synonyms: dict[str, tuple[str, ...]], required: tuple[str, ...]) -> Table | None:
        """The headed table of the section (``tabular.locate_table``), rows numbered by page or sheet row."""
        table = locate_table(Grid(self.name, self.rows), synonyms, required, scan_rows=len(self.rows))
        if table is not None:
            table.header_row = self.places[table.header_row - 1]
            table.body = [(self.places[n - 1], cells) for n, cells in table.body]
        return table


def announcement_kind(text: str) -> str | None:
    """发行说明书 / 发行结果公告 from a title or the first lines of a document."""
    key = squash_spaces(fold_width(text))
    if any(word in key for word in RESULTS_WORDS):
        return RESULTS
    if any(word in key for word in OFFERING_WORDS):
        return OFFERING
    return None


def read_sections(data: bytes, file_name: str = "") -> dict[str, Section]:
    """The numbered sections of a PDF or XLSX announcement (the title lines above them are not kept)."""
    kind = sniff_format(data)
    if kind == "pdf":
        rows, on_pages = _pdf_rows(data), True
    else:
        rows, on_pages = [(n, cells) for grid in read_grids(data, file_name)
                          for n, cells in enumerate(grid.rows, 1)], False
    sections: dict[str, Section] = {}
    current: Section | None = None
    for place, cells in rows:
        filled = [cell_text(c) for c in cells if not is_blank(c)]
        if not filled:
            continue
        head = _HEADING.match(filled[0]) if len(filled) == 1 else None
        if head:
            name = squash_spaces(fold_width(head.group("name")))
            current = sections.setdefault(name, Section(name, unit_is_page=on_pages))
            continue
        if current is not None:
            current.rows.append(list(cells))
            current.places.append(place)
    return sections


def _pdf_rows(data: bytes) -> list[tuple[int, list[str | None]]]:
    """PDF lines as rows of cells; a row with fewer runs than its table header is aligned under it."""
    from transforms.parse.trustee_report import _align, _pdf_lines

    rows: list[tuple[int, list[str | None]]] = []
    header = None
    for line in _pdf_lines(data):
        if len(line.cells) == 1 and _HEADING.match(line.cells[0].text):
            header = None
        elif header is None and len(line.cells) >= 3:
            header = line
        elif header is not None and 1 < len(line.cells) < len(header.cells):
            matched = _align(line.cells, header.cells)
            cells = [matched[i].text if i in matched else None for i in range(len(header.cells))]
            rows.append((line.page, cells))
            continue
        rows.append((line.page, [c.text for c in line.cells]))
    return rows


def _section(sections: dict[str, Section], *names: str, required: bool = True) -> Section | None:
    for name in names:
        for key, section in sections.items():
            if name in key:
                return section
    if required:
        raise DocumentError(f"no section {names[0]!r}", check="missing_section", field=names[0])
    return None


def _virtual_row(name: str, place: int, values: dict[str, tuple[str, Any]]) -> Row:
    """One row of a table with canonical keys: {key: (printed label, value)}."""
    keys = list(values)
    table = Table(name, place, {k: i for i, k in enumerate(keys)}, {k: values[k][0] for k in keys},
                  [], [], [values[k][0] for k in keys])
    return Row(table, place, [None if is_blank(values[k][1]) else values[k][1] for k in keys])


def _label_values(section: Section, synonyms: dict[str, tuple[str, ...]], into: dict[str, tuple[str, Any]]) -> int:
    """Add a label/value section's known labels to ``into``; returns the section's first place."""
    pairs = section.label_values()
    if not pairs:
        raise DocumentError(f"{section.where()}: no label/value rows", check="layout")
    for label, value, _ in pairs:
        key = match_header(label, synonyms)
        if key is not None:
            into.setdefault(key, (label, value))
    return pairs[0][2]


# ───────────────────────────── 发行说明书 ─────────────────────────────
def parse_offering_circular(data: bytes, file_name: str = "") -> ParsedDocument:
    sections = read_sections(data, file_name)
    basics = _section(sections, "基本情况", "基本信息")
    try:
        return _offering(sections, basics)
    except DocumentError as exc:
        raise _located(exc, basics) from exc


def _offering(sections: dict[str, Section], basics: Section) -> ParsedDocument:
    values: dict[str, tuple[str, Any]] = {}
    place = _label_values(basics, DEAL_LABELS, values)
    for name in ("资产池", "信用增级"):
        section = _section(sections, name, required=False)
        if section is not None:
            _label_values(section, DEAL_LABELS, values)
    if "is_public_offering" in values:
        label, text = values["is_public_offering"]
        values["is_public_offering"] = (label, OFFERING_KINDS.get(squash_spaces(cell_text(text)), text))
    _parties(_section(sections, "参与机构"), values)
    enhancement = _section(sections, "信用增级", required=False)
    if enhancement is not None:
        _enhancers(enhancement, values)
    row = _virtual_row(f"发行说明书 {basics.name}", place, values)
    doc = ParsedDocument(OFFERING)
    parties = Parties()
    deal, extra = issuance_export._deal(row, parties)
    tranche_sum = _structure_total(_section(sections, "证券结构"))
    issuance_export._finish_deal(deal, extra, tranche_sum, row, doc)
    doc.add("core.deals", deal)
    parties.emit(doc)
    return doc


def _parties(section: Section, values: dict[str, tuple[str, Any]]) -> None:
    table = section.table(PARTY_HEADERS, ("role", "name"))
    if table is None:
        raise DocumentError(f"{section.where()}: no table with 角色 and 机构名称", check="header")
    for row in table.rows():
        role = PARTY_ROLES.get(squash_spaces(row.text("role", required=True) or ""))
        if role is None:
            continue  # servicers, custodians, underwriters: not kept
        values[role] = (row.table.headers["name"], row.text("name", required=True))
        values[f"{role}_short"] = ("简称", row.text("short"))
        values[f"{role}_type"] = ("机构类型", row.text("type"))


def _enhancers(section: Section, values: dict[str, tuple[str, Any]]) -> None:
    """The enhancers table as the Wind export's parallel `;`-separated cells."""
    table = section.table(ENHANCER_HEADERS, ("enhancer", "enhancement_kind"))
    if table is None:
        return
    rows = list(table.rows())
    for key in ENHANCER_HEADERS:
        if table.has(key):
            cells = [row.text(key) or "-" for row in rows]
            values[key] = (table.headers[key], ";".join(cells) if rows else None)


def _structure_total(section: Section) -> Decimal:
    """Sum of the planned tranche sizes, checked against the table's own 合计 row."""
    table = section.table(STRUCTURE_HEADERS, ("tranche_name", "amount_cny"))
    if table is None:
        raise DocumentError(f"{section.where()}: no table with 档次 and 发行金额", check="header")
    total, printed = Decimal(0), None
    for row in table.rows():
        amount = row.amount("amount_cny", required=True, default_unit="wan")
        if squash_spaces(row.text("tranche_name") or "") == _TOTAL:
            printed = (row, amount)
        else:
            total += amount
    if printed is not None and printed[1] != total:
        raise printed[0].fail("amount_cny", f"合计 is {printed[1]} but the tranches add up to {total}",
                              check="inconsistent")
    return total


# ───────────────────────────── 发行结果公告 ─────────────────────────────
def parse_issuance_results(data: bytes, file_name: str = "") -> ParsedDocument:
    sections = read_sections(data, file_name)
    info = _section(sections, "基本信息", "基本情况")
    try:
        return _results(sections, info)
    except DocumentError as exc:
        raise _located(exc, info) from exc


def _results(sections: dict[str, Section], info: Section) -> ParsedDocument:
    values: dict[str, tuple[str, Any]] = {}
    place = _label_values(info, RESULTS_INFO, values)
    head = _virtual_row(f"发行结果公告 {info.name}", place, values)
    name = head.text("deal_name_zh", required=True)
    total = head.amount("deal_amount_cny", required=True, default_unit="wan")
    deal = {"deal_id": deal_id_for(name), "deal_name_zh": name}
    merged = _tranche_rows(sections)
    doc = ParsedDocument(RESULTS)
    parties = Parties()
    amounts = Decimal(0)
    codes: set[str] = set()
    for row in merged:
        tranche = issuance_export._tranche(row, deal, parties)
        if tranche["tranche_id"] in codes:
            raise row.fail("security_code", "is listed twice", check="duplicate")
        codes.add(tranche["tranche_id"])
        amounts += tranche["amount_cny"]
        doc.add("core.tranches", tranche)
    if amounts != total:
        raise head.fail("deal_amount_cny", f"is {total} but the tranches add up to {amounts}", check="inconsistent")
    dense_ranks(doc.tables["core.tranches"])
    parties.emit(doc)
    return doc


def _tranche_rows(sections: dict[str, Section]) -> list[Row]:
    """One virtual row per tranche: the tranche tables joined on 证券名称, in the order of 发行情况."""
    issued = _section(sections, "发行情况")
    tables = [(issued, issued.table(TRANCHE_HEADERS, ("tranche_name", "security_code", "amount_cny")))]
    for name in ("期限与评级", "次级档"):
        section = _section(sections, name, required=name == "期限与评级")
        if section is not None:
            tables.append((section, section.table(TRANCHE_HEADERS, ("tranche_name",))))
    merged: dict[str, dict[str, tuple[str, Any]]] = {}
    first: dict[str, tuple[str, int]] = {}
    for section, table in tables:
        if table is None:
            raise DocumentError(f"{section.where()}: no tranche table (证券名称 …)", check="header")
        seen: set[str] = set()
        for row in table.rows():
            label = row.text("tranche_name", required=True) or ""
            if label in seen:
                raise row.fail("tranche_name", "is listed twice", check="duplicate")
            seen.add(label)
            if section is not issued and label not in merged:
                raise row.fail("tranche_name", "is not in the 发行情况 table", check="inconsistent")
            target = merged.setdefault(label, {})
            first.setdefault(label, (table.sheet, row.number))
            for key, col in table.columns.items():
                if key == "tranche_name" and key in target:
                    continue
                target[key] = (table.headers[key], row.cells[col] if col < len(row.cells) else None)
        if section is tables[1][0] and seen != set(merged):
            missing = sorted(set(merged) - seen)
            raise DocumentError(f"{section.where()}: tranches {missing} are missing", check="missing_row",
                                field="tranche_name", value=missing[0] if missing else None)
    return [_virtual_row(first[label][0], first[label][1], values) for label, values in merged.items()]


def _located(exc: DocumentError, section: Section) -> DocumentError:
    """Keep the error; for PDFs say which page the section starts on when the error has none."""
    if exc.page is None and section.places and section.unit_is_page:
        return DocumentError(exc.reason, check=exc.check, page=section.places[0], field=exc.field, value=exc.value)
    return exc
