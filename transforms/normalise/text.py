"""Character-level clean-up shared by every normaliser.

Chinese documents mix full-width and half-width forms (`（１２３）` vs `(123)`), PDF extractors
emit U+2212 or en dashes for minus signs, and cells carry NBSP or ideographic spaces. Folding
them first lets each parser match one spelling instead of every variant.
"""

from __future__ import annotations

# Full-width ASCII block U+FF01..U+FF5E maps onto U+0021..U+007E by a fixed offset.
_FULL_WIDTH_OFFSET = 0xFEE0

# Characters that mean "minus" in extracted text; NFKC leaves U+2212 alone, so map explicitly.
_MINUS_SIGNS = "\u2212\u2012\u2013\u2010\u2011\ufe63\u207b\u208b"

# Spaces that should behave like an ASCII space (NBSP, ideographic, thin, figure, narrow NBSP …).
_SPACES = "\u00a0\u3000\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f"

# Zero-width characters that break regexes and are invisible in documents.
_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"


def _build_table() -> dict[int, str | None]:
    """One translate() table: full-width → ASCII, minus variants → '-', odd spaces → ' '."""
    table: dict[int, str | None] = {
        code: chr(code - _FULL_WIDTH_OFFSET) for code in range(0xFF01, 0xFF5F)
    }
    table.update({ord(ch): "-" for ch in _MINUS_SIGNS})
    table.update({ord(ch): " " for ch in _SPACES})
    table.update({ord(ch): None for ch in _ZERO_WIDTH})
    return table


_FOLD_TABLE = _build_table()


def fold_width(text: str) -> str:
    """Fold full-width ASCII to half-width, minus look-alikes to '-', exotic spaces to ' '.

    Does not strip or collapse whitespace and leaves CJK characters (and the em dash '—',
    which documents use as a "no value" marker rather than a minus) untouched.
    """
    return text.translate(_FOLD_TABLE)


def squash_spaces(text: str) -> str:
    """Remove every whitespace character: Chinese labels never need inner spaces."""
    return "".join(text.split())


_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100}


def parse_chinese_int(text: str) -> int:
    """`十一` → 11, `二十` → 20, `一百零五` → 105, `11` → 11: issue and period numbers in titles."""
    folded = fold_width(text).strip()
    if folded.isdigit():
        return int(folded)
    if not folded or any(ch not in _CN_DIGITS and ch not in _CN_UNITS for ch in folded):
        raise ValueError(f"not a Chinese numeral: {text!r}")
    if all(ch in _CN_DIGITS for ch in folded) and len(folded) > 1:
        return int("".join(str(_CN_DIGITS[ch]) for ch in folded))  # digit-by-digit: 二〇二五
    total, digit = 0, None
    for ch in folded:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        else:
            total += (1 if digit is None else digit) * _CN_UNITS[ch]
            digit = None
    return total + (digit or 0)
