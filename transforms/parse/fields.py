"""Labelled values in a laid-out document: find a label, then its value wherever the template put it.

A label (matched through a family's vocabulary, ``vocabulary/<family>.toml``) gives its value

* in the same cell: ``报告日期：2026 年 8 月 17 日``, ``本期支付日 2026 年8 月24 日``;
* under the table column of the value's kind (金额 / 笔数 / 占比 …) when the table has a header;
* in the next cell that can hold such a value (a repeated column name such as 本期回收金额
  inside the row is stepped over);
* on the next line when the label stands alone (up to three lines ahead for a date, which a
  cover may separate from its label by the trustee's name).

Values are typed here too — amounts to CNY with the unit found nearest to them (the value
itself, the label's bracket, the column header, the table header, a unit line or note),
rates to fractions (% ‰ bp), counts to integers — and every failure is a DocumentError that
names the page or sheet row, the field, the label and the text found.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from transforms.normalise.frames import Raw, deferring
from transforms.normalise.numbers import UNIT_FACTORS, parse_amount, parse_rate
from transforms.normalise.text import fold_width, squash_spaces
from transforms.parse.base import DocumentError
from transforms.parse.layout import DATE_TOKEN, Block, Layout, clean_value, header_unit, is_code, is_null, is_number
from transforms.parse.pdf_text import Cell, Line
from transforms.parse.vocabulary import Group, label_key, label_keys, load

SHARED = load("layout")
COLUMN_KINDS = {kind: SHARED.words("columns", kind) for kind in SHARED.data["columns"]}
TOTALS = SHARED.keys("totals", "labels")
NULL_TOKENS = frozenset(squash_spaces(fold_width(t)) for t in SHARED.data["null_values"]["tokens"])
HEADING_ENDINGS = tuple(SHARED.data["heading_endings"]["words"])
COLUMN_WORDS = tuple(w for kind in ("amount", "count", "share", "rate", "period", "status", "note")
                     for w in COLUMN_KINDS[kind])
MONEY_UNITS = ("CNY", "wan", "yi")
CENT, RATE_PLACES = Decimal("0.01"), Decimal("1e-8")
NUMERIC = ("amount", "count", "rate")

_SPLIT = re.compile(r"^(?P<label>(?:[（(]?\d{1,2}[)）、.．]\s*)?[^:：\d]*?[\u4e00-\u9fffA-Za-z)）])\s*"
                    r"(?:[:：]\s*|\s+(?=[\d(（\-]|不适用)|(?=\d))"
                    r"(?P<rest>\S.*)$")
_SEQ = re.compile(r"^(?:\d{1,2}|[（(]?[一二三四五六七八九十\d]{1,3}[)）、.．]?)$")
_PER_MILLE = re.compile(r"‰\s*$")
_UNIT_AFTER = re.compile(r"\d\s*(?:人民币)?(?:万元|亿元|元|万|亿)$")
_RATE_SIGN = re.compile(r"[%％‰]|bps?$|基点$", re.IGNORECASE)
_SERIAL = re.compile(r"^[1-9]\d{4}(?:\.0+)?$")  # an Excel date serial left unformatted
_PLAIN_AMOUNT = re.compile(r"^-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")
_CURRENCY = re.compile(r"^\s*(?:人民币|RMB|CNY|¥|￥)\s*")
_CODE = re.compile(r"^(\d{6,9})(?:\.(IB|SH|SZ))?$", re.IGNORECASE)
_COUNT_AFTER = re.compile(r"(?<=\d)\s*(?:笔|户|个|份|张|人)$")


@dataclass
class Hit:
    """A labelled value: where the label stood, the value as printed, and its context."""

    field: str
    line: Line
    label: str
    value: str | None
    header: str  # header of the value column ('' when none)
    block: Block | None
    rank: float = 0.0  # lower is preferred when a field is printed more than once

    @property
    def where(self) -> str:
        return self.line.where

    @property
    def table(self) -> str:
        return self.block.heading if self.block is not None else ""


# ───────────────────────────── cells ─────────────────────────────
@functools.lru_cache(maxsize=4096)
def split_label(text: str) -> tuple[str, str] | None:
    """`报告日期：2026 年 8 月 17 日` / `本期支付日 2026 年8 月24 日` → (label, value)."""
    match = _SPLIT.match(text.strip())
    if not match:
        return None
    return match.group("label"), match.group("rest").strip()


@functools.lru_cache(maxsize=4096)
def nullish(text: str) -> bool:
    """A cell meaning "nothing here" (不适用, -, —, ■, 无 …)."""
    return is_null(text) or squash_spaces(fold_width(text)) in NULL_TOKENS


@functools.lru_cache(maxsize=16384)
def is_seq(text: str) -> bool:
    """A row number in a 序号 column (1, (1), 一、)."""
    return bool(_SEQ.match(text.strip()))


@functools.lru_cache(maxsize=16384)
def column_kind(text: str) -> str | None:
    """What a header cell says about its column: seq, label, note, share, count, rate, amount,
    period, status, or None."""
    key = label_key(text)
    for kind in ("note", "seq", "share", "count", "rate", "amount", "period", "status", "label"):
        words = COLUMN_KINDS[kind]
        if kind in ("seq", "label", "note", "period", "status"):
            if key in words or any(key.startswith(w) for w in words if len(w) > 1):
                return kind
        elif any(w in key for w in words):
            return kind
    if header_unit(text) in MONEY_UNITS:
        return "amount"
    return None


def refuses(heads: list[Cell]) -> Callable[[int, Cell], bool] | None:
    """Numbers never go under a remarks (备注) or sequence column when cells are aligned."""
    return _refuses(tuple(h.text for h in heads))


@functools.lru_cache(maxsize=4096)
def _refuses(texts: tuple[str, ...]) -> Callable[[int, Cell], bool] | None:
    barred = [column_kind(t) in ("note", "seq") for t in texts]
    if not any(barred):
        return None

    def refuse(j: int, cell: Cell) -> bool:
        return barred[j] and is_number(cell.text) and not is_seq(cell.text)

    return refuse


def security_code(text: str) -> str | None:
    """A security code with its market suffix: interbank documents print bare 7- or 9-digit
    codes (credit ABS, ABN), which are `.IB`; a bare 6-digit code is an exchange code whose
    market (.SH or .SZ) the document alone cannot tell, so it stays bare. None if not a code."""
    match = _CODE.match(squash_spaces(fold_width(clean_value(text))))
    if not match:
        return None
    digits, suffix = match.group(1), (match.group(2) or "").upper()
    if not suffix and len(digits) != 6:
        suffix = "IB"
    return f"{digits}.{suffix}" if suffix else digits


@functools.lru_cache(maxsize=16384)
def is_total(text: str) -> bool:
    """A 合计 / 总计 row (footnote marks allowed: 总计(注1))."""
    return any(k in TOTALS for k in label_keys(text))


# ───────────────────────────── labels ─────────────────────────────
class LabelIndex:
    """Every label a parser looks for, across its groups: match key → ((group, field, kind), …)."""

    def __init__(self, groups: dict[str, Group], extra: Iterable[tuple[str, str, str, Iterable[str]]] = (),
                 also_labels: Iterable[Group] = ()) -> None:
        index: dict[str, list[tuple[str, str, str]]] = {}
        for group_name, group in groups.items():
            for key, name in group.index.items():
                index.setdefault(key, []).append((group_name, name, group.fields[name].get("kind", "text")))
        names = list(groups)
        for group_name, name, kind, keys in extra:
            names.append(group_name)
            for key in keys:
                index.setdefault(key, []).append((group_name, name, kind))
        self.index = {key: tuple(entries) for key, entries in index.items()}
        self.groups = tuple(dict.fromkeys(names))
        self._others = tuple(also_labels)
        self._entries: dict[str, Any] = {}
        self._labels: dict[str, bool] = {}

    def entries(self, text: str) -> tuple[str, str | None, tuple[tuple[str, str, str], ...]] | None:
        """(label, value in the same cell, what the label names) for a cell, or None. The whole
        cell is tried first, then the cell split into `label：value` / `label value`."""
        cached = self._entries.get(text, False)
        if cached is not False:
            return cached
        out = None
        spaced = text.strip().split(None, 1)
        attempts = [(text, None), split_label(text) or (None, None)]
        if len(spaced) == 2:
            attempts.append((spaced[0], spaced[1]))  # `项目名称 国君资管-…`: a label, a space, the value
        for label, rest in attempts:
            if label is None:
                break
            found: dict[str, tuple[str, str, str]] = {}
            for key in label_keys(label):
                for entry in self.index.get(key, ()):
                    found.setdefault(entry[0], entry)
            if found:
                out = (label, rest, tuple(found.values()))
                break
        if out is None:  # a rate printed without its 率: its value must carry the % sign
            for label, rest in attempts:
                if label is None:
                    break
                found = {}
                for key in label_keys(f"{label.strip()}率"):
                    for entry in self.index.get(key, ()):
                        if entry[2] == "rate":
                            found.setdefault(entry[0], (entry[0], entry[1], "percent"))
                if found:
                    out = (label, rest, tuple(found.values()))
                    break
        if len(self._entries) < 65536:
            self._entries[text] = out
        return out

    def is_label(self, text: str) -> bool:
        """Whether a cell is a known label (as a whole)."""
        cached = self._labels.get(text)
        if cached is None:
            cached = any(k in self.index for k in label_keys(text)) or any(g.match(text) for g in self._others)
            if len(self._labels) < 65536:
                self._labels[text] = cached
        return cached


def fits(text: str | None, kind: str, is_label: Callable[[str], bool]) -> bool:
    """Whether a cell can hold a value of this kind (numbers for amounts, a date for dates …)."""
    if text is None:
        return False
    if kind == "percent":
        return bool(_RATE_SIGN.search(text)) and is_number(text) or nullish(text)
    if kind in NUMERIC:
        if kind != "rate" and _RATE_SIGN.search(text):
            return False  # a percentage never fills an amount or a count
        return is_number(text) or nullish(text)
    if kind == "date":
        return bool(DATE_TOKEN.search(fold_width(text))) or nullish(text) or bool(_SERIAL.match(text.strip()))
    if kind == "date_range":
        return len(DATE_TOKEN.findall(fold_width(text))) >= 2
    if kind == "code":
        return is_code(text)
    return bool(text.strip()) and not is_label(text)


def header_over(block: Block | None, line: Line, cell: Cell) -> str:
    """The header text of the column a cell stands under ('' when none)."""
    if block is None or block.header is None:
        return ""
    columns = block.columns(line, refuses(block.header.cells))
    return next((block.header.cells[j].text for j, c in columns.items() if c is cell), "")


def value_of(layout: Layout, labels: LabelIndex, name: str, line: Line, index: int, label: str,
             rest: str | None, kind: str) -> Hit | None:
    """The value of the label in ``line.cells[index]`` (see the module docstring for where)."""
    block = layout.block(line)
    if rest is not None and fits(rest, kind, labels.is_label):
        return Hit(name, line, label, rest, "", block)
    label_cell = line.cells[index]
    if block is not None and block.header is not None and kind in NUMERIC and len(line.cells) > 1:
        wanted = ("rate", "share") if kind == "rate" else (kind,)
        heads = block.header.cells
        columns = block.columns(line, refuses(heads))
        label_column = next((j for j, c in columns.items() if c is label_cell), -1)
        if label_column < 0 or label_cell.x0 > heads[-1].x1:
            heads = []  # the label stands outside the header's columns (a second label | value pair)
        for j, head in enumerate(heads):
            if j > label_column and column_kind(head.text) in wanted:
                cell = columns.get(j)
                text = cell.text if cell is not None and cell is not label_cell else None
                if text is None or fits(text, kind, labels.is_label) or any(ch.isdigit() for ch in text):
                    return Hit(name, line, label, text, head.text, block)
                break  # words under the value column (a repeated column name): read the row itself
    for cell in line.cells[index + 1:]:
        if fits(cell.text, kind, labels.is_label):
            return Hit(name, line, label, cell.text, header_over(block, line, cell), block)
    if len(line.cells) > index + 1 and kind in NUMERIC:
        cell = line.cells[index + 1]  # a value that does not read: report it, do not skip it
        if not labels.is_label(cell.text) and any(ch.isdigit() for ch in cell.text):
            return Hit(name, line, label, cell.text, header_over(block, line, cell), block)
    if len(line.cells) == 1:  # the label alone on its line: its value is on a following line
        ahead = 3 if kind in ("date", "date_range") else 1
        for other in layout.following(line, ahead):
            text = other.cells[0].text
            if fits(text, kind, labels.is_label):
                return Hit(name, line, label, text, "", layout.block(other))
            if kind not in ("date", "date_range"):
                break
    return None


def scan(layout: Layout, labels: LabelIndex, lines: Iterable[Line] | None = None,
         skip: Callable[[Line], bool] | None = None) -> dict[str, dict[str, list[Hit]]]:
    """Every labelled value, by group and field, in document order. A label is a line's first
    cell, or its second after a row number or a category cell; a numbered heading counts only
    when it ends in a colon (一、专项计划名称：) and so awaits its value."""
    hits: dict[str, dict[str, list[Hit]]] = {group: {} for group in labels.groups}
    headers, headings = layout.headers, layout.headings
    for line in lines if lines is not None else layout.lines:
        if id(line) in headers or (skip is not None and skip(line)):
            continue
        cells = line.cells
        if len(cells) > 1 and is_number(cells[0].text) and not is_seq(cells[0].text):
            continue  # a row of figures (a history row, a tranche row led by its code)
        for index, cell in enumerate(cells):
            if index and is_number(cell.text):
                continue  # values are not labels; a line may hold several label | value pairs
            found = labels.entries(cell.text)
            if found is None:
                continue
            label, rest, entries = found
            if id(line) in headings and rest is None and not fold_width(cell.text).rstrip().endswith(":"):
                break
            values: dict[str, Hit | None] = {}
            for group, name, kind in entries:
                if kind not in values:
                    values[kind] = value_of(layout, labels, name, line, index, label, rest, kind)
                hit = values[kind]
                if hit is not None:
                    hits[group].setdefault(name, []).append(
                        Hit(name, hit.line, hit.label, hit.value, hit.header, hit.block))
    return hits


# ───────────────────────────── typed values ─────────────────────────────
def money_unit(hit: Hit) -> str:
    """An amount's unit: the label's bracket, the column header, the table (for a value beside
    the columns, the one money unit the header names: 项目 | 金额（万元） … 循环购买金额 | 16386.05),
    else 元."""
    for text in (hit.label, hit.header):
        unit = header_unit(text) if text else None
        if unit in MONEY_UNITS:
            return unit
    block = hit.block
    if block is None:
        return "CNY"
    if not hit.header and block.header is not None:
        units = {u for u in (header_unit(c.text) for c in block.header.cells[1:]) if u in MONEY_UNITS}
        if len(units) == 1:
            return units.pop()
    return block.table_unit() or "CNY"


@functools.lru_cache(maxsize=16384)
def has_unit(text: str) -> bool:
    """A number written with its unit (13,200.00万元)."""
    return bool(_UNIT_AFTER.search(fold_width(text)))


def amount(hit: Hit | None, field_name: str, exact: bool = False, printed: bool = False) -> Decimal | Raw | None:
    """CNY to the cent; a unit written after the number (13,200.00万元) wins over the table's.
    ``exact`` skips rounding (for sums of printed parts). ``printed``: the parse does not
    compute with it, so while a batch collects rows the cell goes as printed (``Raw``)."""
    if hit is None or hit.value is None or nullish(hit.value):
        return None
    text = _CURRENCY.sub("", clean_value(hit.value))
    if printed and not exact and deferring():
        return Raw(text, None if has_unit(text) else money_unit(hit), False, hit.line.pdf_page)
    if _PLAIN_AMOUNT.match(text):  # the common case, without the general reader's checks
        value = Decimal(text.replace(",", "")) * UNIT_FACTORS[money_unit(hit)]
        return value if exact else value.quantize(CENT)
    try:
        value = parse_amount(text, None) if has_unit(text) else parse_amount(text, money_unit(hit))
    except ValueError as exc:
        raise bad_value(hit, field_name, exc) from exc
    return value if value is None or exact else value.quantize(CENT)


def rate(hit: Hit | None, field_name: str, printed: bool = False) -> Decimal | Raw | None:
    """A fraction: 1.72% → 0.0172, 1.5‰ → 0.0015, 25bp → 0.0025; a bare number under a (%)
    header or label is a percent. ``printed``: as for :func:`amount`."""
    if hit is None or hit.value is None or nullish(hit.value):
        return None
    text = clean_value(hit.value)
    context = fold_width(hit.header + hit.label)
    if printed and deferring():
        if _PER_MILLE.search(text) or ("‰" in context and "%" not in text):
            return Raw(text.rstrip("‰ "), "permille", False, hit.line.pdf_page)
        return Raw(text, "percent" if "%" in context else None, False, hit.line.pdf_page)
    try:
        if _PER_MILLE.search(text) or ("‰" in context and "%" not in text):
            value = parse_rate(text.rstrip("‰ "), as_percent=False)
            value = None if value is None else value.scaleb(-3)
        else:
            value = parse_rate(text, as_percent=True if "%" in context else None)
    except ValueError as exc:
        raise bad_value(hit, field_name, exc) from exc
    return None if value is None else value.quantize(RATE_PLACES)


def count(hit: Hit | None, field_name: str) -> int | None:
    """A whole number; `1,203笔`, `48245(注1)` read as 1203 and 48245."""
    if hit is None or hit.value is None or nullish(hit.value):
        return None
    text = _COUNT_AFTER.sub("", clean_value(hit.value))
    try:
        value = parse_amount(text, "CNY")
        if value is not None and value != value.to_integral_value():
            raise ValueError(f"not a whole number: {hit.value!r}")
    except ValueError as exc:
        raise bad_value(hit, field_name, exc) from exc
    return None if value is None else int(value)


def typed(hit: Hit, kind: str, name: str, printed: bool = False) -> Any:
    if kind == "rate":
        return rate(hit, name, printed)
    if kind == "count":
        return count(hit, name)
    if kind == "amount":
        return amount(hit, name, printed=printed)
    return hit.value


def choose(hits: list[Hit], kind: str, name: str) -> tuple[Any, Hit | None]:
    """The value of a field printed once or more: the best-placed hit (lowest rank, then the
    first); two best-placed hits that disagree are a contradiction. A field printed once in
    its best place goes as printed while a batch collects rows (nothing to compare it with)."""
    if not hits:
        return None, None
    best = min(h.rank for h in hits)
    placed = [h for h in hits if h.rank == best]
    values = [(typed(h, kind, name, printed=len(placed) == 1), h) for h in placed]
    value, hit = next(((v, h) for v, h in values if v is not None), values[0])
    for other_value, other in values:
        if other_value is not None and value is not None and other_value != value:
            raise DocumentError(
                f"{other.where}: {name} ({other.label}) is {other_value} here but {value} on {hit.where}",
                check="inconsistent", page=other.line.pdf_page, field=name, value=other.value)
    return value, hit


def bad_value(hit: Hit, field_name: str, exc: Exception) -> DocumentError:
    return DocumentError(
        f"{hit.where}: cannot read {field_name} ({hit.label}) from {hit.value!r}: {exc}",
        check="bad_value", page=hit.line.pdf_page, field=field_name, value=hit.value,
    )
