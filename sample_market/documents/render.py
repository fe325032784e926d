"""Layout items — headings, paragraphs, tables, page breaks — drawn as PDF or written as XLSX.

Every paged family of the sample market (trustee reports, issuance announcements) is built
as a list of these items by its own builder, from a layout object that says how the trustee
or arranger spells and arranges things; this module only draws. PDFs embed the shipped CJK
subset (``sample_market/fonts``: with a non-embedded font such as reportlab's STSong-Light,
pdfium drops single-character text runs) and reportlab runs with ``invariant=1``; XLSX files
take their timestamps from the caller. Same items, same bytes, on every machine.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

FONT_PATH = Path(__file__).resolve().parents[1] / "fonts" / "wqy-microhei-gb2312.ttf"
FONT_NAME = "WQYMicroHeiGB"


# ───────────────────────────── items ─────────────────────────────
@dataclass
class Num:
    """A printed number and its value in the printed unit (XLSX writes the value)."""

    text: str
    value: Decimal | int | None


@dataclass
class Heading:
    text: str
    level: int
    key: str = ""
    sheet: str | None = None  # the bare title, for an XLSX sheet named after the section


@dataclass
class Para:
    text: str
    size: float = 9.0
    align: str = "left"
    space: float = 4.0


@dataclass
class Table:
    header: list[str] | None
    rows: list[list[str | Num]]
    widths: tuple[float, ...]
    align: tuple[str, ...]
    repeat_header: bool = True
    row_keys: list[str | None] = field(default_factory=list)
    kind: str = ""  # "kv": a label | value table (XLSX may merge or pair its cells)
    wrap_header: bool = False  # PDF: header text that does not fit wraps inside its cell


class PageBreak:
    pass


# ───────────────────────────── PDF ─────────────────────────────
PAGE_W, PAGE_H = 595.28, 841.89
MARGIN_X, CONTENT_TOP, CONTENT_BOTTOM = 50.0, PAGE_H - 62.0, 60.0
ROW_H, CELL_PAD, TABLE_SIZE = 17.0, 4.0, 8.5
WRAP_SIZE, WRAP_LINE = 7.0, 9.0  # wrapped header cells


@functools.cache
def _font() -> Any:
    """Register the shipped CJK subset once per process (lazily, never at import)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    font = TTFont(FONT_NAME, str(FONT_PATH))
    pdfmetrics.registerFont(font)
    return font


def check_glyphs(text: str) -> None:
    cmap = _font().face.charToGlyph
    missing = sorted({ch for ch in text if ord(ch) not in cmap and not ch.isspace()})
    if missing:
        raise ValueError(
            f"characters {''.join(missing)!r} in {text!r} are not in the embedded font subset; "
            "add them to EXTRA_HANZI in sample_market/fonts/build_subset.py and rebuild"
        )


def text_width(text: str, size: float) -> float:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return stringWidth(text, FONT_NAME, size)


def wrap(text: str, size: float, width: float) -> list[str]:
    """Greedy wrap that a reader can undo exactly.

    Chinese breaks between characters; Latin text only at a single space between two words,
    and that space is dropped. A reader therefore joins two lines with one space when both
    sides are Latin and with nothing otherwise. Spaces next to Chinese never sit at a break.
    """
    tokens = re.findall(r" +|[\u2e80-\uffff]|[^ \u2e80-\uffff]+", text)
    units: list[list[str]] = []  # [text, separator dropped at a break before it]
    pending, glue = "", False
    for i, token in enumerate(tokens):
        prev, nxt = tokens[i - 1] if i else "", tokens[i + 1] if i + 1 < len(tokens) else ""
        if token[0] == " ":
            if token == " " and _is_word(prev) and _is_word(nxt):
                pending = " "
            elif units:
                units[-1][0] += token
                glue = True
            else:
                units.append([token, ""])
            continue
        if units and glue:
            units[-1][0] += token
        else:
            units.append([token, pending])
        pending, glue = "", False
    lines, current = [], ""
    for unit, separator in units:
        candidate = current + (separator if current else "") + unit
        if current and text_width(candidate, size) > width:
            lines.append(current)
            current = unit
        else:
            current = candidate
    return [*lines, current] if current else lines


def _wrap_cell(text: str, size: float, width: float) -> list[str]:
    """Wrap inside a table cell; a run without break points (a long number) is cut by characters."""
    lines = []
    for line in wrap(text, size, width):
        while text_width(line, size) > width and len(line) > 1:
            cut = max(k for k in range(1, len(line) + 1) if text_width(line[:k], size) <= width or k == 1)
            lines.append(line[:cut])
            line = line[cut:]
        lines.append(line)
    return lines


def _is_word(token: str) -> bool:
    return bool(token) and token[0] != " " and ord(token[0]) < 0x2E80


class PageFlow:
    """Flows items onto A4 pages as drawing ops; tables split row by row at the page foot."""

    def __init__(self) -> None:
        self.pages: list[list[tuple]] = [[]]
        self.y = CONTENT_TOP
        self.heading_pages: dict[str, int] = {}

    @property
    def ops(self) -> list[tuple]:
        return self.pages[-1]

    def new_page(self) -> None:
        self.pages.append([])
        self.y = CONTENT_TOP

    def need(self, height: float) -> None:
        if self.y - height < CONTENT_BOTTOM and self.ops:
            self.new_page()

    def text(self, x: float, y: float, text: str, size: float, align: str = "l") -> None:
        self.ops.append(("t", x, y, text, size, align))

    def add(self, item: Any) -> None:
        width = PAGE_W - 2 * MARGIN_X
        if isinstance(item, PageBreak):
            self.new_page()
        elif isinstance(item, Heading):
            size = 12.0 if item.level == 1 else 10.5
            self.need(size + 10 + 3 * ROW_H)  # keep a heading with the start of its table
            self.y -= size + 8
            self.text(MARGIN_X, self.y, item.text, size)
            self.heading_pages.setdefault(item.key, len(self.pages))
            self.y -= 4
        elif isinstance(item, Para):
            lines = wrap(item.text, item.size, width)
            self.need(item.space + len(lines) * (item.size + 5))
            self.y -= item.space
            for line in lines:
                self.y -= item.size + 5
                x = {"left": MARGIN_X, "right": PAGE_W - MARGIN_X, "center": PAGE_W / 2}[item.align]
                self.text(x, self.y, line, item.size, item.align[0])
        elif isinstance(item, Table):
            self.table(item, width)

    def table(self, table: Table, width: float) -> None:
        edges = [MARGIN_X]
        for w in table.widths:
            edges.append(edges[-1] + w * width)
        self.y -= 4
        self.need(ROW_H * (2 if table.header else 1))
        top = self.y
        if table.header:
            self.row(table.header, edges, ("c",) * len(edges), header=True, wrap_cells=table.wrap_header)
        for cells in table.rows:
            if self.y - ROW_H < CONTENT_BOTTOM:
                self.grid(edges, top)
                self.new_page()
                top = self.y
                if table.header and table.repeat_header:
                    self.row(table.header, edges, ("c",) * len(edges), header=True, wrap_cells=table.wrap_header)
            self.row([c.text if isinstance(c, Num) else c for c in cells], edges, table.align)
        self.grid(edges, top)
        self.y -= 4

    def row(self, cells: Sequence[str], edges: list[float], align: Sequence[str], header: bool = False,
            wrap_cells: bool = False) -> None:
        too_long = any(text and text_width(text, 5) > edges[i + 1] - edges[i] - 2 * CELL_PAD
                       for i, text in enumerate(cells))
        if wrap_cells or too_long:  # a cell that cannot shrink enough wraps, so no text runs into the next
            return self.wrapped_row(cells, edges, align, header)
        base = self.y - ROW_H + 5.5
        for index, text in enumerate(cells):
            if not text:
                continue
            left, right = edges[index] + CELL_PAD, edges[index + 1] - CELL_PAD
            size = TABLE_SIZE
            while size > 5 and text_width(text, size) > right - left:
                size -= 0.5
            where = align[index]
            x = left if where == "l" else right if where == "r" else (left + right) / 2
            self.text(x, base, text, size, where)
        self.y -= ROW_H
        self.ops.append(("h", edges[0], self.y, edges[-1]))
        if header:
            self.ops.append(("h", edges[0], self.y + 0.6, edges[-1]))

    def wrapped_row(self, cells: Sequence[str], edges: list[float], align: Sequence[str], header: bool) -> None:
        """A row whose long cells wrap onto several lines inside the cell, as real reports print them."""
        laid = []
        for index, text in enumerate(cells):
            room = edges[index + 1] - edges[index] - 2 * CELL_PAD
            laid.append(_wrap_cell(text, WRAP_SIZE, room) if text and text_width(text, TABLE_SIZE) > room else [text])
        height = ROW_H + (max(len(lines) for lines in laid) - 1) * WRAP_LINE
        for index, lines in enumerate(laid):
            left, right = edges[index] + CELL_PAD, edges[index + 1] - CELL_PAD
            size = TABLE_SIZE if len(lines) == 1 else WRAP_SIZE
            where = "c" if header else align[index]
            x = left if where == "l" else right if where == "r" else (left + right) / 2
            for k, line in enumerate(lines):
                if line:
                    self.text(x, self.y - 11.5 - k * WRAP_LINE, line, size, where)
        self.y -= height
        self.ops.append(("h", edges[0], self.y, edges[-1]))
        if header:
            self.ops.append(("h", edges[0], self.y + 0.6, edges[-1]))

    def grid(self, edges: list[float], top: float) -> None:
        self.ops.append(("h", edges[0], top, edges[-1]))
        for x in edges:
            self.ops.append(("v", x, top, self.y))


def render_pdf(items: list[Any], title: str, running: str, footer: str, variant: str = "normal") -> bytes:
    """Items flowed onto A4 pages; ``footer`` is a format string with ``{n}`` and ``{total}``.

    ``variant="image_only"`` draws the page where the pool section starts as a scan (no text).
    """
    from reportlab.pdfgen.canvas import Canvas

    check_glyphs(title + running + footer + "".join(item_text(item) for item in items))
    flow = PageFlow()
    for item in items:
        flow.add(item)
    scanned = None
    if variant == "image_only":  # the page where the pool section starts comes out as a scan
        scanned = flow.heading_pages.get("pool_top", flow.heading_pages.get("pool"))
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(PAGE_W, PAGE_H), invariant=1, pageCompression=1)
    canvas.setTitle(title)
    canvas.setAuthor(running)
    total = len(flow.pages)
    for number, ops in enumerate(flow.pages, 1):
        if number == scanned:
            _draw_scan(canvas, ops)
        else:
            if number > 1:
                canvas.setFont(FONT_NAME, 7.5)
                canvas.drawString(MARGIN_X, PAGE_H - 38, running)
                canvas.line(MARGIN_X, PAGE_H - 42, PAGE_W - MARGIN_X, PAGE_H - 42)
                canvas.drawCentredString(PAGE_W / 2, 30, footer.format(n=number, total=total))
            _draw_ops(canvas, ops)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def item_text(item: Any) -> str:
    """All text an item prints (for the glyph check)."""
    if isinstance(item, (Heading, Para)):
        return item.text
    if isinstance(item, Table):
        rows = ([item.header] if item.header else []) + item.rows
        return "".join(c.text if isinstance(c, Num) else c for row in rows for c in row)
    return ""


def _draw_ops(canvas: Any, ops: list[tuple]) -> None:
    size = None
    lines = []
    for op in ops:
        if op[0] == "t":
            _, x, y, text, font_size, align = op
            if font_size != size:
                canvas.setFont(FONT_NAME, font_size)
                size = font_size
            if align == "r":
                canvas.drawRightString(x, y, text)
            elif align == "c":
                canvas.drawCentredString(x, y, text)
            else:
                canvas.drawString(x, y, text)
        elif op[0] == "h":
            lines.append((op[1], op[2], op[3], op[2]))
        else:
            lines.append((op[1], op[2], op[1], op[3]))
    canvas.setLineWidth(0.5)
    canvas.lines(lines)


def _draw_scan(canvas: Any, ops: list[tuple]) -> None:
    """A scanned page: the same table grid, every text run a grey blot, no text layer at all."""
    canvas.setFillGray(0.35)
    for op in ops:
        if op[0] == "t":
            _, x, y, text, size, align = op
            w = text_width(text, size)
            left = x - w if align == "r" else x - w / 2 if align == "c" else x
            canvas.rect(left, y - 1, w, size * 0.8, stroke=0, fill=1)
    _draw_ops(canvas, [op for op in ops if op[0] != "t"])


# ───────────────────────────── XLSX ─────────────────────────────
@dataclass(frozen=True)
class XlsxStyle:
    """How a workbook holds the items: one sheet or a sheet per top section, and its cells.

    The defaults are a single sheet, items one under another from column A, numbers as
    numeric cells where a double holds them exactly.
    """

    sheets: str = "single"  # single | sheets (a new sheet at every level-1 heading)
    first_sheet: str = "Sheet1"
    widths: tuple[tuple[int, int, float], ...] = ((0, 0, 34), (1, 8, 20))
    numbers: str = "numeric"  # numeric | text (every number as its printed text)
    number_formats: str = "typed"  # typed: counts, cents, long decimals; money: #,##0.00 for all
    gap_after_table: int = 1  # blank rows after a table
    gap_after_text: int = 0  # blank rows after a heading or paragraph
    start_col: int = 0  # the column every item starts in
    kv: str = "adjacent"  # adjacent | merged (the value in a merged cell) | pairs (two pairs a row)
    headings_in_sheet: bool = True  # False: a sheet-per-section workbook drops the heading line
    empty_cells: bool = False  # write empty text cells too (as strings) instead of leaving them blank


def render_xlsx(items: list[Any], title: str, created: dt.datetime, style: XlsxStyle,
                garble: Callable[[str], str] | None = None) -> bytes:
    """The items as a workbook; ``garble`` re-spells every text (the mis-encoded variant)."""
    import xlsxwriter

    spell = garble or (lambda s: s)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    book.set_properties({"title": spell(title), "created": created})
    money = book.add_format({"num_format": "#,##0.00"})
    wide = book.add_format({"num_format": "#,##0.000000"})
    count = book.add_format({"num_format": "#,##0"})
    sheets: list[Any] = []
    state = {"row": 0}
    left = style.start_col

    def new_sheet(name: str) -> None:
        index = len(sheets) + 1
        safe = "".join(ch for ch in name if ch not in "[]:*?/\\")[:31]
        if garble is not None:
            safe = f"Sheet{index}"
        taken = {s.get_name() for s in sheets}
        safe = safe or f"Sheet{index}"
        if safe in taken:
            safe = f"{safe[:27]}({index})"
        sheet = book.add_worksheet(safe)
        for first, last, width in style.widths:
            sheet.set_column(first, last, width)
        sheets.append(sheet)
        state["row"] = 0

    def number(sheet: Any, row: int, col: int, cell: Num) -> None:
        value = cell.value
        if value is None or style.numbers != "numeric":
            sheet.write_string(row, col, spell(cell.text))
        elif style.number_formats == "money":
            sheet.write_number(row, col, float(value), money)
        elif abs(value) < 10**13:  # a double holds it exactly (cents included)
            fmt = count if isinstance(value, int) else wide if -value.as_tuple().exponent > 2 else money
            sheet.write_number(row, col, float(value), fmt)
        else:
            sheet.write_string(row, col, spell(cell.text))

    def write(sheet: Any, row: int, col: int, cell: str | Num) -> None:
        if isinstance(cell, Num):
            number(sheet, row, col, cell)
        elif cell or style.empty_cells:
            sheet.write_string(row, col, spell(cell))

    new_sheet(style.first_sheet)
    for item in items:
        if isinstance(item, PageBreak):
            continue
        if isinstance(item, Heading) and item.level == 1 and style.sheets == "sheets":
            bare = item.sheet if item.sheet is not None else item.text.split("、", 1)[-1].split(". ", 1)[-1]
            new_sheet(bare)
            if not style.headings_in_sheet:
                continue
        sheet = sheets[-1]
        if isinstance(item, (Heading, Para)):
            sheet.write_string(state["row"], left, spell(item.text))
            state["row"] += 1 + style.gap_after_text
        elif isinstance(item, Table):
            rows = ([item.header] if item.header else []) + item.rows
            if item.kind == "kv" and style.kv == "pairs" and item.header is None:
                rows = [[*a, *b] for a, b in zip(rows[::2], [*rows[1::2], []])]
            for cells in rows:
                if item.kind == "kv" and style.kv == "merged" and len(cells) == 2:
                    write(sheet, state["row"], left, cells[0])
                    value = cells[1]
                    text = value.text if isinstance(value, Num) else value
                    if isinstance(value, Num) and value.value is not None and style.numbers == "numeric":
                        sheet.merge_range(state["row"], left + 1, state["row"], left + 3, "")
                        number(sheet, state["row"], left + 1, value)
                    else:
                        sheet.merge_range(state["row"], left + 1, state["row"], left + 3, spell(text or ""))
                else:
                    for col, cell in enumerate(cells):
                        write(sheet, state["row"], left + col, cell)
                state["row"] += 1
            state["row"] += style.gap_after_table
    book.close()
    return buffer.getvalue()
