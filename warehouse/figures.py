"""The figure catalogue: one SQL query per figure of the seed reports, read from
``warehouse/figures/*.toml``, run against ``marts`` only, and checked against the printed values.

Each entry::

    [[figure]]
    id = "L-02"
    description = "Leasing ABS issued Jan–Jul 2025: deals, 亿元, YoY"
    definition = "deals by value date in 2025-01-01..2025-07-31; YoY against the same months of 2024"
    query = '''SELECT ... FROM marts.… '''
    [figure.expected]          # printed values, compared on the query's first row
    deals = 140
    amount_yi = 1358.80        # compared at the printed precision (2 decimals here)
    [[figure.expected_rows]]   # or: several rows, compared in the query's order
    rating_before = "AA+sf"
    ...

Numbers are compared after rounding the query's value half away from zero to the decimals the
printed value shows (``1358.80`` → 2, ``0.2247`` → 4, ``140`` → 0); strings exactly.

Units follow the column names of the house style (``*_yi`` 亿元, ``*_bp``, ``*_wan`` 万元,
``*_months``, ``*_years``; shares, YoY, growth, rates, coupons and IRRs are fractions printed as
percentages); a figure whose column names do not say it declares them::

    [figure.units]
    any_external = "%"          # one of the UNITS symbols
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import duckdb

FIGURES_DIR = Path(__file__).parent / "figures"
_SOURCE_TABLES = re.compile(r"\b(?:from|join)\s+([a-z_]+)\.", re.IGNORECASE)


@dataclass(frozen=True)
class Figure:
    id: str
    description: str
    query: str
    definition: str = ""
    expected: dict[str, Any] = field(default_factory=dict)
    expected_rows: tuple[dict[str, Any], ...] = ()
    source_file: str = ""
    units: dict[str, str] = field(default_factory=dict)

    def printed_values(self, column: str) -> list[Any]:
        """Every printed value of ``column``: the first row's, then each printed row's."""
        values = [self.expected[column]] if column in self.expected else []
        return values + [row[column] for row in self.expected_rows if column in row]


def load_catalogue(directory: Path = FIGURES_DIR) -> list[Figure]:
    """Every figure in the catalogue files, ordered by id; duplicate ids are refused."""
    figures: dict[str, Figure] = {}
    for path in sorted(directory.glob("*.toml")):
        with path.open("rb") as fh:
            # Decimals keep the printed precision: 1358.80 is compared to 2 places, not 1.
            for entry in tomllib.load(fh, parse_float=Decimal).get("figure", []):
                fig = Figure(id=entry["id"], description=entry["description"], query=entry["query"],
                             definition=entry.get("definition", ""), expected=entry.get("expected", {}),
                             expected_rows=tuple(entry.get("expected_rows", ())), source_file=path.name,
                             units=entry.get("units", {}))
                unknown = {u for u in fig.units.values() if u not in UNITS}
                if unknown:
                    raise ValueError(f"figure {fig.id} ({path.name}) declares unknown units {sorted(unknown)}")
                if fig.id in figures:
                    raise ValueError(f"figure {fig.id} is defined twice ({figures[fig.id].source_file}, {path.name})")
                figures[fig.id] = fig
    return sorted(figures.values(), key=lambda f: _id_key(f.id))


def _id_key(figure_id: str) -> tuple[str, int]:
    prefix, _, number = figure_id.partition("-")
    return prefix, int(number) if number.isdigit() else 0


def schemas_read(figure: Figure) -> set[str]:
    """Schemas a query reads (the catalogue may read ``marts`` only)."""
    return {m.lower() for m in _SOURCE_TABLES.findall(figure.query)}


def run_figure(con: duckdb.DuckDBPyConnection, figure: Figure) -> tuple[list[str], list[tuple]]:
    rel = con.sql(figure.query)
    return rel.columns, rel.fetchall()


# ── units and printed precision, from the column names and the printed values ──────────────
UNITS = ("亿元", "亿美元", "万元", "%", "bp", "个月", "年", "倍", "")
"""Units a value is printed in ("" = a plain number: counts, years, ratios)."""
DEFAULT_DECIMALS = {"亿元": 2, "亿美元": 2, "万元": 2, "%": 2, "bp": 0, "个月": 2, "年": 2, "倍": 2, "": 2}
_SUFFIX_UNITS = (("_usd_yi", "亿美元"), ("_yi", "亿元"), ("_wan", "万元"), ("_bp", "bp"), ("_months", "个月"),
                 ("_years", "年"))
_FRACTION = re.compile(r"share|yoy|growth|rate|coupon|irr|coverage|debt_to_assets|return_on")
_YEAR_LIKE = re.compile(r"year|vintage")


def unit_of(figure: Figure, column: str, value: Any) -> str | None:
    """The unit ``column`` is printed in, or None for values that are not numbers (text, dates,
    booleans, lists). Integers are counts (or years) unless the figure declares otherwise."""
    if column in figure.units:
        return figure.units[column]
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return None
    for suffix, unit in _SUFFIX_UNITS:
        if column.endswith(suffix) or f"{suffix}_" in column:
            return unit
    if "multiple" in column and not isinstance(value, int):
        return "倍"
    if _FRACTION.search(column) and not isinstance(value, int):
        return "%"
    return ""


def printed_decimals(figure: Figure, column: str, unit: str) -> int:
    """Decimals the report prints ``column`` with: as many as its printed value shows (a fraction
    printed as 0.2247 is 22.47%), else the unit's usual precision."""
    printed = [v for v in figure.printed_values(column) if isinstance(v, (int, float, Decimal))
               and not isinstance(v, bool)]
    if not printed:
        return DEFAULT_DECIMALS.get(unit, 2)
    places = max(_decimals(v) for v in printed)
    return max(0, places - 2) if unit == "%" else places


def is_year_like(column: str) -> bool:
    """Integers that are years or vintages print without a thousands separator (2025, not 2,025)."""
    return bool(_YEAR_LIKE.search(column))


def _decimals(printed: Any) -> int:
    text = format(Decimal(str(printed)), "f")
    return len(text.split(".")[1]) if "." in text else 0


def same_as_printed(actual: Any, printed: Any) -> bool:
    if isinstance(printed, bool) or isinstance(printed, str) or actual is None or printed is None:
        return actual == printed
    if isinstance(printed, (int, float, Decimal)):
        places = Decimal(1).scaleb(-_decimals(printed))
        return Decimal(str(actual)).quantize(places, ROUND_HALF_UP) == Decimal(str(printed)).quantize(places)
    return actual == printed


def check_figure(con: duckdb.DuckDBPyConnection, figure: Figure) -> list[str]:
    """Mismatches between the query's answer and the printed values (empty when it matches)."""
    columns, rows = run_figure(con, figure)
    problems = []
    if figure.expected:
        if not rows:
            return [f"{figure.id}: the query returned no rows"]
        first = dict(zip(columns, rows[0]))
        for key, printed in figure.expected.items():
            if key not in first:
                problems.append(f"{figure.id}: no column {key!r} (has {columns})")
            elif not same_as_printed(first[key], printed):
                problems.append(f"{figure.id}: {key} = {first[key]!r}, printed {printed!r}")
    if figure.expected_rows:
        if len(rows) != len(figure.expected_rows):
            problems.append(f"{figure.id}: {len(rows)} rows, printed {len(figure.expected_rows)}")
        for i, (row, printed_row) in enumerate(zip(rows, figure.expected_rows)):
            actual = dict(zip(columns, row))
            for key, printed in printed_row.items():
                if not same_as_printed(actual.get(key), printed):
                    problems.append(f"{figure.id} row {i + 1}: {key} = {actual.get(key)!r}, printed {printed!r}")
    if not figure.expected and not figure.expected_rows:
        problems.append(f"{figure.id}: no printed values to compare")
    return problems
