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
# The builders compute in stages over a struct of named intermediates (``_stage``): each stage
# names what the next ones use, so no sub-expression is repeated — written as one nested
# expression, the exponent alone would be re-derived from the text a dozen times and the plan
# of one amount column would run to tens of thousands of nodes.
F = pl.field


def _stage(frame: pl.Expr, **fields: pl.Expr) -> pl.Expr:
    return frame.struct.with_fields(**fields)


def _number(s: pl.Expr, text: str) -> pl.Expr:
    """Adds ``negative``, ``mantissa`` (Int128 digits without the point), ``exponent`` (value =
    ±mantissa × 10^exponent) and ``number_ok`` for the number in field ``text``, read as
    ``_to_decimal`` reads it: optional accounting parentheses, a sign, digits with or without
    thousands separators, a point, an exponent."""
    s = _stage(s, paren=F(text).str.extract(r"^\((.*)\)$", 1))
    s = _stage(s, inner=pl.coalesce(F("paren"), F(text)))
    s = _stage(s, shaped=F("inner").str.contains(_PLAIN) | F("inner").str.contains(_GROUPED),
               parts=F("inner").str.extract_groups(_PARTS))
    s = _stage(s, sign=F("parts").struct.field("1"), exp_text=F("parts").struct.field("4"),
               fraction=F("parts").struct.field("3").fill_null(""),
               digits=(F("parts").struct.field("2").str.replace_all(",", "", literal=True)
                       + F("parts").struct.field("3").fill_null("")).str.strip_chars_start("0"))
    s = _stage(s, mantissa=pl.when(F("digits") == "").then(pl.lit("0"))
               .when(F("digits").str.len_chars() <= _MAX_DIGITS).then(F("digits"))
               .str.to_integer(dtype=pl.Int128, strict=False),
               exp_value=F("exp_text").cast(pl.Int64, strict=False))
    return _stage(
        s, negative=F("paren").is_not_null() | (F("sign") == "-"),
        number_ok=(F("shaped") & F("mantissa").is_not_null()
                   & (F("exp_text").is_null() | F("exp_value").is_not_null())
                   & ~(F("paren").is_not_null() & (F("sign") == "-") & (F("mantissa") != 0))).fill_null(False),
        mantissa=F("mantissa").fill_null(0),
        exponent=F("exp_value").fill_null(0) - F("fraction").str.len_chars().cast(pl.Int64))


def _at_scale(s: pl.Expr, scale: int) -> pl.Expr:
    """Adds ``value`` (Decimal(38, scale)) and ``scale_ok``: ±mantissa × 10^(exponent + shift),
    rounded to ``scale`` places as ``Decimal.quantize`` does (half-even, or half-up where
    ``half_up``), refused past Decimal's 28-digit context as quantize refuses it."""
    s = _stage(s, k=F("exponent") + F("shift") + scale)
    s = _stage(s, grow=pl.lit(_POWERS).gather(F("k").clip(0, _MAX_DIGITS)),
               divisor=pl.lit(_POWERS).gather((-F("k")).clip(0, _MAX_DIGITS)))
    s = _stage(s, fits=F("mantissa") <= pl.lit(_MAX_MANTISSA, dtype=pl.Int128) // F("grow"),
               quotient=F("mantissa") // F("divisor"), remainder=F("mantissa") % F("divisor"))
    s = _stage(s, rest=F("divisor") - F("remainder"))
    s = _stage(s, up=(F("remainder") > F("rest"))
               | ((F("remainder") == F("rest")) & (F("half_up") | (F("quotient") % 2 == 1))))
    s = _stage(s, unscaled=pl.when(F("k") >= 0).then(pl.when(F("fits")).then(F("mantissa")).otherwise(0) * F("grow"))
               .when(-F("k") > _MAX_DIGITS).then(pl.lit(0, dtype=pl.Int128))
               .otherwise(F("quotient") + F("up").cast(pl.Int128)))
    unit = pl.lit(Decimal(1).scaleb(-scale), dtype=pl.Decimal(_MAX_DIGITS, scale))
    s = _stage(s, magnitude=F("unscaled").cast(pl.Decimal(_MAX_DIGITS, 0)) * unit)
    return _stage(s, value=pl.when(F("negative")).then(-F("magnitude")).otherwise(F("magnitude")),
                  scale_ok=F("number_ok") & ((F("k") < 0) | F("fits"))
                  & (F("unscaled") < pl.lit(_CONTEXT_LIMIT, dtype=pl.Int128)))


# ───────────────────────────── builders ─────────────────────────────
def amount(text: pl.Expr, unit: pl.Expr | str | None = None, *, scale: int = 2,
           half_up: pl.Expr | bool = False) -> pl.Expr:
    """``parse_amount(text, unit).quantize(10**-scale)`` as an expression (null for blanks and
    for text that does not read; see :func:`blank`). ``unit`` is CNY/wan/yi or null."""
    s = pl.struct(text.alias("text"), _lit_unit(unit).alias("unit"), _lit_bool(half_up).alias("half_up"))
    s = _stage(s, cleaned=_squashed(F("text"), digits=True))
    s = _stage(s, peeled=F("cleaned").str.extract_groups(r"^(.*?)(" + "|".join(_TRAILING) + r")$"))
    s = _stage(s, has_token=F("peeled").struct.field("2").is_not_null() & (F("peeled").struct.field("1") != ""))
    s = _stage(s, in_text=pl.when(F("has_token")).then(F("peeled").struct.field("2").replace_strict(
        _MONEY_TOKENS, default=None)),
        number_text=pl.when(F("has_token")).then(F("peeled").struct.field("1")).otherwise(F("cleaned")),
        declared=F("unit").fill_null("CNY"))
    s = _stage(s, shift=pl.coalesce(F("in_text"), F("declared")).replace_strict(_UNIT_EXP, default=0,
                                                                                  return_dtype=pl.Int64))
    s = _at_scale(_number(s, "number_text"), scale)
    ok = (F("scale_ok") & F("declared").is_in(["CNY", "wan", "yi"])
          & (F("in_text").is_null() | F("unit").is_null() | (F("in_text") == F("declared")))
          & ~F("number_text").str.contains("%", literal=True) & ~_is_null_marker(F("cleaned")))
    return _stage(s, out=pl.when(ok).then(F("value"))).struct.field("out")


def rate(text: pl.Expr, unit: pl.Expr | str | None = None, *, scale: int = 8) -> pl.Expr:
    """``parse_rate(text, as_percent).quantize(10**-scale)`` as an expression. ``unit``:
    ``percent`` (as_percent=True), ``fraction`` (False), None (a bare number above 1 does not
    read) or ``permille`` (the value of ``parse_rate(text, as_percent=False)`` in thousandths)."""
    s = pl.struct(text.alias("text"), _lit_unit(unit).alias("unit"), pl.lit(False).alias("half_up"))
    s = _stage(s, cleaned=_squashed(F("text"), digits=True))
    s = _stage(s, upper=F("cleaned").str.to_uppercase(), percent=F("cleaned").str.ends_with("%"))
    s = _stage(s, suffix=pl.when(F("percent")).then(1).when(F("upper").str.ends_with("BP")).then(2)
               .when(F("upper").str.ends_with("BPS")).then(3).when(F("upper").str.ends_with("基点")).then(2)
               .otherwise(0))
    s = _stage(s, number_text=F("cleaned").str.slice(0, F("cleaned").str.len_chars() - F("suffix")),
               shift=(pl.when(F("percent")).then(-2).when(F("suffix") > 0).then(-4)
                      .when(F("unit") == "percent").then(-2).otherwise(0).cast(pl.Int64)
                      - pl.when(F("unit") == "permille").then(3).otherwise(0)))
    s = _at_scale(_number(s, "number_text"), scale)
    # a bare number above 1 with no declared convention is a percent without its sign
    s = _stage(s, width=F("mantissa").cast(pl.String).str.len_chars().cast(pl.Int64))
    above_one = (pl.when((F("mantissa") == 0) | (F("width") + F("exponent") <= 0)).then(False)
                 .when(F("width") + F("exponent") >= 2).then(True)
                 .when(F("exponent") >= 0).then(F("mantissa") > 1)
                 .otherwise(F("mantissa") > pl.lit(_POWERS).gather((-F("exponent")).clip(0, _MAX_DIGITS))))
    ok = (F("scale_ok") & ~((F("suffix") == 0) & F("unit").is_null() & above_one) & ~_is_null_marker(F("cleaned"))
          & (F("unit").is_null() | F("unit").is_in(["percent", "fraction", "permille"])))
    return _stage(s, out=pl.when(ok).then(F("value"))).struct.field("out")


_TIME = r"(?:[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?)?"
_DATE_FORMS = (
    rf"^([0-9]{{4}}){_WS}*年{_WS}*([0-9]{{1,2}}){_WS}*月{_WS}*([0-9]{{1,2}}){_WS}*日?{_TIME}$",
    *(rf"^([0-9]{{4}}){_WS}*{sep}{_WS}*([0-9]{{1,2}}){_WS}*{sep}{_WS}*([0-9]{{1,2}}){_TIME}$"
      for sep in ("-", "/", r"\.")),
)
_EXCEL_EPOCH = pl.date(1899, 12, 30)


def date(text: pl.Expr) -> pl.Expr:
    """``parse_date(text)`` for text cells, as an expression (null for blanks and unreadable text)."""
    s = pl.struct(text.alias("text"))
    s = _stage(s, stripped=_fold(F("text"), digits=True).str.replace(_WS + "+$", "").str.replace("^" + _WS + "+", ""))
    s = _stage(s, **{f"form{i}": F("stripped").str.extract_groups(form) for i, form in enumerate(_DATE_FORMS)},
               # 8 or 13 digits (a minus allowed on 13) are read as an integer: yyyymmdd, epoch ms,
               # or — leading zeros leaving five digits — an Excel serial
               integer=F("stripped").str.extract(r"^([0-9]{8}|-?[0-9]{13})$", 1).cast(pl.Int64, strict=False),
               serial_text=F("stripped").str.extract(r"^([0-9]{5}(?:\.[0-9]+)?)$", 1))
    s = _stage(s, width=F("integer").abs().cast(pl.String).str.len_chars(),
               **{part: pl.coalesce(*(F(f"form{i}").struct.field(str(n)) for i in range(len(_DATE_FORMS))))
                  for n, part in ((1, "year"), (2, "month"), (3, "day"))})
    s = _stage(s, compact=pl.when((F("width") == 8) & (F("integer") > 0)).then(F("integer")),
               serial=pl.coalesce(pl.when(F("width") == 5).then(F("integer")).cast(pl.Float64),
                                  F("serial_text").cast(pl.Float64, strict=False)).floor().cast(pl.Int64))
    s = _stage(s, ymd=pl.coalesce(
        pl.concat_str(F("year"), F("month").str.zfill(2), F("day").str.zfill(2), separator="-"),
        pl.concat_str((F("compact") // 10_000).cast(pl.String).str.zfill(4),
                      (F("compact") // 100 % 100).cast(pl.String).str.zfill(2),
                      (F("compact") % 100).cast(pl.String).str.zfill(2), separator="-")))
    calendar = pl.when(~F("ymd").str.starts_with("0000")).then(F("ymd")).str.to_date("%Y-%m-%d", strict=False)
    epoch = (pl.when(F("width") == 13).then(F("integer")).cast(pl.Datetime("ms")).dt.replace_time_zone("UTC")
             .dt.convert_time_zone(str(MARKET_TIMEZONE)).dt.date())
    excel = (_EXCEL_EPOCH + pl.duration(days=pl.when((F("serial") >= 10_000) & (F("serial") < 100_000))
                                        .then(F("serial")))).cast(pl.Date)
    value = pl.when(~_is_null_marker(F("stripped").str.replace_all(_WS, ""))).then(pl.coalesce(calendar, epoch, excel))
    return _stage(s, out=value).struct.field("out")


def rating(text: pl.Expr) -> pl.Expr:
    """``str(parse_rating(text))`` as an expression: ``AA+sf`` / ``A-1`` (null for unrated
    markers and for text that is not a grade)."""
    s = pl.struct(text.alias("text"))
    s = _stage(s, folded=_fold(F("text")))
    s = _stage(s, unrated=_is_null_marker(F("folded").str.replace_all(_WS, ""), UNRATED_MARKERS),
               cleaned=F("folded").str.replace_many(_RATING_NOISE_FROM, _RATING_NOISE_TO).str.replace_all(_WS, "")
               .str.to_uppercase())
    s = _stage(s, structured=F("cleaned").str.contains(r"\(?SF\)?$"),
               core=F("cleaned").str.replace(r"\(?SF\)?$", "").str.replace(r"SPC$", ""))
    canonical = pl.when(F("structured")).then(F("core") + "sf").otherwise(F("core"))
    return _stage(s, out=pl.when(~F("unrated") & F("core").is_in(sorted(_GRADES))).then(canonical)).struct.field("out")


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
