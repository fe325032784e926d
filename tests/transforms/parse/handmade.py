"""A small writer of hand-made PDFs and XLSX files for parser tests, independent of the sample
market's templates: each test document is laid out line by line from what real documents
look like (the real-spellings and real-world-formats references — copied facts, not code).

PDFs embed the repository's TrueType subset (sample_market/fonts/wqy-microhei-gb2312.ttf), as
real trustee reports embed theirs: with reportlab's non-embedded STSong-Light, pdfium drops
single-character text objects (see the project's stack pitfalls). Every cell of a table is
its own text object, as in documents exported from Word or Excel.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

FONT_FILE = Path(__file__).resolve().parents[3] / "sample_market" / "fonts" / "wqy-microhei-gb2312.ttf"
FONT = "HandmadeCJK"
PAGE_W, PAGE_H = 595.28, 841.89
TOP, BOTTOM = PAGE_H - 70, 70


@functools.cache
def _register_font() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont(FONT, str(FONT_FILE)))


@dataclass
class Column:
    """Where a table column prints: its left and right edges and how text sits between them."""

    left: float
    right: float
    align: str = "l"  # l, r, c


@dataclass
class Pdf:
    """Pages of positioned text. ``line`` prints one text object, ``cells`` several on one
    baseline, ``table`` a grid that breaks over pages (repeating its header or not)."""

    running_header: str | None = None
    footer: str | None = None  # format with {n}
    pages: list[list[tuple]] = field(default_factory=lambda: [[]])
    y: float = TOP

    def new_page(self) -> None:
        self.pages.append([])
        self.y = TOP

    def space(self, points: float) -> None:
        self.y -= points

    def need(self, points: float) -> None:
        if self.y - points < BOTTOM:
            self.new_page()

    def line(self, text: str, x: float = 60, size: float = 10, align: str = "l", gap: float = 18) -> None:
        self.need(gap)
        self.pages[-1].append((x, self.y, text, size, align))
        self.y -= gap

    def cells(self, cells: Sequence[tuple[Column, str]], size: float = 9, gap: float = 16) -> None:
        self.need(gap)
        for column, text in cells:
            if text:
                x = {"l": column.left, "r": column.right, "c": (column.left + column.right) / 2}[column.align]
                self.pages[-1].append((x, self.y, text, size, column.align))
        self.y -= gap

    def table(self, columns: Sequence[Column], rows: Sequence[Sequence[str]], header: Sequence[str] | None = None,
              repeat_header: bool = True, size: float = 9, gap: float = 16,
              header_columns: Sequence[Column] | None = None) -> None:
        heads = list(header_columns or [Column(c.left, c.right, "c") for c in columns])
        if header is not None:
            self.need(2 * gap)
            self.cells(list(zip(heads, header)), size, gap)
        for row in rows:
            if self.y - gap < BOTTOM:
                self.new_page()
                if header is not None and repeat_header:
                    self.cells(list(zip(heads, header)), size, gap)
            self.cells(list(zip(columns, row)), size, gap)

    def bytes(self, title: str = "") -> bytes:
        from reportlab.pdfgen.canvas import Canvas

        _register_font()
        buffer = io.BytesIO()
        canvas = Canvas(buffer, pagesize=(PAGE_W, PAGE_H), invariant=1)
        canvas.setTitle(title)
        for number, ops in enumerate(self.pages, 1):
            if self.running_header and number > 1:
                canvas.setFont(FONT, 8)
                canvas.drawString(60, PAGE_H - 40, self.running_header)
            if self.footer:
                canvas.setFont(FONT, 8)
                canvas.drawCentredString(PAGE_W / 2, 30, self.footer.format(n=number))
            for x, y, text, size, align in ops:
                canvas.setFont(FONT, size)
                if align == "r":
                    canvas.drawRightString(x, y, text)
                elif align == "c":
                    canvas.drawCentredString(x, y, text)
                else:
                    canvas.drawString(x, y, text)
            canvas.showPage()
        canvas.save()
        return buffer.getvalue()


def xlsx(sheets: Sequence[tuple[str, Sequence[Sequence[Any]]]]) -> bytes:
    """A workbook, one sheet per (name, rows); None leaves a cell (or, alone, a row) blank.
    Numbers (int, float, Decimal) are stored as numbers, dates as date-formatted serials."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    book.set_properties({"created": dt.datetime(2025, 9, 1, 9, 0)})
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    for name, rows in sheets:
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row or ()):
                if value is None:
                    continue
                if isinstance(value, (dt.date, dt.datetime)):
                    sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()) if not isinstance(
                        value, dt.datetime) else value, date_format)
                elif isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
                    sheet.write_number(r, c, float(value))
                else:
                    sheet.write_string(r, c, str(value))
    book.close()
    return buffer.getvalue()
