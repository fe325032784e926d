"""The text layer of a document: lines of positioned cells, from a PDF's character boxes or an
XLSX's rows.

Every reader of laid-out documents (trustee reports, issuance announcements) starts from
the same model: a ``Line`` is one row of text (a PDF baseline, or a sheet row) made of
``Cell`` runs with their horizontal extent, so that a layout finder can put cells under
their column headers whatever the template.

PDFs are read with pypdfium2 from character positions (one text run per cell, split where
pdfium generated a separator), not from its plain-text line breaks, which can join lines
20 pt apart. pypdfium2 is not thread-safe: callers must parse in one thread per process (use
processes, not threads, for parallelism). Within one parse the screen, the type detection and
the parser share one opened document and its loaded pages (``one_read``) instead of opening the
same bytes three times (``pdf_document``).

XLSX rows come from the project's one XLSX reader (``xlsx_cells``); a cell's column index is
its horizontal position, its sheet row number its line number.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import functools
import re
import statistics
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from transforms.parse.base import DocumentError
from transforms.parse.one_read import in_parse, shared
from transforms.parse.xlsx_cells import XlsxError, read_workbook

# PDF page furniture (running headers, page numbers) lives in these margins, in points.
HEADER_BAND_PT, FOOTER_BAND_PT = 50.0, 45.0
_RUN = re.compile(r"[^\r\n ]+(?: +[^\r\n ]+)*")  # text between line breaks, spaces inside kept
_SPACE = re.compile(" ")
_GLUED_CODE = re.compile(r"(\d{6,9}\.(?:IB|SH|SZ))\d", re.IGNORECASE)
# Two figures in one run, a dash and a figure, or a code and a figure (`0.0010,288,914.05`,
# `34.050944万元185.537494万元`, `——61,300,000.00`, `247704136,960.000000`: more than three digits
# before a thousands separator): worth a look at where its characters stand.
_FIGURE = r"[(（]?-?[\d,]*\d\.\d+[)）]?(?:%|‰|万元|亿元|元)?"
_TWO_FIGURES = re.compile(rf"^(?:(?:—+|-{{2,}}|/)(?=[\d(（])(?:{_FIGURE})+|(?:{_FIGURE}){{2,}}"
                          r"|\d{4,},\d{3}[\d,]*(?:\.\d+)?(?:万元|亿元|元)?)$")
_WIDER_PT = 0.1  # an advance this much wider than its kind's usual one is a gap between two objects


@dataclass(slots=True)
class Cell:
    text: str
    x0: float
    x1: float

    @property
    def mid(self) -> float:
        return (self.x0 + self.x1) / 2


@dataclass(slots=True)
class Line:
    """One row of text: a PDF line (page, baseline) or an XLSX row (row number as page)."""

    page: int
    y: float
    cells: list[Cell]
    sheet: str = ""

    @property
    def where(self) -> str:
        return f"sheet {self.sheet} row {self.page}" if self.sheet else f"page {self.page}"

    @property
    def pdf_page(self) -> int | None:
        """The PDF page number, None for a sheet row (its row number is not a page)."""
        return None if self.sheet else self.page

    @property
    def text(self) -> str:
        return " ".join(c.text for c in self.cells)


def join_wrapped(first: str, second: str) -> str:
    """Undo a line wrap: one space between two Latin line ends, nothing next to Chinese."""
    if first and second and ord(first[-1]) < 0x2E80 and ord(second[0]) < 0x2E80:
        return f"{first} {second}"
    return first + second


# ───────────────────────────── PDF ─────────────────────────────
@contextmanager
def pdf_document(data: bytes) -> Iterator[Any]:
    """The pypdfium2 document of these bytes: the parse's shared one (``one_read``), else one
    opened here and closed after. Raises ``PdfiumError`` as ``PdfDocument`` does."""
    import pypdfium2 as pdfium

    if in_parse(data):
        yield shared(data, "pdf", lambda: pdfium.PdfDocument(data), lambda pdf: pdf.close())
        return
    pdf = pdfium.PdfDocument(data)
    try:
        yield pdf
    finally:
        pdf.close()


@contextmanager
def _loaded_page(pdf: Any, index: int, data: bytes | None = None) -> Iterator[tuple[Any, Any]]:
    """(page, text page) of page ``index`` (0-based; either NULL when pdfium cannot load it),
    through raw calls: the helpers' per-object finalizer bookkeeping costs ~0.15 ms a page.
    Pages of the parse's shared document (``data`` given) stay loaded until its parse ends: the
    detection reads the first pages, the parser all of them."""
    if data is not None and in_parse(data):
        yield shared(data, ("page", index), lambda: _load_page(pdf, index), _close_page)
        return
    loaded = _load_page(pdf, index)
    try:
        yield loaded
    finally:
        _close_page(loaded)


def _load_page(pdf: Any, index: int) -> tuple[Any, Any]:
    import pypdfium2.raw as raw

    page = raw.FPDF_LoadPage(pdf.raw, index)
    return page, (raw.FPDFText_LoadPage(page) if page else None)


def _close_page(loaded: tuple[Any, Any]) -> None:
    import pypdfium2.raw as raw

    page, textpage = loaded
    if textpage:
        raw.FPDFText_ClosePage(textpage)
    if page:
        raw.FPDF_ClosePage(page)


def page_text(pdf: Any, index: int, data: bytes | None = None) -> str:
    """The plain text of one page (0-based), as pdfium's text range gives it (``data``: the
    document's bytes, to share the loaded page within a parse)."""
    import pypdfium2.raw as raw

    with _loaded_page(pdf, index, data) as (_, textpage):
        return _textpage_text(textpage, raw) if textpage else ""


def _textpage_text(textpage: Any, raw: Any) -> str:
    count = raw.FPDFText_CountChars(textpage)
    if count <= 0:
        return ""
    buffer = ctypes.create_string_buffer(count * 2 + 2)
    written = raw.FPDFText_GetText(textpage, 0, count, ctypes.cast(buffer, ctypes.POINTER(ctypes.c_ushort)))
    return buffer.raw[: max(written - 1, 0) * 2].decode("utf-16-le", errors="replace")


def pdf_lines(data: bytes) -> list[Line]:
    """Lines of every page, built from pdfium text runs and character positions."""
    import pypdfium2 as pdfium

    if b"%%EOF" not in data[-2048:]:
        raise DocumentError("PDF is truncated or corrupt", check="corrupt_file")
    try:
        with pdf_document(data) as pdf:
            return _document_lines(pdf, data)
    except pdfium.PdfiumError as exc:
        raise DocumentError("PDF is truncated or corrupt", check="corrupt_file", value=exc) from exc


def _document_lines(pdf: Any, data: bytes) -> list[Line]:
    import pypdfium2.raw as raw

    lines: list[Line] = []
    for index in range(len(pdf)):
        with _loaded_page(pdf, index, data) as (page, textpage):
            if not page:
                raise DocumentError("PDF is truncated or corrupt", check="corrupt_file", page=index + 1)
            cells = _page_cells(textpage, raw) if textpage else []
            height = raw.FPDF_GetPageHeightF(page)
        if not cells:
            raise DocumentError(f"page {index + 1} has no text layer", check="no_text_layer", page=index + 1)
        lines.extend(_group(cells, index + 1, height))
    return lines


def _page_cells(tp: Any, raw: Any) -> list[tuple[float, Cell]]:
    """(baseline, cell) per text run: the page text split where pdfium generated a separator.

    pdfium joins text objects with a generated space (same line) or CR LF (new line); a space
    inside a run (`2025 年 8 月`) is the document's own. Positions come from two calls per
    run: the first character's origin and the last character's box.
    """
    text = _textpage_text(tp, raw)
    if not text:
        return []
    is_generated, origin, box = _bare_calls(raw)
    page = ctypes.c_void_p(ctypes.cast(tp, ctypes.c_void_p).value)
    ox, oy, left, right, bottom, top = (ctypes.c_double() for _ in range(6))
    pointers = tuple(ctypes.c_void_p(ctypes.addressof(v)) for v in (ox, oy, left, right, bottom, top))
    p_ox, p_oy, p_left, p_right, p_bottom, p_top = pointers
    values = (ox, oy, left, right)
    cells: list[tuple[float, Cell]] = []
    add = cells.append
    for run in _RUN.finditer(text):
        first, stop = run.span()
        piece = run.group()
        if " " not in piece:  # the common case: one text object, no inner space
            if _TWO_FIGURES.match(piece):
                _add_figures(text, first, stop, page, origin, box, pointers, values, add)
                continue
            origin(page, first, p_ox, p_oy)
            box(page, stop - 1, p_left, p_right, p_bottom, p_top)
            add((oy.value, Cell(piece, ox.value, right.value)))
            continue
        start = first  # split only at spaces pdfium generated between text objects
        for space in _SPACE.finditer(text, first, stop):
            if is_generated(page, space.start()):
                _add_piece(text, start, space.start(), page, origin, box, pointers, values, add)
                start = space.start() + 1
        _add_piece(text, start, stop, page, origin, box, pointers, values, add)
    return cells


def _add_piece(text: str, a: int, b: int, page: Any, origin: Any, box: Any, pointers: tuple, values: tuple,
               add: Any) -> None:
    """One cell of a run split at a generated space (its own leading and trailing spaces dropped)."""
    raw_piece = text[a:b]
    piece = raw_piece.strip(" ")
    if not piece:
        return
    a += len(raw_piece) - len(raw_piece.lstrip(" "))
    if _TWO_FIGURES.match(piece):
        _add_figures(text, a, a + len(piece), page, origin, box, pointers, values, add)
        return
    p_ox, p_oy, p_left, p_right, p_bottom, p_top = pointers
    ox, oy, _left, right = values
    origin(page, a, p_ox, p_oy)
    box(page, a + len(piece) - 1, p_left, p_right, p_bottom, p_top)
    add((oy.value, Cell(piece, ox.value, right.value)))


def _add_figures(text: str, a: int, b: int, page: Any, origin: Any, box: Any, pointers: tuple, values: tuple,
                 add: Any) -> None:
    """A run that reads as two figures: the cells of two columns set so close that pdfium joined
    their text objects. Each character's advance is compared with the usual (median) advance of
    its kind (digits, CJK, each other sign) in the run; the run is cut where one is wider — the
    gap between the objects. A run evenly set (a date 2018.11.30) stays one cell, and so do
    objects printed over each other (an advance narrower than usual): those cannot be read."""
    p_ox, p_oy, p_left, p_right, p_bottom, p_top = pointers
    ox, oy, _left, right = values
    xs = []
    for k in range(a, b):
        origin(page, k, p_ox, p_oy)
        xs.append(ox.value)
    y = oy.value
    kinds = [_kind(ch) for ch in text[a:b - 1]]
    advances = [xs[i + 1] - xs[i] for i in range(len(xs) - 1)]
    by_kind: dict[str, list[float]] = {}
    for kind, advance in zip(kinds, advances):
        by_kind.setdefault(kind, []).append(advance)
    usual = {kind: statistics.median_low(found) for kind, found in by_kind.items()}
    cuts = [i + 1 for i, (kind, advance) in enumerate(zip(kinds, advances)) if advance - usual[kind] > _WIDER_PT]
    for start, stop in zip([0, *cuts], [*cuts, b - a]):
        box(page, a + stop - 1, p_left, p_right, p_bottom, p_top)
        add((y, Cell(text[a + start:a + stop], xs[start], right.value)))


def _kind(char: str) -> str:
    return "digit" if char.isdigit() else "cjk" if ord(char) >= 0x2E80 else char


@functools.cache
def _bare_calls(raw: Any) -> tuple[Any, Any, Any]:
    """FPDFText_IsGenerated / GetCharOrigin / GetCharBox without ctypes argument checking.

    The per-character calls dominate reading a page; pypdfium2's checked bindings spend
    ~3 µs a call converting arguments, bare prototypes fed ready-made pointers ~0.7 µs.
    Immutable and built once; the C signatures are (FPDF_TEXTPAGE, int[, double* …]) → int.
    """
    def bare(function: Any) -> Any:
        return ctypes.CFUNCTYPE(ctypes.c_int)(ctypes.cast(function, ctypes.c_void_p).value)

    return bare(raw.FPDFText_IsGenerated), bare(raw.FPDFText_GetCharOrigin), bare(raw.FPDFText_GetCharBox)


def _group(cells: list[tuple[float, Cell]], page: int, height: float) -> list[Line]:
    """Cells on one baseline (±2.5 pt) form a line; page furniture in the margins is dropped."""
    top = height - HEADER_BAND_PT
    cells = [c for c in cells if FOOTER_BAND_PT < c[0] < top]
    cells.sort(key=_reading_order)
    lines: list[Line] = []
    last: Line | None = None
    for y, cell in cells:
        if last is not None and -2.5 <= last.y - y <= 2.5:
            last.cells.append(cell)
        else:
            last = Line(page, y, [cell])
            lines.append(last)
    for line in lines:
        if len(line.cells) > 1:
            line.cells.sort(key=_left)
        for index in range(len(line.cells) - 1, -1, -1):
            cell = line.cells[index]
            if len(cell.text) > 11 and (glued := _GLUED_CODE.match(cell.text)):
                line.cells[index:index + 1] = _split_glued(cell, glued.end(1))
    return lines


def _split_glued(cell: Cell, at: int) -> list[Cell]:
    """A security code and the figure of the next column set so close that pdfium joined them
    (`1978009.IB20128.000000`): two cells, the boundary placed by character count."""
    x = cell.x0 + (cell.x1 - cell.x0) * at / len(cell.text)
    return [Cell(cell.text[:at], cell.x0, x), Cell(cell.text[at:], x, cell.x1)]


def _reading_order(item: tuple[float, Cell]) -> tuple[float, float]:
    return -item[0], item[1].x0


def _left(cell: Cell) -> float:
    return cell.x0


# ───────────────────────────── XLSX ─────────────────────────────
def xlsx_lines(data: bytes) -> list[Line]:
    """Rows of every sheet as lines (sheet row number as the line's page and y).

    Cells keep the exact value Excel stores: a number is written back as the shortest decimal
    that is the stored double (what the file's author typed), a date-formatted cell as an ISO
    date, so the label-driven readers see the same text whatever the cell type.
    """
    try:
        sheets = read_workbook(data)
    except XlsxError as exc:
        if exc.check != "corrupt_file":  # refused (a DTD), not broken: say so
            raise DocumentError(f"XLSX {exc}", check=exc.check) from exc
        raise DocumentError("XLSX is truncated or corrupt", check="corrupt_file", value=exc) from exc
    except (KeyError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
        raise DocumentError("XLSX is truncated or corrupt", check="corrupt_file", value=exc) from exc
    lines: list[Line] = []
    for name, rows in sheets:
        for number, values in enumerate(rows, 1):
            cells = []
            for column, value in enumerate(values):
                text = cell_text(value)
                if text:
                    cells.append(Cell(text, column, column + 1))
            if cells:
                lines.append(Line(number, number, cells, sheet=name))
    return lines


def cell_text(value: Any) -> str:
    """A spreadsheet value as the text a reader would see (numbers exact, dates ISO)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return format(Decimal(repr(value)), "f")
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    return str(value).strip()
