"""Tranche labels (`优先A-1级`, `夹层级`, `次级档`, `Senior` …) to class and seniority.

Every source names tranches its own way; the warehouse keeps three classes and an integer
rank that orders a deal's tranches by priority of payment. Unknown labels raise ValueError
rather than being guessed, because a wrong class silently corrupts enhancement figures.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from transforms.normalise.text import fold_width, squash_spaces

TrancheClass = Literal["senior", "mezzanine", "subordinated"]

# A label's rank only orders the tranches of one deal (1 = paid first): lettered tranches get
# 100 × letter + number (A1=1, A2=2, B=101, B2=102, C=201); unlettered mezzanine sits after
# every lettered tranche and subordinated last. ``dense_ranks`` turns them into the warehouse's
# payment priority 1, 2, 3 … once a deal's tranches are known.
LETTER_STEP = 100
MEZZANINE_RANK = 900
SUBORDINATED_RANK = 999

_SENIOR_WORDS = frozenset({"优先", "SENIOR"})
_MEZZANINE_WORDS = frozenset({"夹层", "次优", "次优先", "中间", "MEZZANINE", "MEZZ"})
_SUBORDINATED_WORDS = frozenset({"次", "劣后", "权益", "SUBORDINATED", "SUB", "JUNIOR", "EQUITY"})

_TRAILING_WORDS = re.compile(r"(资产支持证券|资产支持票据|证券|票据|TRANCHE|NOTES?|CLASS)$")
_TRAILING_GRADE = re.compile(r"[级档]+$")
# 优先A1 / 优先A-1 / 优先B / Senior A1 / Class A-2 / bare A1
_LETTERED = re.compile(r"(优先|SENIOR|CLASS)?([A-F])-?(\d{0,2})")


@dataclass(frozen=True)
class TrancheLabel:
    """A parsed tranche label: class, rank within the deal (1 = most senior), sub-label like `A1`."""

    tranche_class: TrancheClass
    seniority_rank: int
    sub_label: str | None = None


def _core(label: str) -> str:
    """Upper-case, width-folded label without spaces or filler words (`级`, `档`, `资产支持证券`)."""
    core = squash_spaces(fold_width(label)).upper()
    previous = None
    while core != previous:
        previous = core
        core = _TRAILING_GRADE.sub("", _TRAILING_WORDS.sub("", core))
    return core


def parse_tranche_label(label: str) -> TrancheLabel:
    """Classify a tranche label; ValueError for anything not recognised (e.g. a bare `B`)."""
    if label is None:
        raise ValueError("tranche label is missing")
    core = _core(label)
    if core in _SENIOR_WORDS:
        return TrancheLabel("senior", 1)
    if core in _MEZZANINE_WORDS:
        return TrancheLabel("mezzanine", MEZZANINE_RANK)
    if core in _SUBORDINATED_WORDS:
        return TrancheLabel("subordinated", SUBORDINATED_RANK)
    lettered = _LETTERED.fullmatch(core)
    if lettered:
        return _from_letter(label, *lettered.groups())
    raise ValueError(f"unknown tranche label: {label!r}")


def _from_letter(label: str, prefix: str | None, letter: str, number: str) -> TrancheLabel:
    """`A…` is senior, `B…`/`C…` under 优先 are mezzanine (优先B级); bare B/C are ambiguous."""
    if letter != "A" and prefix is None:
        raise ValueError(f"ambiguous tranche label {label!r}: a bare letter other than A can be mezzanine or subordinated")
    sub_label = f"{letter}{number}"
    rank = LETTER_STEP * (ord(letter) - ord("A")) + (int(number) if number else 1)
    return TrancheLabel("senior" if letter == "A" else "mezzanine", rank, sub_label)


def dense_ranks(tranches: Iterable[dict[str, Any]]) -> None:
    """Each deal's ``seniority_rank`` values become 1, 2, 3 … in the same order, equal ranks
    staying equal, so that every source states one payment priority (B is 2nd, not 101st)."""
    by_deal: dict[str, list[dict[str, Any]]] = {}
    for tranche in tranches:
        by_deal.setdefault(tranche["deal_id"], []).append(tranche)
    for members in by_deal.values():
        order = {rank: n for n, rank in enumerate(sorted({t["seniority_rank"] for t in members}), 1)}
        for tranche in members:
            tranche["seniority_rank"] = order[tranche["seniority_rank"]]
