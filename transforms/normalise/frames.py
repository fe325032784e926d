"""The normalisers as polars expressions: a whole column of printed cells typed in one pass.

A parse batch holds thousands of money, rate and date cells as the documents printed them.
Typing them one by one in Python (``parse_amount``, ``parse_rate``, ``parse_date``,
``parse_rating``) is the per-cell path; these builders do the same over a column, with the
same vocabularies as data (``UNIT_FACTORS``, ``NULL_MARKERS``, the unit tokens, the rating
scales, the width folding of ``text.fold_width``) and the same answers, exactly:

* :func:`amount` — CNY at the column's scale, rounded as the parser rounds (half-even, or
  half-up), from ``1,234.56``, ``(1,234.00)``, ``−5``, ``８０,０００.００``, ``3.5亿元`` in a
  column whose unit is 元, 万元 or 亿元;
* :func:`rate` — a fraction from ``1.72%``, ``120bp``, ``2.15`` in a (%) column, ``1.5‰``;
* :func:`date` — a DATE from ``2025年7月31日``, ``2025-07-31``, ``2025/7/31 10:00``,
  ``20250731``, epoch milliseconds (the Beijing day) and five-digit Excel serials;
* :func:`rating` — the warehouse notation (``AA+sf``) from ``ＡＡ＋ (sf)``, ``AA^+_{sf}`` …

Each gives null both for a cell that says "nothing here" (``-``, ``—``, ``不适用``, ``NR`` …)
and for text it cannot read; :func:`blank` tells the two apart, so the caller can refuse the
second (a document whose printed figure does not read is quarantined, never loaded as null).
The equivalence with the per-cell functions is a test (``tests/transforms/normalise/
test_normalise_frames.py``). Cells from documents are text; numbers already typed (Excel
floats) stay on the per-cell path.
"""

from __future__ import annotations

import functools
import unicodedata
from decimal import Decimal
from typing import Literal, NamedTuple

import polars as pl

from transforms.normalise.dates import MARKET_TIMEZONE
from transforms.normalise.numbers import _UNIT_TOKENS, NULL_MARKERS, UNIT_FACTORS
from transforms.normalise.ratings import LONG_TERM_SCALE, SHORT_TERM_SCALE, UNRATED_MARKERS
from transforms.normalise.text import fold_width

Kind = Literal["amount", "rate", "date", "rating"]


class Raw(NamedTuple):
    """A cell a parser hands over as printed, for the batch to type as a column.

    ``unit`` is what the page declared for it: for an amount ``CNY``/``wan``/``yi`` (None: no
    unit declared, so a unit written after the number decides and 元 is the default); for a
    rate ``percent`` (a (%) column), ``fraction``, ``permille`` or None (a bare number must be
    a fraction). ``half_up`` rounds ties away from zero (the parser's ``ROUND_HALF_UP``);
    ``page`` is where the cell stands (None: the row's ``source_page``)."""

    text: str
    unit: str | None = None
    half_up: bool = False
    page: int | None = None


_deferring = False


def defer_cells(on: bool) -> None:
    """Switch this process's parsers between typing cells themselves (off: the default, what a
    direct call and its tests see) and handing them over as ``Raw`` for a batch to type (on:
    set by the parse worker's batch while it collects rows)."""
    global _deferring
    _deferring = on


def deferring() -> bool:
    """Whether parsers hand cells over as ``Raw`` (see :func:`defer_cells`)."""
    return _deferring


# ───────────────────────────── vocabularies as expression data ─────────────────────────────
@functools.cache
def _folding(digits: bool) -> tuple[list[str], list[str]]:
    """(characters, replacements): every character ``fold_width`` changes (below U+10000), and
    with ``digits`` the digits of every script as ASCII, as Python's Decimal() and int() read
    them. Built on first use (a scan of Unicode, ~0.1 s), not on import."""
    pairs = {ch: fold_width(ch) for ch in map(chr, range(0x10000)) if fold_width(ch) != ch}
    if digits:
        for ch in map(chr, range(0x80, 0x110000)):
            if ch not in pairs and unicodedata.category(ch) == "Nd":
                pairs[ch] = str(unicodedata.decimal(ch))
    return list(pairs), list(pairs.values())


def _fold(text: pl.Expr, *, digits: bool = False) -> pl.Expr:
    return text.str.replace_many(*_folding(digits))


# Whitespace exactly as str.split() and str.strip() see it (regex \s misses U+001C…U+001F).
_WS = "[" + "".join(f"\\x{{{ord(ch):x}}}" for ch in map(chr, range(0x3001)) if ch.isspace()) + "]"

_PLAIN = r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$"
_GROUPED = r"^[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?$"
_PARTS = r"^([+-]?)([0-9,]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?$"
_MAX_DIGITS = 38
_POWERS = pl.Series("powers", [10**i for i in range(_MAX_DIGITS + 1)], dtype=pl.Int128)
_MAX_MANTISSA = 10**_MAX_DIGITS - 1
# Decimal's default context holds 28 digits: quantize refuses a longer result, and so do we.
_CONTEXT_LIMIT = 10**28


def _power_of_ten(factor: Decimal) -> int:
    """The exponent of a unit factor (10,000 → 4, 0.01 → −2); the vocabulary holds only powers of ten."""
    sign, digits, exponent = factor.normalize().as_tuple()
    if sign or digits != (1,):
        raise ValueError(f"unit factor {factor} is not a power of ten")
    return int(exponent)


_UNIT_EXP = {unit: _power_of_ten(factor) for unit, factor in UNIT_FACTORS.items()}
_MONEY_TOKENS = {token: unit for token, unit in _UNIT_TOKENS.items() if unit != "percent"}
# The per-cell reader peels only these off the end of a number (longest alternatives first).
_TRAILING = ("人民币万元", "人民币亿元", "人民币元", "元人民币", "万元", "亿元", "元", "万", "亿")
_GRADES = frozenset(LONG_TERM_SCALE + SHORT_TERM_SCALE)
_RATING_NOISE_FROM = ["^", "_", "{", "}", "$", "\u207a", "级"]
_RATING_NOISE_TO = ["", "", "", "", "", "+", ""]


# ───────────────────────────── text clean-up ─────────────────────────────
def _squashed(text: pl.Expr, *, digits: bool) -> pl.Expr:
    """``squash_spaces(fold_width(text))``; with ``digits``, other scripts' digits as ASCII."""
    return _fold(text, digits=digits).str.replace_all(_WS, "")


def _is_null_marker(squashed: pl.Expr, markers: frozenset[str] = NULL_MARKERS) -> pl.Expr:
    return squashed.str.to_uppercase().is_in(sorted(markers))


def _lit_unit(unit: pl.Expr | str | None) -> pl.Expr:
    return unit if isinstance(unit, pl.Expr) else pl.lit(unit, dtype=pl.String)


def _lit_bool(value: pl.Expr | bool) -> pl.Expr:
    return value if isinstance(value, pl.Expr) else pl.lit(value, dtype=pl.Boolean)


# ───────────────────────────── exact decimals ─────────────────────────────
class _Number(NamedTuple):
    negative: pl.Expr   # the value is below zero (or a negative zero)
    mantissa: pl.Expr   # Int128 digits without the point
    exponent: pl.Expr   # Int64: value = ±mantissa × 10^exponent
    ok: pl.Expr         # the text is a number the per-cell reader accepts


def _number(text: pl.Expr) -> _Number:
    """A number as ``_to_decimal`` reads it: optional accounting parentheses, a sign, digits
    with or without thousands separators, a point, an exponent."""
    paren = text.str.extract(r"^\((.*)\)$", 1)
    inner = pl.coalesce(paren, text)
    shaped = inner.str.contains(_PLAIN) | inner.str.contains(_GROUPED)
    parts = inner.str.extract_groups(_PARTS)
    sign = parts.struct.field("1")
    whole = parts.struct.field("2").str.replace_all(",", "", literal=True)
    fraction = parts.struct.field("3").fill_null("")
    exponent = parts.struct.field("4").cast(pl.Int64, strict=False)
    digits = (whole + fraction).str.strip_chars_start("0")
    mantissa = pl.when(digits == "").then(pl.lit("0")).otherwise(digits)
    mantissa = pl.when(digits.str.len_chars() <= _MAX_DIGITS).then(mantissa).str.to_integer(
        dtype=pl.Int128, strict=False)
    negative = paren.is_not_null() | (sign == "-")
    double_negative = paren.is_not_null() & (sign == "-") & (mantissa != 0)
    exp_ok = parts.struct.field("4").is_null() | exponent.is_not_null()
    ok = shaped & mantissa.is_not_null() & exp_ok & ~double_negative
    return _Number(negative, mantissa.fill_null(0),
                   exponent.fill_null(0) - fraction.str.len_chars().cast(pl.Int64), ok.fill_null(False))


def _at_scale(number: _Number, shift: pl.Expr, scale: int, half_up: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """(Decimal(38, scale) value, ok): ±mantissa × 10^(exponent + shift), rounded to ``scale``
    places as ``Decimal.quantize`` does (half-even, or half-up where ``half_up``)."""
    k = number.exponent + shift + scale
    m = number.mantissa
    up_k = k.clip(0, _MAX_DIGITS)
    grow = pl.lit(_POWERS).gather(up_k)
    fits = m <= pl.lit(_MAX_MANTISSA, dtype=pl.Int128) // grow
    grown = pl.when(fits).then(m).otherwise(0) * grow
    down_k = (-k).clip(0, _MAX_DIGITS)
    divisor = pl.lit(_POWERS).gather(down_k)
    quotient, remainder = m // divisor, m % divisor
    rest = divisor - remainder
    up = (remainder > rest) | ((remainder == rest) & (half_up | (quotient % 2 == 1)))
    shrunk = pl.when(-k > _MAX_DIGITS).then(pl.lit(0, dtype=pl.Int128)).otherwise(quotient + up.cast(pl.Int128))
    unscaled = pl.when(k >= 0).then(grown).otherwise(shrunk)
    unit = pl.lit(Decimal(1).scaleb(-scale), dtype=pl.Decimal(_MAX_DIGITS, scale))
    magnitude = unscaled.cast(pl.Decimal(_MAX_DIGITS, 0)) * unit
    value = pl.when(number.negative).then(-magnitude).otherwise(magnitude)
    within = unscaled < pl.lit(_CONTEXT_LIMIT, dtype=pl.Int128)
    return value, number.ok & ((k < 0) | fits) & within


# ───────────────────────────── builders ─────────────────────────────
def amount(text: pl.Expr, unit: pl.Expr | str | None = None, *, scale: int = 2,
           half_up: pl.Expr | bool = False) -> pl.Expr:
    """``parse_amount(text, unit).quantize(10**-scale)`` as an expression (null for blanks and
    for text that does not read; see :func:`blank`). ``unit`` is CNY/wan/yi or null."""
    unit = _lit_unit(unit)
    cleaned = _squashed(text, digits=True)
    peeled = cleaned.str.extract_groups(r"^(.*?)(" + "|".join(_TRAILING) + r")$")
    head, token = peeled.struct.field("1"), peeled.struct.field("2")
    has_token = token.is_not_null() & (head != "")
    in_text = pl.when(has_token).then(token.replace_strict(_MONEY_TOKENS, default=None))
    number_text = pl.when(has_token).then(head).otherwise(cleaned)
    declared = unit.fill_null("CNY")
    known = declared.is_in(["CNY", "wan", "yi"])
    agrees = in_text.is_null() | unit.is_null() | (in_text == declared)
    used = pl.coalesce(in_text, declared)
    shift = used.replace_strict(_UNIT_EXP, default=0, return_dtype=pl.Int64)
    value, ok = _at_scale(_number(number_text), shift, scale, _lit_bool(half_up))
    ok = ok & known & agrees & ~number_text.str.contains("%", literal=True) & ~_is_null_marker(cleaned)
    return pl.when(ok).then(value)


def rate(text: pl.Expr, unit: pl.Expr | str | None = None, *, scale: int = 8) -> pl.Expr:
    """``parse_rate(text, as_percent).quantize(10**-scale)`` as an expression. ``unit``:
    ``percent`` (as_percent=True), ``fraction`` (False), None (a bare number above 1 does not
    read) or ``permille`` (the value of ``parse_rate(text, as_percent=False)`` in thousandths)."""
    unit = _lit_unit(unit)
    cleaned = _squashed(text, digits=True)
    upper = cleaned.str.to_uppercase()
    percent = cleaned.str.ends_with("%")
    suffix = (pl.when(percent).then(1).when(upper.str.ends_with("BP")).then(2)
              .when(upper.str.ends_with("BPS")).then(3).when(upper.str.ends_with("基点")).then(2).otherwise(0))
    number_text = cleaned.str.slice(0, cleaned.str.len_chars() - suffix)
    signed = percent | (suffix > 0)
    shift = (pl.when(percent).then(-2).when(suffix > 0).then(-4)
             .when(unit == "percent").then(-2).otherwise(0).cast(pl.Int64)
             - pl.when(unit == "permille").then(3).otherwise(0))
    number = _number(number_text)
    value, ok = _at_scale(number, shift, scale, pl.lit(False))
    # a bare number above 1 with no declared convention is a percent without its sign
    above_one = ~signed & unit.is_null() & _above_one(number)
    ok = ok & ~above_one & ~_is_null_marker(cleaned) & (unit.is_null() | unit.is_in(["percent", "fraction", "permille"]))
    return pl.when(ok).then(value)


def _above_one(number: _Number) -> pl.Expr:
    """|±mantissa × 10^exponent| > 1, exactly."""
    m, e = number.mantissa, number.exponent
    digits = m.cast(pl.String).str.len_chars().cast(pl.Int64)
    # m ≥ 10^(digits-1): the value is above 1 when m × 10^e > 1
    small = (m == 0) | (digits + e <= 0)            # below 1
    large = digits + e >= 2                          # at least 10
    one_ish = pl.lit(_POWERS).gather((-e).clip(0, _MAX_DIGITS))  # 10^-e for e < 0: value > 1 iff m > 10^-e
    middle = pl.when(e >= 0).then(m > 1).otherwise(m > one_ish)
    return pl.when(small).then(False).when(large).then(True).otherwise(middle)


_TIME = r"(?:[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?)?"
_DATE_FORMS = (
    rf"^([0-9]{{4}}){_WS}*年{_WS}*([0-9]{{1,2}}){_WS}*月{_WS}*([0-9]{{1,2}}){_WS}*日?{_TIME}$",
    *(rf"^([0-9]{{4}}){_WS}*{sep}{_WS}*([0-9]{{1,2}}){_WS}*{sep}{_WS}*([0-9]{{1,2}}){_TIME}$"
      for sep in ("-", "/", r"\.")),
)
_EXCEL_EPOCH = pl.date(1899, 12, 30)


def date(text: pl.Expr) -> pl.Expr:
    """``parse_date(text)`` for text cells, as an expression (null for blanks and unreadable text)."""
    folded = _fold(text, digits=True)
    stripped = folded.str.replace(_WS + "+$", "").str.replace("^" + _WS + "+", "")
    year = month = day = pl.lit(None, dtype=pl.String)
    for form in _DATE_FORMS:
        parts = stripped.str.extract_groups(form)
        year = pl.coalesce(year, parts.struct.field("1"))
        month = pl.coalesce(month, parts.struct.field("2"))
        day = pl.coalesce(day, parts.struct.field("3"))
    # 8 or 13 digits (an optional minus on 13) are read as an integer: yyyymmdd, epoch ms, or —
    # leading zeros leaving five digits — an Excel serial
    integer_text = stripped.str.extract(r"^([0-9]{8}|-?[0-9]{13})$", 1)
    integer = integer_text.cast(pl.Int64, strict=False)
    width = integer.abs().cast(pl.String).str.len_chars()
    compact = pl.when((width == 8) & (integer > 0)).then(integer)
    serial_text = stripped.str.extract(r"^([0-9]{5}(?:\.[0-9]+)?)$", 1)
    serial = pl.coalesce(pl.when(width == 5).then(integer).cast(pl.Float64),
                         serial_text.cast(pl.Float64, strict=False)).floor().cast(pl.Int64)
    serial = pl.when((serial >= 10_000) & (serial < 100_000)).then(serial)
    ymd = pl.coalesce(
        pl.concat_str(year, month.str.zfill(2), day.str.zfill(2), separator="-"),
        pl.concat_str((compact // 10_000).cast(pl.String).str.zfill(4),
                      (compact // 100 % 100).cast(pl.String).str.zfill(2),
                      (compact % 100).cast(pl.String).str.zfill(2), separator="-"))
    calendar = pl.when(~ymd.str.starts_with("0000")).then(ymd).str.to_date("%Y-%m-%d", strict=False)
    epoch = (pl.when(width == 13).then(integer).cast(pl.Datetime("ms")).dt.replace_time_zone("UTC")
             .dt.convert_time_zone(str(MARKET_TIMEZONE)).dt.date())
    excel = (_EXCEL_EPOCH + pl.duration(days=serial)).cast(pl.Date)
    value = pl.coalesce(calendar, epoch, excel)
    return pl.when(~_is_null_marker(stripped.str.replace_all(_WS, ""))).then(value)


def rating(text: pl.Expr) -> pl.Expr:
    """``str(parse_rating(text))`` as an expression: ``AA+sf`` / ``A-1`` (null for unrated
    markers and for text that is not a grade)."""
    folded = _fold(text)
    unrated = _is_null_marker(folded.str.replace_all(_WS, ""), UNRATED_MARKERS)
    cleaned = folded.str.replace_many(_RATING_NOISE_FROM, _RATING_NOISE_TO).str.replace_all(_WS, "").str.to_uppercase()
    structured = cleaned.str.contains(r"\(?SF\)?$")
    core = cleaned.str.replace(r"\(?SF\)?$", "").str.replace(r"SPC$", "")
    canonical = pl.when(structured).then(core + "sf").otherwise(core)
    return pl.when(~unrated & core.is_in(sorted(_GRADES))).then(canonical)


BUILDERS = {"amount": amount, "rate": rate, "date": date, "rating": rating}


def blank(kind: Kind, text: pl.Expr) -> pl.Expr:
    """Whether a cell says "nothing here" (null, or a null / unrated marker): its null is the
    document's answer, not a cell that failed to read."""
    if kind == "rating":
        marker = _is_null_marker(_squashed(text, digits=False), UNRATED_MARKERS)
    else:
        marker = _is_null_marker(_squashed(text, digits=True))
    return text.is_null() | marker


def kind_of(dtype: pl.DataType) -> Kind | None:
    """The normaliser for a warehouse column type: DECIMAL(·,2) money, DECIMAL(·,8) rates, DATE."""
    if isinstance(dtype, pl.Decimal):
        return "amount" if dtype.scale <= 4 else "rate"
    if dtype == pl.Date:
        return "date"
    return None


def normalised(kind: Kind, text: pl.Expr, unit: pl.Expr | None = None, half_up: pl.Expr | None = None,
               dtype: pl.DataType | None = None) -> pl.Expr:
    """The typed column for cells of one kind (the scale from the warehouse's dtype)."""
    if kind == "amount":
        scale = dtype.scale if isinstance(dtype, pl.Decimal) else 2
        return amount(text, unit, scale=scale, half_up=pl.lit(False) if half_up is None else half_up.fill_null(False))
    if kind == "rate":
        return rate(text, unit, scale=dtype.scale if isinstance(dtype, pl.Decimal) else 8)
    return BUILDERS[kind](text)


__all__ = ["Raw", "defer_cells", "deferring", "amount", "rate", "date", "rating", "blank", "kind_of", "normalised", "BUILDERS"]
