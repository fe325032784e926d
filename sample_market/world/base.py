"""The shared frame of the sample-market world: canonical rows per core table, a seeded RNG
per segment, and the institution registry that every segment adds to.

The world is the *truth*: rows exactly as the published warehouse should hold them (business
columns only; provenance columns such as ``document_id`` are filled by the pipeline and are
not part of the truth). Renderers in ``sample_market.documents`` turn the world into documents;
nothing in the pipeline ever reads the world.
"""

from __future__ import annotations

import hashlib
import random
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

YI = Decimal(100_000_000)  # 亿元 in CNY
WAN = Decimal(10_000)  # 万元 in CNY
CENT = Decimal("0.01")

# The rating agencies segments register (full name, short name); one list for every segment.
RATING_AGENCIES: tuple[tuple[str, str], ...] = (
    ("中债资信评估有限责任公司", "中债资信"),
    ("中诚信国际信用评级有限责任公司", "中诚信国际"),
    ("联合资信评估股份有限公司", "联合资信"),
    ("大公国际资信评估有限公司", "大公国际"),
    ("东方金诚国际信用评估有限公司", "东方金诚"),
    ("中证鹏元资信评估股份有限公司", "中证鹏元"),
    ("上海新世纪资信评估投资服务有限公司", "上海新世纪"),
)

PROVENANCE_COLUMNS = ("document_id", "source_page", "source_table", "source_row_label")


def yi(amount: str | int | Decimal) -> Decimal:
    """亿元 → CNY, exact (amounts in the seed figures are printed in 亿元)."""
    return (Decimal(str(amount)) * YI).quantize(CENT)


def cny(value: Decimal | float | int | str) -> Decimal:
    """Round to the cent, half away from zero like DuckDB does."""
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def rate(value: str | float | Decimal, places: int = 8) -> Decimal:
    """A fraction with a fixed number of places (DECIMAL(12,8) in the warehouse)."""
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def rng_for(seed: int, segment: str) -> random.Random:
    """Independent deterministic stream per segment, so segments never disturb each other."""
    digest = hashlib.sha256(f"{seed}:{segment}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


# Ids of deals, institutions and AMCs come from these functions. They follow the warehouse's
# id rule (ten hex digits of SHA-1 over the width-folded, space-free name) and are written
# here rather than imported from transforms/, so that a change to the pipeline's ids shows up as
# a difference against the truth instead of moving the truth along with it.
def stable_id(prefix: str, *parts: object) -> str:
    """``prefix_`` plus ten hex digits of SHA-1 over the parts joined by ``|``."""
    return f"{prefix}_{hashlib.sha1('|'.join(str(p) for p in parts).encode()).hexdigest()[:10]}"


def canonical_name(name: str) -> str:
    """NFKC-folded name without any whitespace: 'ＸＸ 银行' and 'XX银行' are one entity."""
    return "".join(unicodedata.normalize("NFKC", name).split())


def institution_id_for(full_name_zh: str) -> str:
    return stable_id("inst", canonical_name(full_name_zh))


def deal_id_for(deal_name_zh: str) -> str:
    return stable_id("deal", canonical_name(deal_name_zh))


def amc_id_for(full_name_zh: str) -> str:
    return stable_id("amc", canonical_name(full_name_zh))


@dataclass
class World:
    """Canonical rows per core table (``"core.deals"`` → list of dicts) plus facts the
    renderers need that are not warehouse rows (e.g. which documents to break on purpose)."""

    scale: str
    seed: int
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    extras: dict[str, Any] = field(default_factory=dict)

    def add(self, table: str, row: dict[str, Any]) -> dict[str, Any]:
        self.tables.setdefault(table, []).append(row)
        return row

    def rows(self, table: str) -> list[dict[str, Any]]:
        return self.tables.get(table, [])

    def add_institution(
        self,
        full_name_zh: str,
        institution_type: str,
        short_name_zh: str | None = None,
        aliases: tuple[str, ...] = (),
        name_en: str | None = None,
        parent_group: str | None = None,
        province: str | None = None,
    ) -> str:
        """Register an institution once (by full name) and its aliases; returns its id."""
        existing = self.extras.setdefault("institution_by_name", {})
        given = {"short_name_zh": short_name_zh, "name_en": name_en, "parent_group": parent_group,
                 "province": province}
        if full_name_zh in existing:
            inst_id = existing[full_name_zh]
            # A later registration fills what an earlier one left empty (never overwrites).
            row = next(r for r in self.rows("core.institutions") if r["institution_id"] == inst_id)
            for key, value in given.items():
                if row.get(key) is None and value is not None:
                    row[key] = value
        else:
            inst_id = institution_id_for(full_name_zh)
            existing[full_name_zh] = inst_id
            self.add("core.institutions", {"institution_id": inst_id, "full_name_zh": full_name_zh,
                                           "institution_type": institution_type, **given})
        known = self.extras.setdefault("known_aliases", {r["alias"] for r in self.rows("core.institution_aliases")})
        for alias in sorted({full_name_zh, *(a for a in (short_name_zh, *aliases) if a)}):
            if alias not in known:
                known.add(alias)
                self.add("core.institution_aliases", {"alias": alias, "institution_id": inst_id})
        return inst_id


def month_add(d: date, months: int) -> date:
    """Same day ``months`` later, clamped to the month's end."""
    import calendar

    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))
