"""Where things are in a laid-out document: sections, tables, their headers and units.

Templates differ from trustee to trustee and from arranger to arranger, so nothing here
assumes a position. A document (``pdf_text.Line`` rows of positioned cells) is cut into:

* **sections** — headings numbered ``一、`` ``（一）`` ``1.`` ``1、`` ``1.1`` ``（1）`` ``①``
  ``第一部分/章/节``, or unnumbered short headings that name a known family; a sheet name
  opens a section too. Sections are context only: a parser may prefer a value found under
  the right heading, but a document without headings is read the same way;
* **blocks** — runs of table rows between headings and paragraphs, each with the header
  line that starts it (header words, column words, as-of dates or tranche names; a header
  wrapped over two lines is merged), the unit stated above it (``金额单位：万元``) or in a
  note below it, and its footnotes. A header repeated after a page break continues the
  block, as does a page break with no header at all;
* **paragraphs** — prose, with wrapped lines joined back, for values stated in a sentence.

Cells are put under header columns by ``align`` (order-preserving, least distance), which
copes with centred headers over right-aligned numbers and with empty cells.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from transforms.normalise.numbers import NULL_MARKERS, unit_from_header
from transforms.normalise.text import fold_width, parse_chinese_int, squash_spaces
from transforms.normalise.tranches import parse_tranche_label
from transforms.parse.base import DocumentError
from transforms.parse.pdf_text import Cell, Line, join_wrapped, pdf_lines, xlsx_lines
from transforms.parse.vocabulary import label_key, label_keys
from transforms.sniff import sniff

# ───────────────────────────── reading ─────────────────────────────


def read_lines(data: bytes) -> tuple[list[Line], str]:
    """The document's lines and its format (``pdf`` or ``xlsx``), decided by the bytes
    (the project's one format sniffer), never by the file name."""
    found = sniff(data)
    if found.kind == "pdf":
        return pdf_lines(data), "pdf"
    if found.kind == "xlsx":
        return xlsx_lines(data), "xlsx"
    if found.kind == "zip" and found.detail == "broken":
        raise DocumentError("XLSX is truncated or corrupt", check="corrupt_file", value=found.problem)
    reason = f"not a PDF or XLSX document: {found.problem or found.kind}"
    raise DocumentError(reason, check=found.check or "unknown_format", value=data[:8].hex())


# ───────────────────────────── cell text ─────────────────────────────
_FOOTNOTE = re.compile(r"(?:[(（]\s*注\s*\d*\s*[)）]|\[\s*\d{1,2}\s*\]|[¹²³⁴⁵⁶⁷⁸⁹⁰※†‡]+|\*+)$")
_QUALIFIER = re.compile(r"\s*[(（][^()（）]*[)）]\s*$")
_COUNT_SUFFIX = re.compile(r"(?<=\d)\s*(?:笔|户|个|份|张|人)$")
_NUM = r"[-+]?(?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+)"
_NUMBER = re.compile(rf"^(?:\({_NUM}\)|{_NUM})(?:%|‰|bp|BP|bps|基点)?$")  # (1,234.00) is negative; 2） is not
_CURRENCY = re.compile(r"^(?:人民币|RMB|CNY|¥|￥)")
_MONEY_TAIL = re.compile(r"(?<=\d)\s*(?:人民币)?(?:万元|亿元|元|万|亿)$")
DATE_TOKEN = re.compile(r"\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日?|\d{4}\s*[-/.]\s*\d{1,2}\s*[-/.]\s*\d{1,2}|(?<!\d)\d{8}(?!\d)")
_ONLY_DATE = re.compile(r"^(?:" + DATE_TOKEN.pattern + r")(?:\s*(?:24:00|\d{1,2}:\d{2}))?$")
_HAS_DIGIT = re.compile(r"\d")
_SIMPLE_NUMBER = re.compile(r"^-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?%?$")  # 1,234.56 / 0.45% as printed
_FOOTNOTE_ONLY = re.compile(r"^\s*(?:[(（]\s*注\s*\d*\s*[)）]|\[\s*\d{1,2}\s*\]|[¹²³⁴⁵⁶⁷⁸⁹⁰*※]+)\s*$")
_PLAIN = re.compile(r"^[\w.,%\-]+$", re.ASCII)  # ASCII digits, letters and punctuation only
_FIGURE_START = re.compile(r"^-?\d{1,3}(?:,\d{3})*(?:,\d{1,2}|\.)$")  # 1,165,009,138. / 12,496,500,00
_UNCLOSED = re.compile(r"[(（][^)）]*$")  # a bracket the line ends inside (its rest wrapped below)
_SECURITY_CODE = re.compile(r"^\d{6,9}(?:\.(?:IB|SH|SZ|ib|sh|sz))?$")


@functools.lru_cache(maxsize=4096)
def clean_value(text: str) -> str:
    """A value cell without footnote marks glued to it (`48245(注1)`, `103.90²`, `1.2[1]`)."""
    if _PLAIN.match(text):
        return text  # nothing to remove (the common case: a plain number or word)
    text = fold_width(text).strip()
    previous = None
    while text != previous:
        previous = text
        text = _FOOTNOTE.sub("", text).strip()
    return text


@functools.lru_cache(maxsize=4096)
def is_number(text: str) -> bool:
    """A printed number, percent, count or amount with its unit (`13,200.00万元`, `1,203笔`)."""
    if _SIMPLE_NUMBER.match(text):
        return True
    if not _HAS_DIGIT.search(text):
        return False
    core = _CURRENCY.sub("", squash_spaces(clean_value(text)))
    core = _COUNT_SUFFIX.sub("", _MONEY_TAIL.sub("", core))
    return bool(core) and any(ch.isdigit() for ch in core) and bool(_NUMBER.match(core))


@functools.lru_cache(maxsize=4096)
def is_date(text: str) -> bool:
    """A cell that is one date (qualifiers such as （含该日） or 24:00 allowed)."""
    if len(text) < 8 or _SIMPLE_NUMBER.match(text) and "." in text:
        return False  # too short for a date, or a decimal number
    core = _QUALIFIER.sub("", clean_value(text)).strip()
    return bool(_ONLY_DATE.match(core))


@functools.lru_cache(maxsize=4096)
def is_null(text: str) -> bool:
    """A null marker (-, —, 不适用 …), footnote marks allowed (`-(注)`)."""
    folded = squash_spaces(fold_width(text)).upper()
    if folded in NULL_MARKERS:
        return True
    cleaned = clean_value(folded)
    return bool(cleaned) and cleaned != folded and cleaned in NULL_MARKERS


@functools.lru_cache(maxsize=4096)
def is_code(text: str) -> bool:
    """A security code: 6 to 9 digits, with or without its market suffix (2389101.IB, 159215.SH)."""
    if not _HAS_DIGIT.search(text):
        return False
    return bool(_SECURITY_CODE.match(squash_spaces(clean_value(text))))


@functools.lru_cache(maxsize=4096)
def _body_value(text: str) -> bool:
    """A number, a null marker or a security code (dates may head as-of columns)."""
    return is_number(text) or is_null(text) or is_code(text)


@functools.lru_cache(maxsize=4096)
def is_value(text: str) -> bool:
    """A number, a date, a security code or a null marker: what fills a table body, never a header."""
    return is_number(text) or is_date(text) or is_null(text) or is_code(text)


@functools.lru_cache(maxsize=16384)
def tranche_label(text: str) -> bool:
    """True when the text names a tranche (优先A1级, 次级档, 优先档资产支持证券 …)."""
    folded = squash_spaces(fold_width(text))
    if not folded or len(folded) > 24 or _HAS_DIGIT.search(folded[:1] or ""):
        return False
    try:
        parse_tranche_label(folded)
    except ValueError:
        return False
    return True


# ───────────────────────────── columns ─────────────────────────────
def align(cells: list[Cell], heads: list[Cell], refuses: Callable[[int, Cell], bool] | None = None) -> dict[int, Cell]:
    """Order-preserving one-to-one matching of a row's cells to header columns (index → cell).

    A cell costs its distance to the header's band (halfway between neighbouring header texts),
    plus a little of its distance to the header's centre to break ties; ``refuses(j, cell)``
    keeps a cell from a column (numbers never go under a remarks column). Headers are usually
    centred and numbers right-aligned, so a cell is not always inside its header's x-range.
    """
    n, m, skip_cell = len(cells), len(heads), 10_000.0
    if n == m and not (refuses and any(refuses(j, c) for j, c in enumerate(cells))):
        return dict(enumerate(cells))  # a full row: the only order-preserving match
    if m == 0:
        return {}
    bounds = [(heads[j - 1].x1 + heads[j].x0) / 2 for j in range(1, m)]
    # Most rows put each cell inside its own header's band: then that is the match.
    direct: dict[int, Cell] = {}
    for cell in cells:
        j = bisect.bisect_right(bounds, cell.mid)
        if j in direct or (refuses is not None and refuses(j, cell)):
            break
        direct[j] = cell
    else:
        return direct
    bands = [(bounds[j - 1] if j else float("-inf"), bounds[j] if j < m - 1 else float("inf")) for j in range(m)]
    inf = float("inf")
    cost = [[0.0] * (m + 1)] + [[inf] * (m + 1) for _ in range(n)]
    move = [[2] * (m + 1) for _ in range(n + 1)]
    for i in range(1, n + 1):
        cell = cells[i - 1]
        mid = cell.mid
        cost[i][0], move[i][0] = cost[i - 1][0] + skip_cell, 1
        for j in range(1, m + 1):
            lo, hi = bands[j - 1]
            fit = (lo - mid if mid < lo else mid - hi if mid > hi else 0.0) + 0.01 * abs(mid - heads[j - 1].mid)
            if refuses is not None and refuses(j - 1, cell):
                fit = inf
            cost[i][j], move[i][j] = min(
                (cost[i - 1][j - 1] + fit, 0),  # cell i under header j
                (cost[i - 1][j] + skip_cell, 1),  # a stray cell under no header
                (cost[i][j - 1], 2),  # header j has no cell in this row
            )
    out: dict[int, Cell] = {}
    i, j = n, m
    while i > 0:
        step = move[i][j] if j > 0 else 1
        if step == 0:
            out[j - 1] = cells[i - 1]
            i, j = i - 1, j - 1
        elif step == 1:
            i -= 1
        else:
            j -= 1
    return out


def _same_columns(cells: list[Cell], heads: list[Cell], refuses: Callable[[int, Cell], bool] | None = None
                  ) -> dict[int, Cell]:
    """A sheet row's cells under its header: a cell is in its header's column or in none (a second
    label | value pair beside the table); a row off the header's grid is aligned as printed text."""
    at = {head.x0: j for j, head in enumerate(heads)}
    out = {}
    for cell in cells:
        j = at.get(cell.x0)
        if j is not None and not (refuses is not None and refuses(j, cell)):
            out[j] = cell
    if len(out) < min(len(cells), 2):
        return align(cells, heads, refuses)
    return out


# ───────────────────────────── structure ─────────────────────────────
_HEADING = re.compile(
    r"^\s*(?:(?P<part>第\s*[一二三四五六七八九十百\d]+\s*(?:部分|章))"
    r"|(?P<jie>第\s*[一二三四五六七八九十百\d]+\s*节)"
    r"|(?P<top>[一二三四五六七八九十]{1,3}\s*[、.．])"
    r"|(?P<sub>[（(]\s*[一二三四五六七八九十]{1,3}\s*[)）])"
    r"|(?P<dec>\d{1,2}(?:\s*[.．]\s*\d{1,2})+)(?=\s|[^\d.．,，%])"
    r"|(?P<num>\d{1,2}\s*[、.．](?![\d%]))"
    r"|(?P<paren>[（(]\s*\d{1,2}\s*[)）])"
    r"|(?P<circle>[①-⑳]))\s*(?P<title>\S.*)$"
)
UNNUMBERED = "unnumbered"  # the style of a heading recognised by its words alone
_STYLES = ("part", "jie", "top", "sub", "dec", "num", "paren", "circle")
_COLON_SPLIT = re.compile(r"[:：]")
_UNIT_LINE = re.compile(
    r"^[(（]?\s*(?:金额|货币|计量|数据)?单位\s*[:：为]?\s*(?:人民币)?\s*(?P<unit>万元|亿元|元|%)\s*[)）]?$"
    r"|^Unit:\s*(?P<en>\S+)$"
)
_UNIT_IN_NOTE = re.compile(r"单位\s*[:：为均是]*\s*(?:人民币)?\s*(?P<unit>万元|亿元|元)")
_CONTINUED = re.compile(r"^(?:续表|续上表|接上表|.*[（(]续[)）]|.*续表)$")
_NOTE = re.compile(r"^(?:注\s*\d*\s*[:：.、]|注\s*[^\d:：)）\s]|说明\s*[:：]|备注\s*[:：]|Note\b|[*※])")
_SENTENCE_END = ("。", "；", ";")
_TITLE_ENDINGS = ("情况", "概况", "信息")  # endings that make a short line a title even in an unknown family
PARAGRAPH_CHARS = 36  # a single-cell line longer than this is prose, not a table row
_UNITS = {"元": "CNY", "万元": "wan", "亿元": "yi", "%": "percent", "CNY": "CNY"}


@dataclass
class Section:
    """A heading: its title (numbering removed), family (None when unknown) and rank."""

    title: str
    family: str | None
    rank: float
    line: Line
    parent: Section | None = None
    unit: str | None = None  # stated under the heading (金额单位：万元)
    numbered: bool = True
    style: str = ""
    number: int | None = None

    def families(self) -> Iterable[str | None]:
        section: Section | None = self
        while section is not None:
            yield section.family
            section = section.parent

    @property
    def effective_family(self) -> str | None:
        return next((f for f in self.families() if f is not None), None)

    def effective_unit(self) -> str | None:
        section: Section | None = self
        while section is not None:
            if section.unit:
                return section.unit
            section = section.parent
        return None


@dataclass
class Block:
    """Consecutive table rows under one header (or none) inside one section."""

    section: Section | None
    header: Line | None = None
    lines: list[Line] = field(default_factory=list)
    unit: str | None = None  # a unit line right above the table or a unit note below it
    notes: list[str] = field(default_factory=list)
    _columns: dict[int, dict[int, Cell]] = field(default_factory=dict, repr=False)
    _unit: tuple[str | None] | None = field(default=None, repr=False)

    @property
    def family(self) -> str | None:
        return self.section.effective_family if self.section else None

    @property
    def heading(self) -> str:
        return self.section.title if self.section else ""

    def columns(self, line: Line, refuses: Callable[[int, Cell], bool] | None = None) -> dict[int, Cell]:
        """Which header column each cell of a row stands under (header index → cell)."""
        if self.header is None:
            return {}
        cached = self._columns.get(id(line))
        if cached is None:
            if line.sheet:
                cached = self._columns[id(line)] = _same_columns(line.cells, self.header.cells, refuses)
            else:
                cached = self._columns[id(line)] = align(line.cells, self.header.cells, refuses)
        return cached

    def table_unit(self) -> str | None:
        """A unit named over the label column (`项目（万元）`), else the unit line or note of the
        table, else the section's. (A unit over one value column is that column's: see money_unit.)"""
        if self._unit is None:
            self._unit = (self._table_unit(),)
        return self._unit[0]

    def _table_unit(self) -> str | None:
        if self.header is not None:  # 项目（万元）: a unit over the label column holds for the table
            unit = header_unit(self.header.cells[0].text)
            if unit in ("CNY", "wan", "yi"):
                return unit
        if self.unit:
            return self.unit
        return self.section.effective_unit() if self.section else None


@dataclass
class Paragraph:
    text: str
    line: Line


@functools.lru_cache(maxsize=16384)
def header_unit(text: str) -> str | None:
    """The unit a header or label names in brackets or after 单位 (CNY, wan, yi, percent)."""
    return unit_from_header(text)


@functools.lru_cache(maxsize=16384)
def heading_parts(text: str) -> tuple[str, str, int | None] | None:
    """(title, numbering style, number) of a numbered heading (`一、` top, `（一）` sub, `1.1` dec2 …),
    None when the text is not one."""
    match = _HEADING.match(fold_width(text))
    if not match:
        return None
    kind = next(k for k in _STYLES if match.group(k))
    style = f"dec{match.group('dec').count('.')}" if kind == "dec" else kind
    if kind == "num":  # 1. and 1、 are two styles: a report may head its parts 1. and their items 1、
        style = "num、" if "、" in match.group("num") else "num."
    return match.group("title").strip(), style, _heading_number(match.group(kind))


def _heading_number(token: str) -> int | None:
    """一、→ 1, （十二）→ 12, 3.2 → 2 (the last part), ② → 2."""
    if token and "①" <= token[0] <= "⑳":
        return ord(token[0]) - ord("①") + 1
    digits = re.findall(r"\d+", token)
    if digits:
        return int(digits[-1])
    numeral = re.sub(r"[^一二三四五六七八九十百]", "", token)
    try:
        return parse_chinese_int(numeral) if numeral else None
    except ValueError:
        return None


class Layout:
    """A document cut into sections, blocks and paragraphs (see the module docstring).

    ``header_words``: match keys that, as one of a line's first two cells, make it a table
    header. ``column_words``: words whose presence in a cell makes it header-like.
    ``families``: family → words a heading contains. ``heading_endings``: how an unnumbered
    heading ends (情况, 概况 …), so that a lone label line is not taken for a heading.
    ``is_label``: whether a cell is a known field label (never a header cell). ``memo``: a dict
    the family keeps across documents, for answers that depend only on a cell's text.
    """

    def __init__(
        self,
        lines: list[Line],
        *,
        header_words: frozenset[str],
        column_words: tuple[str, ...],
        families: dict[str, tuple[str, ...]],
        heading_endings: tuple[str, ...],
        is_label: Callable[[str], bool],
        memo: dict[str, dict] | None = None,
    ) -> None:
        self.lines = lines
        self.header_words = header_words
        self.column_words = column_words
        self.families = families
        self.heading_endings = heading_endings
        self.is_label = is_label
        self.sections: list[Section] = []
        self.blocks: list[Block] = []
        self.paragraphs: list[Paragraph] = []
        self.block_of: dict[int, Block] = {}  # id(line) → its block (headers included)
        self.section_of: dict[int, Section | None] = {}
        self.headers: set[int] = set()  # id() of header lines
        self.headings: set[int] = set()  # id() of heading lines
        self._wrapped_to: dict[int, float] = {}  # id() of a row → the baseline of its last wrapped line
        self._page_right: dict[tuple[str, int] | None, tuple[float, int]] = {}
        memo = memo if memo is not None else {}  # a family's answers per text, kept across its documents
        self._header_words: dict[str, bool] = memo.setdefault("header_words", {})
        self._titles: dict[str, tuple[str, str, int | None] | None] = memo.setdefault("titles", {})
        if len(self._titles) > 65536 or len(self._header_words) > 65536:
            self._titles.clear()
            self._header_words.clear()
        self._cut()

    # ── building
    def _cut(self) -> None:
        stack: list[Section] = []
        block: Block | None = None
        active_unit: str | None = None  # 金额单位：万元 holds for the tables after it, until the next
        unit_section: Section | None = None  # … inside the section it was stated in (subsections too)
        note_block: Block | None = None
        note_x: float | None = None
        previous: Line | None = None
        sheet = None
        paragraph: Paragraph | None = None
        resumable: Block | None = None  # a table interrupted by a blank row or a 续表 mark
        levels: dict[str, list[int]] = {}  # numbering style → the depths it is used at
        unit_lines: set[int] = set()
        wrapped_to = self._wrapped_to
        for line in self.lines:
            if line.sheet != sheet:  # a new sheet: its name opens a section, tables restart
                sheet = line.sheet
                block, note_block, paragraph, resumable = None, None, None, None
                levels = {}
                if sheet:
                    title = sheet.strip()
                    stack = [Section(title, self._family(title), -1, line)]
                    self.sections.append(stack[0])
            elif line.sheet and previous is not None and line.page > previous.page + 1:
                if block is not None and block.header is not None:
                    resumable = block
                block = None  # a blank sheet row ends a table (unless it goes on: see resumable)
            section = stack[-1] if stack else None
            self.section_of[id(line)] = section
            single = len(line.cells) == 1
            text = line.cells[0].text.strip() if single else ""
            if single and paragraph is not None and self._wraps(previous, line, paragraph.line.cells[0].x0):
                paragraph.text = join_wrapped(paragraph.text, text)
                previous = line
                continue
            paragraph = None
            if (block is not None and block.header is not None and not block.lines and previous is not None
                    and id(previous) in self.headers and self._continues_header(block.header, line)):
                _merge_header(block.header, line)  # a header wrapped inside its cells (…（注 / 1）)
                self.headers.add(id(line))
                self.block_of[id(line)] = block
                earlier = self.blocks[-2] if len(self.blocks) > 1 else None
                if (earlier is not None and earlier.section is block.section and earlier.header is not None
                        and earlier.lines and _same_header(earlier.header, block.header)):
                    # the wrapped header repeated after a page break: the table above goes on
                    self.blocks.pop()
                    for key, owner in list(self.block_of.items()):
                        if owner is block:
                            self.block_of[key] = earlier
                    block = earlier
                previous = line
                continue
            if self._wrapped_cells(previous, line):
                for cell in line.cells:  # a value wrapped inside its cell: join it to the cell above
                    above = _cell_above(previous, cell)
                    joined = above.text + cell.text if _cut_figure(above.text) else None
                    above.text = joined or join_wrapped(above.text, cell.text)
                wrapped_to[id(previous)] = line.y  # a figure may wrap twice (…000. / 00 / 元)
                continue
            if single:
                heading = self._heading(text, previous)
                if heading is not None:
                    title, style, number = heading
                    numbered = style != UNNUMBERED
                    sibling = None
                    if numbered:
                        rank = self._level(style, number, stack, levels)
                    else:  # unnumbered titles are siblings of each other, else inside the numbered section
                        sibling = next((s for s in reversed(stack) if not s.numbered and s.rank >= 0), None)
                        parent = next((s for s in reversed(stack) if s.numbered and s.rank >= 0), None)
                        rank = sibling.rank if sibling is not None else (parent.rank + 0.5 if parent else 0)
                    flat = sibling is not None
                    right_above = previous is not None and id(previous) in unit_lines
                    while stack and stack[-1].rank >= rank:
                        stack.pop()
                    inside = unit_section is not None and any(s is unit_section for s in stack)
                    carried = active_unit if right_above or flat or inside else None  # (flat titles share it)
                    section = Section(title, self._family(title), rank, line, stack[-1] if stack else None,
                                      numbered=numbered, style=style, number=number)
                    section.unit = carried  # 单位：万元 right above: it was meant for this part too
                    stack.append(section)
                    self.sections.append(section)
                    self.section_of[id(line)] = section
                    self.headings.add(id(line))
                    block, note_block, note_x, active_unit, resumable = None, None, None, carried, None
                    previous = line
                    continue
                kind, unit = _single_kind(text)
                if kind == "unit":
                    unit_lines.add(id(line))
                    resumable = None  # a unit stated anew heads a new table
                    if block is not None and block.lines:
                        block = None
                    active_unit, unit_section = unit, section
                    if section is not None and block is None and not any(
                            b.section is section for b in self.blocks):
                        section.unit = unit
                    previous = line
                    continue
                if kind == "continued":  # 续表: the table above goes on, with or without its header
                    block = block or resumable or (self.blocks[-1] if self.blocks else None)
                    resumable = block
                    previous = line
                    continue
                resumable = None
                if kind == "note":
                    note_block = block if block is not None else (self.blocks[-1] if self.blocks else None)
                    self._note(note_block, section, text)
                    note_x = line.cells[0].x0
                    block = None
                    previous = line
                    continue
                if (note_x is not None and note_block is not None and note_block.notes
                        and self._wraps(previous, line, note_x)):
                    note_block.notes[-1] = join_wrapped(note_block.notes[-1], text)  # a wrapped note
                    previous = line
                    continue
                note_x = None
                if kind == "prose":
                    paragraph = Paragraph(text, line)
                    self.paragraphs.append(paragraph)
                    block = None
                    previous = line
                    continue
            note_x = None
            if len(line.cells) >= 2:
                unit = _unit_cell(line)
                if unit is not None:  # 表1 资产池情况 | 单位：万元
                    block = None
                    active_unit, unit_section = unit, section
                    previous = line
                    continue
            if len(line.cells) >= 2 and self._is_header(line):
                as_header = Line(line.page, line.y, self._header_cells(line), line.sheet)  # run-together names split
                if block is None and resumable is not None and _same_header(resumable.header, as_header):
                    block = resumable  # the header repeated after a blank row: the same table goes on
                if block is not None and block.header is not None and _same_header(block.header, as_header):
                    self.headers.add(id(line))  # the header repeated after a page break
                    self.block_of[id(line)] = block
                    previous = line
                    continue
                block = Block(section, header=as_header)
                block.unit = active_unit
                self.blocks.append(block)
                self.headers.add(id(line))
                self.block_of[id(line)] = block
                previous = line
                continue
            if block is None and resumable is not None and resumable.lines and _goes_on(resumable, line):
                block = resumable  # rows go on after a blank row, their header not repeated
            if block is None:
                block = Block(section, unit=active_unit)
                self.blocks.append(block)
            resumable = None
            block.lines.append(line)
            self.block_of[id(line)] = block
            previous = line

    def _header_cells(self, line: Line) -> list[Cell]:
        """The header's cells; two known labels that the text layer ran together (narrow columns,
        text objects touching) are split back (本期兑付本金金额本期兑付前本金总额 → two columns)."""
        cells = []
        for cell in line.cells:
            text = cell.text.strip()
            parts = self._labels_in(text) if len(text) >= 6 and not line.sheet else None
            if not parts or len(parts) == 1:
                cells.append(Cell(cell.text, cell.x0, cell.x1))
                continue
            x, width = cell.x0, (cell.x1 - cell.x0) / len(text)
            for part in parts:
                cells.append(Cell(part, x, x + width * len(part)))
                x += width * len(part)
        return cells

    def _labels_in(self, text: str) -> list[str] | None:
        """The known labels a run of text is made of, in order (None when it is not only labels);
        two labels run together are preferred to one (a label may name a factor anywhere in it),
        each keeping the bracket that follows it (期末本金余额(万元)本期付息金额(万元))."""
        for i in range(2, len(text) - 1):
            if text[i] in "(（[［":
                continue  # a bracket (a unit, a note mark) closes the label before it
            if self.is_label(text[:i]):
                rest = self._labels_in(text[i:])
                if rest:
                    return [text[:i], *rest]
        whole = self.is_label(text) or self.is_label(_UNCLOSED.sub("", text))  # 剩余本金总额( / 元) wraps
        return [text] if whole else None

    @staticmethod
    def _level(style: str, number: int | None, stack: list[Section], levels: dict[str, list[int]]) -> int:
        """A numbered heading's depth. A style takes the depth where it first appears (1. may head
        （一） or the reverse); a list that restarts at 1 under a heading of its own style is one
        level deeper (3、… then 1、 2、 under it); a number that follows one at some depth goes on
        at that depth (the 4、 after 3、's sub-items)."""
        top_heading = next((s for s in reversed(stack) if s.rank >= 0), None)
        depth = int(top_heading.rank) + 1 if top_heading is not None else 0
        used = levels.setdefault(style, [])
        for level in sorted(used, reverse=True):
            at = next((s for s in stack if s.numbered and s.rank == level and s.style == style), None)
            if at is not None and number is not None and at.number is not None and number == at.number + 1:
                return level
        top = next((s for s in reversed(stack) if s.numbered and s.rank >= 0), None)
        if used and number == 1 and top is not None and top.style == style:
            level = int(top.rank) + 1
        elif used:
            level = used[0]
        else:
            level = depth
        if level not in used:
            used.append(level)
        return level

    def _note(self, block: Block | None, section: Section | None, text: str) -> None:
        """A footnote belongs to the table above it; a unit it states is that table's unit."""
        if block is None:
            return
        block.notes.append(text)
        unit = _UNIT_IN_NOTE.search(fold_width(text))
        if unit and not (block.header is not None and header_unit(block.header.cells[0].text) in ("CNY", "wan", "yi")):
            block.unit = _UNITS[unit.group("unit")]
            if block.header is None:  # label | value lists cut by blank rows are one table to their note
                for earlier in reversed(self.blocks[:self.blocks.index(block)]):
                    if earlier.section is not block.section or earlier.header is not None or earlier.notes:
                        break
                    earlier.unit = block.unit

    def _wraps(self, previous: Line | None, line: Line, left: float) -> bool:
        """The line continues the text above: same page, next line down, the line above ran to
        the right edge of the page's text, and this one starts at the left of that text."""
        if previous is None or line.sheet or previous.page != line.page or len(previous.cells) != 1:
            return False
        if previous.y - line.y > 30:
            return False
        if line.cells[0].x0 > left + 30:
            return False
        end = previous.cells[0].x1
        right, reaching = self._right_edge(line)
        if end < right - 24:
            return False
        document_right = self._right_edge(None)[0]
        if reaching > 1 and right >= document_right - 24:
            return True
        # The line above alone sets this page's edge, or no line of the page reaches the
        # document's edge (a short page), so the page's edge proves nothing: it wrapped only if
        # the first character or word below would not have fitted on it before the document's
        # right edge.
        first = line.cells[0]
        word = re.match(r"[A-Za-z0-9.,%]+|.", first.text)
        width = (first.x1 - first.x0) / max(len(first.text), 1) * (len(word.group()) if word else 1)
        return document_right - end < width + 3

    def _right_edge(self, line: Line | None) -> tuple[float, int]:
        """(right edge of the text, how many lines reach within 24 pt of it) for the line's page,
        or for the whole document when line is None."""
        key = (line.sheet, line.page) if line is not None else None
        edge = self._page_right.get(key)
        if edge is None:
            ends = [l.cells[-1].x1 for l in self.lines
                    if line is None or (l.page == line.page and l.sheet == line.sheet)]
            right = max(ends, default=0.0)
            edge = self._page_right[key] = (right, sum(1 for x in ends if x >= right - 24))
        return edge

    def _heading(self, text: str, previous: Line | None = None) -> tuple[str, str, int | None] | None:
        """(title, numbering style, number) when a one-cell line is a section heading."""
        cached = self._titles.get(text, False)
        if cached is False:
            cached = self._titles[text] = self._title_of(text)
        if cached is None or cached[1] != UNNUMBERED:
            return cached
        if previous is not None and len(previous.cells) == 1 and self.is_label(previous.cells[0].text):
            return None  # a line under a lone label is that label's value, not a title
        return cached

    def _title_of(self, text: str) -> tuple[str, str, int | None] | None:
        parts = heading_parts(text)
        if parts is not None:
            title, style, number = parts
            folded_title = fold_width(title)
            head = _COLON_SPLIT.split(title, maxsplit=1)[0]
            rest = folded_title.split(":", 1)[1] if ":" in folded_title else ""
            if rest.strip():
                return None  # 一、专项计划名称：XX — a numbered label with its value
            title = head.strip()
            if not title or len(title) > 40 or title.endswith(_SENTENCE_END) or is_value(title):
                return None
            return title, style, number
        introduces = squash_spaces(fold_width(text)).endswith(":")  # 违约及累计违约率： over its tables
        folded = squash_spaces(fold_width(text)).rstrip(":")
        family = self._family(folded)
        if (2 <= len(folded) <= 20 and not _HAS_DIGIT.search(folded)
                and (folded.endswith(self.heading_endings) or introduces and family is not None)
                and (family is not None or folded.endswith(_TITLE_ENDINGS))
                and not self.is_label(folded)):
            return folded, UNNUMBERED, None
        return None

    def _family(self, title: str) -> str | None:
        folded = squash_spaces(fold_width(title))
        for family, words in self.families.items():
            if any(w in folded for w in words):
                return family
        return None

    def _is_header(self, line: Line) -> bool:
        """A table header: no body values, and header words, or several column-like cells."""
        cells = line.cells
        for cell in cells:
            if _body_value(cell.text):
                return False
        named = [self.is_label(c.text) or self._header_word(c.text) for c in cells]
        if len(cells) % 2 == 0 and not any(named[1::2]) and all(self.is_label(c.text) for c in cells[::2]):
            return False  # label | value | label | value (期数 | 总第9期 | 收款期间 | …)
        if any(self._header_word(c.text) for c in cells[:2]):
            return True
        if self.is_label(cells[0].text):
            # a label | value row, unless every cell names a column (累计违约贷款本金 | 累计违约率 | 期次)
            return all(named)
        headerish = sum(1 for c in cells if _header_like(c.text, self.column_words))
        return headerish >= 2 and (headerish == len(cells) or headerish >= len(cells) - 1)

    def _header_word(self, text: str) -> bool:
        cached = self._header_words.get(text)
        if cached is None:
            cached = self._header_words[text] = any(k in self.header_words for k in label_keys(text))
        return cached


    def _wrapped_cells(self, previous: Line | None, line: Line) -> bool:
        """The line holds the wrapped ends of text cells of the row above (a long name in a narrow
        column): close under it (PDF), nothing in the label column, each cell starting where a
        text cell above starts, no figures and no labels of its own."""
        if (previous is None or line.sheet or previous.page != line.page
                or self._wrapped_to.get(id(previous), previous.y) - line.y > 13
                or len(line.cells) >= len(previous.cells) or id(previous) in self.headings):
            return False
        if line.cells[0].x0 <= previous.cells[0].x0 + 2:
            return False
        for cell in line.cells:
            above = _cell_above(previous, cell)
            if above is None or self.is_label(cell.text) or self.is_label(above.text):
                return False
            if _FOOTNOTE_ONLY.match(cell.text):
                continue  # （注1） under its figure
            if _cut_figure(above.text):  # 292,096,302.4 / 1, 1,165,009,138. / 93, 42,863.00 / 万元（注1）
                complete = is_number(above.text)  # then only digits may go on it (not a figure of its own)
                if complete and is_value(cell.text) and not cell.text.isdigit() or not _cut_figure(
                        above.text + cell.text):
                    return False
            elif is_value(cell.text) or is_value(above.text):
                return False
        return True

    def _continues_header(self, header: Line, line: Line) -> bool:
        """A header wrapped over a second line: no values, nothing in the label column, on the
        same page (the first-column cell of a body row is always filled)."""
        if line.page != header.page or line.sheet != header.sheet:
            return False
        if any(is_number(c.text) or is_date(c.text) or is_null(c.text) for c in line.cells):
            return False
        first = header.cells[0]
        if line.sheet:
            return line.cells[0].x0 > first.x0
        return line.cells[0].x0 > first.x1 + 1

    # ── queries
    def block(self, line: Line) -> Block | None:
        return self.block_of.get(id(line))

    def section(self, line: Line) -> Section | None:
        return self.section_of.get(id(line))

    def index(self) -> dict[int, int]:
        """Position of each line in document order (id(line) → index)."""
        cached = getattr(self, "_index", None)
        if cached is None:
            cached = self._index = {id(line): i for i, line in enumerate(self.lines)}
        return cached

    def following(self, line: Line, count: int = 3) -> list[Line]:
        """The next few lines on the same page (or sheet) after ``line``."""
        start = self.index()[id(line)] + 1
        out = []
        for other in self.lines[start:start + count]:
            if other.page != line.page and not (line.sheet and other.sheet == line.sheet):
                break
            if other.sheet != line.sheet:
                break
            out.append(other)
        return out


@functools.lru_cache(maxsize=16384)
def _header_like(text: str, column_words: tuple[str, ...]) -> bool:
    key = label_key(text)
    return (is_date(text) or tranche_label(text) or any(w in key for w in column_words)
            or header_unit(text) is not None)


def _english_unit(text: str | None) -> str | None:
    return {"CNY": "CNY", "RMB": "CNY", "yuan": "CNY"}.get(text or "", None) or (
        _UNITS.get(text or "") if text else None)


@functools.lru_cache(maxsize=4096)
def _single_kind(text: str) -> tuple[str | None, str | None]:
    """What a line of one cell is: a unit line (with its unit), a 续表 mark, a note, prose, or
    None (a heading or table row is decided elsewhere)."""
    folded = squash_spaces(fold_width(text))
    unit_match = _UNIT_LINE.match(folded)
    if unit_match:
        return "unit", _UNITS.get(unit_match.group("unit") or "") or _english_unit(unit_match.group("en"))
    if _CONTINUED.match(folded):
        return "continued", None
    if _NOTE.match(folded):
        return "note", None
    if len(folded) > PARAGRAPH_CHARS or folded.endswith(_SENTENCE_END):
        return "prose", None
    return None, None


def _cell_above(previous: Line, cell: Cell) -> Cell | None:
    """The cell of the row above that a wrapped piece belongs to: same left edge (text), same right
    edge (right-aligned figures), or the piece inside its span."""
    for above in previous.cells:
        if abs(above.x0 - cell.x0) <= 2 or abs(above.x1 - cell.x1) <= 2 or (
                above.x0 - 2 <= cell.x0 and cell.x1 <= above.x1 + 2):
            return above
    return None


def _cut_figure(text: str) -> bool:
    """A figure, or one a line wrap cut at its decimal point (`1,165,009,138.`), inside a digit
    group (`12,496,500,00` / `0.00`) or inside the footnote mark after it (`2,581,700,000.00(` /
    `注1)`)."""
    if is_number(text) or _FIGURE_START.match(text):
        return True
    bare = _UNCLOSED.sub("", text)
    return bare != text and bool(bare) and is_number(bare)


def _goes_on(table: Block, line: Line) -> bool:
    """A row after a blank row continues the table above: as many cells as its last row, with a
    value; or, in a sheet, a label in the table's label column and a value under one of its
    header's columns (a second label | value pair may follow outside them)."""
    if len(line.cells) == len(table.lines[-1].cells):
        return not _is_text_row(line)
    if not line.sheet or table.header is None or line.cells[0].x0 != table.header.cells[0].x0:
        return False
    columns = {c.x0 for c in table.header.cells[1:]}
    return any(c.x0 in columns and is_value(c.text) for c in line.cells[1:])


def _is_text_row(line: Line) -> bool:
    """A row of words only (a label | value row of text, a title): no figures in it."""
    return not any(is_value(c.text) for c in line.cells)


def _unit_cell(line: Line) -> str | None:
    """The unit of a title line that ends in a unit cell (`表1 … | 单位：万元`)."""
    unit = _unit_text(line.cells[-1].text)
    if unit is None or any(is_value(c.text) for c in line.cells[:-1]):
        return None
    return unit


@functools.lru_cache(maxsize=16384)
def _unit_text(text: str) -> str | None:
    match = _UNIT_LINE.match(squash_spaces(fold_width(text)))
    if not match:
        return None
    return _UNITS.get(match.group("unit") or "") or _english_unit(match.group("en"))


def _same_header(a: Line, b: Line) -> bool:
    return [label_key(c.text) for c in a.cells] == [label_key(c.text) for c in b.cells]


def _merge_header(header: Line, line: Line) -> None:
    """Add a wrapped header line's cells to the header cell above them (or as new columns)."""
    for cell in line.cells:
        best, overlap = None, 0.0
        for head in header.cells:
            width = min(head.x1, cell.x1) - max(head.x0, cell.x0)
            if line.sheet:
                width = 1.0 if head.x0 == cell.x0 else 0.0
            if width > overlap:
                best, overlap = head, width
        if best is not None:
            best.text = join_wrapped(best.text, cell.text)
            best.x0, best.x1 = min(best.x0, cell.x0), max(best.x1, cell.x1)
        else:
            header.cells.append(Cell(cell.text, cell.x0, cell.x1))
            header.cells.sort(key=lambda c: c.x0)


def cover_title(lines: list[Line], words: tuple[str, ...], scan: int = 15) -> str | None:
    """A document's own title on its first page or sheet: up to four consecutive lines without
    a colon (a title wraps anywhere, even inside 受托机构报告) that together contain one of
    ``words`` (space-free), plus a short next line that carries on the period (期（总第30期）)."""
    if not lines:
        return None
    first = [l for l in lines[:scan] if l.page == lines[0].page and l.sheet == lines[0].sheet]
    texts = [squash_spaces(fold_width(l.text)) if len(l.cells) == 1 and len(l.text) <= 60 and ":" not in
             fold_width(l.text) else None for l in first]
    for start in range(len(texts)):
        joined = ""
        for end in range(start, min(start + 4, len(texts))):
            if texts[end] is None:
                break
            joined = join_wrapped(joined, texts[end])
            if any(w in joined for w in words):
                after = texts[end + 1] if end + 1 < len(texts) else None
                if after and len(after) <= 20 and "期" in after and not any(w in after for w in words):
                    joined = join_wrapped(joined, after)
                return joined
        if first[start] is not None and texts[start] is None and any(
                w in squash_spaces(fold_width(first[start].text)) for w in words):
            return squash_spaces(fold_width(first[start].text))
    return None
