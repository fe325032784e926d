"""Credit ratings in one notation, rating agencies as stable ids, and a grade order.

Reports and exports spell the same rating as `AA+sf`, `AA+ sf`, `AA (sf)`, `ＡＡ＋`, `AA⁺sf`,
`AA^+_{sf}` (text extraction) or `AA+\\nsf`; one cell may hold two agencies' ratings in the
order the header names them (`评级（中债资信/中诚信）`). Unrated markers (`NR`, `无评级`,
`未评级`, empty) become None; anything else that is not a grade raises ValueError so the row
can be quarantined with the offending text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from transforms.normalise.text import fold_width, squash_spaces

# Best first. Chinese agencies put +/- on AA … CCC; AAA, CC and C carry no modifier.
LONG_TERM_SCALE: tuple[str, ...] = (
    "AAA", "AA+", "AA", "AA-", "A+", "A", "A-", "BBB+", "BBB", "BBB-",
    "BB+", "BB", "BB-", "B+", "B", "B-", "CCC+", "CCC", "CCC-", "CC", "C", "D",
)  # fmt: skip
SHORT_TERM_SCALE: tuple[str, ...] = ("A-1+", "A-1", "A-2", "A-3")

UNRATED_MARKERS = frozenset(
    {"", "NR", "N.R.", "N/A", "NA", "无评级", "未评级", "未予评级", "暂无评级", "无", "-", "--", "—", "——", "不适用"}
)

# Artefacts of PDF/LaTeX-ish extraction and layout that carry no meaning inside a grade.
_NOISE = str.maketrans({"^": None, "_": None, "{": None, "}": None, "$": None, "\u207a": "+", "级": None})
_SF_SUFFIX = re.compile(r"\(?SF\)?$")
_SCALE_SUFFIX = re.compile(r"SPC$")  # S&P China's local scale marker, e.g. AAAspc
_ALL_GRADES = frozenset(LONG_TERM_SCALE + SHORT_TERM_SCALE)


@dataclass(frozen=True)
class Rating:
    """One agency's grade for one instrument; `is_structured` marks the `sf` suffix."""

    grade: str
    is_structured: bool = False

    def __post_init__(self) -> None:
        if self.grade not in _ALL_GRADES:
            raise ValueError(f"not a grade on the Chinese scales: {self.grade!r}")

    @property
    def canonical(self) -> str:
        """The single notation stored in the warehouse: `AA+sf` or `AA+`."""
        return f"{self.grade}sf" if self.is_structured else self.grade

    @property
    def scale(self) -> Literal["long", "short"]:
        """Short-term grades (A-1 …) rank on their own scale and never compare to long-term."""
        return "short" if self.grade in SHORT_TERM_SCALE else "long"

    def __str__(self) -> str:
        return self.canonical


def _clean_rating_text(text: str) -> str:
    """Fold width and strip extraction noise: `ＡＡ⁺ (sf)级` → `AA+(SF)`."""
    return squash_spaces(fold_width(text).translate(_NOISE)).upper()


def _is_unrated(text: str) -> bool:
    """True for `NR`, `无评级`, `未评级`, `N/A`, dashes and empty cells."""
    return squash_spaces(fold_width(text)).upper() in UNRATED_MARKERS


def parse_rating(text: str | None) -> Rating | None:
    """Parse one rating cell into a Rating; None when the cell says the tranche is unrated."""
    if text is None:
        return None
    if _is_unrated(text):
        return None
    cleaned = _clean_rating_text(text)
    structured = bool(_SF_SUFFIX.search(cleaned))
    core = _SCALE_SUFFIX.sub("", _SF_SUFFIX.sub("", cleaned))
    if core not in _ALL_GRADES:
        raise ValueError(f"not a credit rating: {text!r}")
    return Rating(grade=core, is_structured=structured)


def rating_rank(grade: str | Rating) -> int:
    """Position on the grade's own scale, larger is better: rank('AAA') > rank('AA+') > rank('D').

    Use it to call upgrades and downgrades; long- and short-term ranks are not comparable.
    """
    rating = grade if isinstance(grade, Rating) else parse_rating(grade)
    if rating is None:
        raise ValueError(f"cannot rank an unrated value: {grade!r}")
    scale = SHORT_TERM_SCALE if rating.scale == "short" else LONG_TERM_SCALE
    return len(scale) - scale.index(rating.grade)


def rating_change(old: str | Rating, new: str | Rating) -> Literal["upgrade", "downgrade", "unchanged"]:
    """Direction of a rating action between two grades on the same scale."""
    old_rating = old if isinstance(old, Rating) else parse_rating(old)
    new_rating = new if isinstance(new, Rating) else parse_rating(new)
    if old_rating is None or new_rating is None or old_rating.scale != new_rating.scale:
        raise ValueError(f"cannot compare {old!r} with {new!r}")
    delta = rating_rank(new_rating) - rating_rank(old_rating)
    return "upgrade" if delta > 0 else "downgrade" if delta < 0 else "unchanged"


# --------------------------------------------------------------------------- agencies


@dataclass(frozen=True)
class Agency:
    """A rating agency: stable id, legal name, the short name documents use, and aliases."""

    agency_id: str
    name_zh: str
    short_name: str
    name_en: str
    aliases: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        """Every spelling that identifies this agency."""
        return (self.agency_id, self.name_zh, self.short_name, self.name_en, *self.aliases)


AGENCIES: tuple[Agency, ...] = (
    Agency("cbr", "中债资信评估有限责任公司", "中债资信", "China Bond Rating Co., Ltd.", ("CBR", "中债资信评估")),
    Agency(
        "ccxi",
        "中诚信国际信用评级有限责任公司",
        "中诚信国际",
        "China Chengxin International Credit Rating Co., Ltd.",
        ("CCXI", "中诚信", "中诚信国际信用评级"),
    ),
    Agency("lianhe", "联合资信评估股份有限公司", "联合资信", "China Lianhe Credit Rating Co., Ltd.", ("Lianhe", "联合资信评估")),
    Agency("dagong", "大公国际资信评估有限公司", "大公国际", "Dagong Global Credit Rating Co., Ltd.", ("Dagong", "大公", "大公国际资信")),
    Agency(
        "golden_credit",
        "东方金诚国际信用评估有限公司",
        "东方金诚",
        "Golden Credit Rating International Co., Ltd.",
        ("Golden Credit", "东方金诚国际"),
    ),
    Agency(
        "pengyuan",
        "中证鹏元资信评估股份有限公司",
        "中证鹏元",
        "CSCI Pengyuan Credit Rating Co., Ltd.",
        ("Pengyuan", "鹏元资信", "鹏元", "鹏元资信评估", "中证鹏元资信"),
    ),
    Agency(
        "brilliance",
        "上海新世纪资信评估投资服务有限公司",
        "上海新世纪",
        "Shanghai Brilliance Credit Rating & Investors Service Co., Ltd.",
        ("Brilliance", "新世纪", "新世纪评级", "新世纪资信"),
    ),
    Agency("united_credit", "联合信用评级有限公司", "联合信用", "United Credit Ratings Co., Ltd.", ("联合信用评级",)),
    Agency("sp_china", "标普信用评级(中国)有限公司", "标普信评", "S&P Global (China) Ratings", ("标普", "标普中国", "标普信用评级")),
    Agency("fitch_bohua", "惠誉博华信用评级有限公司", "惠誉博华", "Fitch (China) Bohua Credit Ratings Ltd.", ("惠誉", "Fitch Bohua")),
)

_AGENCY_BY_ID = {agency.agency_id: agency for agency in AGENCIES}


def _agency_key(name: str) -> str:
    """Comparable form of an agency name: folded width, no spaces, case-insensitive."""
    return squash_spaces(fold_width(name)).casefold()


_AGENCY_BY_NAME = {_agency_key(n): a for a in AGENCIES for n in a.names}
# Chinese spellings, longest first, for names with qualifiers such as `联合资信（原始）`.
_AGENCY_FRAGMENTS = sorted(
    ((_agency_key(n), a) for a in AGENCIES for n in a.names if not n.isascii()),
    key=lambda pair: -len(pair[0]),
)


def agency(agency_id: str) -> Agency:
    """The registry entry for an id returned by resolve_agency."""
    return _AGENCY_BY_ID[agency_id]


def resolve_agency(name: str) -> str:
    """Agency id for any legal, short, English or alias name, also inside a header (`鹏元资信（当前）`)."""
    key = _agency_key(name)
    if key in _AGENCY_BY_NAME:
        return _AGENCY_BY_NAME[key].agency_id
    for fragment, candidate in _AGENCY_FRAGMENTS:
        if fragment in key:
            return candidate.agency_id
    raise ValueError(f"unknown rating agency: {name!r}")


_HEADER_AGENCY_LIST = re.compile(r"\(([^()]*)\)")


def agencies_in_header(header: str) -> list[str]:
    """Agency ids in the order a header names them: `评级（中债资信/中诚信）` → ['cbr', 'ccxi']."""
    folded = fold_width(header)
    for group in _HEADER_AGENCY_LIST.findall(folded):
        parts = [p for p in re.split(r"[/、,;]", group) if p.strip()]
        try:
            return [resolve_agency(part) for part in parts]
        except ValueError:
            continue
    return [resolve_agency(folded)]


def split_agency_ratings(cell: str | None, header: str) -> dict[str, Rating | None]:
    """Split `AAAsf/AAAsf` into {agency short name: Rating} in the header's agency order."""
    ids = agencies_in_header(header)
    names = [agency(agency_id).short_name for agency_id in ids]
    if cell is None or _is_unrated(cell):
        return dict.fromkeys(names)
    protected = re.sub(r"N/A", "NR", fold_width(cell), flags=re.IGNORECASE)
    values = re.split(r"[/、]", protected)
    if len(values) != len(names):
        raise ValueError(f"rating cell {cell!r} has {len(values)} values but header {header!r} names {len(names)} agencies")
    return {name: parse_rating(value) for name, value in zip(names, values)}
