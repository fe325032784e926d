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

Each normaliser is a plan of named stages, run either as ``with_columns`` steps over a frame
(:func:`typed`, what a parse batch uses: a plan costs a few milliseconds to set up, a cell a
fraction of a microsecond) or folded into one expression (the builders above). Parsers hand
the figures they do not compute with over as :class:`Raw` while a batch collects rows
(:func:`defer_cells`); :class:`PrintedCells` gathers them and types them per kind for the batch.
"""

from __future__ import annotations

import functools
import unicodedata
from decimal import Decimal
from typing import Literal, NamedTuple

import polars as pl

from transforms.normalise.dates import MARKET_TIMEZONE
from transforms.normalise.numbers import (
    _GROUPED_NUMBER,
    _PLAIN_NUMBER,
    _TRAILING_UNIT,
    _UNIT_TOKENS,
    NULL_MARKERS,
    UNIT_FACTORS,
)
from transforms.normalise.ratings import _NOISE, LONG_TERM_SCALE, SHORT_TERM_SCALE, UNRATED_MARKERS
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

# The per-cell reader's own patterns (their digits are ASCII here: other scripts' are folded first).
_PLAIN, _GROUPED = f"^{_PLAIN_NUMBER.pattern}$", f"^{_GROUPED_NUMBER.pattern}$"
_PEEL = rf"^(.*?){_TRAILING_UNIT.pattern}"   # a unit after the number: 13,200.00万元
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
_GRADES = frozenset(LONG_TERM_SCALE + SHORT_TERM_SCALE)
_RATING_NOISE_FROM, _RATING_NOISE_TO = [chr(c) for c in _NOISE], [v or "" for v in _NOISE.values()]


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


# ───────────────────────────── stages ─────────────────────────────
class _Plan:
    """A normaliser as stages of named intermediates, each stage naming what later ones use, so
    no sub-expression is repeated (as one nested expression, the exponent alone would be
    re-derived from the text a dozen times). Run as ``with_columns`` steps over a frame (the
    batch path: milliseconds per plan), or folded into one expression over a struct (composable)."""

    def __init__(self, ref) -> None:
        self.ref = ref                      # pl.col over a frame, pl.field inside a struct
        self.stages: list[dict[str, pl.Expr]] = []

    def __call__(self, name: str) -> pl.Expr:
        return self.ref(name)

    def add(self, **fields: pl.Expr) -> None:
        self.stages.append(fields)


def _as_expression(build, inputs: dict[str, pl.Expr], *args) -> pl.Expr:
    """A plan folded into one expression: stages as ``struct.with_fields`` over the inputs."""
    plan = _Plan(pl.field)
    build(plan, *args)
    s = pl.struct(*(e.alias(name) for name, e in inputs.items()))
    for stage in plan.stages:
        s = s.struct.with_fields(**stage)
    return s.struct.field("out")


def _over_frame(frame: pl.DataFrame, build, *args) -> pl.Series:
    """A plan run over a frame's ``text`` (``unit``, ``half_up``) columns: its ``out`` column."""
    plan = _Plan(pl.col)
    build(plan, *args)
    for stage in plan.stages:  # eager steps: a lazy plan of the same stages takes longer to optimise
        frame = frame.with_columns(**stage)
    return frame["out"]


# ───────────────────────────── exact decimals ─────────────────────────────
def _number(p: _Plan, text: str) -> None:
    """Adds ``negative``, ``mantissa`` (Int128 digits without the point), ``exponent`` (value =
    ±mantissa × 10^exponent) and ``number_ok`` for the number in field ``text``, read as
    ``_to_decimal`` reads it: optional accounting parentheses, a sign, digits with or without
    thousands separators, a point, an exponent."""
    p.add(paren=p(text).str.extract(r"^\((.*)\)$", 1))
    p.add(inner=pl.coalesce(p("paren"), p(text)))
    p.add(shaped=p("inner").str.contains(_PLAIN) | p("inner").str.contains(_GROUPED),
          parts=p("inner").str.extract_groups(_PARTS))
    p.add(sign=p("parts").struct.field("1"), exp_text=p("parts").struct.field("4"),
          fraction=p("parts").struct.field("3").fill_null(""),
          digits=(p("parts").struct.field("2").str.replace_all(",", "", literal=True)
                  + p("parts").struct.field("3").fill_null("")).str.strip_chars_start("0"))
    p.add(mantissa=pl.when(p("digits") == "").then(pl.lit("0"))
          .when(p("digits").str.len_chars() <= _MAX_DIGITS).then(p("digits"))
          .str.to_integer(dtype=pl.Int128, strict=False),
          exp_value=p("exp_text").cast(pl.Int64, strict=False))
    p.add(negative=p("paren").is_not_null() | (p("sign") == "-"),
          number_ok=(p("shaped") & p("mantissa").is_not_null()
                     & (p("exp_text").is_null() | p("exp_value").is_not_null())
                     & ~(p("paren").is_not_null() & (p("sign") == "-") & (p("mantissa") != 0))).fill_null(False),
          mantissa=p("mantissa").fill_null(0),
          exponent=p("exp_value").fill_null(0) - p("fraction").str.len_chars().cast(pl.Int64))


def _at_scale(p: _Plan, scale: int) -> None:
    """Adds ``value`` (Decimal(38, scale)) and ``scale_ok``: ±mantissa × 10^(exponent + shift),
    rounded to ``scale`` places as ``Decimal.quantize`` does (half-even, or half-up where
    ``half_up``), refused past Decimal's 28-digit context as quantize refuses it."""
    p.add(k=p("exponent") + p("shift") + scale)
    p.add(grow=pl.lit(_POWERS).gather(p("k").clip(0, _MAX_DIGITS)),
          divisor=pl.lit(_POWERS).gather((-p("k")).clip(0, _MAX_DIGITS)))
    p.add(fits=p("mantissa") <= pl.lit(_MAX_MANTISSA, dtype=pl.Int128) // p("grow"),
          quotient=p("mantissa") // p("divisor"), remainder=p("mantissa") % p("divisor"))
    p.add(rest=p("divisor") - p("remainder"))
    p.add(up=(p("remainder") > p("rest"))
          | ((p("remainder") == p("rest")) & (p("half_up") | (p("quotient") % 2 == 1))))
    p.add(unscaled=pl.when(p("k") >= 0).then(pl.when(p("fits")).then(p("mantissa")).otherwise(0) * p("grow"))
          .when(-p("k") > _MAX_DIGITS).then(pl.lit(0, dtype=pl.Int128))
          .otherwise(p("quotient") + p("up").cast(pl.Int128)))
    unit = pl.lit(Decimal(1).scaleb(-scale), dtype=pl.Decimal(_MAX_DIGITS, scale))
    p.add(magnitude=p("unscaled").cast(pl.Decimal(_MAX_DIGITS, 0)) * unit)
    p.add(value=pl.when(p("negative")).then(-p("magnitude")).otherwise(p("magnitude")),
          scale_ok=p("number_ok") & ((p("k") < 0) | p("fits"))
          & (p("unscaled") < pl.lit(_CONTEXT_LIMIT, dtype=pl.Int128)))


# ───────────────────────────── builders ─────────────────────────────
def amount(text: pl.Expr, unit: pl.Expr | str | None = None, *, scale: int = 2,
           half_up: pl.Expr | bool = False) -> pl.Expr:
    """``parse_amount(text, unit).quantize(10**-scale)`` as an expression (null for blanks and
    for text that does not read; see :func:`blank`). ``unit`` is CNY/wan/yi or null."""
    return _as_expression(_amount, {"text": text, "unit": _lit_unit(unit), "half_up": _lit_bool(half_up)}, scale)


def _amount(p: _Plan, scale: int) -> None:
    p.add(cleaned=_squashed(p("text"), digits=True))
    p.add(peeled=p("cleaned").str.extract_groups(_PEEL))
    p.add(has_token=p("peeled").struct.field("2").is_not_null() & (p("peeled").struct.field("1") != ""))
    p.add(in_text=pl.when(p("has_token")).then(p("peeled").struct.field("2").replace_strict(
              _MONEY_TOKENS, default=None)),
          number_text=pl.when(p("has_token")).then(p("peeled").struct.field("1")).otherwise(p("cleaned")),
          declared=p("unit").fill_null("CNY"))
    p.add(shift=pl.coalesce(p("in_text"), p("declared")).replace_strict(_UNIT_EXP, default=0,
                                                                         return_dtype=pl.Int64))
    _number(p, "number_text")
    _at_scale(p, scale)
    ok = (p("scale_ok") & p("declared").is_in(["CNY", "wan", "yi"])
          & (p("in_text").is_null() | p("unit").is_null() | (p("in_text") == p("declared")))
          & ~p("number_text").str.contains("%", literal=True) & ~_is_null_marker(p("cleaned")))
    p.add(out=pl.when(ok).then(p("value")))


def rate(text: pl.Expr, unit: pl.Expr | str | None = None, *, scale: int = 8,
         half_up: pl.Expr | bool = False) -> pl.Expr:
    """``parse_rate(text, as_percent).quantize(10**-scale)`` as an expression. ``unit``:
    ``percent`` (as_percent=True), ``fraction`` (False), None (a bare number above 1 does not
    read) or ``permille`` (the value of ``parse_rate(text, as_percent=False)`` in thousandths)."""
    return _as_expression(_rate, {"text": text, "unit": _lit_unit(unit), "half_up": _lit_bool(half_up)}, scale)


def _rate(p: _Plan, scale: int) -> None:
    p.add(cleaned=_squashed(p("text"), digits=True))
    p.add(upper=p("cleaned").str.to_uppercase(), percent=p("cleaned").str.ends_with("%"))
    p.add(suffix=pl.when(p("percent")).then(1).when(p("upper").str.ends_with("BP")).then(2)
          .when(p("upper").str.ends_with("BPS")).then(3).when(p("upper").str.ends_with("基点")).then(2)
          .otherwise(0))
    p.add(number_text=p("cleaned").str.slice(0, p("cleaned").str.len_chars() - p("suffix")),
          shift=(pl.when(p("percent")).then(-2).when(p("suffix") > 0).then(-4)
                 .when(p("unit") == "percent").then(-2).otherwise(0).cast(pl.Int64)
                 - pl.when(p("unit") == "permille").then(3).otherwise(0)))
    _number(p, "number_text")
    _at_scale(p, scale)
    # a bare number above 1 with no declared convention is a percent without its sign
    p.add(width=p("mantissa").cast(pl.String).str.len_chars().cast(pl.Int64))
    above_one = (pl.when((p("mantissa") == 0) | (p("width") + p("exponent") <= 0)).then(False)
                 .when(p("width") + p("exponent") >= 2).then(True)
                 .when(p("exponent") >= 0).then(p("mantissa") > 1)
                 .otherwise(p("mantissa") > pl.lit(_POWERS).gather((-p("exponent")).clip(0, _MAX_DIGITS))))
    ok = (p("scale_ok") & ~((p("suffix") == 0) & p("unit").is_null() & above_one) & ~_is_null_marker(p("cleaned"))
          & (p("unit").is_null() | p("unit").is_in(["percent", "fraction", "permille"])))
    p.add(out=pl.when(ok).then(p("value")))


_TIME = r"(?:[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?)?"
_DATE_FORMS = (
    rf"^([0-9]{{4}}){_WS}*年{_WS}*([0-9]{{1,2}}){_WS}*月{_WS}*([0-9]{{1,2}}){_WS}*日?{_TIME}$",
    *(rf"^([0-9]{{4}}){_WS}*{sep}{_WS}*([0-9]{{1,2}}){_WS}*{sep}{_WS}*([0-9]{{1,2}}){_TIME}$"
      for sep in ("-", "/", r"\.")),
)
_EXCEL_EPOCH = pl.date(1899, 12, 30)


def date(text: pl.Expr) -> pl.Expr:
    """``parse_date(text)`` for text cells, as an expression (null for blanks and unreadable text)."""
    return _as_expression(_date, {"text": text})


def _date(p: _Plan) -> None:
    p.add(stripped=_fold(p("text"), digits=True).str.replace(_WS + "+$", "").str.replace("^" + _WS + "+", ""))
    p.add(**{f"form{i}": p("stripped").str.extract_groups(form) for i, form in enumerate(_DATE_FORMS)},
          # 8 or 13 digits (a minus allowed on 13) are read as an integer: yyyymmdd, epoch ms,
          # or — leading zeros leaving five digits — an Excel serial
          integer=p("stripped").str.extract(r"^([0-9]{8}|-?[0-9]{13})$", 1).cast(pl.Int64, strict=False),
          serial_text=p("stripped").str.extract(r"^([0-9]{5}(?:\.[0-9]+)?)$", 1))
    p.add(width=p("integer").abs().cast(pl.String).str.len_chars(),
          **{part: pl.coalesce(*(p(f"form{i}").struct.field(str(n)) for i in range(len(_DATE_FORMS))))
             for n, part in ((1, "year"), (2, "month"), (3, "day"))})
    p.add(compact=pl.when((p("width") == 8) & (p("integer") > 0)).then(p("integer")),
          serial=pl.coalesce(pl.when(p("width") == 5).then(p("integer")).cast(pl.Float64),
                             p("serial_text").cast(pl.Float64, strict=False)).floor().cast(pl.Int64))
    p.add(ymd=pl.coalesce(
        pl.concat_str(p("year"), p("month").str.zfill(2), p("day").str.zfill(2), separator="-"),
        pl.concat_str((p("compact") // 10_000).cast(pl.String).str.zfill(4),
                      (p("compact") // 100 % 100).cast(pl.String).str.zfill(2),
                      (p("compact") % 100).cast(pl.String).str.zfill(2), separator="-")))
    calendar = pl.when(~p("ymd").str.starts_with("0000")).then(p("ymd")).str.to_date("%Y-%m-%d", strict=False)
    epoch = (pl.when(p("width") == 13).then(p("integer")).cast(pl.Datetime("ms")).dt.replace_time_zone("UTC")
             .dt.convert_time_zone(str(MARKET_TIMEZONE)).dt.date())
    excel = (_EXCEL_EPOCH + pl.duration(days=pl.when((p("serial") >= 10_000) & (p("serial") < 100_000))
                                        .then(p("serial")))).cast(pl.Date)
    value = pl.when(~_is_null_marker(p("stripped").str.replace_all(_WS, ""))).then(pl.coalesce(calendar, epoch, excel))
    p.add(out=value)


def rating(text: pl.Expr) -> pl.Expr:
    """``str(parse_rating(text))`` as an expression: ``AA+sf`` / ``A-1`` (null for unrated
    markers and for text that is not a grade)."""
    return _as_expression(_rating, {"text": text})


def _rating(p: _Plan) -> None:
    p.add(folded=_fold(p("text")))
    p.add(unrated=_is_null_marker(p("folded").str.replace_all(_WS, ""), UNRATED_MARKERS),
          cleaned=p("folded").str.replace_many(_RATING_NOISE_FROM, _RATING_NOISE_TO).str.replace_all(_WS, "")
          .str.to_uppercase())
    p.add(structured=p("cleaned").str.contains(r"\(?SF\)?$"),
          core=p("cleaned").str.replace(r"\(?SF\)?$", "").str.replace(r"SPC$", ""))
    canonical = pl.when(p("structured")).then(p("core") + "sf").otherwise(p("core"))
    p.add(out=pl.when(~p("unrated") & p("core").is_in(sorted(_GRADES))).then(canonical))


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


def typed(frame: pl.DataFrame, kind: Kind, dtype: pl.DataType | None = None) -> pl.Series:
    """A frame's ``text`` column typed as ``kind`` (amounts and rates with the frame's ``unit``
    and ``half_up`` columns, at the scale of ``dtype``), run as ``with_columns`` stages: the
    batch path (one plan per kind, a few milliseconds, whatever the rows)."""
    scale = dtype.scale if isinstance(dtype, pl.Decimal) else (2 if kind == "amount" else 8)
    if kind in ("amount", "rate"):
        frame = frame.with_columns(
            (pl.col("unit") if "unit" in frame.columns else pl.lit(None, pl.String)).alias("unit"),
            (pl.col("half_up").fill_null(False) if "half_up" in frame.columns else pl.lit(False)).alias("half_up"))
        return _over_frame(frame, _amount if kind == "amount" else _rate, scale).alias("value")
    return _over_frame(frame, {"date": _date, "rating": _rating}[kind]).alias("value")


# ───────────────────────────── a batch's printed figures ─────────────────────────────
def split_printed(row: dict) -> tuple[dict, dict[str, Raw]]:
    """(the row with its printed figures as nulls, column → printed figure)."""
    if not any(type(v) is Raw for v in row.values()):
        return row, {}
    return ({c: None if type(v) is Raw else v for c, v in row.items()},
            {c: v for c, v in row.items() if type(v) is Raw})


class PrintedCells:
    """A batch's printed figures in long form (table, column, document, row, text, unit …),
    typed together when the batch is written: one plan per kind and column type for the whole
    batch (a plan costs milliseconds to set up, a cell a fraction of a microsecond)."""

    SCHEMA = {"table": pl.String, "column": pl.String, "document_id": pl.String, "_seq": pl.Int32,
              "page": pl.Int32, "text": pl.String, "unit": pl.String, "half_up": pl.Boolean}

    def __init__(self) -> None:
        self.cells: list[tuple] = []

    def add(self, table: str, document_id: str, seq: int, row_page: int | None, printed: dict[str, Raw]) -> None:
        """A row's printed figures (``row_page``: its ``source_page``, for figures that name none)."""
        self.cells += [(table, column, document_id, seq, raw.page if raw.page is not None else row_page,
                        raw.text, raw.unit, raw.half_up) for column, raw in printed.items()]

    def type_into(self, tables: dict[str, pl.DataFrame], schemas: dict[str, dict[str, pl.DataType]],
                  ) -> tuple[dict[str, pl.DataFrame], pl.DataFrame]:
        """The frames (keyed by ``document_id`` and ``_seq``) with every printed figure typed into
        its column, and the figures that do not read or do not fit their column's DECIMAL:
        document_id, table, column, page, text, oversize (it reads but does not fit)."""
        cells = pl.DataFrame(self.cells, schema=self.SCHEMA, orient="row")
        self.cells = []
        dtypes = {f"{t}|{c}": str(d) for t, schema in schemas.items() for c, d in schema.items()}
        by_name = {str(d): d for schema in schemas.values() for d in schema.values()}
        cells = cells.with_columns(dtype=pl.concat_str("table", "column", separator="|").replace_strict(
            dtypes, return_dtype=pl.String))
        out = dict(tables)
        unreadable = [cells.clear().select("document_id", "table", "column", "page", "text",
                                           oversize=pl.lit(False))]
        for (name,), group in cells.group_by("dtype", maintain_order=True):
            dtype = by_name[name]
            kind = kind_of(dtype)
            group = group.with_columns(typed(group, kind, dtype), blank=blank(kind, pl.col("text")))
            bad = pl.col("value").is_null() & ~pl.col("blank")
            if isinstance(dtype, pl.Decimal):  # beyond DECIMAL(p, s)
                bad |= pl.col("value").abs() >= pl.lit(10 ** (dtype.precision - dtype.scale), pl.Decimal(38, 0))
            unreadable.append(group.filter(bad).select("document_id", "table", "column", "page", "text",
                                                       oversize=pl.col("value").is_not_null()))
            for (table,), mine in group.group_by("table"):
                wide = mine.with_columns(pl.col("value").cast(dtype, strict=False)).pivot(
                    on="column", index=["document_id", "_seq"], values="value")
                filled = [c for c in wide.columns if c not in ("document_id", "_seq")]
                out[table] = (out[table].join(wide.rename({c: f"{c}__typed" for c in filled}), on=["document_id", "_seq"],
                                              how="left", maintain_order="left")
                              .with_columns(pl.coalesce(c, f"{c}__typed").alias(c) for c in filled)
                              .drop(f"{c}__typed" for c in filled))
        return out, pl.concat(unreadable)


__all__ = ["Raw", "defer_cells", "deferring", "amount", "rate", "date", "rating", "blank", "kind_of", "typed",
           "BUILDERS", "split_printed", "PrintedCells"]
