"""Amounts to CNY and rates to fractions, exactly (Decimal), from the spellings sources use.

Trustee reports print 元 with thousands separators, issuance documents 万元, listings and
vendor exports 亿元; rates arrive as `1.72%`, as percents in `(%)` columns (2.15) or as
fractions from APIs (0.0215). Text that is present but is not a number raises ValueError so
the caller can quarantine the row with a reason instead of silently loading a null.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Literal

from transforms.normalise.text import fold_width, squash_spaces

Unit = Literal["CNY", "wan", "yi", "percent"]

# Factor that turns a value in the unit into the canonical form (CNY, or a fraction for %).
UNIT_FACTORS: dict[str, Decimal] = {
    "CNY": Decimal(1),
    "wan": Decimal(10_000),
    "yi": Decimal(100_000_000),
    "percent": Decimal("0.01"),
}

# Unit tokens as written inside header brackets, after `[单位]`, or after a number.
_UNIT_TOKENS: dict[str, Unit] = {
    "元": "CNY",
    "人民币元": "CNY",
    "元人民币": "CNY",
    "CNY": "CNY",
    "RMB": "CNY",
    "万元": "wan",
    "万": "wan",
    "人民币万元": "wan",
    "亿元": "yi",
    "亿": "yi",
    "人民币亿元": "yi",
    "%": "percent",
    "百分比": "percent",
}

# Cell contents that mean "no value" (not applicable, not disclosed, empty).
NULL_MARKERS = frozenset(
    {"", "-", "--", "---", "—", "——", "/", "N/A", "NA", "N.A.", "不适用", "无", "NULL", "NONE", "NAN"}
)

_BRACKETED = re.compile(r"[(\[]([^()\[\]]*)[)\]]")
_UNIT_AFTER_LABEL = re.compile(r"单位\]?\s*[:：]?\s*([^\s,;，；)\]]+)")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_GROUPED_NUMBER = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_TRAILING_UNIT = re.compile(r"(人民币万元|人民币亿元|人民币元|元人民币|万元|亿元|元|万|亿)$")


def is_null_marker(text: str) -> bool:
    """True for the spellings documents use for "nothing here" (`-`, `—`, `不适用`, `N/A` …)."""
    return squash_spaces(fold_width(text)).upper() in NULL_MARKERS


def unit_from_header(header: str | None) -> Unit | None:
    """Unit named in a header: `金额（万元）`, `发行总额(亿元)`, `票面利率(发行时)\\r\\n[单位] %`.

    Only bracketed tokens and `[单位]` / `单位：` labels count, so `票面利率(发行时)` is not
    mistaken for a unit. Returns None when the header names no money or percent unit.
    """
    if not header:
        return None
    folded = fold_width(header)
    candidates = [m.group(1) for m in _UNIT_AFTER_LABEL.finditer(folded)]
    candidates += [m.group(1) for m in _BRACKETED.finditer(folded)]
    for candidate in candidates:
        token = squash_spaces(candidate)
        unit = _UNIT_TOKENS.get(token) or _UNIT_TOKENS.get(token.upper())
        if unit is not None:
            return unit
    return None


def _resolve_unit(unit: str | None) -> Unit:
    """Accept a canonical unit code, a unit token (`万元`) or a whole header (`金额（万元）`)."""
    if unit is None:
        return "CNY"
    if unit in UNIT_FACTORS:
        return unit  # type: ignore[return-value]
    token = _UNIT_TOKENS.get(squash_spaces(fold_width(unit)))
    resolved = token or unit_from_header(unit)
    if resolved is None:
        raise ValueError(f"unknown unit {unit!r}: expected CNY/wan/yi, 元/万元/亿元 or a header naming one")
    return resolved


def _to_decimal(text: str, original: object) -> Decimal:
    """Parse one folded, space-free number with optional grouping and accounting parentheses."""
    negative = False
    if text.startswith("(") and text.endswith(")"):
        negative, text = True, text[1:-1]
    if not (_PLAIN_NUMBER.fullmatch(text) or _GROUPED_NUMBER.fullmatch(text)):
        raise ValueError(f"not a number: {original!r}")
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation as exc:  # pragma: no cover - the regexes above admit only valid forms
        raise ValueError(f"not a number: {original!r}") from exc
    if negative and value < 0:
        raise ValueError(f"not a number (double negative): {original!r}")
    return -value if negative else value


def _numeric_input(value: object) -> Decimal | None:
    """Numbers that arrive already typed (Excel floats, ints, Decimals); None if it is text."""
    if isinstance(value, bool):
        raise ValueError(f"not a number: {value!r}")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"not a finite number: {value!r}")
        return Decimal(repr(value))
    return None


def parse_amount(text: object, unit: str | None = None) -> Decimal | None:
    """Money in CNY from `1,234,567.89`, `(1,234.00)`, `−5.00`, `８０,０００.００` or `3.5亿元`.

    `unit` is `CNY`/`wan`/`yi`, a unit token (`万元`) or the column header itself
    (`发行量(万元)`); a unit written after the number in the text wins over the default but
    must agree with an explicit one. Null markers (`-`, `—`, `不适用`, `N/A`, empty) give None.
    """
    if text is None:
        return None
    explicit = _resolve_unit(unit)
    if explicit == "percent":
        raise ValueError(f"{text!r}: a percent column holds rates, use parse_rate")
    typed = _numeric_input(text)
    if typed is not None:
        return typed * UNIT_FACTORS[explicit]
    if not isinstance(text, str):
        raise ValueError(f"not a number: {text!r}")
    cleaned = squash_spaces(fold_width(text))
    if cleaned.upper() in NULL_MARKERS:
        return None
    cleaned, unit_in_text = _split_trailing_unit(cleaned)
    if unit_in_text is not None and unit is not None and unit_in_text != explicit:
        raise ValueError(f"{text!r} is in {unit_in_text} but the column says {explicit}")
    if "%" in cleaned:
        raise ValueError(f"{text!r} is a percentage, not an amount")
    return _to_decimal(cleaned, text) * UNIT_FACTORS[unit_in_text or explicit]


def _split_trailing_unit(cleaned: str) -> tuple[str, Unit | None]:
    """Peel `万元`/`亿元`/`元` off the end of a number written with its unit."""
    match = _TRAILING_UNIT.search(cleaned)
    if not match or match.start() == 0:
        return cleaned, None
    return cleaned[: match.start()], _UNIT_TOKENS[match.group(1)]


def parse_rate(text: object, as_percent: bool | None = None) -> Decimal | None:
    """A rate as a FRACTION: `1.72%` → 0.0172, `2.15` with as_percent=True → 0.0215, `120bp` → 0.012.

    A `%` sign or `bp`/`基点` in the text always decides. Without one, `as_percent=True` (the
    column header says `(%)`) divides by 100 and `as_percent=False` keeps the value. With
    as_percent=None a bare number is taken as a fraction, but one above 1 in absolute value
    raises: `2.15` is almost surely a percent without its sign, and guessing would load 215%.
    """
    if text is None:
        return None
    typed = _numeric_input(text)
    if typed is not None:
        return _bare_rate(typed, as_percent, text)
    if not isinstance(text, str):
        raise ValueError(f"not a rate: {text!r}")
    cleaned = squash_spaces(fold_width(text))
    if cleaned.upper() in NULL_MARKERS:
        return None
    if cleaned.endswith("%"):
        return _to_decimal(cleaned[:-1], text).scaleb(-2)
    for suffix in ("BP", "BPS", "基点"):
        if cleaned.upper().endswith(suffix):
            return _to_decimal(cleaned[: -len(suffix)], text).scaleb(-4)
    return _bare_rate(_to_decimal(cleaned, text), as_percent, text)


def _bare_rate(value: Decimal, as_percent: bool | None, original: object) -> Decimal:
    """Apply the caller's percent/fraction convention to a number written without a sign."""
    if as_percent:
        return value.scaleb(-2)
    if as_percent is None and abs(value) > 1:
        raise ValueError(
            f"ambiguous rate {original!r}: above 1 without a % sign; pass as_percent=True for a (%) column"
        )
    return value
