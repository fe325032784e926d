"""A small, exact XLSX cell reader: sheet name → rows of Python values.

Why not a library: ``polars.read_excel``/fastexcel round floats to 9 decimals when asked for
text (an amount in 亿元 loses its cents) and null ``N/A`` in numeric columns; openpyxl is exact
but slow (a 7,000-row Wind export takes seconds) and trusts the declared sheet dimension,
which ChinaBond files get wrong (``<dimension ref="A1"/>``). Reading the cell XML with expat is
exact, several times faster, and ignores the dimension.

Values: shared/inline strings → ``str`` (OOXML ``_xHHHH_`` escapes undone; empty → None, as
openpyxl does), numbers → ``int``
when integral in the XML, else ``float`` (the stored double), booleans → ``bool``, cells whose
style is a date format → ``datetime``, error cells → their text (`#N/A`). Formulas give their
cached value. Row ``i`` of the result is sheet row ``i + 1``; missing rows are empty lists.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from datetime import datetime, timedelta
from typing import Any
from xml.parsers import expat

from transforms.parse.one_read import in_parse, shared

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_BUILTIN_DATE_FORMATS = frozenset({14, 15, 16, 17, 18, 19, 20, 21, 22, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36,
                                   45, 46, 47, 50, 51, 52, 53, 54, 55, 56, 57, 58})
_QUOTED = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.')
_EPOCH_1900 = datetime(1899, 12, 30)
_EPOCH_1904 = datetime(1904, 1, 1)


class XlsxError(ValueError):
    """The zip is not a readable workbook (``check`` names why, for quarantine)."""

    def __init__(self, message: str, check: str = "corrupt_file") -> None:
        super().__init__(message)
        self.check = check


def unescape(text: str) -> str:
    """Undo OOXML's `_xHHHH_` escapes (Excel stores a header's CR as `_x000D_`)."""
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


def read_workbook(data: bytes) -> list[tuple[str, list[list[Any]]]]:
    """Every worksheet in workbook order as (name, rows). Within a parse the workbook is read
    once (``one_read``: the type detection reads it, then the parser); every caller gets row
    lists of its own."""
    if not in_parse(data):
        return _read_workbook(data)
    return [(name, [list(row) for row in rows]) for name, rows in shared(data, "workbook", lambda: _read_workbook(data))]


def _read_workbook(data: bytes) -> list[tuple[str, list[list[Any]]]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise XlsxError(f"not a zip archive: {exc}") from exc
    with archive:
        names = set(archive.namelist())
        sheets, date1904 = _sheets(archive)
        strings = _shared_strings(archive.read("xl/sharedStrings.xml")) if "xl/sharedStrings.xml" in names else []
        date_styles = _date_styles(archive.read("xl/styles.xml")) if "xl/styles.xml" in names else frozenset()
        epoch = _EPOCH_1904 if date1904 else _EPOCH_1900
        out = []
        for name, path in sheets:
            if path not in names:
                raise XlsxError(f"sheet {name!r} points to missing part {path}")
            out.append((name, _SheetReader(strings, date_styles, epoch).read(archive.read(path))))
    return out


def _refuse_dtd(*_: Any) -> None:
    raise XlsxError("XML part declares a DTD: refused, entities are never expanded", check="xml_dtd")


def _parse(xml: bytes, start: Any, end: Any = None, text: Any = None) -> None:
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    # A workbook never needs a DTD; refusing it before its entities are declared stops
    # entity-expansion attacks ("billion laughs") whatever expat's own limits are.
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_dtd
    parser.StartElementHandler = start
    if end is not None:
        parser.EndElementHandler = end
    if text is not None:
        parser.CharacterDataHandler = text
    try:
        parser.Parse(xml, True)
    except expat.ExpatError as exc:
        raise XlsxError(f"broken XML: {exc}") from exc


def _sheets(archive: zipfile.ZipFile) -> tuple[list[tuple[str, str]], bool]:
    """(sheet name, part path) in workbook order, and whether the 1904 date system is used."""
    targets: dict[str, str] = {}

    def rel(name: str, attrs: dict[str, str]) -> None:
        if name == f"{_PKG_REL} Relationship":
            target = attrs["Target"]
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            targets[attrs["Id"]] = path

    _parse(archive.read("xl/_rels/workbook.xml.rels"), rel)
    sheets: list[tuple[str, str]] = []
    flags = {"date1904": False}

    def book(name: str, attrs: dict[str, str]) -> None:
        if name == f"{_MAIN} sheet":
            sheets.append((attrs["name"], targets[attrs[f"{_REL} id"]]))
        elif name == f"{_MAIN} workbookPr":
            flags["date1904"] = attrs.get("date1904") in ("1", "true")

    _parse(archive.read("xl/workbook.xml"), book)
    return sheets, flags["date1904"]


def _shared_strings(xml: bytes) -> list[str]:
    """Plain and rich-text strings; phonetic runs (<rPh>) are not part of the text."""
    strings: list[str] = []
    state = {"parts": [], "in_t": False, "in_rph": False}

    def start(name: str, attrs: dict[str, str]) -> None:
        local = name.rsplit(" ", 1)[-1]
        if local == "si":
            state["parts"] = []
        elif local == "rPh":
            state["in_rph"] = True
        elif local == "t" and not state["in_rph"]:
            state["in_t"] = True

    def end(name: str) -> None:
        local = name.rsplit(" ", 1)[-1]
        if local == "si":
            strings.append(unescape("".join(state["parts"])))
        elif local == "rPh":
            state["in_rph"] = False
        elif local == "t":
            state["in_t"] = False

    def text(data: str) -> None:
        if state["in_t"]:
            state["parts"].append(data)

    _parse(xml, start, end, text)
    return strings


def _is_date_format(code: str) -> bool:
    stripped = _QUOTED.sub("", code).lower()
    return any(ch in stripped for ch in "ymdh") and "general" not in stripped


def _date_styles(xml: bytes) -> frozenset[int]:
    """Indexes of cellXfs whose number format shows a date."""
    custom: dict[int, str] = {}
    xfs: list[int] = []
    state = {"in_cellxfs": False}

    def start(name: str, attrs: dict[str, str]) -> None:
        local = name.rsplit(" ", 1)[-1]
        if local == "numFmt":
            custom[int(attrs["numFmtId"])] = attrs.get("formatCode", "")
        elif local == "cellXfs":
            state["in_cellxfs"] = True
        elif local == "xf" and state["in_cellxfs"]:
            xfs.append(int(attrs.get("numFmtId", "0")))

    def end(name: str) -> None:
        if name.endswith(" cellXfs"):
            state["in_cellxfs"] = False

    _parse(xml, start, end)
    return frozenset(
        i for i, fmt in enumerate(xfs)
        if fmt in _BUILTIN_DATE_FORMATS or (fmt in custom and _is_date_format(custom[fmt]))
    )


def _column_index(ref: str) -> int:
    index = 0
    for ch in ref:
        if "A" <= ch <= "Z":
            index = index * 26 + ord(ch) - 64
        else:
            break
    return index - 1


class _SheetReader:
    """Streams one worksheet's <row>/<c> elements into a list of rows."""

    def __init__(self, strings: list[str], date_styles: frozenset[int], epoch: datetime) -> None:
        self.strings = strings
        self.date_styles = date_styles
        self.epoch = epoch
        self.rows: list[list[Any]] = []
        self.row: list[Any] | None = None
        self.next_row = 1
        self.next_col = 0
        self.cell: tuple[int, str, int] | None = None
        self.parts: list[str] = []
        self.capture = False
        self.in_rph = False  # phonetic runs inside inline strings are not part of the text

    def read(self, xml: bytes) -> list[list[Any]]:
        _parse(xml, self.start, self.end, self.text)
        return self.rows

    def start(self, name: str, attrs: dict[str, str]) -> None:
        local = name[len(_MAIN) + 1:] if name.startswith(_MAIN) else name
        if local == "c":
            ref = attrs.get("r")
            col = _column_index(ref) if ref else self.next_col
            self.cell = (col, attrs.get("t", "n"), int(attrs.get("s", "0")))
            self.parts = []
        elif local in ("v", "t") and self.cell is not None and not self.in_rph:
            self.capture = True
        elif local == "row":
            number = int(attrs.get("r", self.next_row))
            while len(self.rows) < number - 1:
                self.rows.append([])
            self.row = []
            self.next_row = number + 1
            self.next_col = 0
        elif local == "rPh":
            self.in_rph = True

    def text(self, data: str) -> None:
        if self.capture:
            self.parts.append(data)

    def end(self, name: str) -> None:
        local = name[len(_MAIN) + 1:] if name.startswith(_MAIN) else name
        if local in ("v", "t"):
            self.capture = False
        elif local == "rPh":
            self.in_rph = False
        elif local == "c" and self.cell is not None and self.row is not None:
            col, kind, style = self.cell
            value = self._value(kind, style, "".join(self.parts))
            while len(self.row) < col:
                self.row.append(None)
            self.row.append(value)
            self.next_col = col + 1
            self.cell = None
        elif local == "row" and self.row is not None:
            while self.row and self.row[-1] is None:
                self.row.pop()
            self.rows.append(self.row)
            self.row = None

    def _value(self, kind: str, style: int, text: str) -> Any:
        if kind == "s":
            return (self.strings[int(text)] or None) if text else None
        if kind in ("inlineStr", "str"):
            return unescape(text) if text else None
        if kind == "b":
            return text == "1"
        if kind == "e":
            return text
        if kind == "d":
            return datetime.fromisoformat(text) if text else None
        if text == "":
            return None
        number: int | float
        if "." in text or "e" in text or "E" in text:
            number = float(text)
        else:
            number = int(text)
        if style in self.date_styles:
            return self.epoch + timedelta(days=float(number))
        return number
