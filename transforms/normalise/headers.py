"""Header cells to canonical column names, driven by configurable synonym lists.

Vendor exports write the same column as `发行总额(亿元)` or `发行总额（亿元）`, Wind appends
parameters after a line break (`票面利率(发行时)\\r\\n[单位] %`), and layouts change without
notice. Folding every header to one comparable form and matching it against synonyms kept in
configuration means a new spelling is a one-line change, and a missing column fails loudly.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache

from transforms.normalise.text import fold_width

# Wind puts parameters on their own line in brackets: `\r\n[单位] %`, `\n[交易日期] 最新`.
_PARAMETER_LINES = re.compile(r"\s*[\r\n]+\s*\[[^\]]*\].*$", re.DOTALL)
# Other bracket shapes seen in headers, folded to round brackets.
_BRACKETS = str.maketrans({"【": "[", "】": "]", "〔": "(", "〕": ")", "［": "[", "］": "]"})
# A unit bracket at the end, removable when matching `发行总额(亿元)` to a synonym `发行总额`.
_TRAILING_UNIT = re.compile(r"\((?:元|万元|亿元|%|人民币元|人民币万元|人民币亿元)\)$")
# Spaces only matter between two Latin letters or digits (`Issue Amount`).
_INNER_SPACE = re.compile(r"(?<![A-Za-z0-9]) | (?![A-Za-z0-9])")


class HeaderMappingError(ValueError):
    """A header row lacks required columns or maps two cells to one column."""

    def __init__(self, message: str, missing: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.missing = tuple(missing)


def normalise_header(text: str | None) -> str:
    """Comparable header text: half-width, `（）`→`()`, no `[单位]…` lines, no stray spaces."""
    if text is None:
        return ""
    folded = fold_width(str(text)).translate(_BRACKETS)
    folded = _PARAMETER_LINES.sub("", folded)
    folded = " ".join(folded.split())
    return _INNER_SPACE.sub("", folded)


@lru_cache(maxsize=4096)
def _key(text: str) -> str:
    return normalise_header(text).casefold()


_INDEXES: OrderedDict[int, tuple[Mapping[str, Iterable[str]], dict[str, set[str]]]] = OrderedDict()


def _index(synonyms: Mapping[str, Iterable[str]]) -> dict[str, set[str]]:
    """Folded spelling → canonical names, built once per vocabulary (a header row is matched
    cell by cell against the same mapping hundreds of times a document)."""
    hit = _INDEXES.get(id(synonyms))
    if hit is not None and hit[0] is synonyms:
        _INDEXES.move_to_end(id(synonyms))
        return hit[1]
    index: dict[str, set[str]] = {}
    for canonical, names in synonyms.items():
        for name in (canonical, *names):
            index.setdefault(_key(name), set()).add(canonical)
    _INDEXES[id(synonyms)] = (synonyms, index)
    if len(_INDEXES) > 64:
        _INDEXES.popitem(last=False)
    return index


def _without_unit(key: str) -> str:
    return _TRAILING_UNIT.sub("", key)


def match_header(text: str | None, synonyms: Mapping[str, Iterable[str]]) -> str | None:
    """Canonical name whose synonyms (or itself) equal the header; None when nothing matches.

    An exact match wins; otherwise the header's trailing unit bracket is dropped, so a
    synonym `发行总额` matches `发行总额（亿元）` (read the unit with `unit_from_header`), while
    a synonym that names a unit (`发行总额(亿元)`) only matches that unit.
    Raises ValueError when two canonical names claim the same header (a configuration bug).
    """
    key = _key(text or "")
    if not key:
        return None
    index = _index(synonyms)
    for candidate in dict.fromkeys((key, _without_unit(key))):
        hits = set(index.get(candidate, ()))
        if len(hits) > 1:
            raise ValueError(f"header {text!r} matches several columns: {sorted(hits)}")
        if hits:
            return hits.pop()
    return None


def map_header_row(
    headers: Sequence[str | None],
    synonyms: Mapping[str, Iterable[str]],
    required: Iterable[str] = (),
) -> dict[str, str]:
    """Map a whole header row to {original header: canonical name}, ready for `df.rename`.

    Unmatched headers are left out. Raises HeaderMappingError listing every missing required
    column (with the headers that were seen), or naming two headers that map to one column.
    """
    mapping: dict[str, str] = {}
    seen: dict[str, str] = {}
    for header in headers:
        canonical = match_header(header, synonyms)
        if canonical is None or header is None:
            continue
        if canonical in seen:
            raise HeaderMappingError(f"headers {seen[canonical]!r} and {header!r} both map to {canonical!r}")
        seen[canonical] = header
        mapping[header] = canonical
    missing = [name for name in required if name not in seen]
    if missing:
        raise HeaderMappingError(
            f"missing required columns {missing}; headers seen: {[h for h in headers if h is not None]}",
            missing,
        )
    return mapping
