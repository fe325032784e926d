"""Label vocabularies of the laid-out document families, kept as data beside the parsers.

Each ``<family>.toml`` in this folder lists, per warehouse field, the labels documents print
for it — one spelling a line, with a comment saying where it is seen (the provenance codes
of ``real-spellings.md``: V verbatim from a real PDF, P quoted in prose, W a web copy of a
real document, C/L/G other people's parsers and generators, plus our sample market's
templates). Adding a trustee's spelling is adding one line.

Labels are compared after ``label_key``: full-width forms folded, spaces, quotes, leading
numbering (``1、`` ``2-`` ``（三）`` ``·``), ``其中：``, footnote marks (``(注1)`` ``[1]`` ``¹``)
and a trailing colon removed; a trailing bracket (a unit ``（万元）`` or a qualifier) may be
dropped as well. So a vocabulary lists each spelling once, bare.
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from transforms.normalise.text import fold_width

HERE = Path(__file__).resolve().parent

_BRACKETS = str.maketrans({"【": "(", "】": ")", "〔": "(", "〕": ")", "[": "(", "]": ")", "{": "(", "}": ")",
                           "“": None, "”": None, "‘": None, "’": None, '"': None, "'": None, "「": None, "」": None,
                           "『": None, "』": None, "《": None, "》": None, "～": "-", "~": "-", "—": "-", "–": "-"})
_NUMBERING = re.compile(
    r"^(?:[·•●○■□◆◇▪►▶*※>]+"
    r"|第[一二三四五六七八九十百\d]+[部分节章条项]+"
    r"|[一二三四五六七八九十]{1,3}[、.．]"
    r"|\([一二三四五六七八九十\d]{1,3}\)"
    r"|\d{1,2}(?:\.\d{1,2})+(?=[^\d.,%])"
    r"|\d{1,2}[、.．)](?![\d%])"
    r"|\d{1,2}-(?=[\u4e00-\u9fff])"
    r"|[①-⑳⑴-⒇])+"
)
_OF_WHICH = re.compile(r"^(?:其中|含|包括)[:：]?")
_NOTE_TAIL = re.compile(r"(?:\((?:注\d*|\d{1,2}|\*{1,3}|[a-z])\)|\(注[^()]{0,12}\)|注\d{1,2}|[¹²³⁴⁵⁶⁷⁸⁹⁰*※†‡]+)$")
_TRAILING_BRACKET = re.compile(r"\([^()]*\)$")
_DIGIT_RANGE = re.compile(r"(?<=\d)(?:至|到)(?=\d)")
_TRAILING_COLON = re.compile(r"[:：]+$")
_BUCKET_LOANS = re.compile(r"^(.*\d+天(?:以上|及以上)?)贷款(?:金额|余额|本金余额)?$")


@functools.lru_cache(maxsize=4096)
def label_keys(text: str) -> tuple[str, ...]:
    """Match keys of a printed label, most specific first: the whole label, then without its
    trailing bracket(s), e.g. `期初未偿本息余额（注1）（元）` → (`期初未偿本息余额(注1)(元)`…,
    `期初未偿本息余额`)."""
    key = label_key(text)
    keys = [key]
    while True:
        bare = _strip_notes(_TRAILING_BRACKET.sub("", key))
        if not bare or bare == key:
            break
        keys.append(bare)
        key = bare
    keys += [k[:-1] for k in keys if k.endswith("日期") and len(k) > 3]  # 本期支付日期 is 本期支付日
    keys += [m.group(1) for k in keys if (m := _BUCKET_LOANS.match(k))]  # 逾期1-30天贷款 is 逾期1-30天
    return tuple(dict.fromkeys(keys))


@functools.lru_cache(maxsize=4096)
def label_key(text: str) -> str:
    """The comparable form of a label (see the module docstring)."""
    folded = "".join(fold_width(text).translate(_BRACKETS).split())
    folded = _TRAILING_COLON.sub("", folded)
    stripped = _NUMBERING.sub("", folded)
    if stripped:
        folded = stripped
    folded = _OF_WHICH.sub("", folded) or folded
    folded = _DIGIT_RANGE.sub("-", folded)
    return _TRAILING_COLON.sub("", _strip_notes(folded)).casefold()


def _strip_notes(text: str) -> str:
    previous = None
    while text != previous:
        previous = text
        text = _NOTE_TAIL.sub("", text)
    return text


@dataclass
class Group:
    """The labels of one group of fields (``[pool.*]``): key → field, and each field's options."""

    name: str
    fields: dict[str, dict[str, Any]] = field(default_factory=dict)
    index: dict[str, str] = field(default_factory=dict)

    def match(self, text: str) -> str | None:
        """The field a printed label names, or None (see also ``match_rate``)."""
        for key in label_keys(text):
            hit = self.index.get(key)
            if hit is not None:
                return hit
        return None

    def match_rate(self, text: str) -> str | None:
        """A rate field printed without its 率 (期间收益 over 5.00% is 期间收益率): the caller checks
        that the values are percentages."""
        name = self.match(f"{text.strip()}率")
        return name if name is not None and self.fields[name].get("kind") == "rate" else None

    def first_label(self, name: str) -> str:
        """The label used in messages: the first spelling listed."""
        return self.fields[name]["labels"][0]


class Vocabulary:
    """One family's TOML file: groups of field labels, word lists and value maps."""

    def __init__(self, name: str, data: dict[str, Any]) -> None:
        self.name = name
        self.data = data
        self._groups: dict[str, Group] = {}

    def group(self, name: str) -> Group:
        """Field groups are tables of tables with a ``labels`` list each (``[pool.x] labels = …``)."""
        cached = self._groups.get(name)
        if cached is None:
            cached = self._groups[name] = _build_group(self.name, name, self.data[name])
        return cached

    def words(self, *path: str) -> tuple[str, ...]:
        """A plain word list (``[columns] amount = [...]``), folded for containment tests."""
        node: Any = self.data
        for part in path:
            node = node[part]
        return tuple(label_key(w) for w in node)

    def keys(self, *path: str) -> frozenset[str]:
        """A word list as a set of match keys (for exact label tests)."""
        return frozenset(self.words(*path))

    def mapping(self, *path: str) -> dict[str, str]:
        """A value map (``[liquidation_methods] 清仓回购 = "clean_up_call"``) keyed by label_key."""
        node: Any = self.data
        for part in path:
            node = node[part]
        return {label_key(k): v for k, v in node.items()}


def _build_group(family: str, name: str, table: dict[str, Any]) -> Group:
    group = Group(name)
    for field_name, spec in table.items():
        if not isinstance(spec, dict) or "labels" not in spec:
            continue
        group.fields[field_name] = spec
        for label in spec["labels"]:
            key = label_key(label)
            other = group.index.get(key)
            if other is not None and other != field_name:
                raise ValueError(f"{family}.toml [{name}]: label {label!r} is listed for {other} and {field_name}")
            group.index[key] = field_name
    return group


@functools.cache
def load(family: str) -> Vocabulary:
    """The vocabulary of a document family, read once per process."""
    path = HERE / f"{family}.toml"
    with path.open("rb") as handle:
        return Vocabulary(family, tomllib.load(handle))
