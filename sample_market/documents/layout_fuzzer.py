"""The layout fuzzer: trustee reports and issuance documents in layouts drawn at random.

Real disclosure comes from dozens of trustees and arrangers, each with its own template. A
parser proven only on the sample market's three trustee templates and its one announcement
layout proves little, so this module draws layouts from the space those documents vary in —
section titles and their order, numbering (一、 / （一） / 1. / 第一部分 / none), label synonyms,
tranche tables with tranches as columns or as rows (or one tranche per page), units per table
(元 / 万元 / 亿元, stated in a header, a unit line, a note, a label or glued to the value),
tables split across pages, boilerplate sections, footnote markers on labels and values,
per-100-元 factor rows, history tables, date and rating spellings, and XLSX arrangements —
and renders real documents of the seed world in them, each with its truth.

Every spelling comes from ``real_spellings.toml``: the generator's own list of how real
documents write things, each with where it was seen. The parsers' vocabularies are never read:
a fuzzer drawing from the reader's list would only prove that the reader knows what it knows.
The templates' layouts (``trustee_report.TEMPLATE_SPECS``, ``issuance_announcement.STYLES``)
are points of the same space (``in_report_space`` / ``in_announcement_space`` say so).

Reproducible: ``fuzz_case(world, seed, k)`` is a pure function of the world, the layout seed
and the case number, so a failing case replays from the seed a test prints.
"""

from __future__ import annotations

import functools
import random
import re
import tomllib
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from decimal import Decimal
from pathlib import Path
from typing import Any

from sample_market.documents import issuance_announcement as ann
from sample_market.documents import trustee_report as tr
from sample_market.documents.render import XlsxStyle
from sample_market.world.base import PROVENANCE_COLUMNS, World

SPELLINGS_FILE = Path(__file__).with_name("real_spellings.toml")
FAMILIES = ("trustee_report", "offering_circular", "issuance_results")
# (family, format) and how often each is drawn: trustee reports are most of what a market publishes.
MIX: tuple[tuple[str, str, int], ...] = (
    ("trustee_report", "pdf", 45), ("trustee_report", "xlsx", 20), ("offering_circular", "pdf", 15),
    ("issuance_results", "pdf", 12), ("issuance_results", "xlsx", 8),
)
# Table keys: the columns a document's truth rows are compared on, and their primary keys.
KEYS = {
    "core.pool_performance": ("deal_id", "period_number"),
    "core.tranche_payments": ("tranche_id", "period_number"),
    "core.liquidation_events": ("deal_id",),
    "core.deals": ("deal_id",),
    "core.deal_labels": ("deal_id", "label"),
    "core.credit_enhancements": ("deal_id", "enhancer_id", "enhancement_kind"),
    "core.institutions": ("institution_id",),
    "core.tranches": ("tranche_id",),
}


# ───────────────────────────── spellings ─────────────────────────────
@functools.cache
def spellings() -> dict[str, Any]:
    """The parsed ``real_spellings.toml`` (read once per process)."""
    with SPELLINGS_FILE.open("rb") as handle:
        return tomllib.load(handle)


def texts(*path: str) -> list[str]:
    """The spellings at one place of the file (e.g. ``texts("trustee_report", "labels", "end")``)."""
    node: Any = spellings()
    for part in path:
        node = node[part]
    return [entry[0] for entry in node]


def _pick(rng: random.Random, *path: str, where: Any = None) -> str:
    options = [t for t in texts(*path) if where is None or where(t)]
    return rng.choice(options)


def _chance(rng: random.Random, p: float) -> bool:
    return rng.random() < p


# ───────────────────────────── trustee reports ─────────────────────────────
REPORT_LABEL_KEYS = tuple(sorted(tr.TEMPLATE_SPECS["trust_a"].labels)) + ("factor_before", "factor_after",
                                                                           "c_begin", "c_end", "c_pool_balance")
REPORT_HEADING_KEYS = ("basic", "tranche", "tranche_top", "pool_top", "pool", "cashflow", "recovery", "delinquency",
                       "default", "history", "liquidation")
EXTRAS = ("notice", "definitions", "parties", "fees", "accounts", "events", "tranche_info")
POOL_COLUMNS = (("label", "amount"), ("seq", "label", "amount", "note"), ("label", "count", "amount"),
                ("seq", "label", "amount"), ("label", "amount", "note"))
UNITS = ("元", "万元", "亿元")
UNIT_WEIGHTS = (55, 35, 10)
UNIT_PLACES = ("header", "line", "table_line", "note", "label", "value")
AMOUNT_BLOCKS = ("pool", "cashflow", "recovery", "delinquency", "default", "history", "liquidation", "tranche",
                 "fees", "accounts", "tranche_info")
FACTOR_ROWS = ("factor", "factor_interest", "factor_before", "factor_after")
NOTED_LABELS = ("begin", "end", "npl_begin", "npl_end", "count", "npl_count", "principal", "interest", "before",
                "after", "paid", "new_default", "total")
NOTED_VALUES = ("pool_balance_begin_cny", "pool_balance_end_cny", "loan_count_end", "principal_collected_cny",
                "interest_collected_cny", "new_default_cny", "recovery_cny", "cumulative_recovery_cny", "before",
                "paid", "after", "coupon")
NAMED_DATES = {"cn": "{y}年{m}月{d}日", "iso": "{y}-{mm}-{dd}", "slash": "{y}/{m}/{d}"}


def _outline(rng: random.Random) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Which sections a report has and how the blocks group under them, in some order."""
    pool_blocks = ["pool", "cashflow", "recovery", "delinquency", "default", "history"]
    if _chance(rng, 0.3):
        rng.shuffle(pool_blocks)  # 现金流 before 资产池, 违约 before 逾期 …
    shape = rng.choice(("grouped", "split", "flat"))
    if shape == "grouped":  # 四、资产池表现情况 with （一）…（六）
        pool = [("pool_top", tuple(pool_blocks))]
    elif shape == "split":  # 资产池 / 逾期 / 违约 as three sections
        pool = [("pool", tuple(b for b in pool_blocks if b in ("pool", "cashflow", "recovery"))),
                ("delinquency", ("delinquency",)), ("default", tuple(b for b in pool_blocks if b in ("default", "history")))]
    else:
        pool = [(b, (b,)) for b in pool_blocks]
    tranche = [("tranche_top", ("tranche",))] if _chance(rng, 0.4) else [("tranche", ("tranche",))]
    body = tranche + pool if _chance(rng, 0.5) else pool + tranche
    liquidation = [("liquidation", ("liquidation",))]
    if _chance(rng, 0.2):
        body = liquidation + body
    else:
        body = body + liquidation
    return tuple([("basic", ("basic",)), *body] if _chance(rng, 0.9) else [body[0], ("basic", ("basic",)), *body[1:]])


# Label lists in the spellings file that are parallel: a report spells all of a group in one style.
PARALLEL_LABELS = (("d1_30", "d31_60", "d61_90", "d90"), ("collection_start", "collection_end"), ("c_begin", "c_end"))


def _report_labels(rng: random.Random, bare_rates: bool, history_date: str) -> dict[str, str]:
    labels = {}
    for group in PARALLEL_LABELS:
        lists = [texts("trustee_report", "labels", key) for key in group]
        style = rng.randrange(min(len(options) for options in lists))
        labels.update({key: options[style] for key, options in zip(group, lists)})
    for key in REPORT_LABEL_KEYS:
        if key in labels:
            continue
        if key in ("h_rate", "c_share"):
            labels[key] = _pick(rng, "trustee_report", "labels", key, where=lambda t: ("%" in t) == bare_rates)
        elif key == "h_date":
            wanted = ("收款期间截止日",) if history_date == "collection_period_end" else ("支付日", "兑付日")
            labels[key] = _pick(rng, "trustee_report", "labels", key, where=lambda t: t in wanted)
        else:
            labels[key] = _pick(rng, "trustee_report", "labels", key)
    return labels


def _report_headings(rng: random.Random, extras: Sequence[str]) -> dict[str, str]:
    """A heading per block, no two sections of one report titled alike."""
    headings: dict[str, str] = {}
    for key in (*REPORT_HEADING_KEYS, *extras):
        taken = set(headings.values())
        headings[key] = _pick(rng, "trustee_report", "headings", key, where=lambda t: t not in taken)
    return headings


def draw_report_layout(rng: random.Random) -> tr.ReportLayout:
    """One trustee-report layout drawn from the space (see the module docstring)."""
    rate_style = "fraction" if _chance(rng, 0.15) else "percent"
    bare = rate_style == "percent" and _chance(rng, 0.3)
    history_date = rng.choice(("payment_date", "collection_period_end"))
    extras = tuple(rng.sample(EXTRAS, rng.choice((0, 0, 1, 1, 2, 3))))
    outline = _outline(rng)
    unit_where = rng.choices(UNIT_PLACES, weights=(35, 20, 12, 10, 8, 15))[0]
    units = _table_units(rng, outline, unit_where)
    unit_text = {
        "header": lambda: _pick(rng, "trustee_report", "units", "header"),
        "label": lambda: _pick(rng, "trustee_report", "units", "header"),
        "line": lambda: _pick(rng, "trustee_report", "units", "line"),
        "table_line": lambda: _pick(rng, "trustee_report", "units", "line"),
        "note": lambda: _pick(rng, "trustee_report", "units", "note"),
        "value": lambda: "",
    }[unit_where]()
    default_rows = ("new_default", *rng.sample(("cum_default", "cum_rate"), rng.choice((0, 1, 2))))
    if _chance(rng, 0.5):
        default_rows = tuple(rng.sample(default_rows, len(default_rows)))
    history_columns = ["period"]
    for column, needed in (("date", False), ("amount", "cum_default" not in default_rows),
                           ("rate", "cum_rate" not in default_rows)):
        if needed or _chance(rng, 0.6):
            history_columns.append(column)
    if _chance(rng, 0.3):
        rng.shuffle(history_columns)
    if len(history_columns) == 1:
        history_columns.append("rate")
    if {"cum_default", "cum_rate"} <= set(default_rows) and _chance(rng, 0.3):  # no history table at all
        outline = tuple((top, tuple(b for b in blocks if b != "history")) for top, blocks in outline)
    tranche_rows = ["before", "paid", "after", "coupon", "excess"]
    if _chance(rng, 0.4):
        rng.shuffle(tranche_rows)
    for factor in rng.sample(FACTOR_ROWS, rng.choice((0, 0, 1, 2))):
        tranche_rows.insert(rng.randrange(len(tranche_rows) + 1), factor)
    tranche_rows.insert(0 if _chance(rng, 0.85) else rng.randrange(len(tranche_rows) + 1), "code")
    recovery_columns = ["recovery", "cum_recovery"] + (["balance"] if _chance(rng, 0.6) else [])
    rng.shuffle(recovery_columns)
    delinquency_columns = ["balance", "share"]
    rng.shuffle(delinquency_columns)
    cover_label = _pick(rng, "trustee_report", "cover_date_labels", "labels")
    date_style = _pick(rng, "dates", "styles")
    tranche_orientation = "rows" if _chance(rng, 0.3) else "columns"
    label_notes = tuple(rng.sample(NOTED_LABELS, rng.choice((0, 0, 0, 1, 2))))
    value_notes = tuple(rng.sample(NOTED_VALUES, rng.choice((0, 0, 0, 1, 2))))
    extra_texts = {
        "notice": _pick(rng, "trustee_report", "extras", "notice"),
        "definitions": _pick(rng, "trustee_report", "extras", "definitions"),
        "events": _pick(rng, "trustee_report", "extras", "events"),
        "fees": "|".join(rng.sample(texts("trustee_report", "extras", "fees"), rng.randint(2, 5))),
        "accounts": "|".join(rng.sample(texts("trustee_report", "extras", "accounts"), rng.randint(1, 3))),
        "account_columns": "|".join(texts("trustee_report", "extras", "account_columns")),
    }
    numbers = "text" if unit_where == "value" or _chance(rng, 0.25) else "numeric"
    return tr.ReportLayout(
        name="fuzzed",
        title_style=rng.choice(tr.TITLE_STYLES),
        cover_date=cover_label + _pick(rng, "dates", "styles"),
        date_style=date_style,
        na=_pick(rng, "markers", "na"),
        unit=units.get("pool", "元"),
        tranche_unit=units.get("tranche", "元"),
        unit_where=unit_where,
        code_suffix=_chance(rng, 0.5),
        outline=outline,
        sub_numbered=_chance(rng, 0.7),
        labels=_report_labels(rng, bare, history_date),
        headings=_report_headings(rng, extras),
        tranche_rows=tuple(tranche_rows),
        tranche_header=_pick(rng, "trustee_report", "labels", "tranche_header",  # 项目 heads a column of labels only
                             where=lambda t: tranche_orientation == "columns" or t != "项目"),
        tranches_per_block=rng.randint(2, 6),
        repeat_header=_chance(rng, 0.6),
        section_new_page=_chance(rng, 0.3),
        pool_columns=rng.choice(POOL_COLUMNS),
        delinquency_columns=("bucket", *delinquency_columns),
        history_columns=tuple(history_columns),
        recovery_columns=("status", *recovery_columns),
        history_period=rng.choice(("第{n}期", "{n}", "总第{n}期")),
        rate_percent_column=bare,
        default_rows=default_rows,
        collection_rows=rng.choice(("range", "split")),
        period_row=_chance(rng, 0.5),
        xlsx_layout="single",
        xlsx_numbers=numbers,
        footer=_pick(rng, "pages", "footer"),
        history_date=history_date,
        top_numbering=_pick(rng, "numbering", "top"),
        sub_numbering=_pick(rng, "numbering", "sub"),
        heading_end=_pick(rng, "numbering", "heading_end"),
        table_units=units,
        unit_text=unit_text,
        amount_places="document" if _chance(rng, 0.2) else "fewest",
        thousands=_chance(rng, 0.85),
        rate_style=rate_style,
        tranche_orientation=tranche_orientation,
        pool_shape="asof" if _chance(rng, 0.2) else "kv",
        delinquency_orientation="columns" if _chance(rng, 0.2) else "rows",
        basic_style=rng.choices(("table", "lines", "pairs"), weights=(7, 2, 1))[0],
        basic_colon=rng.choice(("：", ":", " ")),
        cover_split=_chance(rng, 0.1),
        label_notes=label_notes,
        value_notes=value_notes,
        note_marker=(_pick(rng, "markers", "superscript") if _chance(rng, 0.2) else _pick(rng, "markers", "note")),
        split_tables=tuple(rng.sample(("tranche", "delinquency", "history", "cashflow", "recovery"),
                                      rng.choice((0, 0, 1, 2)))),
        continued=_pick(rng, "pages", "continued"),
        extras=tuple((extra, rng.randint(1, len(outline))) for extra in extras),
        extra_texts=extra_texts,
        omit_na_rows=_chance(rng, 0.3),
        other_in_recovery=_chance(rng, 0.3),
        period_text=rng.choice(("第{n}期", "总第{n}期", "{n}")),
        collection_sep=_pick(rng, "markers", "period_separator"),
        date_qualifier=_pick(rng, "markers", "date_qualifier") if _chance(rng, 0.15) else "",
        count_suffix="笔" if _chance(rng, 0.15) else "",
        wrap_headers=_chance(rng, 0.6 if tranche_orientation == "rows" else 0.2),
        xlsx=_workbook(rng, numbers),
    )


def _table_units(rng: random.Random, outline: Sequence[tuple[str, Sequence[str]]], unit_where: str) -> dict[str, str]:
    """元 / 万元 / 亿元 per table; one per section where a unit line under the heading states it."""
    units = {}
    if unit_where == "line":
        for _, blocks in outline:
            unit = rng.choices(UNITS, weights=UNIT_WEIGHTS)[0]
            units.update({block: unit for block in blocks})
        return {block: units.get(block, "元") for block in AMOUNT_BLOCKS}
    return {block: rng.choices(UNITS, weights=UNIT_WEIGHTS)[0] for block in AMOUNT_BLOCKS}


def _workbook(rng: random.Random, numbers: str) -> XlsxStyle:
    sheets = rng.choice(("single", "sheets"))
    return XlsxStyle(
        sheets=sheets, first_sheet=_pick(rng, "pages", "sheet_names"), numbers=numbers,
        gap_after_table=rng.choice((0, 1, 1, 2)), gap_after_text=rng.choice((0, 0, 1)), start_col=rng.choice((0, 0, 1, 2)),
        kv=rng.choices(("adjacent", "merged", "pairs"), weights=(6, 3, 1))[0],
        headings_in_sheet=sheets == "single" or _chance(rng, 0.7),
    )


# ───────────────────────────── issuance documents ─────────────────────────────
ANNOUNCEMENT_LABEL_KEYS = tuple(sorted(ann.LABELS))
_ANNOUNCEMENT_LISTS = {"structure_tranche": "tranche_name", "structure_amount": "amount"}  # keys sharing a list
# Planned sizes in the 说明书: never 「实际发行总额」, which only the results can say.
_LABEL_FILTERS = {"structure_amount": lambda t: t != "实际发行总额"}


def draw_announcement_layout(rng: random.Random) -> ann.AnnouncementLayout:
    """One layout of the 发行说明书 / 发行结果公告 pair, drawn from the space."""
    labels = {key: _pick(rng, "announcement", "labels", _ANNOUNCEMENT_LISTS.get(key, key), where=_LABEL_FILTERS.get(key))
              for key in ANNOUNCEMENT_LABEL_KEYS}
    headings: dict[str, str] = {}
    for key in ann.HEADINGS:
        taken = set(headings.values())
        headings[key] = _pick(rng, "announcement", "headings", key, where=lambda t: t not in taken)
    offering = ["parties", "pool", "enhancement", "structure"]
    rng.shuffle(offering)
    results = ["issued", "terms", "junior"]
    if _chance(rng, 0.4):
        rng.shuffle(results)
    unit_where = rng.choices(("header", "line", "note", "value"), weights=(5, 2, 1, 2))[0]
    unit_text = {"header": lambda: _pick(rng, "trustee_report", "units", "header"),
                 "line": lambda: _pick(rng, "trustee_report", "units", "line"),
                 "note": lambda: _pick(rng, "trustee_report", "units", "note"), "value": lambda: ""}[unit_where]()
    numbers = "text" if unit_where == "value" or _chance(rng, 0.25) else "numeric"
    return ann.AnnouncementLayout(
        date_style=_pick(rng, "dates", "styles"),
        rating_style=_pick(rng, "announcement", "ratings", "styles"),
        results_unit=rng.choices(UNITS, weights=(3, 5, 2))[0],
        deal_unit=rng.choices(UNITS, weights=(3, 5, 2))[0],
        pool_unit=rng.choice(("元", "万元")),
        unit_where=unit_where,
        unit_text=unit_text,
        offering_title=_pick(rng, "announcement", "titles", "offering"),
        results_title=_pick(rng, "announcement", "titles", "results"),
        headings=headings,
        labels=labels,
        top_numbering=_pick(rng, "numbering", "top"),
        heading_end=_pick(rng, "numbering", "heading_end"),
        offering_order=tuple(["basics", *offering] if _chance(rng, 0.85) else [*offering[:1], "basics", *offering[1:]]),
        results_order=tuple(["info", *results] if _chance(rng, 0.85) else [*results[:1], "info", *results[1:]]),
        results_shape=rng.choices(("tables", "columns", "per_page"), weights=(6, 2, 2))[0],
        structure_shape="columns" if _chance(rng, 0.2) else "rows",
        basics_style="lines" if _chance(rng, 0.2) else "table",
        na=_pick(rng, "markers", "na"),
        dash=rng.choice(("-", "—", "/")),
        thousands=_chance(rng, 0.85),
        unrated=_pick(rng, "announcement", "ratings", "unrated"),
        coupon_places=4 if _chance(rng, 0.2) else None,
        coupon_types={"fixed": _pick(rng, "announcement", "values", "fixed"),
                      "floating": _pick(rng, "announcement", "values", "floating")},
        no_coupon=_pick(rng, "announcement", "values", "no_coupon"),
        amortisations={"pass_through": _pick(rng, "announcement", "values", "pass_through"),
                       "bullet": _pick(rng, "announcement", "values", "bullet")},
        agency_where="header" if _chance(rng, 0.3) else "column",
        preamble=tuple(rng.sample(texts("announcement", "values", "preamble"), rng.choice((0, 0, 1, 2)))),
        split_tables=tuple(rng.sample(("issued", "terms", "structure"), rng.choice((0, 0, 1)))),
        wrap_headers=_chance(rng, 0.4),
        footer=_pick(rng, "pages", "footer"),
        xlsx=_workbook(rng, numbers),
    )


# ───────────────────────────── membership ─────────────────────────────
def layout_key(layout: Any) -> str:
    """A stable text of every field of a layout (mappings sorted): equal keys, equal layouts."""
    parts = []
    for f in fields(layout):
        value = getattr(layout, f.name)
        if isinstance(value, Mapping):
            value = sorted(value.items())
        parts.append(f"{f.name}={value!r}")
    return "|".join(parts)


def _date_pattern(text: str) -> str:
    return NAMED_DATES.get(text, text.replace("{m:02d}", "{mm}").replace("{d:02d}", "{dd}"))


def report_space_misses(layout: tr.ReportLayout) -> list[str]:
    """What in a trustee-report layout the fuzzer could not have drawn (empty: the layout is a point)."""
    misses = []
    for key, text in layout.labels.items():
        if text not in texts("trustee_report", "labels", key):
            misses.append(f"label {key}={text!r}")
    for key, text in layout.headings.items():
        if text not in texts("trustee_report", "headings", key):
            misses.append(f"heading {key}={text!r}")
    cover = _date_pattern(layout.cover_date)
    if not any(cover == label + pattern for label in texts("trustee_report", "cover_date_labels", "labels")
               for pattern in texts("dates", "styles")):
        misses.append(f"cover_date={layout.cover_date!r}")
    checks = {
        "date_style": (_date_pattern(layout.date_style), texts("dates", "styles")),
        "na": (layout.na, texts("markers", "na")),
        "tranche_header": (layout.tranche_header, texts("trustee_report", "labels", "tranche_header")),
        "footer": (layout.footer, texts("pages", "footer")),
        "top_numbering": (layout.top_numbering, texts("numbering", "top")),
        "sub_numbering": (layout.sub_numbering, texts("numbering", "sub")),
        "heading_end": (layout.heading_end, texts("numbering", "heading_end")),
        "title_style": (layout.title_style, tr.TITLE_STYLES),
        "unit_where": (layout.unit_where, UNIT_PLACES),
        "pool_columns": (layout.pool_columns, POOL_COLUMNS),
        "collection_sep": (layout.collection_sep, texts("markers", "period_separator")),
    }
    misses += [f"{name}={value!r}" for name, (value, allowed) in checks.items() if value not in allowed]
    if layout.unit not in UNITS or layout.tranche_unit not in UNITS:
        misses.append(f"units {layout.unit}/{layout.tranche_unit}")
    return misses


def announcement_space_misses(layout: ann.AnnouncementLayout) -> list[str]:
    """What in an announcement layout the fuzzer could not have drawn (empty: the layout is a point)."""
    misses = []
    for key in ann.LABELS:
        text = layout.label(key)
        if text not in texts("announcement", "labels", _ANNOUNCEMENT_LISTS.get(key, key)):
            misses.append(f"label {key}={text!r}")
    for key in ann.HEADINGS:
        if layout.heading(key) not in texts("announcement", "headings", key):
            misses.append(f"heading {key}={layout.heading(key)!r}")
    ratings = {"plain": "{grade}sf", "spaced": "{grade} sf", "bracket": "{grade}(sf)"}
    checks = {
        "date_style": (_date_pattern({"chinese": "cn"}.get(layout.date_style, layout.date_style)), texts("dates", "styles")),
        "rating_style": (ratings.get(layout.rating_style, layout.rating_style), texts("announcement", "ratings", "styles")),
        "unrated": (layout.unrated, texts("announcement", "ratings", "unrated")),
        "offering_title": (layout.offering_title, texts("announcement", "titles", "offering")),
        "results_title": (layout.results_title, texts("announcement", "titles", "results")),
        "top_numbering": (layout.top_numbering, texts("numbering", "top")),
        "na": (layout.na, texts("markers", "na")),
        "no_coupon": (layout.no_coupon, texts("announcement", "values", "no_coupon")),
        "footer": (layout.footer, texts("pages", "footer")),
    }
    misses += [f"{name}={value!r}" for name, (value, allowed) in checks.items() if value not in allowed]
    for unit in (layout.results_unit, layout.deal_unit, layout.pool_unit):
        if unit not in UNITS:
            misses.append(f"unit {unit}")
    return misses


# ───────────────────────────── cases and their truth ─────────────────────────────
@dataclass(frozen=True)
class FuzzCase:
    """One fuzzed document, its truth (the rows a reader must get, on the columns it carries)
    and how to replay it (``fuzz_case(world, seed, number)``)."""

    seed: int
    number: int
    family: str
    fmt: str
    file_name: str
    title: str
    data: bytes
    truth: Mapping[str, list[dict[str, Any]]]
    known_codes: tuple[str, ...]  # every security code of the deal (a report may print them bare)
    layout: Any
    source: Any = None  # what was rendered: the TrusteeReportData, or the deal row of an announcement

    @property
    def replay(self) -> str:
        return f"fuzz_case(world, seed={self.seed}, number={self.number})  # {self.family} {self.fmt}"


@dataclass
class _Sources:
    """The seed world indexed for drawing documents from it."""

    reports: list[tr.TrusteeReportData]
    deals: list[Mapping[str, Any]]
    tranches: dict[str, list[Mapping[str, Any]]]
    institutions: dict[str, Mapping[str, Any]]
    labels: dict[str, list[str]]
    enhancements: dict[str, list[Mapping[str, Any]]]


def _sources(world: World) -> _Sources:
    """Indexed once per world (kept in its extras, as the catalogue keeps its own indexes)."""
    if "_fuzz_sources" in world.extras:
        return world.extras["_fuzz_sources"]
    tranches: dict[str, list[Mapping[str, Any]]] = {}
    for t in world.rows("core.tranches"):
        tranches.setdefault(t["deal_id"], []).append(t)
    labels: dict[str, list[str]] = {}
    for row in sorted(world.rows("core.deal_labels"), key=lambda r: r["label"]):
        labels.setdefault(row["deal_id"], []).append(row["label"])
    enhancements: dict[str, list[Mapping[str, Any]]] = {}
    for row in world.rows("core.credit_enhancements"):
        enhancements.setdefault(row["deal_id"], []).append(row)
    # trustee reports are credit ABS's (exchange ABS and ABN disclose on their venues)
    credit = {d["deal_id"] for d in world.rows("core.deals") if d["market"] == "credit_abs"}
    deal_ids = sorted(set(world.extras.get("trustee_report_deals", [])) & credit)
    sources = _Sources(
        reports=list(tr.reports_from_tables(world.tables, deal_ids)),
        deals=sorted((d for d in world.rows("core.deals") if d["market"] == "credit_abs" and tranches.get(d["deal_id"])),
                     key=lambda d: d["deal_id"]),
        tranches=tranches, institutions={i["institution_id"]: i for i in world.rows("core.institutions")},
        labels=labels, enhancements=enhancements,
    )
    world.extras["_fuzz_sources"] = sources
    return sources


def fuzz_case(world: World, seed: int, number: int) -> FuzzCase:
    """Case ``number`` of layout seed ``seed``: a family, a format, a layout, a document of the world."""
    rng = random.Random(f"abs-etl layout fuzzer {seed}:{number}")
    source = _sources(world)
    family, fmt = rng.choices([(f, x) for f, x, _ in MIX], weights=[w for *_, w in MIX])[0]
    if family == "trustee_report":
        report = rng.choice(source.reports)
        layout = draw_report_layout(rng)
        title = tr.listing_title(report, layout)
        data = tr.render_trustee_report(report, layout, fmt)
        truth = report_truth(report)
        codes = tuple(str(t["security_code"]) for t in report.tranches)
    else:
        deal = rng.choice(source.deals)
        layout = draw_announcement_layout(rng)
        tranches = source.tranches[deal["deal_id"]]
        codes = tuple(str(t["security_code"]) for t in tranches)
        if family == "offering_circular":
            labels, enhancements = source.labels.get(deal["deal_id"], []), source.enhancements.get(deal["deal_id"], [])
            title = ann.offering_title(deal, layout)
            data = ann.render_offering_circular(deal, tranches, source.institutions, labels, enhancements, layout)
            truth = offering_truth(deal, source.institutions, labels, enhancements)
        else:
            title = ann.results_title(deal, layout)
            data = ann.render_issuance_results(deal, tranches, source.institutions, layout, fmt)
            truth = results_truth(tranches, source.institutions)
    return FuzzCase(seed, number, family, fmt, f"{title}.{fmt}", title, data, truth, codes, layout,
                    report if family == "trustee_report" else deal)


def fuzz_cases(world: World, seed: int, count: int) -> Iterator[FuzzCase]:
    for number in range(count):
        yield fuzz_case(world, seed, number)


def report_truth(report: tr.TrusteeReportData) -> dict[str, list[dict[str, Any]]]:
    # a trustee report is per payment period by nature: it does not print its grain
    return {
        "core.pool_performance": [{k: v for k, v in report.pool.items() if k != "grain"}],
        "core.tranche_payments": [dict(p) for p in report.payments],
        "core.liquidation_events": [dict(report.liquidation)] if report.liquidation else [],
    }


def offering_truth(deal: Mapping[str, Any], institutions: Mapping[str, Mapping[str, Any]], labels: Sequence[str],
                   enhancements: Sequence[Mapping[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The deal, its labels and enhancements, and every institution the circular names (with the
    short name where the parties table prints one)."""
    named: dict[str, dict[str, Any]] = {}
    for e in enhancements:
        inst = institutions[e["enhancer_id"]]
        named[inst["institution_id"]] = {"institution_id": inst["institution_id"], "full_name_zh": inst["full_name_zh"],
                                         "institution_type": inst["institution_type"]}
    for key in ann.ROLES:
        if deal.get(key):
            inst = institutions[deal[key]]
            named[inst["institution_id"]] = {"institution_id": inst["institution_id"],
                                             "full_name_zh": inst["full_name_zh"],
                                             "institution_type": inst["institution_type"],
                                             "short_name_zh": inst.get("short_name_zh")}
    return {
        "core.deals": [dict(deal)],
        "core.deal_labels": [{"deal_id": deal["deal_id"], "label": label} for label in labels],
        "core.credit_enhancements": [dict(e) for e in enhancements],
        "core.institutions": list(named.values()),
    }


def results_truth(tranches: Sequence[Mapping[str, Any]],
                  institutions: Mapping[str, Mapping[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Every tranche as issued (its delisting date is known only later) and the rating agencies."""
    agencies = {t["initial_rating_agency_id"] for t in tranches if t.get("initial_rating_agency_id")}
    return {
        "core.tranches": [{k: v for k, v in t.items() if k != "delisting_date"} for t in tranches],
        "core.institutions": [{"institution_id": a, "full_name_zh": institutions[a]["full_name_zh"],
                               "institution_type": institutions[a]["institution_type"]} for a in sorted(agencies)],
    }


def wrong_values(case: FuzzCase, parsed: Mapping[str, Sequence[Mapping[str, Any]]]) -> list[str]:
    """Every difference between what a reader extracted and the case's truth, field by field.

    A row of the truth that the reader did not return, a row it returned that the truth does not
    have, and every column of the truth that differs are each one line. Tables outside the
    truth (aliases, …) and provenance columns are not compared. Security codes the document
    printed without a market suffix are completed from the deal's codes, as the pipeline does
    with the tranches it knows.
    """
    problems = []
    for table, expected in case.truth.items():
        key_columns = KEYS[table]
        got_rows = [_complete_codes(dict(row), case.known_codes) for row in parsed.get(table, ())]
        got = {tuple(row.get(k) for k in key_columns): row for row in got_rows}
        if len(got) != len(got_rows):
            problems.append(f"{table}: {len(got_rows) - len(got)} rows share a key")
        want = {tuple(row.get(k) for k in key_columns): row for row in expected}
        for key in sorted(set(want) - set(got), key=repr):
            problems.append(f"{table} {key}: missing")
        for key in sorted(set(got) - set(want), key=repr):
            problems.append(f"{table} {key}: not in the document's truth")
        for key in sorted(set(want) & set(got), key=repr):
            for column, value in want[key].items():
                if column in PROVENANCE_COLUMNS:
                    continue
                found = got[key].get(column)
                if not _same(found, value):
                    problems.append(f"{table} {key} {column}: read {found!r}, truth {value!r}")
    return problems


def _complete_codes(row: dict[str, Any], codes: Sequence[str]) -> dict[str, Any]:
    code = row.get("tranche_id")
    if isinstance(code, str) and "." not in code:
        matches = [c for c in codes if c.split(".")[0] == code]
        if len(matches) == 1:
            row["tranche_id"] = matches[0]
    return row


def _same(found: Any, value: Any) -> bool:
    """Equal values of the same kind: numbers exactly (a float is never exact enough), else by type."""
    exact = (Decimal, int)
    if isinstance(value, exact) and isinstance(found, exact) and not isinstance(value, bool) \
            and not isinstance(found, bool):
        return Decimal(found) == Decimal(value)
    return type(found) is type(value) and found == value


def failure_classes(errors: Sequence[str], top: int = 12) -> list[tuple[str, int]]:
    """The most common failure reasons, with the document-specific parts (numbers, names) folded."""
    def fold(error: str) -> str:
        error = re.sub(r"'([^']{13,})'|「[^」]{13,}」|“[^”]*”", "…", error)  # long quoted values: names, numbers
        return re.sub(r"\d[\d,.]*", "N", error)[:160]

    folded = [fold(e) for e in errors]
    return Counter(folded).most_common(top)
