"""Trustee reports (受托机构报告), PDF or XLSX, into pool-performance, tranche-payment and
liquidation rows.

Every trustee has its own template: sections come in different orders and numberings, rows
carry synonyms, columns move, amounts are in 元 or 万元 (named in a header or a
``金额单位`` line), tables run over page breaks. So the reader is label-driven rather than
position-driven: it rebuilds lines and cells from character positions, finds sections by
their headings, rows by label synonyms (the module constants below) and columns by their
headers, and reads only the current row of history tables. Per-100 factor rows
(每百元面额兑付本金) are never read as amounts.

PDFs are read with pypdfium2 from character positions (one text run per cell, split where
pdfium generated a separator), not from its plain-text line breaks, which can join lines
20 pt apart. pypdfium2 is not thread-safe: this module keeps no shared state, and callers
must parse in one thread per process (use processes, not threads, for parallelism).

Anything unreadable raises DocumentError naming the page (or sheet), field and value, so the
pipeline can quarantine the document with a reason instead of loading a guess.
"""

from __future__ import annotations

import ctypes
import functools
import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from xml.etree import ElementTree

from transforms.normalise.dates import parse_date
from transforms.normalise.ids import deal_id_for
from transforms.normalise.numbers import UNIT_FACTORS, parse_amount, parse_rate, unit_from_header
from transforms.normalise.text import fold_width, squash_spaces
from transforms.parse.base import DocumentError, ParsedDocument
from transforms.sniff import file_format as sniff_kind
from transforms.sniff import xml_prolog_has_dtd

DOC_TYPE = "trustee_report"

# ───────────────────────────── synonyms ─────────────────────────────
# Canonical section names (used in error messages) and the heading keywords that put a
# heading in that section family. Checked in order: 资产池概况 is pool, 资产支持证券概况 tranche.
SECTION_NAMES = {
    "basic": "信托基本信息",
    "tranche": "本息兑付情况",
    "pool": "资产池表现情况",
    "liquidation": "清仓回购情况",
}
SECTION_KEYWORDS = (
    ("liquidation", ("清仓", "清算", "Clean-up", "Liquidation")),
    ("pool", ("资产池", "现金流", "逾期", "拖欠", "违约", "回收", "处置", "Pool", "Collections",
              "Delinquen", "Default", "Disposal")),
    ("tranche", ("兑付", "证券", "分配", "Payment", "Notes")),
    ("basic", ("基本", "概况", "General")),
)

# Pool rows: field → (value kind, labels, labels shared with another field that count only
# when the table has a column of this kind, e.g. trust_c's 期末资产池 | 笔数 | 金额).
POOL_FIELDS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "pool_balance_begin_cny": ("amount", (
        "期初资产池余额", "资产池期初本金余额", "上期末资产池余额", "期初资产池未偿本金余额", "期初未偿本金余额",
        "资产池期初未偿本金", "期初资产池", "期初本金余额", "Pool balance, beginning"), ()),
    "pool_balance_end_cny": ("amount", (
        "期末资产池余额", "资产池期末本金余额", "本期末资产池余额", "期末资产池未偿本金余额", "期末未偿本金余额",
        "资产池期末未偿本金", "期末资产池", "期末本金余额", "Pool balance, end"), ()),
    "loan_count_end": ("count", (
        "期末贷款笔数", "期末资产笔数", "资产池期末笔数", "期末笔数", "期末户数", "期末借款人户数",
        "Loans outstanding", "Borrowers"), ("期末资产池", "期末资产池余额")),
    "principal_collected_cny": ("amount", (
        "本金回收", "本期本金回收", "本金回收款", "本期收到本金", "本金回收金额", "Principal collections"), ()),
    "interest_collected_cny": ("amount", (
        "利息回收", "本期利息回收", "利息回收款", "收入回收款", "本期收到利息", "Interest collections"), ()),
    "prepayment_cny": ("amount", ("提前偿还", "提前还款", "早偿金额", "提前偿还本金", "of which prepayments"), ()),
    "new_default_cny": ("amount", (
        "当期新增违约金额", "本期新增违约贷款本金", "本期新增违约金额", "新增违约金额", "New defaults"), ()),
    "cumulative_default_cny": ("amount", (
        "累计违约金额", "累计违约贷款本金", "累计违约本金", "Cumulative defaults"), ()),
    "cumulative_default_rate": ("rate", ("累计违约率", "90+累计违约率", "Cumulative default rate"), ()),
    "delinquent_1_30_cny": ("amount", ("逾期1-30天", "1-30天", "M1", "拖欠1-30天", "1-30 days"), ()),
    "delinquent_31_60_cny": ("amount", ("逾期31-60天", "31-60天", "M2", "拖欠31-60天", "31-60 days"), ()),
    "delinquent_61_90_cny": ("amount", ("逾期61-90天", "61-90天", "M3", "拖欠61-90天", "61-90 days"), ()),
    "delinquent_90_plus_cny": ("amount", (
        "逾期90天以上", "90天以上", "M3+", "拖欠90天以上", "逾期90天及以上", "90+ days"), ()),
    "revolving_purchase_cny": ("amount", (
        "本期循环购买金额", "循环购买支出", "循环购买金额", "本期循环购买支出", "循环购买", "Revolving purchases"), ()),
    "cumulative_revolving_purchase_cny": ("amount", (
        "累计循环购买金额", "累计循环购买", "Cumulative revolving purchases"), ()),
    "other_income_cny": ("amount", ("其他收入", "其他收入款", "Other income"), ()),
}
REQUIRED_POOL_FIELDS = ("pool_balance_begin_cny", "pool_balance_end_cny")

# Tranche table (tranches are columns): row label → field. Per-100 factor rows are skipped.
TRANCHE_ROWS: dict[str, tuple[str, ...]] = {
    "security_code": ("证券代码", "代码", "Security code"),
    "principal_before_cny": (
        "兑付前本金余额", "期初本金余额", "本期兑付前未偿本金", "兑付前未偿本金余额", "本期期初本金余额",
        "Principal before payment"),
    "principal_paid_cny": ("本期兑付本金", "本期偿还本金", "本期实付本金", "本期应付本金", "本期支付本金", "Principal paid"),
    "principal_after_cny": (
        "兑付后剩余本金值", "期末本金余额", "兑付后未偿本金", "兑付后本金余额", "兑付后剩余本金", "Principal after payment"),
    "interest_paid_cny": (
        "本期利息", "本期支付利息/收益", "本期实付利息", "本期支付利息", "本期利息/期间收益", "期间收益", "Interest paid"),
    "other_income_paid_cny": ("超额收益", "本期超额收益", "Excess return"),
}
REQUIRED_TRANCHE_ROWS = ("security_code", "principal_before_cny", "principal_paid_cny", "principal_after_cny",
                         "interest_paid_cny")
FACTOR_ROW = re.compile(r"^每百元|per100$|^每百元面额")
TRANCHE_HEADERS = ("项目", "证券名称", "档次", "证券档次", "分层", "证券简称", "Tranche")

BASIC_FIELDS: dict[str, tuple[str, ...]] = {
    "deal_name": ("信托名称", "信托计划名称", "项目名称", "信托全称", "Trust Name"),
    "trustee_name": ("受托机构", "受托人", "Trustee"),
    "report_date": ("报告日期", "Report Date"),
    "period": ("报告期数", "本期期数", "期数", "Period"),
    "collection": ("收款期间", "报告期间", "Collection Period"),
    "collection_start": ("收款期间起始日", "收款期间开始日", "收款期间起始日期"),
    "collection_end": ("收款期间截止日", "收款期间结束日", "报告期末", "收款期间截止日期"),
    "payment_date": ("本期支付日", "本期兑付日", "支付日", "兑付日", "Payment Date"),
}

LIQUIDATION_FIELDS: dict[str, tuple[str, ...]] = {
    "method": ("清算方式", "处置方式", "清仓方式", "Method"),
    "event_date": ("清仓回购日", "清算日", "处置日", "回购日", "清仓回购日期"),
    "price_cny": ("清仓回购价格", "清仓回购价款", "回购价款", "处置价款", "变现价款", "清算价款"),
    "remaining_pool_principal_cny": ("剩余资产池未偿本金余额", "剩余资产池本金余额", "回购时资产池未偿本金余额"),
    "pool_cumulative_default_rate": ("清算时累计违约率", "累计违约率"),
}
LIQUIDATION_METHODS = {"清仓回购": "clean_up_call", "全部变现": "full_liquidation", "原状分配": "in_kind_distribution"}

# Header words that start a table, and column kinds recognised in headers.
HEADER_WORDS = frozenset({
    "项目", "序号", "指标", "科目", "逾期天数", "账龄", "拖欠状态", "逾期状态", "资产状态", "处置状态", "期数", "期次",
    "报告期", "证券名称", "档次", "证券档次", "分层", "Item", "Status", "Period", "Tranche", "No.",
})
REMARKS_HEADERS = frozenset({"备注", "说明", "附注", "Note", "Remarks"})
PERIOD_HEADERS = frozenset({"期数", "期次", "报告期", "期号", "Period"})
STATUS_HEADERS = frozenset({"资产状态", "处置状态", "Status"})
RECOVERY_ROWS = {"处置中": "in_progress", "本期处置完毕": "completed", "处置完毕": "completed", "合计": "total"}

# The note that explains not-applicable fields, and the reason used for NPL reports without one.
NA_NOTE = re.compile(r"^注\s*[:：]?\s*不适用原因\s*[:：]\s*")
NPL_NOT_APPLICABLE_REASON = "NPL pool: no default or delinquency measures"

_HEADING = re.compile(
    r"^(?:(?P<top>[一二三四五六七八九十]+)\s*[、.．]|[（(](?P<sub>[一二三四五六七八九十]+)[)）]"
    r"|(?P<entop>\d{1,2})\.\s+(?=[A-Za-z])|\((?P<ensub>\d{1,2})\)\s+(?=[A-Za-z]))\s*"
)
_UNIT_LINE = re.compile(r"^(?:金额)?单位\s*[:：]\s*(人民币)?(?P<unit>万元|亿元|元)|^Unit:\s*(?P<en>\S+)")
_CONTINUED = re.compile(r"^(续表|.*[（(]续[)）])$")
_RUN = re.compile(r"[^\r\n ]+(?: +[^\r\n ]+)*")  # text between line breaks, spaces inside kept
_SPACE = re.compile(" ")
_DATE_TOKEN = re.compile(r"\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{8}")
_TOTAL_PERIOD = re.compile(r"总第\s*(\d+)\s*期")
_PERIOD = re.compile(r"(?<![年度\d])第\s*(\d+)\s*期")
_REVISION = re.compile(r"更正|更新|以此为准")
_NO_PAYMENTS = re.compile(r"均?无(?:本息)?兑付|无本息支付")
_VALUE_LIKE = re.compile(r"^\(?[-+]?[\d,.]+%?\)?$|^[-—–/]+$|^不适用$|^\d{4}[-/年]")
_COLON = re.compile(r"([:：])")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN_HIGH = re.compile(r"[\u00c0-\u00ff]")
_BRACKET_TAIL = re.compile(r"[(（][^()（）]*[)）]$")
_CODE = re.compile(r"(\d{6,9})(?:\.(IB|SH|SZ))?", re.IGNORECASE)

# PDF page furniture (running headers, page numbers) lives in these margins, in points.
HEADER_BAND_PT, FOOTER_BAND_PT = 50.0, 45.0
_MONEY_UNITS = ("CNY", "wan", "yi")
_CENT, _RATE_PLACES = Decimal("0.01"), Decimal("1e-8")


# ───────────────────────────── lines and cells ─────────────────────────────
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
    def text(self) -> str:
        return " ".join(c.text for c in self.cells)


@functools.lru_cache(maxsize=16384)
def norm(text: str) -> str:
    """A label as matched: width-folded, no spaces, no trailing colon, 其中： and ～/至 unified."""
    text = squash_spaces(fold_width(text)).replace("~", "-").rstrip(":")
    return text[3:] if text.startswith("其中:") else text


@functools.lru_cache(maxsize=16384)
def _keys(text: str) -> tuple[str, ...]:
    """Match keys of a cell: the label itself and the label without a trailing (unit) bracket."""
    label = norm(text)
    bare = _BRACKET_TAIL.sub("", label)
    return (label, bare) if bare and bare != label else (label,)


def _index(table: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {norm(label): name for name, labels in table.items() for label in labels}


_POOL_LABELS = {norm(label): name for name, (_, labels, _s) in POOL_FIELDS.items() for label in labels}
_POOL_SHARED = {norm(label): name for name, (_, _l, shared) in POOL_FIELDS.items() for label in shared}
_TRANCHE_LABELS = _index(TRANCHE_ROWS)
_BASIC_LABELS = _index(BASIC_FIELDS)
_LIQUIDATION_LABELS = _index(LIQUIDATION_FIELDS)


# ───────────────────────────── PDF ─────────────────────────────
def _pdf_lines(data: bytes) -> list[Line]:
    """Lines of every page, built from pdfium text runs and character positions."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    if b"%%EOF" not in data[-2048:]:
        raise DocumentError("PDF is truncated or corrupt", check="corrupt_file")
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise DocumentError("PDF is truncated or corrupt", check="corrupt_file", value=exc) from exc
    lines: list[Line] = []
    try:
        for index in range(len(pdf)):
            # The raw calls skip the helpers' per-object finalizer bookkeeping (~0.15 ms a page).
            page = raw.FPDF_LoadPage(pdf.raw, index)
            if not page:
                raise DocumentError("PDF is truncated or corrupt", check="corrupt_file", page=index + 1)
            textpage = raw.FPDFText_LoadPage(page)
            try:
                cells = _page_cells(textpage, raw) if textpage else []
                height = raw.FPDF_GetPageHeightF(page)
            finally:
                if textpage:
                    raw.FPDFText_ClosePage(textpage)
                raw.FPDF_ClosePage(page)
            if not cells:
                raise DocumentError(f"page {index + 1} has no text layer", check="no_text_layer", page=index + 1)
            lines.extend(_group(cells, index + 1, height))
    finally:
        pdf.close()
    return lines


def _page_cells(tp: Any, raw: Any) -> list[tuple[float, Cell]]:
    """(baseline, cell) per text run: the page text split where pdfium generated a separator.

    pdfium joins text objects with a generated space (same line) or CR LF (new line); a space
    inside a run (`2025 年 8 月`) is the document's own. Positions come from two calls per
    run: the first character's origin and the last character's box.
    """
    count = raw.FPDFText_CountChars(tp)
    if count <= 0:
        return []
    buffer = ctypes.create_string_buffer(count * 2 + 2)
    written = raw.FPDFText_GetText(tp, 0, count, ctypes.cast(buffer, ctypes.POINTER(ctypes.c_ushort)))
    text = buffer.raw[: max(written - 1, 0) * 2].decode("utf-16-le", errors="replace")
    is_generated, origin, box = _bare_calls(raw)
    page = ctypes.c_void_p(ctypes.cast(tp, ctypes.c_void_p).value)
    ox, oy, left, right, bottom, top = (ctypes.c_double() for _ in range(6))
    p_ox, p_oy, p_left, p_right, p_bottom, p_top = (
        ctypes.c_void_p(ctypes.addressof(v)) for v in (ox, oy, left, right, bottom, top))
    cells = []
    for run in _RUN.finditer(text):
        first, stop = run.span()
        spans = [(first, stop)]
        if " " in run.group():  # split only at spaces pdfium generated between text objects
            spans, start = [], first
            for space in _SPACE.finditer(text, first, stop):
                if is_generated(page, space.start()):
                    spans.append((start, space.start()))
                    start = space.start() + 1
            spans.append((start, stop))
        for a, b in spans:
            piece = text[a:b].strip(" ")
            if not piece:
                continue
            a += len(text[a:b]) - len(text[a:b].lstrip(" "))
            origin(page, a, p_ox, p_oy)
            box(page, a + len(piece) - 1, p_left, p_right, p_bottom, p_top)
            cells.append((oy.value, Cell(piece, ox.value, right.value)))
    return cells


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
    cells = [c for c in cells if FOOTER_BAND_PT < c[0] < height - HEADER_BAND_PT]
    cells.sort(key=lambda c: (-c[0], c[1].x0))
    lines: list[Line] = []
    for y, cell in cells:
        if lines and abs(lines[-1].y - y) <= 2.5:
            lines[-1].cells.append(cell)
        else:
            lines.append(Line(page, y, [cell]))
    for line in lines:
        line.cells.sort(key=lambda c: c.x0)
    return lines


# ───────────────────────────── XLSX ─────────────────────────────
_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


def _xlsx_lines(data: bytes) -> list[Line]:
    """Rows of every sheet as lines, read from the OOXML parts directly.

    A small reader of our own keeps true row numbers (calamine-based readers drop leading
    empty rows) and the exact stored text of numbers (no float round trip).
    """
    try:
        book = zipfile.ZipFile(io.BytesIO(data))
        names = set(book.namelist())
        shared = _shared_strings(book) if "xl/sharedStrings.xml" in names else []
        workbook = _xml(book.read("xl/workbook.xml"))
        rels = _xml(book.read("xl/_rels/workbook.xml.rels"))
        targets = {r.get("Id"): r.get("Target", "") for r in rels}
        lines: list[Line] = []
        for sheet in workbook.iter(f"{_NS}sheet"):
            target = targets[sheet.get(f"{_REL_NS}id")].lstrip("/")
            path = target if target.startswith("xl/") else f"xl/{target}"
            lines.extend(_sheet_lines(_xml(book.read(path)), sheet.get("name", ""), shared))
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, EOFError, ValueError) as exc:
        raise DocumentError("XLSX is truncated or corrupt", check="corrupt_file", value=exc) from exc
    return lines


def _xml(data: bytes) -> ElementTree.Element:
    """One OOXML part, refused when it declares a DTD (entities are never expanded)."""
    if xml_prolog_has_dtd(data):
        raise DocumentError("XLSX part declares a DTD: refused, entities are never expanded", check="xml_dtd")
    return ElementTree.fromstring(data)


def _shared_strings(book: zipfile.ZipFile) -> list[str]:
    root = _xml(book.read("xl/sharedStrings.xml"))
    return ["".join(t.text or "" for t in si.iter(f"{_NS}t")) for si in root.iter(f"{_NS}si")]


def _sheet_lines(root: ElementTree.Element, name: str, shared: list[str]) -> list[Line]:
    lines = []
    for row in root.iter(f"{_NS}row"):
        number = int(row.get("r", "0"))
        cells = []
        for cell in row.iter(f"{_NS}c"):
            kind, value = cell.get("t"), cell.find(f"{_NS}v")
            if kind == "s" and value is not None:
                text = shared[int(value.text or 0)]
            elif kind == "inlineStr":
                text = "".join(t.text or "" for t in cell.iter(f"{_NS}t"))
            else:
                text = "" if value is None else value.text or ""
            if text.strip():
                column = _column(cell.get("r", "A1"))
                cells.append(Cell(text.strip(), column, column + 1))
        if cells:
            lines.append(Line(number, number, cells, sheet=name))
    return lines


def _column(ref: str) -> int:
    number = 0
    for ch in ref:
        if not ch.isalpha():
            break
        number = number * 26 + ord(ch.upper()) - 64
    return number - 1


# ───────────────────────────── sections and tables ─────────────────────────────
@dataclass
class Table:
    """Lines under one header (or none) inside one (sub)section."""

    family: str
    heading: str
    unit: str | None
    header: Line | None = None
    lines: list[Line] = field(default_factory=list)
    kind: str = "grid"  # grid, tranche, history, recovery
    _columns: dict[int, dict[int, Cell]] = field(default_factory=dict, repr=False)

    def columns(self, line: Line) -> dict[int, Cell]:
        """Which header column each cell of a row stands under (header index → cell).

        Headers are usually centred and numbers right-aligned, so a cell is not always inside
        the x-range of its header. Cells and headers are matched in left-to-right order,
        one to one, at the least total distance between centres (a small alignment by dynamic
        programming); empty cells simply leave their header unmatched.
        """
        if self.header is None:
            return {}
        cached = self._columns.get(id(line))
        if cached is None:
            cached = self._columns[id(line)] = _align(line.cells, self.header.cells)
        return cached

    def header_unit(self) -> str | None:
        """A unit named in any header cell (`项目（万元）`) holds for the whole table."""
        if self.header is None:
            return None
        return next((u for u in (_header_unit(c.text) for c in self.header.cells) if u in _MONEY_UNITS), None)

    def column(self, line: Line, index: int) -> Cell | None:
        return self.columns(line).get(index)


def _align(cells: list[Cell], heads: list[Cell]) -> dict[int, Cell]:
    """Order-preserving one-to-one matching of a row's cells to the header columns.

    A cell costs its distance to the header's band (halfway between neighbouring header texts),
    plus a little of its distance to the header's centre to break ties; numbers never go under
    a remarks column (备注), which is empty in most rows and would otherwise attract them.
    """
    n, m, skip_cell = len(cells), len(heads), 10_000.0
    if n == m and not any(_is_remarks(h.text) and _VALUE_LIKE.match(c.text) for c, h in zip(cells, heads)):
        return dict(enumerate(cells))  # a full row: the only order-preserving match
    bounds = [(heads[j - 1].x1 + heads[j].x0) / 2 for j in range(1, m)]
    bands = [(bounds[j - 1] if j else float("-inf"), bounds[j] if j < m - 1 else float("inf")) for j in range(m)]
    remarks = [_is_remarks(h.text) for h in heads]
    inf = float("inf")
    cost = [[0.0] * (m + 1)] + [[inf] * (m + 1) for _ in range(n)]
    move = [[2] * (m + 1) for _ in range(n + 1)]
    for i in range(1, n + 1):
        cell = cells[i - 1]
        mid, value_like = cell.mid, bool(_VALUE_LIKE.match(cell.text))
        cost[i][0], move[i][0] = cost[i - 1][0] + skip_cell, 1
        for j in range(1, m + 1):
            lo, hi = bands[j - 1]
            fit = (lo - mid if mid < lo else mid - hi if mid > hi else 0.0) + 0.01 * abs(mid - heads[j - 1].mid)
            if value_like and remarks[j - 1]:
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


@functools.lru_cache(maxsize=1024)
def _is_remarks(header: str) -> bool:
    return norm(header) in REMARKS_HEADERS


@dataclass
class Section:
    family: str
    name: str
    line: Line


class Layout:
    """A document cut into section families and tables."""

    def __init__(self, lines: list[Line]) -> None:
        self.cover: list[Line] = []
        self.tables: list[Table] = []
        self.sections: list[Section] = []
        self.notes: dict[str, list[str]] = {}
        family, top_family, heading, unit = "cover", "cover", "", None
        note_x: float | None = None
        table: Table | None = None
        for line in lines:
            if len(line.cells) == 1:  # headings, unit lines, notes and 续表 marks stand alone
                raw_text = line.cells[0].text.strip()
                text = fold_width(raw_text)
                head = _HEADING.match(raw_text)
                if head:
                    name = raw_text[head.end():].strip()
                    own = _family(name)
                    if head.group("top") or head.group("entop"):
                        top_family = family = own or "other"
                        unit = None
                    else:
                        family = own or top_family
                    heading = name
                    self.sections.append(Section(family, name, line))
                    table, note_x = None, None
                    continue
                unit_match = _UNIT_LINE.match(text)
                if unit_match:
                    unit = unit_match.group("unit") or unit_match.group("en")
                    continue
                if _CONTINUED.match(squash_spaces(text)):
                    continue
                if text.startswith(("注", "Note")):
                    self.notes.setdefault(family, []).append(raw_text)
                    note_x = line.cells[0].x0
                    continue
                if note_x is not None and abs(line.cells[0].x0 - note_x) < 1 and not line.sheet:
                    self.notes[family][-1] = join_wrapped(self.notes[family][-1], raw_text)
                    continue
            note_x = None
            if family == "cover":
                self.cover.append(line)
            elif _is_header(line):
                if table is not None and table.header is not None and table.family == family and [
                    c.text for c in table.header.cells] == [c.text for c in line.cells]:
                    continue  # the header repeated after a page break: the same table goes on
                table = Table(family, heading, unit, header=line, kind=_table_kind(line, family))
                self.tables.append(table)
            else:
                if table is None or table.family != family:
                    table = Table(family, heading, unit)
                    self.tables.append(table)
                table.lines.append(line)

    def family_tables(self, family: str, kind: str | None = None) -> list[Table]:
        return [t for t in self.tables if t.family == family and (kind is None or t.kind == kind)]

    def section_start(self, family: str) -> Line | None:
        return next((s.line for s in self.sections if s.family == family), None)

    def has(self, family: str) -> bool:
        return any(s.family == family for s in self.sections)


def join_wrapped(first: str, second: str) -> str:
    """Undo a line wrap: one space between two Latin line ends, nothing next to Chinese."""
    if first and second and ord(first[-1]) < 0x2E80 and ord(second[0]) < 0x2E80:
        return f"{first} {second}"
    return first + second


def _family(heading: str) -> str | None:
    for family, words in SECTION_KEYWORDS:
        if any(w in heading for w in words):
            return family
    return None


def _is_header(line: Line) -> bool:
    return any(k in HEADER_WORDS for cell in line.cells[:2] for k in _keys(cell.text))


def _table_kind(header: Line, family: str) -> str:
    keys = {k for cell in header.cells for k in _keys(cell.text)}
    if family == "tranche" and any(k in TRANCHE_HEADERS for k in _keys(header.cells[0].text)):
        return "tranche"
    if keys & PERIOD_HEADERS:
        return "history"
    if keys & STATUS_HEADERS:
        return "recovery"
    return "grid"


# ───────────────────────────── values ─────────────────────────────
@dataclass
class Hit:
    """A label found in a table row: where, and the value cell for the wanted column."""

    line: Line
    label: str
    value: str | None
    header: str  # header text of the value column ('' when none)
    table: Table


@functools.lru_cache(maxsize=4096)
def _column_kind(header_text: str) -> str | None:
    text = norm(header_text)
    if "占比" in text or "Share" in text:
        return "share"
    if any(w in text for w in ("笔数", "户数", "Count")):
        return "count"
    if "率" in text or "rate" in text.lower():
        return "rate"
    if any(w in text for w in ("金额", "余额", "本金", "Amount", "Balance", "回收")):
        return "amount"
    return None


def _value(line: Line, label_cell: Cell, table: Table, kind: str, strict: bool) -> tuple[str | None, str] | None:
    """The cell under the column of `kind`; without such a column, the first cell right of the label."""
    if table.header is not None:
        for index, head in enumerate(table.header.cells):
            if _column_kind(head.text) == kind:
                cell = table.column(line, index)
                return (cell.text if cell is not None and cell is not label_cell else None, head.text)
    if strict:
        return None
    after = [c for c in line.cells if c.x0 > label_cell.x0]
    return (after[0].text if after else None, "")


def _scan(tables: Iterable[Table], labels: dict[str, str], kinds: dict[str, tuple[str, bool]],
          shared: dict[str, str] | None = None) -> dict[str, Hit]:
    """First row per field whose label (first or second cell) is a known synonym."""
    hits: dict[str, Hit] = {}
    for table in tables:
        for line in table.lines:
            for cell in line.cells[:2]:
                for key in _keys(cell.text):
                    for name, strict in ((labels.get(key), False), ((shared or {}).get(key), True)):
                        if name is None or name in hits:
                            continue
                        kind = kinds.get(name, ("amount", False))[0]
                        found = _value(line, cell, table, kind, strict or kinds.get(name, ("", False))[1])
                        if found is not None:
                            hits[name] = Hit(line, cell.text, found[0], found[1], table)
    return hits


def _amount(hit: Hit | None, field_name: str, exact: bool = False) -> Decimal | None:
    """CNY to the cent; the unit comes from the column header, any header of the table, or the
    section's 金额单位 line, else 元. ``exact`` skips rounding (for sums of printed parts)."""
    if hit is None or hit.value is None:
        return None
    unit = _unit_of(hit)
    try:
        value = parse_amount(hit.value, unit)
    except ValueError as exc:
        raise _bad_value(hit, field_name, exc) from exc
    return value if value is None or exact else value.quantize(_CENT)


def _unit_of(hit: Hit) -> str:
    return _header_unit(hit.header) or hit.table.header_unit() or _unit_code(hit.table.unit) or "CNY"


@functools.lru_cache(maxsize=4096)
def _header_unit(header: str) -> str | None:
    return unit_from_header(header)


def _rate(hit: Hit | None, field_name: str) -> Decimal | None:
    if hit is None or hit.value is None:
        return None
    percent = "%" in fold_width(hit.header + hit.label)
    try:
        value = parse_rate(hit.value, as_percent=True if percent else None)
    except ValueError as exc:
        raise _bad_value(hit, field_name, exc) from exc
    return None if value is None else value.quantize(_RATE_PLACES)


def _count(hit: Hit | None, field_name: str) -> int | None:
    if hit is None or hit.value is None:
        return None
    try:
        value = parse_amount(hit.value, "CNY")
        if value is not None and value != value.to_integral_value():
            raise ValueError(f"not a whole number: {hit.value!r}")
    except ValueError as exc:
        raise _bad_value(hit, field_name, exc) from exc
    return None if value is None else int(value)


def _bad_value(hit: Hit, field_name: str, exc: Exception) -> DocumentError:
    return DocumentError(
        f"{hit.line.where}: cannot read {field_name} ({hit.label}) from {hit.value!r}: {exc}",
        check="bad_value", page=None if hit.line.sheet else hit.line.page, field=field_name, value=hit.value,
    )


def _unit_code(unit: str | None) -> str | None:
    return {"元": "CNY", "万元": "wan", "亿元": "yi", "CNY": "CNY"}.get(unit or "")


def _missing(layout: Layout, family: str, label: str, lines: list[Line]) -> DocumentError:
    start = layout.section_start(family) or (lines[0] if lines else None)
    where = start.where.split(" row ")[0] if start else "document"
    page = start.page if start and not start.sheet else None
    return DocumentError(f"{where}: row {label} not found in section {SECTION_NAMES[family]}",
                         check="missing_row", page=page, field=label)


def _date(text: str | None, what: str, where: str) -> Any:
    if text is None:
        return None
    try:
        return parse_date(text)
    except ValueError as exc:
        raise DocumentError(f"{where}: cannot read {what} from {text!r}: {exc}", check="bad_value",
                            field=what, value=text) from exc


# ───────────────────────────── the report ─────────────────────────────
def parse_trustee_report(data: bytes, file_name: str = "", title: str = "") -> ParsedDocument:
    """Rows of core.pool_performance, core.tranche_payments and core.liquidation_events.

    The format is sniffed from the bytes (PDF or XLSX), never from the name. ``title`` and
    ``file_name`` (as listed by the source) only help to recognise revisions (更正 / 更新 /
    以此为准) and English duplicates. English reports yield ``meta`` only (the pipeline
    skips them). Not thread-safe for PDFs (pypdfium2): parse in separate processes.
    """
    kind = sniff_kind(data)
    if kind == "pdf":
        lines, file_format = _pdf_lines(data), "pdf"
    elif kind in ("xlsx", "zip"):  # a broken zip is reported by the XLSX reader
        lines, file_format = _xlsx_lines(data), "xlsx"
    else:
        raise DocumentError(f"not a PDF or XLSX document ({kind})", check="unknown_format", value=data[:8].hex())
    _check_encoding(lines)
    layout = Layout(lines)
    meta = _meta(layout, lines, file_name, title, file_format)
    doc = ParsedDocument(DOC_TYPE, meta=meta)
    if meta["is_english"]:
        return doc
    _pool(layout, meta, doc)
    _tranches(layout, meta, doc)
    _liquidation(layout, meta, doc)
    return doc


def _check_encoding(lines: list[Line]) -> None:
    """GBK text read with a Western code page (ÊÜÍÐ»ú¹¹…) must not pass as labels that are missing."""
    if any(_CJK.search(cell.text) for line in lines for cell in line.cells):
        return  # stops at the first Chinese character, normally on the cover
    for line, text in ((line, cell.text) for line in lines for cell in line.cells):
        if _LATIN_HIGH.search(text):
            fixed = _unmojibake(text)
            if fixed and _CJK.search(fixed):
                raise DocumentError(
                    f"{line.where}: text is mis-encoded (GBK bytes read as Windows-1252): {text!r} is {fixed!r}",
                    check="encoding", page=None if line.sheet else line.page, value=text,
                )


def _unmojibake(text: str) -> str | None:
    out = bytearray()
    for ch in text:
        try:
            out += ch.encode("cp1252")
        except UnicodeEncodeError:
            if ord(ch) > 255:
                return None
            out.append(ord(ch))
    try:
        return out.decode("gbk")
    except UnicodeDecodeError:
        return None


def _meta(layout: Layout, lines: list[Line], file_name: str, title: str, file_format: str) -> dict[str, Any]:
    """Deal, period, the three dates, revision and language, from the cover and 基本信息."""
    found: dict[str, tuple[str, Line]] = {}
    scope = layout.cover + [l for t in layout.tables if t.family in ("basic", "other", "cover") for l in t.lines]
    for line in scope:
        for i, cell in enumerate(line.cells):
            label, colon, rest = (_COLON.split(cell.text, maxsplit=1) + ["", ""])[:3]
            name = next((_BASIC_LABELS[k] for k in _keys(label) if k in _BASIC_LABELS), None)
            if name is None or name in found:
                continue
            value = rest.strip() if colon else (line.cells[i + 1].text if i + 1 < len(line.cells) else "")
            if value:
                found[name] = (value, line)
    cover_text = "".join(cell.text for line in layout.cover for cell in line.cells)
    is_english = "英文版" in title + file_name or (
        "Trustee Report" in cover_text and not any(_CJK.search(s.name) for s in layout.sections)
    )
    where = lines[0].where if lines else "document"
    if "deal_name" not in found:
        raise DocumentError(f"{where}: row 信托名称 not found in section {SECTION_NAMES['basic']}",
                            check="missing_row", field="信托名称")
    deal_name = found["deal_name"][0]
    period = _period_number(found.get("period", ("", None))[0]) or _period_number(cover_text) or _period_number(title)
    if period is None:
        raise DocumentError(f"{where}: period number not found on the cover or in 基本信息", check="missing_row",
                            field="period_number")

    def date_of(name: str) -> Any:
        value = found.get(name)
        return None if value is None else _date(_first_date(value[0]), name, value[1].where)

    start, end = date_of("collection_start"), date_of("collection_end")
    if "collection" in found and (start is None or end is None):
        text, line = found["collection"]
        tokens = _DATE_TOKEN.findall(text)
        if len(tokens) != 2:
            raise DocumentError(f"{line.where}: cannot read the collection period from {text!r}", check="bad_value",
                                field="collection_period", value=text)
        start, end = (_date(t, "collection_period", line.where) for t in tokens)
    payment_date = date_of("payment_date")
    if payment_date is None and not is_english:
        raise DocumentError(f"{where}: row 本期支付日 not found in section {SECTION_NAMES['basic']}",
                            check="missing_row", field="本期支付日")
    deal_id = deal_id_for(deal_name)
    return {
        "deal_name": deal_name,
        "deal_id": deal_id,
        "trustee_name": found.get("trustee_name", (None,))[0],
        "period_number": period,
        "report_key": f"{deal_id}:{period}:{DOC_TYPE}",
        "is_revision": bool(_REVISION.search(title + file_name + cover_text)),
        "is_english": is_english,
        "report_date": date_of("report_date"),
        "collection_period_start": start,
        "collection_period_end": end,
        "payment_date": payment_date,
        "file_format": file_format,
    }


def _first_date(text: str) -> str:
    match = _DATE_TOKEN.search(text)
    return match.group(0) if match else text


def _period_number(text: str | None) -> int | None:
    """Period number from 总第N期, else the last 第N期 not preceded by 年/年度 (the in-year number)."""
    if not text:
        return None
    text = fold_width(text)
    total = _TOTAL_PERIOD.search(text)
    if total:
        return int(total.group(1))
    plain = _PERIOD.findall(text)
    if plain:
        return int(plain[-1])
    english = re.search(r"Period\D{0,5}(\d+)", text)
    if english:
        return int(english.group(1))
    bare = text.strip()
    return int(bare) if bare.isdigit() else None


def _pool(layout: Layout, meta: dict[str, Any], doc: ParsedDocument) -> None:
    """One core.pool_performance row: kv rows first, the current history row for what they lack."""
    if not layout.has("pool"):
        raise DocumentError(f"section {SECTION_NAMES['pool']} not found", check="missing_section",
                            field=SECTION_NAMES["pool"])
    grids = layout.family_tables("pool", "grid")
    kinds = {name: (spec[0], False) for name, spec in POOL_FIELDS.items()}
    hits = _scan(grids, _POOL_LABELS, kinds, _POOL_SHARED)
    for name in REQUIRED_POOL_FIELDS:
        if name not in hits:
            raise _missing(layout, "pool", POOL_FIELDS[name][1][0], [l for t in grids for l in t.lines])
    row: dict[str, Any] = {
        "deal_id": meta["deal_id"],
        "period_number": meta["period_number"],
        "report_date": meta["report_date"],
        "collection_period_start": meta["collection_period_start"],
        "collection_period_end": meta["collection_period_end"],
        "payment_date": meta["payment_date"],
    }
    for name, (kind, _labels, _shared) in POOL_FIELDS.items():
        hit = hits.get(name)
        row[name] = _rate(hit, name) if kind == "rate" else _count(hit, name) if kind == "count" else _amount(hit, name)
    _history(layout, meta, row, hits)
    recovery, cumulative = _recoveries(layout)
    row["recovery_cny"], row["cumulative_recovery_cny"] = recovery, cumulative
    is_npl = bool(layout.family_tables("pool", "recovery")) or "不良" in meta["deal_name"]
    notes = [NA_NOTE.sub("", n) for n in layout.notes.get("pool", []) if NA_NOTE.match(n)]
    row["not_applicable_reason"] = notes[0] if notes else (NPL_NOT_APPLICABLE_REASON if is_npl else None)
    anchor = hits["pool_balance_end_cny"]
    row.update(source_page=anchor.line.page, source_table=anchor.table.heading, source_row_label=anchor.label)
    ordered = {k: row[k] for k in _POOL_COLUMNS}
    doc.add("core.pool_performance", ordered)


_POOL_COLUMNS = (
    "deal_id", "period_number", "report_date", "collection_period_start", "collection_period_end", "payment_date",
    "pool_balance_begin_cny", "pool_balance_end_cny", "loan_count_end", "principal_collected_cny",
    "interest_collected_cny", "prepayment_cny", "new_default_cny", "cumulative_default_cny",
    "cumulative_default_rate", "delinquent_1_30_cny", "delinquent_31_60_cny", "delinquent_61_90_cny",
    "delinquent_90_plus_cny", "revolving_purchase_cny", "cumulative_revolving_purchase_cny", "recovery_cny",
    "cumulative_recovery_cny", "other_income_cny", "not_applicable_reason", "source_page", "source_table",
    "source_row_label",
)


def _history(layout: Layout, meta: dict[str, Any], row: dict[str, Any], hits: dict[str, Hit]) -> None:
    """Cumulative default amount/rate from the current row of the history table, when not in a kv table."""
    wanted = [n for n in ("cumulative_default_cny", "cumulative_default_rate") if n not in hits]
    for table in layout.family_tables("pool", "history"):
        if not wanted:
            return
        heads = table.header.cells if table.header else []
        period_index = next(i for i, h in enumerate(heads) if any(k in PERIOD_HEADERS for k in _keys(h.text)))
        current = None
        for line in table.lines:
            cell = table.column(line, period_index)
            if cell is not None and _period_number(cell.text) == meta["period_number"]:
                current = line
        if current is None:
            raise DocumentError(
                f"{(table.header or table.lines[0]).where}: current period {meta['period_number']} not found "
                f"in history table {table.heading}", check="missing_row", field="period_number")
        for index, head in enumerate(heads):
            kind = _column_kind(head.text)
            name = {"rate": "cumulative_default_rate", "amount": "cumulative_default_cny"}.get(kind or "")
            if name not in wanted:
                continue
            cell = table.column(current, index)
            hit = Hit(current, head.text, cell.text if cell else None, head.text, table)
            row[name] = _rate(hit, name) if kind == "rate" else _amount(hit, name)
            wanted.remove(name)


def _recoveries(layout: Layout) -> tuple[Decimal | None, Decimal | None]:
    """NPL: 本期回收金额 and 累计回收金额 summed over 处置中 + 本期处置完毕 (合计 must agree)."""
    tables = layout.family_tables("pool", "recovery")
    if not tables:
        return None, None
    table = tables[0]
    sums: dict[str, Decimal | None] = {}
    totals: dict[str, Decimal | None] = {}
    for index, head in enumerate(table.header.cells if table.header else []):
        text = norm(head.text)
        column = "recovery" if "本期回收" in text or text.startswith("Recovered") else (
            "cumulative" if "累计回收" in text or "Cumulative" in text else None)
        if column is None:
            continue
        for line in table.lines:
            status = RECOVERY_ROWS.get(norm(line.cells[0].text))
            if status is None:
                continue
            cell = table.column(line, index)
            hit = Hit(line, line.cells[0].text, cell.text if cell else None, head.text, table)
            value = _amount(hit, column, exact=True)
            if status == "total":
                totals[column] = value
                # parts and total are each rounded when printed: allow two steps of the last digit
                places = len(cell.text.rpartition(".")[2]) if cell is not None and "." in cell.text else 0
                tolerance = 2 * UNIT_FACTORS[_unit_of(hit)] * Decimal(1).scaleb(-places)
            elif value is not None:
                sums[column] = (sums.get(column) or Decimal(0)) + value
            else:
                sums.setdefault(column, None)
        total, parts = totals.get(column), sums.get(column)
        if total is not None and (parts is None or abs(parts - total) > tolerance):
            raise DocumentError(
                f"{(table.header or table.lines[0]).where}: 合计 {totals[column]} is not the sum of 处置中 and "
                f"本期处置完毕 ({sums.get(column)}) in column {head.text}", check="arithmetic", field=column)
    recovery, cumulative = sums.get("recovery"), sums.get("cumulative")
    return (None if recovery is None else recovery.quantize(_CENT),
            None if cumulative is None else cumulative.quantize(_CENT))


def _tranches(layout: Layout, meta: dict[str, Any], doc: ParsedDocument) -> None:
    """core.tranche_payments rows from the 本息兑付 table(s), tranches as columns, blocks stacked."""
    tables = layout.family_tables("tranche", "tranche")
    if not tables and any(_NO_PAYMENTS.search(l.text) for t in layout.family_tables("tranche") for l in t.lines):
        return  # the report says no tranche was paid this period
    if not tables:
        raise DocumentError(f"section {SECTION_NAMES['tranche']} not found", check="missing_section",
                            field=SECTION_NAMES["tranche"])
    columns: list[dict[str, Any]] = []
    seen_rows: set[str] = set()
    for table in tables:
        heads = table.header.cells if table.header else []
        block = [{"label": head.text, "header": table.header, "table": table, "values": {}} for head in heads[1:]]
        columns.extend(block)
        for line in table.lines:
            label = line.cells[0].text
            keys = _keys(label)
            if any(FACTOR_ROW.search(k) for k in keys):
                continue
            name = next((_TRANCHE_LABELS[k] for k in keys if k in _TRANCHE_LABELS), None)
            if name is None:
                continue
            seen_rows.add(name)
            for index, cell in table.columns(line).items():
                if index >= 1:
                    block[index - 1]["values"][name] = (cell.text, line, label)
    all_lines = [l for t in tables for l in t.lines]
    for name in REQUIRED_TRANCHE_ROWS:
        if name not in seen_rows:
            raise _missing(layout, "tranche", TRANCHE_ROWS[name][0], all_lines)
    for column in columns:
        values = column["values"]
        if "security_code" not in values:
            raise DocumentError(f"{column['header'].where}: no 证券代码 for tranche {column['label']}",
                                check="missing_row", field="security_code", value=column["label"])
        code_text, code_line, _ = values["security_code"]
        row: dict[str, Any] = {
            "tranche_id": _tranche_id(code_text, code_line),
            "period_number": meta["period_number"],
            "deal_id": meta["deal_id"],
            "payment_date": meta["payment_date"],
        }
        for name in ("principal_before_cny", "principal_paid_cny", "principal_after_cny", "interest_paid_cny",
                     "other_income_paid_cny"):
            text, line, label = values.get(name, (None, code_line, name))
            row[name] = _amount(Hit(line, f"{label} / {column['label']}", text, column["table"].header.cells[0].text,
                                    column["table"]), name)
        header = column["header"]
        row.update(source_page=header.page, source_table=column["table"].heading, source_row_label=column["label"])
        doc.add("core.tranche_payments", row)


def _tranche_id(text: str, line: Line) -> str:
    """Security code with market suffix; interbank reports print bare 7-digit codes (.IB)."""
    match = _CODE.fullmatch(squash_spaces(fold_width(text)))
    if not match:
        raise DocumentError(f"{line.where}: cannot read security_code from {text!r}", check="bad_value",
                            page=None if line.sheet else line.page, field="security_code", value=text)
    digits, suffix = match.group(1), (match.group(2) or "").upper()
    if not suffix and len(digits) != 6:
        suffix = "IB"  # 7- and 9-digit codes are interbank (credit ABS, ABN)
    # A bare 6-digit code is an exchange code (.SH or .SZ): the caller resolves it against the
    # tranches it knows (see pipeline.hooks), the report alone cannot tell.
    return f"{digits}.{suffix}" if suffix else digits


def _liquidation(layout: Layout, meta: dict[str, Any], doc: ParsedDocument) -> None:
    """A core.liquidation_events row when the report has a clean-up / liquidation section."""
    tables = layout.family_tables("liquidation")
    if not tables:
        return
    kinds = {"pool_cumulative_default_rate": ("rate", False), "method": ("text", False),
             "event_date": ("text", False)}
    hits = _scan(tables, _LIQUIDATION_LABELS, kinds)
    lines = [l for t in tables for l in t.lines]
    for name in ("method", "event_date"):
        if name not in hits or hits[name].value is None:
            raise _missing(layout, "liquidation", LIQUIDATION_FIELDS[name][0], lines)
    method_hit = hits["method"]
    method = LIQUIDATION_METHODS.get(norm(method_hit.value or ""))
    if method is None:
        raise _bad_value(method_hit, "liquidation_method", ValueError("expected 清仓回购, 全部变现 or 原状分配"))
    date_hit = hits["event_date"]
    doc.add("core.liquidation_events", {
        "deal_id": meta["deal_id"],
        "liquidation_method": method,
        "event_date": _date(_first_date(date_hit.value or ""), "event_date", date_hit.line.where),
        "price_cny": _amount(hits.get("price_cny"), "price_cny"),
        "remaining_pool_principal_cny": _amount(hits.get("remaining_pool_principal_cny"),
                                                "remaining_pool_principal_cny"),
        "pool_cumulative_default_rate": _rate(hits.get("pool_cumulative_default_rate"),
                                              "pool_cumulative_default_rate"),
        "source_page": method_hit.line.page,
        "source_row_label": method_hit.label,
    })
