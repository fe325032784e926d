"""A disclosure PDF as its reader sees it: a title, numbered sections, prose and tables.

Exchange-ABS and ABN documents (收益分配报告, 资产管理报告, 资产运营报告) are mostly prose with
a few tables, under headings numbered ``一、``, ``（一）``, ``第三节`` or ``第一章``. This module
cuts a PDF's text layer (lines and cells rebuilt from character positions by the trustee-report
reader) into that shape, so the family parsers can look things up by label — a section by its
heading words, a table by its header words, a value by the words before it — without caring
about positions. It knows no family's labels: those live in each parser's vocabulary file.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from typing import Any

from transforms.normalise.dates import parse_date
from transforms.normalise.frames import Raw, deferring
from transforms.normalise.numbers import UNIT_FACTORS, parse_amount, parse_rate, unit_from_header
from transforms.normalise.text import fold_width, squash_spaces
from transforms.parse.base import DocumentError
from transforms.parse.fields import refuses
from transforms.parse.layout import align
from transforms.parse.pdf_text import Cell, Line, join_wrapped
from transforms.parse.pdf_text import pdf_lines as _pdf_lines


def _align(cells: list[Cell], heads: list[Cell]) -> dict[int, Cell]:
    """A row's cells under the header's columns, as the trustee-report reader aligns them
    (numbers never under a remarks or sequence column)."""
    return align(cells, heads, refuses(heads))

_HEADING = re.compile(
    r"^(?:第(?P<chapter>[一二三四五六七八九十]+)[章节]|(?P<top>[一二三四五六七八九十]+)\s*[、.．]"
    r"|[（(](?P<sub>[一二三四五六七八九十]+)[)）])\s*(?P<name>\S.*)$")
_UNIT_LINE = re.compile(r"^(?:金额)?单位\s*[:：]\s*(?:人民币)?(?P<unit>万元|亿元|元)")
WRAPPED_LINE_PT = 12.0  # table rows are ~17 pt apart; lines wrapped inside one cell ~9 pt
_NUMBERISH = re.compile(r"^[-+]?[\d,]+(?:\.\d+)?%?$")
_DATEISH = re.compile(r"^\d{4}(?:年|-|/)")
DATE = re.compile(r"\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|\d{4}-\d{1,2}-\d{1,2}|\d{4}/\d{1,2}/\d{1,2}|\d{8}")
CENT, RATE = Decimal("0.01"), Decimal("1e-8")


def key(text: str) -> str:
    """Text as matched: width-folded, without spaces. A label or a cell is cached: the same
    ones come back in every report (98 % of a 收益分配报告's ~230 calls are repeats); a page or
    a whole document never repeats, and 16,384 of them kept tens of MB in every parse worker."""
    if text and len(text) > CACHED_KEY_CHARS:
        return squash_spaces(fold_width(text))
    return _cached_key(text)


CACHED_KEY_CHARS = 200


@functools.lru_cache(maxsize=16384)
def _cached_key(text: str) -> str:
    return squash_spaces(fold_width(text or ""))


@dataclass
class TextTable:
    """Rows under one header line, cells aligned to the header's columns (None = empty)."""

    header: list[str]
    rows: list[list[str | None]]
    pages: list[int]
    page: int
    section: str
    unit: str | None = None

    def column(self, words: Iterable[str]) -> int | None:
        """Index of the first header cell containing one of the words (in the order given)."""
        keys = [key(h) for h in self.header]
        for word in words:
            w = key(word)
            for index, head in enumerate(keys):
                if w and w in head:
                    return index
        return None

    def has(self, words: Iterable[str]) -> bool:
        return self.column(words) is not None

    def unit_of(self, index: int, label: str | None = None) -> str:
        """The money unit of a cell: its row label's bracket (``未偿本金余额（万元）``), else its
        column header's, else the table's unit line, else 元."""
        for text in (label, self.header[index] if index < len(self.header) else None):
            found = unit_from_header(text) if text else None
            if found in ("CNY", "wan", "yi"):
                return found
        return {"万元": "wan", "亿元": "yi"}.get(self.unit or "", "CNY")

    def row_labelled(self, words: Iterable[str], column: int = 0) -> tuple[int, list[str | None]] | None:
        """(index, row) of the first row whose label cell equals (then contains) one of the words."""
        words = [key(w) for w in words]
        labels = [key(r[column] or "") for r in self.rows]
        for exact in (True, False):
            for word in words:
                for index, label in enumerate(labels):
                    if label and (label == word if exact else word in label):
                        return index, self.rows[index]
        return None


@dataclass
class Section:
    """Everything under one heading: its prose lines and tables (sub-headings start new sections)."""

    name: str
    level: int
    page: int
    parent: str = ""
    prose: list[tuple[int, str]] = field(default_factory=list)
    tables: list[TextTable] = field(default_factory=list)

    @property
    def path(self) -> str:
        return f"{self.parent} / {self.name}" if self.parent else self.name

    def text(self) -> str:
        """The prose joined as one text, line wraps undone."""
        out = ""
        for _, line in self.prose:
            out = join_wrapped(out, line) if out else line
        return out


@dataclass
class DisclosureText:
    """A whole document: title lines, sections in order, and every table."""

    title_lines: list[str]
    sections: list[Section]
    pages: int

    @property
    def title(self) -> str:
        out = ""
        for line in self.title_lines:
            out = join_wrapped(out, line) if out else line
        return out

    def find(self, words: Iterable[str], *, within: Section | None = None) -> Section | None:
        """The first section whose heading contains one of the words (tried in order)."""
        for word in words:
            w = key(word)
            for section in self.sections:
                if within is not None and section.parent != within.name and section is not within:
                    continue
                if w in key(section.name):
                    return section
        return None

    def under(self, top: Section) -> list[Section]:
        """A top-level section and the sub-sections that follow it."""
        return [s for s in self.sections if s is top or (s.level > top.level and s.parent == top.name)]

    def tables(self, sections: Iterable[Section] | None = None) -> list[TextTable]:
        return [t for s in (self.sections if sections is None else sections) for t in s.tables]

    def text(self) -> str:
        return "".join(s.text() for s in self.sections)


def read_disclosure(data: bytes, *, title_stops: Iterable[str] = ()) -> DisclosureText:
    """Cut a PDF into title, sections, prose and tables. ``title_stops`` are words that start
    the body (the title is the lines before the first of them, a heading or a table)."""
    return from_lines(_pdf_lines(data), title_stops=title_stops)


def from_lines(lines: list[Line], *, title_stops: Iterable[str] = ()) -> DisclosureText:
    stops = [key(s) for s in title_stops]
    title: list[str] = []
    in_title = True
    preface = Section("", 0, lines[0].page if lines else 1)
    sections: list[Section] = [preface]
    current, top = preface, ""
    table: TextTable | None = None
    header_line: Line | None = None
    unit: str | None = None
    previous: Line | None = None  # the last line taken into the open table
    previous_kind = ""  # header | row | repeat (a repeated header, skipped)
    for line in lines:
        if table is not None and header_line is not None and _continues(previous, line):
            # a long cell wrapped inside its cell: its next line belongs to the row above
            if previous_kind != "repeat":
                target = table.header if previous_kind == "header" else table.rows[-1]
                for index, cell in _align(line.cells, header_line.cells).items():
                    target[index] = join_wrapped(target[index] or "", cell.text.strip())
            previous = line
            continue
        if len(line.cells) == 1:
            text = line.cells[0].text.strip()
            heading = _HEADING.match(text)
            if heading and (heading.group("chapter") or heading.group("top") or heading.group("sub")):
                in_title, table, header_line, unit = False, None, None, None
                level = 2 if heading.group("sub") else 1
                current = Section(heading.group("name").strip(), level, line.page, parent="" if level == 1 else top)
                if level == 1:
                    top = current.name
                sections.append(current)
                continue
            unit_line = _UNIT_LINE.match(key(text))
            if unit_line:
                unit, table, header_line = unit_line.group("unit"), None, None
                continue
            if in_title and not any(s and key(text).startswith(s) for s in stops):
                title.append(text)
                continue
            in_title = False
            table, header_line = None, None
            current.prose.append((line.page, text))
            continue
        in_title = False
        texts = [c.text.strip() for c in line.cells]
        previous = line
        if table is not None and header_line is not None and texts == [c.text.strip() for c in header_line.cells]:
            previous_kind = "repeat"  # the header repeated on a new page: the same table goes on
            continue
        if table is None or (header_line is not None and _starts_new_table(texts, header_line)):
            header_line, previous_kind = line, "header"
            table = TextTable(texts, [], [], line.page, current.path, unit)
            current.tables.append(table)
            continue
        assert header_line is not None
        matched = _align(line.cells, header_line.cells)
        table.rows.append([matched[i].text.strip() if i in matched else None for i in range(len(header_line.cells))])
        table.pages.append(line.page)
        previous_kind = "row"
    pages = max((line.page for line in lines), default=0)
    return DisclosureText(title, [s for s in sections if s.prose or s.tables or s is not preface], pages)


def _continues(previous: Line | None, line: Line) -> bool:
    """A line closer under the last table line than a table row is high: a wrapped cell's next line."""
    return previous is not None and line.page == previous.page and 0 < previous.y - line.y <= WRAPPED_LINE_PT


def _starts_new_table(texts: list[str], header: Line) -> bool:
    """Two tables back to back: a row of only words (no number, date or dash) with another
    number of columns than the table it follows is the next table's header."""
    if len(texts) == len(header.cells):
        return False
    return not any(is_numberish(t) or _DATEISH.match(key(t)) or key(t) in ("-", "—", "/") for t in texts)


# ───────────────────────────── values ─────────────────────────────
def amount(text: str | None, unit: str, *, where: str, field: str, page: int | None = None) -> Decimal | None:
    """Money in CNY from a cell in ``unit`` (CNY, wan, yi); bad text is a DocumentError naming
    where and what."""
    try:
        value = parse_amount(text, unit)
    except ValueError as exc:
        raise DocumentError(f"{where}: {field} is not a number: {text!r}", check="bad_value", page=page,
                            field=field, value=text) from exc
    return value


def money_cell(text: str | None, unit: str, *, where: str, field: str, page: int | None,
               half_up: bool = False) -> Decimal | Raw | None:
    """Money in CNY to the cent (ties to even, or away from zero with ``half_up``) — or, while
    a parse batch collects rows, the cell as printed for the batch to type as a column. For
    figures the parse does not compute with."""
    if deferring():
        return None if text is None else Raw(text, unit, half_up, page)
    value = amount(text, unit, where=where, field=field, page=page)
    return None if value is None else value.quantize(CENT, rounding=ROUND_HALF_UP if half_up else ROUND_HALF_EVEN)


def rate_cell(text: str | None, *, where: str, field: str, page: int | None) -> Decimal | Raw | None:
    """A rate as a fraction to 8 places (a bare number above 1 does not read) — or, in a batch,
    the cell as printed."""
    if deferring():
        return None if text is None else Raw(text, None, False, page)
    return _rate(text, where=where, field=field, page=page)


def _rate(text: str | None, *, where: str, field: str, page: int | None) -> Decimal | None:
    try:
        rate = parse_rate(text)
    except ValueError as exc:
        raise DocumentError(f"{where}: {field} is not a rate: {text!r}", check="bad_value", page=page,
                            field=field, value=text) from exc
    return None if rate is None else rate.quantize(RATE)


def cover_value(doc: DisclosureText, labels: Iterable[str]) -> str | None:
    """A value written after a cover label (``专项计划名称：…``), in the title block or the first sections."""
    lines = list(doc.title_lines) + [text for s in doc.sections[:2] for _, text in s.prose]
    for line in lines:
        text = fold_width(line).strip()
        for label in labels:
            if text.startswith(label):
                return text[len(label):].lstrip(":： ").strip()
    return None


def date_in(text: str | None, field: str, page: int | None, *, printed: bool = False) -> Any:
    """The first date in ``text``; missing or unreadable is a DocumentError naming the field.
    ``printed``: in a batch, the date's text for the batch to type as a column."""
    if text is None:
        raise DocumentError(f"{field} not found", check="missing_row", page=page, field=field)
    match = DATE.search(text)
    if printed and deferring():
        return Raw(match.group(0) if match else text, page=page)
    try:
        return parse_date(match.group(0) if match else text)
    except ValueError as exc:
        raise DocumentError(f"page {page}: {field} is not a date: {text!r}", check="bad_value", page=page,
                            field=field, value=text) from exc


def table_value(tables: Iterable[TextTable], rows: list[str], columns: list[str] | None, field: str,
                *, kind: str = "amount", required: bool = True, where: str = "",
                printed: bool = False) -> tuple[Any, TextTable | None, int | None]:
    """The cell under a header word (or in the last column) of the first row labelled with one
    of ``rows``, as money (CNY, cents), a count or a rate: (value, table, page). ``printed``:
    the parse does not compute with the amount or rate, so a batch may type it as a column."""
    tables = list(tables)
    for table in tables:
        found = table.row_labelled(rows)
        if found is None:
            continue
        index, row = found
        column = table.column(columns) if columns else len(table.header) - 1
        if column is None:
            continue
        text, page = row[column], table.pages[index]
        place = f"page {page}, {table.section}, row {row[0]}"
        if kind == "count":
            value = amount(text, "CNY", where=place, field=field, page=page)
            return (None if value is None else int(value)), table, page
        if kind == "rate":
            if printed:
                return rate_cell(text, where=place, field=field, page=page), table, page
            return _rate(text, where=place, field=field, page=page), table, page
        unit = table.unit_of(column, row[0])
        if printed:
            return money_cell(text, unit, where=place, field=field, page=page), table, page
        value = amount(text, unit, where=place, field=field, page=page)
        return (None if value is None else value.quantize(CENT)), table, page
    if required:
        page = tables[0].page if tables else None
        at = f"page {page}, {tables[0].section}: " if tables else (f"{where}: " if where else "")
        raise DocumentError(f"{at}row {rows[0]} not found", check="missing_row", page=page, field=rows[0])
    return None, None, None


def note_after(sections: Iterable[Section], labels: Iterable[str]) -> str | None:
    """The text after a note label (``注：不适用原因：…``) in the sections' prose."""
    labels = list(labels)
    for section in sections:
        text = section.text()
        for label in labels:
            at = text.find(label)
            if at >= 0:
                return text[at + len(label):].strip().rstrip("。") or None
    return None


def is_numberish(text: str | None) -> bool:
    return bool(text) and bool(_NUMBERISH.match(key(text)))


def unit_factor(unit: str) -> Decimal:
    return UNIT_FACTORS[unit]
