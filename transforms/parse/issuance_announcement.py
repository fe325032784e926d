"""Issuance documents (发行文件) → deal and tranche terms, read by meaning, not by position.

* **发行说明书** (offering circular or its summary) → core.deals, core.deal_labels,
  core.credit_enhancements and the parties (core.institutions, core.institution_aliases);
* **发行结果公告 / 发行情况公告** → core.tranches and the rating agencies.

Both arrive as PDF (``pdf_text``) or XLSX, in whatever layout the arranger or trustee uses.
The layout finder (``layout``) cuts the document into sections, tables and prose; values are
found by the label vocabulary of ``vocabulary/issuance_announcement.toml``:

* deal terms as labelled values anywhere (same line, next cell, next line, a numbered item
  ``一、专项计划名称：…``) or in prose (``发行规模为 182,000,000.00 元``, ``在全国银行间债券市场
  发行``); the deal name, when no label states it, is the title before 发行结果公告 / 发行说明书;
* parties from a 角色 | 机构名称 table or from items such as ``（一）发起机构/贷款服务机构：广发
  银行股份有限公司（简称“广发银行”）``; a party no registry knows becomes a new institution;
* tranches from tables with tranches as rows (joined on 证券名称 across tables) or as columns
  (项目 | 优先A档 | 次级档, or a 证券代码 row), or one tranche per page with its labels one under
  another (证券名称 → …, 证券代码 → …, 实际发行总额 → 13,200.00万元).

The rows are then built by the Wind issuance export's own readers (``issuance_export._deal``,
``_finish_deal``, ``_tranche``), so a deal reads the same from a vendor export and from its
announcements. Checks the documents allow: tranche sizes add up to 发行总额 and to the 合计 /
总计 row of the structure table; a tranche is listed once per table; a tranche named in a
later table was issued. Errors name the section and its page (or sheet row), the field and
the printed value.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from transforms.normalise.dates import parse_date
from transforms.normalise.ids import deal_id_for
from transforms.normalise.ratings import agencies_in_header, agency
from transforms.normalise.text import fold_width, squash_spaces
from transforms.normalise.titles import parse_deal_name
from transforms.normalise.tranches import dense_ranks
from transforms.parse import fields, issuance_export
from transforms.parse.base import DocumentError, ParsedDocument
from transforms.parse.fields import Hit, LabelIndex
from transforms.parse.layout import (
    DATE_TOKEN,
    Block,
    Layout,
    align,
    clean_value,
    cover_title,
    is_code,
    read_lines,
    tranche_label,
)
from transforms.parse.parties import INSTITUTION_TYPES, Parties
from transforms.parse.pdf_text import Cell, Line
from transforms.parse.tabular import Row, Table, is_blank, lookup
from transforms.parse.vocabulary import label_key, label_keys, load

OFFERING = "offering_circular"
RESULTS = "issuance_results"
VOCAB = load("issuance_announcement")
DEAL, TRANCHE = VOCAB.group("deal"), VOCAB.group("tranche")
PARTY_COLUMNS, ENHANCER_COLUMNS = VOCAB.group("party_columns"), VOCAB.group("enhancer_columns")
OFFERING_WORDS = tuple(VOCAB.data["kinds"]["offering"])
RESULTS_WORDS = tuple(VOCAB.data["kinds"]["results"])
_SUFFIXES = tuple(sorted((squash_spaces(fold_width(w)) for w in VOCAB.data["kinds"]["title_suffixes"]),
                         key=len, reverse=True))
_ROLES = VOCAB.mapping("party_roles")
_COUPON_TYPES = VOCAB.mapping("coupon_types")
_AMORTISATIONS = VOCAB.mapping("amortisations")
_OFFERING_KINDS = VOCAB.mapping("offering_kinds")
_VENUES = VOCAB.data["venues"]
_FAMILIES = {family: VOCAB.words("sections", family) for family in VOCAB.data["sections"]}
_HEADER_WORDS = VOCAB.keys("table_headers", "words")
_ENDINGS = fields.HEADING_ENDINGS + tuple(VOCAB.data["heading_endings"]["words"])
_POOL_MEASURES = load("trustee_report").keys("pool_matrix", "balance")  # one list of pool-balance spellings
LABELS = LabelIndex({"deal": DEAL, "tranche": TRANCHE}, also_labels=[PARTY_COLUMNS, ENHANCER_COLUMNS],
                    extra=[("pool_measure", "initial_pool_balance_cny", "amount", _POOL_MEASURES)])
_LAYOUT_MEMO: dict[str, dict] = {}  # the layout finder's answers per text, kept across documents
_SHARED_LABELS = frozenset(k for k in DEAL.index if k in TRANCHE.index)  # 发行总额, 法定到期日 …
_SHORT_NAME = re.compile(r"[（(]\s*(?:以下)?简称\s*[“\"「『]?(?P<short>[^”\"」』)）]+)[”\"」』]?\s*[)）]\s*$")
_LEADING_PRODUCT = re.compile(r"^资产支持(?:证券|票据)(?=.)")
_NUMBER = re.compile(r"[-+]?\d[\d,]*(?:\.\d+)?")
_MONTHS = re.compile(r"(?<=\d)\s*(?:个月|月|年)$")
_TRANCHE_KEYS = ("tranche_name", "security_code", "tranche_class", "seniority_rank", "amount_cny", "coupon_rate",
                 "coupon_type", "issue_price_per_100", "amortisation", "expected_maturity_date",
                 "legal_maturity_date", "expected_tenor_years", "initial_rating", "rating_agency",
                 "is_externally_placed", "originator_retained_share", "period_return_rate")


def announcement_kind(text: str) -> str | None:
    """发行说明书 / 发行结果公告 from a title or the first lines of a document."""
    key = squash_spaces(fold_width(text))
    if any(word in key for word in RESULTS_WORDS):
        return RESULTS
    if any(word in key for word in OFFERING_WORDS):
        return OFFERING
    return None


def parse_offering_circular(data: bytes, file_name: str = "") -> ParsedDocument:
    """core.deals (+ labels, enhancements, parties) from a 发行说明书 in any layout."""
    return _Announcement(data, file_name).offering()


def parse_issuance_results(data: bytes, file_name: str = "") -> ParsedDocument:
    """core.tranches (+ rating agencies) from a 发行结果公告 / 发行情况公告 in any layout."""
    return _Announcement(data, file_name).results()


# ───────────────────────────── the document ─────────────────────────────
class _Tranche:
    """One tranche's values gathered from wherever the document states them."""

    def __init__(self, where: Line, table: str) -> None:
        self.values: dict[str, Hit] = {}
        self.where = where
        self.table = table

    @property
    def name(self) -> str | None:
        hit = self.values.get("tranche_name")
        return _tranche_name(hit.value) if hit is not None and hit.value else None

    @property
    def key(self) -> str | None:
        name = self.name
        if name:
            return label_key(name)
        code = self.values.get("security_code")
        return squash_spaces(code.value) if code is not None and code.value else None


class _Announcement:
    def __init__(self, data: bytes, file_name: str) -> None:
        lines, self.file_format = read_lines(data)
        self.file_name = file_name
        self.lines = lines
        self.layout = Layout(lines, header_words=_HEADER_WORDS, column_words=fields.COLUMN_WORDS, families=_FAMILIES,
                             heading_endings=_ENDINGS, is_label=LABELS.is_label, memo=_LAYOUT_MEMO)
        self.tables = self._tranche_tables()
        self.table_lines = {id(line) for orientation, block, spec in self.tables
                            for line in _table_rows(orientation, block, spec)}
        self.hits = fields.scan(self.layout, LABELS, skip=lambda line: id(line) in self.table_lines)
        self.title = cover_title(lines, (*_SUFFIXES, *(squash_spaces(w) for w in RESULTS_WORDS + OFFERING_WORDS)))
        self.records = self._vertical_records()
        self.record_lines = {id(h.line) for r in self.records for h in r.values.values()}

    # ── where things are
    def _place(self, hit: Hit) -> str:
        section = self.layout.section(hit.line)
        title = section.title if section is not None else (self.title or "document")
        return f"{title} ({hit.line.where})"

    def _first_page(self) -> int:
        return self.lines[0].page if self.lines else 1

    def _deal_hits(self, name: str) -> list[Hit]:
        """Deal-level labels outside tranche records (a 发行总额 inside one is the tranche's)."""
        return [h for h in self.hits["deal"].get(name, []) if id(h.line) not in self.record_lines]

    def deal_name(self) -> tuple[str, Hit | None]:
        for hit in self._deal_hits("deal_name_zh"):
            if hit.value and hit.value.strip():
                return hit.value.strip(), hit
        title = self.title or ""
        for suffix in _SUFFIXES:
            at = title.find(suffix)
            if at > 0:
                return title[:at].strip(), None
        raise DocumentError("the deal is named neither by a label (项目名称 …) nor in the title before "
                            f"{'/'.join(_SUFFIXES[:3])}", check="missing_row", page=self._first_page(),
                            field="deal_name_zh", value=title or None)

    # ── tranche tables
    def _tranche_tables(self) -> list[tuple[str, Block, Any]]:
        """(orientation, block, columns) of every table that lists tranches."""
        tables: list[tuple[str, Block, Any]] = []
        for block in self.layout.blocks:
            header = block.header
            if header is not None:
                keys = {j: _tranche_key(c.text, [l.cells[j].text for l in block.lines if len(l.cells) > j])
                        for j, c in enumerate(header.cells)}
                keys = {j: k for j, k in keys.items() if k is not None}
                if ({"tranche_name", "security_code"} & set(keys.values())) and len(set(keys.values())) >= 2:
                    tables.append(("rows", block, keys))
                    continue
                if len(header.cells) >= 2 and _tranche_columns(header.cells[1:]):
                    tables.append(("columns", block, header))
                    continue
                if _tranche_columns(header.cells):  # no cell over the label column
                    first = header.cells[0]
                    left = Cell("", first.x0 - 1, first.x0) if header.sheet else Cell(
                        "", min((l.cells[0].x0 for l in block.lines), default=first.x0 - 80) - 1, first.x0 - 1)
                    tables.append(("columns", block, Line(header.page, header.y, [left, *header.cells], header.sheet)))
                    continue
            for line in block.lines:  # one tranche a column needs two columns: one is a label | value list
                if TRANCHE.match(line.cells[0].text) in ("security_code", "tranche_name") and len(line.cells) > 2 \
                        and (all(is_code(c.text) for c in line.cells[1:])
                             or all(tranche_label(c.text) for c in line.cells[1:])):
                    tables.append(("columns", block, line))
                    break
        return tables

    def _table_tranches(self) -> list[tuple[Block, list[_Tranche], Hit | None]]:
        """Per table: its tranches and its printed 合计 / 总计 amount (a Hit, or None)."""
        out = []
        for orientation, block, spec in self.tables:
            if orientation == "rows":
                out.append(self._rows_table(block, spec))
            else:
                out.append(self._columns_table(block, spec))
        return out

    def _rows_table(self, block: Block, keys: dict[int, str]) -> tuple[Block, list[_Tranche], Hit | None]:
        heads = block.header.cells
        refuse = fields.refuses(heads)
        tranches, total = [], None
        name_col = next((j for j, k in keys.items() if k == "tranche_name"), None)
        for line in block.lines:
            columns = block.columns(line, refuse)
            first = columns.get(name_col) if name_col is not None else line.cells[0]
            if first is not None and fields.is_total(first.text) or fields.is_total(line.cells[0].text):
                amount_col = next((j for j, k in keys.items() if k == "amount_cny"), None)
                cell = columns.get(amount_col) if amount_col is not None else None
                if cell is not None:
                    total = Hit("amount_cny", line, heads[amount_col].text, cell.text, heads[amount_col].text, block)
                continue
            tranche = _Tranche(line, block.heading)
            for j, key in keys.items():
                cell = columns.get(j)
                if cell is not None and not is_blank(cell.text):
                    tranche.values[key] = Hit(key, line, heads[j].text, cell.text, heads[j].text, block)
            code, name = tranche.values.get("security_code"), tranche.name
            if tranche.key is not None and (code is not None and is_code(code.value or "") or (
                    name is not None and tranche_label(name) and not LABELS.is_label(name))):
                tranches.append(tranche)  # (a label | value row after the table is no tranche)
        return block, tranches, total

    def _columns_table(self, block: Block, grid: Line) -> tuple[Block, list[_Tranche], Hit | None]:
        """Tranches as columns: a header of tranche names (or a 证券代码 / 证券名称 row), metric rows."""
        refuse = fields.refuses(grid.cells)
        by_column: dict[int, _Tranche] = {}
        total_column = next((j for j, c in enumerate(grid.cells) if j and fields.is_total(c.text)), None)
        total: Hit | None = None
        name_row = TRANCHE.match(grid.cells[0].text) == "tranche_name" or _tranche_columns(grid.cells[1:])
        for j, cell in enumerate(grid.cells):
            if j == 0 or j == total_column:
                continue
            tranche = by_column[j] = _Tranche(grid, block.heading)
            key = "tranche_name" if name_row else "security_code"
            tranche.values[key] = Hit(key, grid, grid.cells[0].text, cell.text, grid.cells[0].text, block)
        for line in block.lines:
            if line is grid:
                continue
            key = _tranche_key(line.cells[0].text, [c.text for c in line.cells[1:]])
            if key is None:
                continue
            columns = align(line.cells, grid.cells, refuse)
            for j, tranche in by_column.items():
                cell = columns.get(j)
                if cell is not None and cell is not line.cells[0] and key not in tranche.values:
                    tranche.values[key] = Hit(key, line, line.cells[0].text, cell.text, grid.cells[j].text, block)
            if key == "amount_cny" and total_column is not None and columns.get(total_column) is not None:
                total = Hit(key, line, line.cells[0].text, columns[total_column].text,
                            grid.cells[total_column].text, block)
        return block, list(by_column.values()), total

    def _vertical_records(self) -> list[_Tranche]:
        """Tranches stated one under another (one tranche per page): each 证券名称 starts one."""
        hits = sorted((h for found in self.hits["tranche"].values() for h in found),
                      key=lambda h: self.layout.index()[id(h.line)])
        records: list[_Tranche] = []
        current: _Tranche | None = None
        for hit in hits:
            elsewhere = current is not None and current.where.sheet != hit.line.sheet  # (a tranche may run on
            opens = hit.field == "tranche_name" or current is None or hit.field in current.values or elsewhere  # a page)
            if opens and hit.field != "tranche_name" and any(k in _SHARED_LABELS for k in label_keys(hit.label)):
                continue  # 发行总额 / 法定到期日 outside a tranche: the deal's
            if opens:
                current = _Tranche(hit.line, self._section_title(hit.line))
                records.append(current)
            current.values[hit.field] = hit
        return [r for r in records if r.key is not None and len(r.values) >= 2]

    def _section_title(self, line: Line) -> str:
        section = self.layout.section(line)
        return section.title if section is not None else ""

    def tranches(self) -> tuple[list[_Tranche], list[tuple[Block, list[_Tranche], Hit | None]]]:
        """Every tranche once, its values merged across tables (joined on 证券名称 or 证券代码)."""
        tables = self._table_tranches()
        merged: dict[str, _Tranche] = {}
        order: list[str] = []
        defined = False
        for block, members, _total in tables:
            seen: set[str] = set()
            has_amounts = any("amount_cny" in t.values for t in members)
            for tranche in members:
                key = tranche.key
                if key in seen:
                    raise _fail(tranche.values.get("tranche_name") or tranche.values["security_code"],
                                "is listed twice", "duplicate", self)
                seen.add(key)
                if key not in merged:
                    if defined and not has_amounts:
                        hit = tranche.values.get("tranche_name") or tranche.values["security_code"]
                        raise _fail(hit, "is not in the table of issued tranches", "inconsistent", self)
                    merged[key] = tranche
                    order.append(key)
                else:
                    for name, hit in tranche.values.items():
                        merged[key].values.setdefault(name, hit)
            defined = defined or has_amounts
        for record in self.records:
            key = record.key
            if key in merged:
                for name, hit in record.values.items():
                    merged[key].values.setdefault(name, hit)
            else:
                merged[key] = record
                order.append(key)
        return [merged[k] for k in order], tables

    # ── 发行结果公告
    def results(self) -> ParsedDocument:
        name, _ = self.deal_name()
        deal = {"deal_id": deal_id_for(name), "deal_name_zh": name}
        members, _tables = self.tranches()
        if not members:
            raise DocumentError("no tranche found: no table with 证券名称 / 证券代码 and no 证券名称 label",
                                check="missing_row", page=self._first_page(), field="tranche_name")
        doc = ParsedDocument(RESULTS)
        parties = Parties(new_agencies=True)
        codes: dict[str, _Tranche] = {}
        total = Decimal(0)
        for tranche in members:
            row = _tranche_row(tranche, self)
            values = issuance_export._tranche(row, deal, parties)
            if values["tranche_id"] in codes:
                raise _fail(tranche.values.get("security_code") or tranche.values["tranche_name"],
                            "is listed twice", "duplicate", self)
            codes[values["tranche_id"]] = tranche
            total += values["amount_cny"]
            doc.add("core.tranches", values)
        for _block, table_members, printed_total in _tables:
            if printed_total is None:
                continue
            printed = _typed_amount(printed_total, "amount_cny", self)
            summed = sum((_typed_amount(t.values["amount_cny"], "amount_cny", self) or Decimal(0)
                          for t in table_members if "amount_cny" in t.values), Decimal(0))
            if printed is not None and printed != summed:
                raise DocumentError(
                    f"{self._place(printed_total)}: amount_cny ({printed_total.label}) 合计 is {printed} but the "
                    f"tranches add up to {summed}", check="inconsistent", page=printed_total.line.page,
                    field="amount_cny", value=printed_total.value)
        stated = [h for h in self._deal_hits("deal_amount_cny") if h.value]
        if stated:
            hit = stated[0]
            printed = _typed_amount(hit, "deal_amount_cny", self)
            if printed is not None and printed != total:
                raise DocumentError(f"{self._place(hit)}: deal_amount_cny ({hit.label}) is {printed} but the tranches "
                                    f"add up to {total}", check="inconsistent", page=hit.line.pdf_page or hit.line.page,
                                    field="deal_amount_cny", value=hit.value)
        dense_ranks(doc.tables["core.tranches"])
        parties.emit(doc)
        return doc

    # ── 发行说明书
    def offering(self) -> ParsedDocument:
        name, name_hit = self.deal_name()
        values: dict[str, tuple[str, Any]] = {"deal_name_zh": (name_hit.label if name_hit else "标题", name)}
        first: Hit | None = name_hit
        for key, spec in DEAL.fields.items():
            if key == "deal_name_zh":
                continue
            hits = [h for h in self._deal_hits(key) if h.value is not None]
            if not hits:
                continue
            hit = hits[0]
            first = first or hit
            typed = _typed_deal(key, spec["kind"], hit, self)
            label = f"{_plain(hit.label)}(元)" if spec["kind"] == "amount" else _plain(hit.label)
            values[key] = (label, typed)
        if "initial_pool_balance_cny" not in values:
            values.update(self._pool_balance())
        self._prose(values)
        if values.get("is_public_offering", (None, None))[1] is None:
            kind = self._offering_kind_in_prose()
            if kind is not None:
                values["is_public_offering"] = ("发行方式", kind)
        if "market" not in values:
            venue = self._venue() or parse_deal_name(name).market_hint
            if venue:
                values["market"] = ("发行场所", venue)
        self._parties(values)
        self._enhancers(values)
        row = _virtual_row(f"发行说明书 {self._section_title(first.line) if first else ''}".strip(),
                           first.line.page if first else self._first_page(), values)
        doc = ParsedDocument(OFFERING)
        parties = Parties(new_agencies=True)
        try:
            deal, extra = issuance_export._deal(row, parties)
        except DocumentError as exc:
            raise _located(exc, first) from exc
        tranche_sum = self._structure_total()
        if tranche_sum is None:
            tranche_sum = deal["deal_amount_cny"]
            if tranche_sum is None:
                raise DocumentError("the deal size is stated nowhere: no 发行总额 / 发行规模 label or sentence and "
                                    "no table of tranche sizes", check="missing_row", page=self._first_page(),
                                    field="deal_amount_cny")
        try:
            issuance_export._finish_deal(deal, extra, tranche_sum, row, doc)
        except DocumentError as exc:
            raise _located(exc, first) from exc
        doc.add("core.deals", deal)
        parties.emit(doc)
        return doc

    def _pool_balance(self) -> dict[str, tuple[str, Any]]:
        """The pool at the cut-off date, when no 初始资产池余额-like label states it: a pool-balance
        measure (资产池未偿本金余额, 未偿本息费余额 …, the trustee vocabulary's) stated once."""
        hits = [h for h in self.hits.get("pool_measure", {}).get("initial_pool_balance_cny", []) if h.value]
        values = {_typed_amount(h, "initial_pool_balance_cny", self) for h in hits}
        if len(values) != 1:
            return {}
        return {"initial_pool_balance_cny": (f"{_plain(hits[0].label)}(元)", values.pop())}

    def _prose(self, values: dict[str, tuple[str, Any]]) -> None:
        """Amounts stated in sentences: 「发行规模为 182,000,000.00 元」."""
        for key, spec in DEAL.fields.items():
            if key in values or spec["kind"] != "amount":
                continue
            for paragraph in self.layout.paragraphs:
                text = fold_width(paragraph.text)
                for label in spec["labels"]:
                    match = re.search(re.escape(fold_width(label)) + r"\s*(?:为|是|:|：|共计|合计)\s*(?:人民币)?\s*"
                                      r"(?P<value>\d[\d,]*(?:\.\d+)?\s*(?:万元|亿元|元))", text)
                    if match:
                        hit = Hit(key, paragraph.line, label, match.group("value"), "", self.layout.block(paragraph.line))
                        values[key] = (f"{label}(元)", _typed_amount(hit, key, self))
                        break
                if key in values:
                    break

    def _offering_kind_in_prose(self) -> str | None:
        """「拟采用公开簿记建档的方式…发行」: the offering kind stated in a sentence."""
        for paragraph in self.layout.paragraphs:
            folded = squash_spaces(fold_width(paragraph.text))
            for word in sorted(_OFFERING_KINDS, key=len, reverse=True):
                if word in folded:
                    return _OFFERING_KINDS[word]
        return None

    def _venue(self) -> str | None:
        texts = [p.text for p in self.layout.paragraphs] + [l.text for l in self.lines]
        for text in texts:
            folded = squash_spaces(fold_width(text))
            for word, venue in _VENUES.items():
                if word in folded:
                    return venue
        return None

    def _parties(self, values: dict[str, tuple[str, Any]]) -> None:
        """Originator, asset provider and trustee: from a 角色 | 机构名称 table, else from role items."""
        found: dict[str, tuple[str, str, str | None, str | None]] = {}
        for block in self.layout.blocks:
            if block.header is None:
                continue
            columns = {PARTY_COLUMNS.match(c.text): j for j, c in enumerate(block.header.cells)}
            if "role" not in columns or "name" not in columns:
                continue
            for line in block.lines:
                cells = block.columns(line)
                role_cell, name_cell = cells.get(columns["role"]), cells.get(columns["name"])
                if role_cell is None or name_cell is None:
                    continue
                role = _role(role_cell.text)
                if role is None or role in found:
                    continue
                short = cells.get(columns["short"]) if "short" in columns else None
                kind = cells.get(columns["type"]) if "type" in columns else None
                found[role] = (block.header.cells[columns["name"]].text, name_cell.text.strip(),
                               _null_text(short.text) if short else None, _null_text(kind.text) if kind else None)
        pairs: list[tuple[str, str]] = []
        for line in self.lines:
            if len(line.cells) == 2 and id(line) not in self.layout.headers:
                pairs.append((line.cells[0].text, line.cells[1].text))
        singles = [l for l in self.lines if len(l.cells) == 1]
        texts = []
        for i, line in enumerate(singles):
            text = line.cells[0].text
            if text.count("（") + text.count("(") > text.count("）") + text.count(")") and i + 1 < len(singles) and \
                    singles[i + 1].page == line.page:
                text += singles[i + 1].cells[0].text  # an item wrapped inside its （简称“…”）
            texts.append(text)
        for text in texts + [p.text for p in self.layout.paragraphs]:
            parts = fields.split_label(text)
            if parts is not None and re.search(r"[:：]", text):
                pairs.append(parts)
        for label, value in pairs:
            role = _role(label)
            if role is None or role in found:
                continue
            name, short = _name_and_short(value)
            found[role] = (label, name, short, None)
        for role, (label, name, short, kind) in found.items():
            values[role] = (label, name)
            values[f"{role}_short"] = ("简称", short)
            kind_code = lookup(kind, INSTITUTION_TYPES) if kind else None
            values[f"{role}_type"] = ("机构类型", kind if kind_code else None)

    def _enhancers(self, values: dict[str, tuple[str, Any]]) -> None:
        """The enhancers table as the Wind export's parallel `;`-separated cells."""
        for block in self.layout.blocks:
            if block.header is None:
                continue
            columns = {ENHANCER_COLUMNS.match(c.text): j for j, c in enumerate(block.header.cells)}
            columns.pop(None, None)
            if "enhancer" not in columns or "enhancement_kind" not in columns:
                continue
            rows = [block.columns(line) for line in block.lines if len(line.cells) > 1]  # (not a stray title)
            rows = [r for r in rows if r.get(columns["enhancer"]) is not None]
            for key, j in columns.items():
                cells = [(r[j].text if r.get(j) is not None else "-") for r in rows]
                values[key] = (block.header.cells[j].text, ";".join(cells) if rows else None)
            return

    def _structure_total(self) -> Decimal | None:
        """Sum of the tranche sizes of the offering's structure table, checked against its 合计 row."""
        for block, members, total in self._table_tranches():
            amounts = [t.values["amount_cny"] for t in members if "amount_cny" in t.values]
            if not amounts:
                continue
            summed = sum((_typed_amount(h, "amount_cny", self, default_unit="wan") or Decimal(0) for h in amounts),
                         Decimal(0))
            if total is not None:
                printed = _typed_amount(total, "amount_cny", self, default_unit="wan")
                if printed is not None and printed != summed:
                    raise DocumentError(
                        f"{self._place(total)}: amount_cny ({total.label}) 合计 is {printed} but the tranches add up "
                        f"to {summed}", check="inconsistent", page=total.line.page, field="amount_cny",
                        value=total.value)
            return summed
        return None


# ───────────────────────────── values ─────────────────────────────
def _table_rows(orientation: str, block: Block, spec: Any) -> list[Line]:
    """The lines of a tranche table that state tranches (the others, label | value rows that ran
    on after it, are read as such)."""
    if orientation == "rows":
        keys: dict[int, str] = spec
        code_col = next((j for j, k in keys.items() if k == "security_code"), None)
        name_col = next((j for j, k in keys.items() if k == "tranche_name"), None)
        out = []
        for line in block.lines:
            columns = block.columns(line, fields.refuses(block.header.cells))
            code, name = columns.get(code_col), columns.get(name_col)
            if (code is not None and is_code(code.text)) or (name is not None and tranche_label(name.text)
                                                              and not LABELS.is_label(name.text)):
                out.append(line)
        return out
    return [line for line in block.lines if _tranche_key(line.cells[0].text, [c.text for c in line.cells[1:]])]


def _tranche_columns(cells: list[Cell]) -> bool:
    """Header cells naming tranches, a 合计 / 总计 column allowed among them."""
    names = [c for c in cells if not fields.is_total(c.text)]
    return bool(names) and len(names) >= len(cells) - 1 and all(tranche_label(c.text) for c in names)


def _tranche_key(label: str, values: list[str]) -> str | None:
    """The tranche field a column header or row label names; a rate printed without its 率
    (期间收益 over 5.00%) when the cells carry the % sign."""
    key = TRANCHE.match(label)
    if key is None and any("%" in fold_width(v) for v in values):
        key = TRANCHE.match_rate(label)
    return key


def _role(label: str) -> str | None:
    """A kept role (originator, asset_provider, trustee) of a role label. 发起机构/贷款服务机构
    names two roles: the first one the warehouse keeps counts."""
    for part in [label, *re.split(r"[/、]", fold_width(label))]:
        role = next((_ROLES[k] for k in label_keys(part) if k in _ROLES), None)
        if role is None:
            continue
        if role == "ignore":
            if part is label:
                return None  # the whole label is a role the warehouse does not keep
            continue
        return role
    return None


def _name_and_short(text: str) -> tuple[str, str | None]:
    """`广发银行股份有限公司（简称“广发银行”）` → (full name, short name)."""
    text = text.strip().rstrip("。；;，,")
    match = _SHORT_NAME.search(text)
    if match:
        return text[:match.start()].strip(), match.group("short").strip()
    return text, None


def _null_text(text: str | None) -> str | None:
    if text is None or fields.nullish(text):
        return None
    return text.strip()


def _tranche_name(text: str) -> str:
    """`资产支持证券优先档资产支持证券` (two cells merged by the text layer) → `优先档资产支持证券`."""
    name = squash_spaces(text) if re.search(r"[\u4e00-\u9fff]", text) else text.strip()
    stripped = _LEADING_PRODUCT.sub("", name)
    if stripped != name and tranche_label(stripped):
        return stripped
    return name


def _plain(label: str) -> str:
    """A label without its trailing bracket, for a value already typed (units applied)."""
    return re.sub(r"\s*[（(][^()（）]*[)）]\s*$", "", label) or label


def _located(exc: DocumentError, hit: Hit | None) -> DocumentError:
    """Keep the error; say which page the deal's section starts on when the error has none."""
    if exc.page is None and hit is not None and not hit.line.sheet:
        return DocumentError(exc.reason, check=exc.check, page=hit.line.page, field=exc.field, value=exc.value)
    return exc


def _fail(hit: Hit, reason: str, check: str, doc: _Announcement) -> DocumentError:
    return DocumentError(f"{doc._place(hit)}: {hit.field} {hit.value!r} {reason}", check=check,
                         page=hit.line.page, field=hit.field, value=hit.value)


def _typed_amount(hit: Hit, key: str, doc: _Announcement, default_unit: str | None = None) -> Decimal | None:
    """CNY; the unit from the value, label, column or table — else ``default_unit`` (元)."""
    if default_unit is not None and not fields.has_unit(clean_value(hit.value or "")) and (
            fields.money_unit(hit) == "CNY" and not _states_unit(hit)):
        hit = Hit(hit.field, hit.line, f"{hit.label}({ {'wan': '万元', 'yi': '亿元'}.get(default_unit, '元')})",
                  hit.value, hit.header, hit.block)
    try:
        return fields.amount(hit, key)
    except DocumentError as exc:
        raise DocumentError(f"{doc._place(hit)}: {exc.reason.split(': ', 1)[-1]}", check=exc.check,
                            page=hit.line.page, field=key, value=hit.value) from exc


def _states_unit(hit: Hit) -> bool:
    from transforms.parse.layout import header_unit

    return any(header_unit(t) is not None for t in (hit.label, hit.header) if t) or (
        hit.block is not None and hit.block.table_unit() is not None)


def _typed_rate(hit: Hit, key: str, doc: _Announcement) -> Decimal | None:
    """A fraction; announcements print rates as percents, with or without the sign."""
    text = clean_value(hit.value or "")
    if not fields.nullish(text) and "%" not in text and "%" not in fold_width(hit.header + hit.label):
        hit = Hit(hit.field, hit.line, f"{hit.label}(%)", hit.value, hit.header, hit.block)
    try:
        return fields.rate(hit, key)
    except DocumentError as exc:
        raise DocumentError(f"{doc._place(hit)}: {exc.reason.split(': ', 1)[-1]}", check=exc.check,
                            page=hit.line.page, field=key, value=hit.value) from exc


def _typed_date(hit: Hit, key: str, doc: _Announcement) -> dt.date | None:
    text = clean_value(hit.value or "")
    if fields.nullish(text):
        return None
    match = DATE_TOKEN.search(fold_width(text))
    try:
        return parse_date(match.group(0) if match else text)
    except ValueError as exc:
        raise DocumentError(f"{doc._place(hit)}: {key} ({hit.label}) is not a date: {hit.value!r}",
                            check="bad_value", page=hit.line.page, field=key, value=hit.value) from exc


def _typed_number(hit: Hit, key: str, doc: _Announcement) -> Decimal | None:
    """A plain number with its unit words dropped: `100元`, `2.35年`, `24个月`."""
    text = _MONTHS.sub("", clean_value(hit.value or ""))
    if fields.nullish(text):
        return None
    match = _NUMBER.match(squash_spaces(text))
    if not match:
        raise DocumentError(f"{doc._place(hit)}: {key} ({hit.label}) is not a number: {hit.value!r}",
                            check="bad_value", page=hit.line.page, field=key, value=hit.value)
    return Decimal(match.group(0).replace(",", ""))


def _choice(text: str | None, vocabulary: dict[str, str]) -> str | None:
    """A code from a value map; a qualified value (浮动利率（以央行…为基准）) by its first words;
    a value the map does not know gives None (the field is optional, never a reason to refuse)."""
    if text is None or fields.nullish(text):
        return None
    for key in label_keys(text):
        if key in vocabulary:
            return vocabulary[key] or None
    folded = label_key(text)
    for key, code in sorted(vocabulary.items(), key=lambda kv: -len(kv[0])):
        if folded.startswith(key):
            return code or None
    return None


def _typed_deal(key: str, kind: str, hit: Hit, doc: _Announcement) -> Any:
    if kind == "amount":
        return _typed_amount(hit, key, doc)
    if kind == "rate":
        return _typed_rate(hit, key, doc)
    if kind == "date":
        return _typed_date(hit, key, doc)
    if kind == "count":
        return _typed_number(hit, key, doc)
    text = _null_text(hit.value)
    if key == "is_public_offering":
        return _offering_kind(text)
    if key == "asset_subclass" and text is not None:
        return text if lookup(text, issuance_export._SUBCLASSES) else None
    return text


def _offering_kind(text: str | None) -> str | None:
    """公开发行 → 是, 定向发行 → 否; a value that says neither is left unknown."""
    if text is None:
        return None
    code = _choice(text, _OFFERING_KINDS)
    if code is not None:
        return code
    folded = squash_spaces(text)
    if "定向" in folded or "非公开" in folded:
        return "否"
    if "公开" in folded:
        return "是"
    return text if folded in ("是", "否") else None


def _tranche_row(tranche: _Tranche, doc: _Announcement) -> Row:
    """The tranche's values as one row with the Wind export's canonical columns, typed."""
    values: dict[str, tuple[str, Any]] = {}
    for key in _TRANCHE_KEYS:
        hit = tranche.values.get(key)
        if hit is None or hit.value is None:
            continue
        label = _plain(hit.label)
        if key == "amount_cny":
            values[key] = (f"{label}(元)", _typed_amount(hit, key, doc))
        elif key in ("coupon_rate", "originator_retained_share", "period_return_rate"):
            values[key] = (label, _typed_rate(hit, key, doc))
        elif key in ("expected_maturity_date", "legal_maturity_date"):
            values[key] = (label, _typed_date(hit, key, doc))
        elif key in ("issue_price_per_100", "expected_tenor_years", "seniority_rank"):
            values[key] = (label, _typed_number(hit, key, doc))
        elif key == "coupon_type":
            values[key] = (label, _choice(hit.value, _COUPON_TYPES))
        elif key == "amortisation":
            values[key] = (label, _choice(hit.value, _AMORTISATIONS))
        elif key == "tranche_name":
            values[key] = (label, _tranche_name(hit.value))
        elif key == "security_code":
            code = fields.security_code(hit.value)
            if code is None and not fields.nullish(hit.value):
                raise DocumentError(f"{doc._place(hit)}: security_code ({hit.label}) is not a security code: "
                                    f"{hit.value!r}", check="bad_value", page=hit.line.page, field=key,
                                    value=hit.value)
            values[key] = (label, code)
        elif key == "tranche_class":
            text = _null_text(hit.value)
            values[key] = (label, text if text and lookup(text, issuance_export._CLASSES) else None)
        else:
            values[key] = (label, _null_text(hit.value))
    rating = values.get("initial_rating")
    if rating and rating[1] and not values.get("rating_agency", ("", None))[1]:
        agency_name = _agency_from_header(tranche.values["initial_rating"].label)
        if agency_name:
            values["rating_agency"] = (rating[0], agency_name)
    if "amount_cny" not in values or values["amount_cny"][1] is None:
        hit = tranche.values.get("tranche_name") or next(iter(tranche.values.values()))
        raise DocumentError(f"{doc._place(hit)}: no issued amount (发行金额 / 实际发行总额) for tranche "
                            f"{tranche.name or tranche.key!r}", check="missing_row", page=hit.line.page,
                            field="amount_cny", value=tranche.name)
    place = tranche.where.page
    return _virtual_row(tranche.table or "发行结果公告", place, values)


def _agency_from_header(header: str) -> str | None:
    """The first agency named in a rating header: 评级（中债资信/中诚信） → 中债资信."""
    try:
        ids = agencies_in_header(header)
    except ValueError:
        return None
    return agency(ids[0]).short_name if ids else None


def _virtual_row(name: str, place: int, values: dict[str, tuple[str, Any]]) -> Row:
    """One row of a table with canonical keys: {key: (printed label, value)}."""
    keys = list(values)
    table = Table(name, place, {k: i for i, k in enumerate(keys)}, {k: values[k][0] for k in keys},
                  [], [], [values[k][0] for k in keys])
    return Row(table, place, [None if is_blank(values[k][1]) else values[k][1] for k in keys])
