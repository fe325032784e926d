"""Spreadsheet and CSV documents as grids of cells, header-located tables, and typed cell reads.

Every vendor-export family (issuance, ratings, balances, curves, AMC files …) meets the same
problems, so they are solved once here:

* **Exact cells.** XLSX is read with ``xlsx_cells`` (expat over the sheet XML), not
  ``polars.read_excel``: fastexcel's string conversion rounds floats to 9 decimals (an amount in
  亿元 loses its cents) and its numeric inference turns ``N/A`` into null. The stored double
  comes back as is, and ``Decimal(repr(x))`` turns it into the printed decimal. (openpyxl is
  exact too but 4× slower on ChinaBond's files and, in read-only mode, stops after one row
  because they declare ``<dimension ref="A1"/>``.)
* **Encodings.** CSV arrives as UTF-8 (with or without BOM) or GB18030 (never gbk/cp936,
  which fail on rare characters).
* **Error pages.** A short HTML body saved under an .xlsx name is reported as such.
* **Header rows anywhere.** Wind puts titles and ``单位：亿元`` lines above the header and
  ``数据来源：Wind`` below the data; the header row is found by matching synonyms
  (``transforms.normalise.headers``), so column order and spelling do not matter.
* **Row-level errors.** Every typed read raises ``DocumentError`` naming sheet row, canonical
  field, header and value, which is what quarantine needs.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from decimal import ROUND_HALF_UP, Decimal
from pathlib import PurePath
from typing import Any

from transforms.normalise.dates import parse_date
from transforms.normalise.frames import Raw, deferring
from transforms.normalise.headers import match_header
from transforms.normalise.numbers import is_null_marker, parse_amount, parse_rate, unit_from_header
from transforms.normalise.ratings import parse_rating
from transforms.normalise.text import fold_width, squash_spaces
from transforms.parse.base import DocumentError
from transforms.parse.xlsx_cells import XlsxError, read_workbook
from transforms.sniff import sniff

CENT = Decimal("0.01")
RATE_PLACES = Decimal("0.00000001")  # DECIMAL(12,8) in the warehouse
HTML_ERROR = "not an xlsx: HTML error page"

_TRUE = frozenset({"是", "Y", "YES", "TRUE", "1", "有"})
_FALSE = frozenset({"否", "N", "NO", "FALSE", "0", "无"})
_FOOTER_PREFIXES = ("数据来源", "来源", "注：", "注:", "备注", "SOURCE", "说明：", "说明:")


# --------------------------------------------------------------------------- formats


def sniff_format(data: bytes) -> str:
    """File format from the bytes alone, by the pipeline's one sniffer (``transforms.sniff``):
    xlsx, zip, broken_zip, xls, pdf, html, json, text (CSV) or what else the bytes are."""
    found = sniff(data)
    return "broken_zip" if found.kind == "zip" and found.detail == "broken" else found.kind


def decode_text(data: bytes) -> str:
    """UTF-8 (BOM optional) first, GB18030 otherwise (UTF-16 when it has a byte-order mark);
    undecodable bytes are a document error."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise DocumentError("text is neither UTF-8 nor GB18030", check="encoding", value=data[exc.start : exc.start + 8]) from exc


def load_json(data: bytes) -> Any:
    """JSON body in UTF-8 or GB18030."""
    try:
        return json.loads(decode_text(data))
    except json.JSONDecodeError as exc:
        raise DocumentError(f"invalid JSON: {exc.msg}", check="json", page=exc.lineno) from exc


# --------------------------------------------------------------------------- grids


@dataclass
class Grid:
    """One sheet (or one CSV file) as rows of raw cell values; ``rows[0]`` is sheet row 1."""

    name: str
    rows: list[list[Any]]


def read_grids(data: bytes, file_name: str = "") -> list[Grid]:
    """Every sheet of an XLSX, or the single table of a CSV, as grids of raw cells."""
    kind = sniff_format(data)
    if kind == "xlsx":
        return _xlsx_grids(data)
    if kind == "html":
        raise DocumentError(HTML_ERROR, check="error_page", value=data[:120].decode("utf-8", "replace"))
    if kind == "text":
        return [_csv_grid(data, file_name)]
    if kind in ("zip", "broken_zip"):
        what = "truncated or broken zip" if kind == "broken_zip" else "a zip without a workbook"
        raise DocumentError(f"unreadable xlsx: {what}", check="file_format", value=file_name or None)
    raise DocumentError(f"not a spreadsheet or CSV file ({kind})", check="file_format", value=file_name or None)


def _xlsx_grids(data: bytes) -> list[Grid]:
    try:
        return [Grid(name, rows) for name, rows in read_workbook(data)]
    except (XlsxError, KeyError, ValueError) as exc:
        raise DocumentError(f"unreadable xlsx: {exc}", check="file_format") from exc


def _csv_grid(data: bytes, file_name: str) -> Grid:
    text = decode_text(data)
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    rows = [list(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    return Grid(PurePath(file_name).stem if file_name else "csv", rows)


# --------------------------------------------------------------------------- tables


def cell_text(value: Any) -> str:
    """A cell as stripped text ('' for empty)."""
    if value is None:
        return ""
    return str(value).strip()


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


@dataclass
class Table:
    """A header-located table inside a grid: canonical column → index, body rows with numbers."""

    sheet: str
    header_row: int
    columns: dict[str, int]
    headers: dict[str, str]
    body: list[tuple[int, list[Any]]]
    preamble: list[list[Any]] = field(default_factory=list)
    header_cells: list[Any] = field(default_factory=list)

    def has(self, key: str) -> bool:
        return key in self.columns

    def rows(self) -> Iterator[Row]:
        for number, cells in self.body:
            yield Row(self, number, cells)

    def preamble_text(self) -> str:
        """All text above the header, folded, for `单位：亿元` or `截止日期：…` lines."""
        return " ".join(fold_width(cell_text(c)) for r in self.preamble for c in r if not is_blank(c))


def locate_table(
    grid: Grid,
    synonyms: Mapping[str, Iterable[str]],
    required: Iterable[str],
    *,
    scan_rows: int = 30,
    strict: bool = True,
) -> Table | None:
    """The first row within ``scan_rows`` whose cells name every required column, as a Table.

    Body rows are the non-blank rows below it; footer lines (``数据来源：Wind``) are dropped.
    A header row that names one column twice raises when ``strict`` (the mapping would be
    ambiguous); otherwise (detection) that row simply does not count as this table's header.
    """
    required = tuple(required)
    for index, row in enumerate(grid.rows[:scan_rows]):
        columns: dict[str, int] = {}
        headers: dict[str, str] = {}
        ambiguous = False
        for col, cell in enumerate(row):
            if not isinstance(cell, str) or not cell.strip():
                continue
            key = match_header(cell, synonyms)
            if key is None:
                continue
            if key in columns:
                if strict:
                    raise DocumentError(
                        f"{grid.name} row {index + 1}: headers {headers[key]!r} and {cell!r} both mean {key}",
                        check="header", page=index + 1, field=key, value=cell,
                    )
                ambiguous = True
            columns[key], headers[key] = col, cell
        if not ambiguous and all(key in columns for key in required):
            body = []
            for number, cells in enumerate(grid.rows[index + 1 :], start=index + 2):
                cleaned = [None if is_blank(c) else c for c in cells]
                if any(c is not None for c in cleaned) and not _is_footer(cleaned):
                    body.append((number, cleaned))
            return Table(grid.name, index + 1, columns, headers, body, grid.rows[:index], list(row))
    return None


def find_table(
    grids: list[Grid], synonyms: Mapping[str, Iterable[str]], required: Iterable[str], what: str
) -> Table:
    """The first table in any grid that has the required columns; DocumentError naming them if none."""
    required = tuple(required)
    for grid in grids:
        table = locate_table(grid, synonyms, required)
        if table is not None:
            return table
    raise DocumentError(f"no {what} table: no header row with columns {list(required)}", check="header")


def find_tables(grids: list[Grid], synonyms: Mapping[str, Iterable[str]], required: Iterable[str]) -> list[Table]:
    """Every grid's table with the required columns (sheets without one are skipped)."""
    return [t for g in grids if (t := locate_table(g, synonyms, tuple(required))) is not None]


def _is_footer(cells: list[Any]) -> bool:
    """`数据来源：Wind` / `注：…` alone in the first filled cell of a row."""
    filled = [c for c in cells if not is_blank(c)]
    if len(filled) != 1 or not isinstance(filled[0], str):
        return False
    return squash_spaces(fold_width(filled[0])).upper().startswith(_FOOTER_PREFIXES)


# --------------------------------------------------------------------------- typed reads


class Row:
    """One body row; typed readers raise DocumentError naming row, field, header and value."""

    def __init__(self, table: Table, number: int, cells: list[Any]) -> None:
        self.table = table
        self.number = number
        self.cells = cells

    # raw access ---------------------------------------------------------------------------
    def raw(self, key: str) -> Any:
        """The cell under ``key`` (None when the column is absent or the cell is empty; blank
        cells were turned into None when the table was located)."""
        col = self.table.columns.get(key)
        if col is None or col >= len(self.cells):
            return None
        return self.cells[col]

    def is_null(self, key: str) -> bool:
        value = self.raw(key)
        return value is None or (isinstance(value, str) and _is_null_text(value))

    def fail(self, key: str, reason: str, value: Any = None, check: str = "bad_value") -> DocumentError:
        """An error for this row and field (returned, so callers write ``raise row.fail(...)``)."""
        header = self.table.headers.get(key, key)
        shown = self.raw(key) if value is None else value
        return DocumentError(
            f"{self.table.sheet} row {self.number}: {key} ({header!r}) {reason}",
            check=check, page=self.number, field=key, value=shown,
        )

    def _missing(self, key: str, required: bool) -> bool:
        """True when the value is absent; raises if it was required."""
        if self.is_null(key):
            if required:
                raise self.fail(key, "is missing", check="missing_value")
            return True
        return False

    # typed readers -------------------------------------------------------------------------
    def text(self, key: str, required: bool = False) -> str | None:
        """Stripped text; null markers (`-`, `—`, `不适用`) and empty give None."""
        if self._missing(key, required):
            return None
        value = self.raw(key)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return " ".join(str(value).split())

    def code(self, key: str, required: bool = True) -> str | None:
        """A security code, folded and upper-cased (`１３５５７２.sz` → `135572.SZ`)."""
        text = self.text(key, required)
        return None if text is None else squash_spaces(fold_width(text)).upper()

    def amount(self, key: str, required: bool = False, default_unit: str | None = None) -> Decimal | None:
        """CNY to the cent; the unit comes from the header (亿元/万元/元) or ``default_unit``."""
        if self._missing(key, required):
            return None
        unit = _header_unit(self.table.headers.get(key)) or default_unit
        try:
            value = parse_amount(self.raw(key), unit)
        except ValueError as exc:
            raise self.fail(key, f"is not an amount: {exc}") from exc
        return None if value is None else value.quantize(CENT, rounding=ROUND_HALF_UP)

    def rate(self, key: str, required: bool = False, as_percent: bool | None = None,
             printed: bool = False) -> Decimal | Raw | None:
        """A fraction; a `%` in the header (or the cell) means percent. ``printed``: the parse
        does not compute with it, so while a batch collects rows a text cell goes as printed
        (``Raw``, typed by the batch as a column; a null marker is still None here)."""
        if self._missing(key, required):
            return None
        if as_percent is None and _header_unit(self.table.headers.get(key)) == "percent":
            as_percent = True
        text = self.raw(key)
        if printed and isinstance(text, str) and deferring():
            unit = {True: "percent", False: "fraction", None: None}[as_percent]
            return None if is_null_marker(text) else Raw(text, unit, True, self.number)
        try:
            value = parse_rate(text, as_percent)
        except ValueError as exc:
            raise self.fail(key, f"is not a rate: {exc}") from exc
        return None if value is None else value.quantize(RATE_PLACES, rounding=ROUND_HALF_UP)

    def decimal(self, key: str, required: bool = False, places: int | None = None) -> Decimal | None:
        """A plain number (months, years, prices), exactly as printed."""
        if self._missing(key, required):
            return None
        value = self.raw(key)
        try:
            number = parse_amount(value, "CNY")
        except ValueError as exc:
            raise self.fail(key, f"is not a number: {exc}") from exc
        if number is None:
            return None
        if places is not None:
            number = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        return number

    def integer(self, key: str, required: bool = False) -> int | None:
        number = self.decimal(key, required)
        if number is None:
            return None
        if number != number.to_integral_value():
            raise self.fail(key, "is not a whole number")
        return int(number)

    def date(self, key: str, required: bool = False) -> date | None:
        if self._missing(key, required):
            return None
        try:
            return parse_date(self.raw(key))
        except ValueError as exc:
            raise self.fail(key, f"is not a date: {exc}") from exc

    def flag(self, key: str, required: bool = False) -> bool | None:
        """是/否, Y/N, TRUE/FALSE, 1/0."""
        if self._missing(key, required):
            return None
        value = self.raw(key)
        if isinstance(value, bool):
            return value
        token = squash_spaces(fold_width(str(value))).upper()
        if token.endswith(".0"):
            token = token[:-2]
        if token in _TRUE:
            return True
        if token in _FALSE:
            return False
        raise self.fail(key, "is not 是/否")

    def rating(self, key: str, structured: bool | None = None) -> str | None:
        """Canonical rating; ``structured=True`` adds `sf` (tranche ratings), False drops it."""
        value = self.raw(key)
        if value is None:
            return None
        try:
            rating = parse_rating(str(value))
        except ValueError as exc:
            raise self.fail(key, f"is not a rating: {exc}") from exc
        return canonical_rating(rating, structured)

    def choice(self, key: str, vocabulary: Mapping[str, str], required: bool = False) -> str | None:
        """A code from a Chinese label (or the code itself), via a folded, space-free lookup."""
        text = self.text(key, required)
        if text is None:
            return None
        code = lookup(text, vocabulary)
        if code is None:
            raise self.fail(key, f"is not one of {sorted(set(vocabulary))[:12]}")
        return code

    def provenance(self, key: str) -> dict[str, Any]:
        """source_page (sheet row), source_table (sheet), source_row_label (the key cell)."""
        return {"source_page": self.number, "source_table": self.table.sheet, "source_row_label": self.text(key)}


def canonical_rating(rating: Any, structured: bool | None) -> str | None:
    """`Rating` → stored notation, forcing or dropping `sf` when the caller knows the kind."""
    if rating is None:
        return None
    if structured is None:
        return rating.canonical
    return f"{rating.grade}sf" if structured else rating.grade


@lru_cache(maxsize=4096)
def _header_unit(header: str | None) -> str | None:
    return unit_from_header(header)


@lru_cache(maxsize=4096)
def _is_null_text(text: str) -> bool:
    """Cached: exports repeat the same few markers (`-`, `—`) thousands of times."""
    return is_null_marker(text)


@lru_cache(maxsize=4096)
def fold_key(text: str) -> str:
    """Comparable form of a vocabulary label: folded width, no spaces, case-insensitive."""
    return squash_spaces(fold_width(text)).casefold()


# Folded lookup tables per vocabulary object (vocabularies are module constants; the object is
# kept alongside so its id cannot be reused while cached).
_FOLDED: dict[int, tuple[Mapping[str, str], dict[str, str]]] = {}


def lookup(text: str, vocabulary: Mapping[str, str]) -> str | None:
    """Code for a label in ``{label: code}``; codes themselves are accepted too."""
    cached = _FOLDED.get(id(vocabulary))
    if cached is None or cached[0] is not vocabulary:
        folded: dict[str, str] = {}
        for label, code in vocabulary.items():
            folded.setdefault(fold_key(label), code)
        for code in vocabulary.values():
            folded.setdefault(fold_key(code), code)
        cached = _FOLDED[id(vocabulary)] = (vocabulary, folded)
    return cached[1].get(fold_key(text))


def split_list(text: str | None) -> list[str]:
    """`a;b`, `a；b`, `a、b`, `a，b` → ['a', 'b'] (empty parts and null markers dropped)."""
    if text is None:
        return []
    folded = fold_width(text).replace("、", ";").replace("，", ";").replace(",", ";")
    return [part.strip() for part in folded.split(";") if part.strip() and not is_null_marker(part)]
