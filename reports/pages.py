"""The cited place in a source document: the line a row label stands on (PDF page or XLSX sheet
row), drawn for a person: the PDF page as a PNG with the cited cells boxed, the XLSX rows
around the cited one as a small HTML excerpt.

Lines and character positions come from the trustee-report reader's PDF text layer and its
XLSX reader (``transforms.parse.pdf_text``), so a cited line is found exactly as the
parser read it.
"""

from __future__ import annotations

import csv
import html
import io
from pathlib import Path
from typing import Any

from transforms.parse.pdf_text import Cell, Line, pdf_lines, xlsx_lines
from transforms.parse.vocabulary import label_key

RENDER_SCALE = 2.0  # pixels per PDF point (144 dpi)
BOX_ABOVE_PT, BOX_BELOW_PT = 11.0, 3.5  # a cell's box around its baseline
EXCERPT_ROWS = 3  # rows shown on each side of a cited XLSX row


def read_lines(data: bytes, file_format: str | None) -> list[Line]:
    """Every line of a document: PDF lines per page, XLSX rows per sheet, CSV rows."""
    kind = (file_format or "").lower()
    if kind == "pdf" or data[:5] == b"%PDF-":
        return pdf_lines(data)
    if kind == "xlsx" or data[:2] == b"PK":
        return xlsx_lines(data)
    if kind == "csv":
        return _csv_lines(data)
    return []


def _csv_lines(data: bytes) -> list[Line]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        return []
    return [Line(i, 0.0, [Cell(v, 0.0, 0.0) for v in row]) for i, row in enumerate(csv.reader(io.StringIO(text)), 1)]


def find_line(lines: list[Line], page: int, row_label: str | None, sheet: str | None = None) -> Line | None:
    """The line of ``page`` (a PDF page, or a sheet row) that holds ``row_label``; for a sheet
    row the row itself. None when the document does not have it."""
    on_page = [ln for ln in lines if ln.page == page and (not sheet or not ln.sheet or ln.sheet == sheet)]
    if not on_page:
        return None
    if row_label:
        label = label_key(row_label)
        for line in on_page:
            if any(label_key(c.text) == label for c in line.cells):
                return line
        for line in on_page:
            if label and label in label_key(line.text):
                return line
    if on_page[0].sheet or len(on_page) == 1:
        return on_page[0]
    return None


def render_pdf_page(data: bytes, page: int, boxed: list[Line], out: Path) -> Path:
    """Page ``page`` of the PDF as a PNG, every cell of the ``boxed`` lines outlined in red."""
    import pypdfium2 as pdfium
    from PIL import ImageDraw

    pdf = pdfium.PdfDocument(data)
    try:
        pdf_page = pdf[page - 1]
        height = pdf_page.get_height()
        image = pdf_page.render(scale=RENDER_SCALE).to_pil().convert("RGB")
    finally:
        pdf.close()
    draw = ImageDraw.Draw(image)
    for line in boxed:
        for cell in line.cells:
            left, right = cell.x0 * RENDER_SCALE - 3, cell.x1 * RENDER_SCALE + 3
            top = (height - line.y - BOX_ABOVE_PT) * RENDER_SCALE
            bottom = (height - line.y + BOX_BELOW_PT) * RENDER_SCALE
            draw.rectangle([left, top, right, bottom], outline=(220, 30, 30), width=3)
    out.parent.mkdir(parents=True, exist_ok=True)
    image.save(out, format="PNG")
    return out


def render_sheet_excerpt(lines: list[Line], cited: list[Line], title: str, out: Path) -> Path:
    """The cited rows of a workbook with ``EXCERPT_ROWS`` rows around each, as an HTML table
    (cited rows highlighted, sheet and row numbers shown)."""
    esc = html.escape
    wanted: dict[tuple[str, int], bool] = {}
    for line in cited:
        for r in range(line.page - EXCERPT_ROWS, line.page + EXCERPT_ROWS + 1):
            wanted.setdefault((line.sheet, r), False)
        wanted[(line.sheet, line.page)] = True
    rows = [ln for ln in lines if (ln.sheet, ln.page) in wanted]
    body = []
    for ln in rows:
        mark = ' class="cited"' if wanted[(ln.sheet, ln.page)] else ""
        cells = "".join(f"<td>{esc(c.text)}</td>" for c in ln.cells)
        body.append(f"<tr{mark}><th>{esc(ln.sheet)}</th><th>{ln.page}</th>{cells}</tr>")
    page = (
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
        f"<title>{esc(title)}</title><style>"
        "body{font-family:sans-serif;margin:1rem} table{border-collapse:collapse;font-size:13px}"
        "td,th{border:1px solid #ccd;padding:2px 6px;white-space:nowrap} th{background:#f3f4f6;color:#555}"
        "tr.cited td{background:#ffe3e3;outline:2px solid #dc1e1e}"
        f"</style></head><body><h1 style=\"font-size:1rem\">{esc(title)}</h1>"
        f"<table><tr><th>sheet</th><th>row</th><th colspan=\"99\"></th></tr>{''.join(body)}</table></body></html>\n"
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    return out


def render_citations(data: bytes, file_format: str | None, cited: list[tuple[int, str | None, str | None]],
                     out_dir: Path, stem: str, title: str) -> list[Path]:
    """Draw every cited place of one document: one PNG per cited PDF page, one HTML excerpt for
    a workbook. ``cited`` holds (page or row, row label, table or sheet)."""
    lines = read_lines(data, file_format)
    found: dict[int, list[Line]] = {}
    for page, label, sheet in cited:
        line = find_line(lines, page, label, sheet)
        if line is not None:
            found.setdefault(page, []).append(line)
    if not found:
        return []
    if any(ln.sheet for group in found.values() for ln in group) or (file_format or "").lower() in ("xlsx", "csv"):
        return [render_sheet_excerpt(lines, [ln for g in found.values() for ln in g], title, out_dir / f"{stem}.html")]
    return [render_pdf_page(data, page, group, out_dir / f"{stem}-p{page}.png") for page, group in sorted(found.items())]


__all__: list[Any] = ["read_lines", "find_line", "render_pdf_page", "render_sheet_excerpt", "render_citations"]
