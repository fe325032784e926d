"""Write vendor-style tables (XLSX or CSV) from declarative columns, byte-for-byte reproducibly.

Every tabular document family of the sample market is "core rows → a table in the layout a
vendor uses", and the layouts vary along the same axes (the realism the parsers must survive):
header spelling (`(亿元)`, `（亿元）`, Wind's `\\r\\n[单位] 亿元`), column order, units (亿元 /
万元 / 元), date spellings (`2025-07-31`, `20250731`, `2025/7/31`, `2025年7月31日`, Excel
date cells), rating spellings (`AAAsf`, `AAA sf`, `ＡＡＡsf`), markers for nothing (empty,
`-`, `—`), encodings (UTF-8 with BOM, GB18030). One writer handles them so each family only
declares its columns.

Determinism: xlsxwriter stamps zip entries with 1980-01-01 and takes the document's
created/modified time from ``set_properties``, so a fixed datetime makes the bytes a pure
function of the rows.

Exactness: amounts are written in the header's unit with enough decimals to carry the cent
(亿元 → 10 decimals, 万元 → 6, 元 → 2). Real Wind exports print 4+ decimals of 亿元; 10 is what
a cent needs (1 分 = 10⁻¹⁰ 亿元). A value whose double would not print back exactly (more than
15 significant digits) is written as text instead, which the parsers also read.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

FIXED_CREATED = datetime(2025, 1, 1, 0, 0, 0)
UNIT_LABELS = {"yi": "亿元", "wan": "万元", "CNY": "元"}
UNIT_FACTORS = {"yi": Decimal(100_000_000), "wan": Decimal(10_000), "CNY": Decimal(1)}
UNIT_DECIMALS = {"yi": 10, "wan": 6, "CNY": 2}
_FULL_WIDTH = str.maketrans({chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)})


@dataclass(frozen=True)
class Layout:
    """How one document spells its table; each family uses the fields that apply to it."""

    file_format: str = "xlsx"  # xlsx | csv
    encoding: str = "utf-8-sig"  # csv only: utf-8-sig | utf-8 | gb18030
    header_style: str = "half"  # half `(亿元)` | full `（亿元）` | wind `\r\n[单位] 亿元`
    date_style: str = "iso"  # iso | compact | slash | chinese | serial (date cell) | serial_number
    null_marker: str = ""  # "" | "-" | "—"
    amount_unit: str = "yi"  # yi | wan | CNY
    rating_style: str = "plain"  # plain `AAAsf` | spaced `AAA sf` | fullwidth `ＡＡＡsf`
    shuffle_seed: int | None = None  # permute columns deterministically
    title: str | None = None  # a title line above the header
    unit_line: bool = False  # put `单位：亿元` above the header instead of in each header
    footer: str | None = None  # e.g. `数据来源：Wind`
    sheet_name: str = "Sheet1"

    def with_(self, **changes: Any) -> Layout:
        return replace(self, **changes)


@dataclass(frozen=True)
class Column:
    """One output column: a label, how to get the value from a record, and its kind.

    kind: text | amount (CNY Decimal) | rate (fraction Decimal, printed as %) | number |
    int | date | flag (是/否) | rating. ``unit`` overrides the layout's amount unit.
    """

    label: str
    get: Callable[[Mapping[str, Any]], Any]
    kind: str = "text"
    unit: str | None = None

    @staticmethod
    def of(label: str, key: str, kind: str = "text", unit: str | None = None) -> Column:
        return Column(label, lambda r, _k=key: r.get(_k), kind, unit)


@dataclass
class SheetSpec:
    """A table to put on one sheet (or into one CSV file)."""

    columns: Sequence[Column]
    records: Iterable[Mapping[str, Any]]
    layout: Layout = field(default_factory=Layout)
    preamble: Sequence[str] = ()


# --------------------------------------------------------------------------- formatting


def header_text(column: Column, layout: Layout) -> str:
    """The header as the layout spells it, with the unit of amount and rate columns."""
    label = column.label
    if layout.header_style == "full":
        label = label.replace("(", "（").replace(")", "）")
    unit = None
    if column.kind == "amount" and not layout.unit_line:
        unit = UNIT_LABELS[column.unit or layout.amount_unit]
    elif column.kind == "rate":
        unit = "%"
    if unit is None:
        return label
    if layout.header_style == "wind":
        return f"{label}\r\n[单位] {unit}"
    if layout.header_style == "full":
        return f"{label}（{unit}）"
    return f"{label}({unit})"


def format_date(value: date, style: str) -> Any:
    """A date in one of the spellings sources use (serial styles return the date itself)."""
    if style == "iso":
        return value.isoformat()
    if style == "compact":
        return value.strftime("%Y%m%d")
    if style == "slash":
        return f"{value.year}/{value.month}/{value.day}"
    if style == "padded_slash":
        return value.strftime("%Y/%m/%d")
    if style == "chinese":
        return f"{value.year}年{value.month}月{value.day}日"
    if style in ("serial", "serial_number"):
        return value
    raise ValueError(f"unknown date style {style!r}")


def excel_serial(value: date) -> int:
    return (value - date(1899, 12, 30)).days


def format_rating(text: str, style: str) -> str:
    if style == "plain":
        return text
    if style == "spaced":
        return text.replace("sf", " sf")
    if style == "fullwidth":
        grade, sf = (text[:-2], "sf") if text.endswith("sf") else (text, "")
        return grade.translate(_FULL_WIDTH) + sf
    raise ValueError(f"unknown rating style {style!r}")


def _decimal_cell(value: Decimal, decimals: int | None) -> Decimal:
    return value if decimals is None else value.quantize(Decimal(1).scaleb(-decimals))


def cell_value(column: Column, record: Mapping[str, Any], layout: Layout) -> Any:
    """The value to write: str, Decimal (numbers), int, date or None (nothing)."""
    value = column.get(record)
    if value is None:
        return None
    kind = column.kind
    if kind == "amount":
        unit = column.unit or layout.amount_unit
        return _decimal_cell(Decimal(value) / UNIT_FACTORS[unit], UNIT_DECIMALS[unit])
    if kind == "rate":
        return (Decimal(value) * 100).normalize()
    if kind == "number":
        return Decimal(value) if not isinstance(value, Decimal) else value
    if kind == "int":
        return int(value)
    if kind == "flag":
        return "是" if value else "否"
    if kind == "date":
        return format_date(value, layout.date_style)
    if kind == "rating":
        return format_rating(str(value), layout.rating_style)
    return str(value)


def ordered(columns: Sequence[Column], layout: Layout) -> list[Column]:
    cols = list(columns)
    if layout.shuffle_seed is not None:
        random.Random(layout.shuffle_seed).shuffle(cols)
    return cols


def _plain(value: Decimal) -> str:
    """Fixed-point text, never exponent notation (`1E+2` → `100`)."""
    return format(value, "f")


# --------------------------------------------------------------------------- writers


def render_table(columns: Sequence[Column], records: Iterable[Mapping[str, Any]], layout: Layout,
                 preamble: Sequence[str] = ()) -> bytes:
    """One table as an XLSX (one sheet) or a CSV file, per ``layout.file_format``."""
    spec = SheetSpec(columns, records, layout, preamble)
    if layout.file_format == "csv":
        return render_csv(spec)
    return render_xlsx([spec])


def _unit_preamble(spec: SheetSpec) -> list[str]:
    lines = list(spec.preamble)
    if spec.layout.title:
        lines.insert(0, spec.layout.title)
    if spec.layout.unit_line:
        lines.append(f"单位：{UNIT_LABELS[spec.layout.amount_unit]}")
    return lines


def render_csv(spec: SheetSpec) -> bytes:
    layout = spec.layout
    cols = ordered(spec.columns, layout)
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    for line in _unit_preamble(spec):
        writer.writerow([line])
    writer.writerow([header_text(c, layout) for c in cols])
    for record in spec.records:
        row = []
        for column in cols:
            value = cell_value(column, record, layout)
            if value is None:
                row.append(layout.null_marker)
            elif isinstance(value, Decimal):
                row.append(_plain(value))
            elif isinstance(value, date):
                row.append(str(excel_serial(value)))
            else:
                row.append(str(value))
        writer.writerow(row)
    if layout.footer:
        writer.writerow([layout.footer])
    return out.getvalue().encode(layout.encoding)


def render_xlsx(specs: Sequence[SheetSpec]) -> bytes:
    """Several tables, one per sheet, into one deterministic XLSX."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False,
                                        "strings_to_formulas": False, "strings_to_urls": False})
    book.set_properties({"created": FIXED_CREATED, "author": "sample_market"})
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    header_format = book.add_format({"bold": True, "text_wrap": True})
    for spec in specs:
        _write_sheet(book, spec, date_format, header_format)
    book.close()
    return buffer.getvalue()


def _write_sheet(book: Any, spec: SheetSpec, date_format: Any, header_format: Any) -> None:
    layout = spec.layout
    sheet = book.add_worksheet(layout.sheet_name)
    cols = ordered(spec.columns, layout)
    row_index = 0
    for line in _unit_preamble(spec):
        sheet.write_string(row_index, 0, line)
        row_index += 1
    for col_index, column in enumerate(cols):
        sheet.write_string(row_index, col_index, header_text(column, layout), header_format)
    for record in spec.records:
        row_index += 1
        for col_index, column in enumerate(cols):
            value = cell_value(column, record, layout)
            _write_cell(sheet, row_index, col_index, value, layout, date_format)
    if layout.footer:
        sheet.write_string(row_index + 2, 0, layout.footer)


def _write_cell(sheet: Any, row: int, col: int, value: Any, layout: Layout, date_format: Any) -> None:
    if value is None:
        if layout.null_marker:
            sheet.write_string(row, col, layout.null_marker)
        return
    if isinstance(value, Decimal):
        number = float(value)
        if Decimal(repr(number)) == value:
            sheet.write_number(row, col, number)
        else:  # more digits than a double prints back: keep the exact text
            sheet.write_string(row, col, _plain(value))
    elif isinstance(value, bool):
        sheet.write_string(row, col, "是" if value else "否")
    elif isinstance(value, int):
        sheet.write_number(row, col, value)
    elif isinstance(value, date):
        if layout.date_style == "serial":
            sheet.write_datetime(row, col, datetime(value.year, value.month, value.day), date_format)
        else:
            sheet.write_number(row, col, excel_serial(value))
    else:
        sheet.write_string(row, col, str(value))
