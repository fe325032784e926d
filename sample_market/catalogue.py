"""Which documents the sample market publishes for a world, when, in which layout, and what
the pipeline is expected to do with each.

Each family function turns world rows into ``GeneratedDocument``s. Layout variants (header
spellings, units, date and rating styles, encodings) rotate deterministically across documents
in fixed proportions, so every run of the pipeline meets all of them.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from zoneinfo import ZoneInfo

from sample_market.world.base import World

GENERATOR_VERSION = "1"
SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class GeneratedDocument:
    """One file the sample market publishes, with its expected pipeline outcome."""

    rel_path: str
    data: bytes
    file_name: str
    title: str
    published_at: datetime
    channel: str
    doc_type: str
    source_doc_id: str
    expected_outcome: str = "loaded"
    expected_reason: str | None = None
    variant: str = "normal"
    issue_year: int | None = None
    curve_id: str | None = None
    year: int | None = None


def doc_id_for(*parts: object) -> str:
    """A numeric-looking, stable publisher id (ChinaBond's docids are 9-digit numbers)."""
    digest = hashlib.sha1("|".join(map(str, parts)).encode()).hexdigest()
    return str(100_000_000 + int(digest[:12], 16) % 900_000_000)


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), SHANGHAI)


def month_start(d: date) -> date:
    return d.replace(day=1)


def next_month(d: date) -> date:
    return (d.replace(day=28) + timedelta(days=4)).replace(day=1)


def rotate(options: list, index: int):
    return options[index % len(options)]


# ───────────────────────────── vendor exports ─────────────────────────────

def market_totals_docs(world: World) -> list[GeneratedDocument]:
    """One whole-market statistics file per year, published after the year's last month."""
    from sample_market.documents.market_totals import DEFAULT_LAYOUT, render_market_totals

    by_year: dict[int, list[dict]] = defaultdict(list)
    for row in world.rows("core.market_totals"):
        by_year[row["period_month"].year].append(row)
    docs = []
    for i, (year, rows) in enumerate(sorted(by_year.items())):
        layout = replace(DEFAULT_LAYOUT, **rotate([{}, {"header_style": "full", "amount_unit": "wan"},
                                                    {"date_style": "serial", "header_style": "wind"}], i))
        last = max(r["period_month"] for r in rows)
        name = f"ABS市场月度统计_{year}.xlsx"
        docs.append(GeneratedDocument(
            rel_path=f"vendor/market_totals/{name}", data=render_market_totals(rows, layout, long_market_names=i % 2 == 1),
            file_name=name, title=f"资产证券化市场月度统计（{year}年）", published_at=at(next_month(last) + timedelta(days=2)),
            channel="market_data", doc_type="market_totals", source_doc_id=doc_id_for("market_totals", year),
        ))
    return docs


def rating_action_docs(world: World) -> list[GeneratedDocument]:
    """One tracking-rating export per month of action dates."""
    from sample_market.documents.rating_actions import DEFAULT_LAYOUT, render_rating_actions

    agencies = {r["institution_id"]: r["short_name_zh"] or r["full_name_zh"]
                for r in world.rows("core.institutions") if r["institution_type"] == "rating_agency"}
    by_month: dict[date, list[dict]] = defaultdict(list)
    for row in world.rows("core.rating_actions"):
        by_month[month_start(row["action_date"])].append(row)
    layouts = [{}, {"encoding": "gb18030"}, {"file_format": "xlsx", "rating_style": "spaced", "date_style": "chinese"},
               {"rating_style": "fullwidth", "date_style": "compact"}]
    docs = []
    for i, (month, rows) in enumerate(sorted(by_month.items())):
        layout = replace(DEFAULT_LAYOUT, **rotate(layouts, i))
        ext = "xlsx" if layout.file_format == "xlsx" else "csv"
        name = f"评级调整_{month:%Y%m}.{ext}"
        docs.append(GeneratedDocument(
            rel_path=f"vendor/rating_actions/{name}",
            data=render_rating_actions(rows, agencies, layout, with_action_column=i % 3 != 2),
            file_name=name, title=f"资产支持证券跟踪评级结果汇总（{month:%Y年%m月}）",
            published_at=at(next_month(month) + timedelta(days=3)), channel="vendor_export",
            doc_type="rating_actions", source_doc_id=doc_id_for("rating_actions", month),
        ))
    return docs


def outstanding_snapshot_docs(world: World) -> list[GeneratedDocument]:
    """One balance snapshot per as-of date."""
    from sample_market.documents.outstanding_snapshot import DEFAULT_LAYOUT, render_outstanding_snapshot

    by_date: dict[date, list[dict]] = defaultdict(list)
    for row in world.rows("core.tranche_balances"):
        by_date[row["as_of_date"]].append(row)
    docs = []
    for i, (as_of, rows) in enumerate(sorted(by_date.items())):
        layout = replace(DEFAULT_LAYOUT, **rotate([{}, {"amount_unit": "wan", "header_style": "wind"}], i))
        name = f"ABS存量余额_{as_of:%Y%m%d}.xlsx"
        docs.append(GeneratedDocument(
            rel_path=f"vendor/outstanding/{name}", data=render_outstanding_snapshot(rows, layout),
            file_name=name, title=f"资产支持证券存量余额（截至{as_of:%Y-%m-%d}）",
            published_at=at(as_of + timedelta(days=1), 9), channel="vendor_export",
            doc_type="outstanding_snapshot", source_doc_id=doc_id_for("outstanding", as_of),
        ))
    return docs


def bond_valuation_docs(world: World) -> list[GeneratedDocument]:
    from sample_market.documents.bond_valuations import DEFAULT_LAYOUT, render_bond_valuations

    by_date: dict[date, list[dict]] = defaultdict(list)
    for row in world.rows("core.bond_valuations"):
        by_date[row["valuation_date"]].append(row)
    docs = []
    for i, (day, rows) in enumerate(sorted(by_date.items())):
        layout = replace(DEFAULT_LAYOUT, **rotate([{}, {"file_format": "csv", "encoding": "gb18030"}], i))
        ext = "csv" if layout.file_format == "csv" else "xlsx"
        name = f"中债估值_{day:%Y%m%d}.{ext}"
        docs.append(GeneratedDocument(
            rel_path=f"market/valuations/{name}", data=render_bond_valuations(rows, layout),
            file_name=name, title=f"中债估值（{day:%Y-%m-%d}）", published_at=at(day, 18, 30),
            channel="market_data", doc_type="bond_valuations", source_doc_id=doc_id_for("valuations", day),
        ))
    return docs


FAMILIES: list[Callable[[World], list[GeneratedDocument]]] = [
    market_totals_docs,
    rating_action_docs,
    outstanding_snapshot_docs,
    bond_valuation_docs,
]


def plan_documents(world: World) -> list[GeneratedDocument]:
    """Every document of the world, in a stable order; rel_paths are unique."""
    docs: list[GeneratedDocument] = []
    for family in FAMILIES:
        docs.extend(family(world))
    paths = [d.rel_path for d in docs]
    if len(paths) != len(set(paths)):
        raise ValueError("two generated documents share a path")
    return sorted(docs, key=lambda d: (d.published_at, d.rel_path))


