"""Figure answers as the reports print them: for people (lines that fit a terminal, any figure),
for scripts (JSON and CSV with exact values) and for a wide terminal (one table per figure).

Units and precision come from the catalogue (``warehouse.figures.unit_of`` and
``printed_decimals``): column names say 亿元, bp, 万元 or a fraction printed as a percentage, and
the printed value says how many decimals. Nothing here knows a figure by its ID.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import duckdb

from warehouse.figures import Figure, is_year_like, printed_decimals, run_figure, same_as_printed, unit_of

LIST_SEPARATOR = "、"
MAX_ROWS = 20  # rows shown per figure before folding the rest into one line


# ── one value as printed ────────────────────────────────────────────────────────────────────
def format_number(value: Any, unit: str, decimals: int, *, year_like: bool = False) -> str:
    """``value`` rounded half away from zero (as DuckDB and the catalogue's check round) and
    printed with thousands separators and its unit: 1,358.80 亿元, 22.47%, -46bp, 140."""
    number = Decimal(str(value))
    if unit == "%":
        number *= 100
    number = number.quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP)
    if number == 0:
        number = abs(number)  # no "-0.00"
    text = f"{number:.{decimals}f}" if year_like else f"{number:,.{decimals}f}"
    if unit in ("%", "bp"):
        return text + unit
    return f"{text} {unit}" if unit else text


def format_value(figure: Figure, column: str, value: Any) -> str:
    """The printed form of one value of ``figure``'s answer."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return LIST_SEPARATOR.join(format_value(figure, column, v) for v in value) or "（无）"
    unit = unit_of(figure, column, value)
    if unit is None:
        return str(value)
    if isinstance(value, int) and unit == "":
        return format_number(value, "", 0, year_like=is_year_like(column))
    return format_number(value, unit, printed_decimals(figure, column, unit), year_like=is_year_like(column))


# ── a figure's answer with its printed values ───────────────────────────────────────────────
@dataclass(frozen=True)
class Cell:
    """One value of an answer: exact, as printed, and the report's value when it prints one."""

    column: str
    value: Any
    text: str
    has_printed: bool = False
    printed: Any = None
    printed_text: str | None = None

    @property
    def matches(self) -> bool | None:
        return same_as_printed(self.value, self.printed) if self.has_printed else None


@dataclass(frozen=True)
class Answer:
    figure: Figure
    columns: list[str]
    rows: list[tuple]
    shared: list[Cell]  # columns with one value on every row, shown once
    per_row: list[list[Cell]]  # the other columns, row by row

    @property
    def cells(self) -> list[Cell]:
        return self.shared + [c for row in self.per_row for c in row]

    @property
    def mismatches(self) -> list[Cell]:
        return [c for c in self.cells if c.matches is False]

    @property
    def missing_rows(self) -> int:
        return max(0, len(self.figure.expected_rows) - len(self.rows))


def _cell(figure: Figure, column: str, value: Any, printed_row: dict[str, Any] | None) -> Cell:
    text = format_value(figure, column, value)
    if printed_row is None or column not in printed_row:
        return Cell(column, value, text)
    printed = printed_row[column]
    return Cell(column, value, text, True, printed, format_value(figure, column, printed))


def answer(con: duckdb.DuckDBPyConnection, figure: Figure) -> Answer:
    """Run ``figure`` and pair every value with the report's printed value, if any."""
    columns, rows = run_figure(con, figure)
    if len(rows) > 1:  # one value on every row and not printed row by row: shown once
        per_row_printed = {k for printed_row in figure.expected_rows for k in printed_row}
        shared_cols = [c for i, c in enumerate(columns)
                       if len({repr(r[i]) for r in rows}) == 1 and c not in per_row_printed]
    else:
        shared_cols = list(columns)
    shared = [_cell(figure, c, rows[0][columns.index(c)], figure.expected) for c in shared_cols] if rows else []
    per_row = []
    if len(rows) > 1:
        for i, row in enumerate(rows):
            printed_row = figure.expected_rows[i] if i < len(figure.expected_rows) else None
            per_row.append([_cell(figure, c, v, printed_row) for c, v in zip(columns, row) if c not in shared_cols])
    elif rows and figure.expected_rows:  # one row answering printed rows: compare it too
        shared = [_cell(figure, c.column, c.value, {**figure.expected, **figure.expected_rows[0]}) for c in shared]
    return Answer(figure, columns, rows, shared, per_row)


# ── text for people: every line fits the terminal ──────────────────────────────────────────
def cell_width(text: str) -> int:
    """Terminal columns ``text`` takes: East-Asian wide and full-width characters count 2."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 0 if unicodedata.combining(ch) else 1
               for ch in text)


def fold(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` columns, broken after spaces or 、 where possible and
    inside a word only when one is longer than a line — nothing is cut off."""
    width = max(width, 4)
    lines: list[str] = []
    tokens: list[str] = []
    current = ""
    for ch in text:
        current += ch
        if ch in (" ", LIST_SEPARATOR, ",", "，", ";", "；"):
            tokens.append(current)
            current = ""
    if current:
        tokens.append(current)
    line = ""
    for token in tokens:
        if cell_width(line + token.rstrip()) <= width:
            line += token
            continue
        if line.strip():
            lines.append(line.rstrip())
        line = ""
        while cell_width(token.rstrip()) > width:  # a word longer than the line: break it
            head = ""
            for ch in token:
                if cell_width(head + ch) > width:
                    break
                head += ch
            lines.append(head)
            token = token[len(head):]
        line = token
    if line.strip() or not lines:
        lines.append(line.rstrip())
    return lines


def _mark(cell: Cell) -> str:
    return "" if cell.matches is None else ("✓" if cell.matches else "✗")


def _value_lines(cell: Cell, indent: int, name_width: int, value_width: int, width: int) -> list[str]:
    """``name  value  report printed ✓`` on one line when it fits, else the name on its line
    and the rest folded below it."""
    pad = " " * indent
    value = cell.text
    if cell.has_printed:
        value += " " * max(0, value_width - cell_width(cell.text)) + f"  report {cell.printed_text} {_mark(cell)}"
    name = cell.column + " " * max(0, name_width - cell_width(cell.column))
    one_line = f"{pad}{name}  {value}"
    if cell_width(one_line) <= width:
        return [one_line]
    value = cell.text + (f"  report {cell.printed_text} {_mark(cell)}" if cell.has_printed else "")
    return fold(pad + cell.column, width) + [pad + "    " + part for part in fold(value, width - indent - 4)]


def _block(cells: list[Cell], indent: int, width: int) -> list[str]:
    """Value lines of ``cells`` with names and values aligned (within reason)."""
    name_width = min(30, max((cell_width(c.column) for c in cells), default=0))
    value_width = min(20, max((cell_width(c.text) for c in cells), default=0))
    return [line for c in cells for line in _value_lines(c, indent, name_width, value_width, width)]


def render_text(answers: list[Answer], width: int = 80, max_rows: int = MAX_ROWS) -> str:
    """One block per figure: its ID, description and verdict, then one line per value."""
    out: list[str] = []
    for a in answers:
        fig = a.figure
        out.extend(_hanging_fold(f"{fig.id}  {fig.description}", len(fig.id) + 2, width))
        problems = [f"{c.column} = {c.text}, report {c.printed_text}" for c in a.mismatches]
        if a.missing_rows:
            problems.append(f"{len(a.rows)} rows, the report prints {len(fig.expected_rows)}")
        if not a.rows:
            verdict = "✗ the query returned no rows"
        elif problems:
            verdict = "✗ differs from the report: " + "; ".join(problems)
        elif any(c.has_printed for c in a.cells):
            verdict = "✓ matches the report"
        else:
            verdict = "no printed values to compare"
        out.extend(_hanging_fold("  " + verdict, 4, width))
        out.extend(_block(a.shared, 2, width))
        for i, row in enumerate(a.per_row[:max_rows], 1):
            label = " · ".join(c.text for c in row if isinstance(c.value, str)) or f"row {i}"
            out.extend(_hanging_fold(f"  [{i}] {label}", 6, width))
            out.extend(_block([c for c in row if not isinstance(c.value, str) or c.has_printed], 6, width))
        if len(a.per_row) > max_rows:
            out.extend(fold(f"  … {len(a.per_row) - max_rows} more rows (--all shows them, --format csv lists "
                            "every value)", width))
        out.append("")
    return "\n".join(out)


def _hanging_fold(text: str, indent: int, width: int) -> list[str]:
    """``text`` folded to ``width``, continuation lines indented by ``indent``."""
    lines = fold(text, width)
    if len(lines) == 1:
        return lines
    return [lines[0]] + fold_indented(text[len(lines[0]):].lstrip(), indent, width)


def fold_indented(text: str, indent: int, width: int) -> list[str]:
    return [" " * indent + line for line in fold(text, width - indent)]


# ── for scripts: exact values ───────────────────────────────────────────────────────────────
def _exact(value: Any) -> Any:
    """JSON-ready, exact: DECIMAL keeps its digits (marked for the encoder), dates as ISO text."""
    if isinstance(value, Decimal):
        return _DecimalText(format(value.normalize() if value == value.to_integral() else value, "f"))
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_exact(v) for v in value]
    return value


class _DecimalText(str):
    """A DECIMAL printed as a JSON number, digit for digit (never through a float)."""


def _dump(value: Any) -> str:
    if isinstance(value, _DecimalText):
        return str.__str__(value)
    if isinstance(value, list):
        return "[" + ", ".join(_dump(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k, ensure_ascii=False)}: {_dump(v)}" for k, v in value.items()) + "}"
    return json.dumps(value, ensure_ascii=False)


def render_json(answers: list[Answer]) -> str:
    """``{"figures": [...]}``: per figure its rows with exact values, the printed values and the
    verdict; each value's unit and printed form under ``printed_as``."""
    figures = []
    for a in answers:
        rows = [{c: _exact(v) for c, v in zip(a.columns, row)} for row in a.rows]
        figures.append({
            "id": a.figure.id, "description": a.figure.description, "definition": a.figure.definition,
            "columns": a.columns, "rows": rows,
            "units": {c: unit_of(a.figure, c, a.rows[0][i]) if a.rows else None for i, c in enumerate(a.columns)},
            "printed": {k: _exact(v) for k, v in a.figure.expected.items()},
            "printed_rows": [{k: _exact(v) for k, v in r.items()} for r in a.figure.expected_rows],
            "matches_report": bool(a.rows) and not a.mismatches and not a.missing_rows,
            "printed_as": [[format_value(a.figure, c, v) for c, v in zip(a.columns, row)] for row in a.rows],
        })
    return _dump({"figures": figures}) + "\n"


CSV_HEADER = ["figure_id", "row", "column", "value", "unit", "printed_as", "report_value", "matches_report"]


def render_csv(answers: list[Answer]) -> str:
    """One line per value (figures differ in columns): exact value, unit, printed form, the
    report's value and whether they agree."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for a in answers:
        for i, row in enumerate(a.rows):
            printed_row = {**(a.figure.expected if i == 0 else {}),
                           **(a.figure.expected_rows[i] if i < len(a.figure.expected_rows) else {})}
            for column, value in zip(a.columns, row):
                exact = _exact(value)
                text = json.dumps(exact, ensure_ascii=False) if isinstance(exact, list) else (
                    "" if exact is None else str(exact))
                printed = printed_row.get(column)
                has = column in printed_row
                writer.writerow([a.figure.id, i + 1, column, text, unit_of(a.figure, column, value) or "",
                                 format_value(a.figure, column, value),
                                 "" if not has else (json.dumps(printed, ensure_ascii=False)
                                                     if isinstance(printed, list) else str(printed)),
                                 "" if not has else str(same_as_printed(value, printed)).lower()])
    return buffer.getvalue()
