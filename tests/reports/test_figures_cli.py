"""`abs-etl figures` on a published warehouse: readable in an 80-column terminal whatever the
figure's width (no line longer, no value cut), values printed as the reports print them beside
the printed value, and exact values for scripts in JSON and CSV."""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from dataclasses import replace
from datetime import date
from decimal import Decimal

import duckdb
import pytest

from reports.printed import answer, fold, format_number, format_value, render_text
from tests.reports.conftest import run_cli
from warehouse.figures import load_catalogue, run_figure

CATALOGUE = {f.id: f for f in load_catalogue()}
WIDE_FIGURES = ["L-08", "S-03", "S-05", "S-10", "S-11", "M-02"]  # unreadable at 80 columns before


def columns_of(line: str) -> int:
    """Terminal columns, counted independently of the code under test: wide CJK = 2."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)


def blocks(text: str) -> dict[str, str]:
    """The output split per figure (a block starts with the figure's ID at column 0)."""
    out: dict[str, str] = {}
    current = None
    for line in text.splitlines():
        head = re.match(r"^([LSNAM]-\d{2})  ", line)
        if head:
            current = head.group(1)
            out[current] = ""
        if current:
            out[current] += line + "\n"
    return out


@pytest.fixture(scope="module")
def text_output(published_truth):
    result = run_cli(published_truth, "figures", columns=80)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


@pytest.fixture(scope="module")
def json_output(published_truth):
    result = run_cli(published_truth, "figures", "--format", "json")
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout, parse_float=Decimal)


def test_every_line_fits_80_columns(text_output):
    too_wide = [line for line in text_output.splitlines() if columns_of(line) > 80]
    assert too_wide == []
    assert set(blocks(text_output)) == set(CATALOGUE)


@pytest.mark.parametrize("figure_id", sorted(CATALOGUE))
def test_no_value_is_cut(text_output, json_output, figure_id):
    """Every value of the answer, as printed, is in the figure's block in full (folding may
    break it over lines; nothing is elided)."""
    block = re.sub(r"\s+", "", blocks(text_output)[figure_id])
    figure = next(f for f in json_output["figures"] if f["id"] == figure_id)
    shown = figure["printed_as"][:20]  # longer answers fold the rest into one line
    for row in shown:
        for text in row:
            assert re.sub(r"\s+", "", text) in block, f"{figure_id}: {text!r} missing or cut"
    assert "…" not in block.replace("…more", "") or len(figure["printed_as"]) > 20


@pytest.mark.parametrize("figure_id", WIDE_FIGURES)
def test_wide_figures_print_one_value_per_line_as_the_report_does(text_output, figure_id):
    block = blocks(text_output)[figure_id]
    assert "✓ matches the report" in block and "✗" not in block
    figure = CATALOGUE[figure_id]
    for column, printed in figure.expected.items():
        text = format_value(figure, column, printed)
        line = next(line for line in block.splitlines() if line.strip().startswith(column + " ")
                    or line.strip() == column)
        assert text in block and column in line


def test_printed_forms_of_the_issue(text_output):
    s03, l02, l08 = (blocks(text_output)[i] for i in ("S-03", "L-02", "L-08"))
    assert re.search(r"top_trust_1_share +17\.34% +report 17\.34% ✓", s03)  # not 0.1734015781300382
    assert re.search(r"amount_yi +1,358\.80 亿元 +report 1,358\.80 亿元 ✓", l02)
    assert re.search(r"aaa_change_bp +-46bp +report -46bp ✓", l08)
    assert "0.1734015781" not in s03 and "2317.9000000000" not in text_output


def test_every_figure_matches_the_report_on_the_truth(text_output):
    for figure_id, block in blocks(text_output).items():
        assert "✗" not in block, block


def test_json_holds_the_exact_values(json_output, published_truth):
    con = duckdb.connect(str(published_truth / "warehouse" / "abs_warehouse.duckdb"), read_only=True)
    try:
        for figure in json_output["figures"]:
            columns, rows = run_figure(con, CATALOGUE[figure["id"]])
            assert figure["columns"] == columns
            assert len(figure["rows"]) == len(rows)
            for got, row in zip(figure["rows"], rows):
                for column, value in zip(columns, row):
                    exact = got[column]
                    if isinstance(value, date):
                        assert exact == value.isoformat()
                    elif isinstance(value, float):  # DOUBLE sums in parallel differ in the last bit run to run
                        assert float(exact) == pytest.approx(value, rel=1e-12), (figure["id"], column)
                    elif isinstance(value, (Decimal, int)) and not isinstance(value, bool):
                        assert Decimal(str(exact)) == value, (figure["id"], column)  # DECIMAL digit for digit
                    else:
                        assert exact == value, (figure["id"], column)
            assert figure["matches_report"] is True
    finally:
        con.close()
    s03 = next(f for f in json_output["figures"] if f["id"] == "S-03")
    assert s03["units"]["top_trust_1_share"] == "%" and s03["units"]["trust_amount_yi"] == "亿元"


def test_csv_lists_every_value_once(published_truth, json_output):
    result = run_cli(published_truth, "figures", "S-03", "M-02", "--format", "csv")
    assert result.returncode == 0, result.stderr[-2000:]
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    expected = sum(len(f["rows"]) * len(f["columns"]) for f in json_output["figures"] if f["id"] in ("S-03", "M-02"))
    assert len(rows) == expected
    share = next(r for r in rows if r["column"] == "top_trust_1_share")
    assert share["unit"] == "%" and share["printed_as"] == "17.34%" and share["matches_report"] == "true"
    assert Decimal(share["value"]) != Decimal("0.1734")  # exact, not rounded


def test_wide_table_when_asked(published_truth):
    result = run_cli(published_truth, "figures", "S-03", "--wide", columns=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "17.34%" in result.stdout and "1,742.72 亿元" in result.stdout


def test_unknown_figure_and_format_are_refused(published_truth):
    assert run_cli(published_truth, "figures", "X-99").returncode != 0
    assert run_cli(published_truth, "figures", "--format", "xml").returncode != 0


# ── the formatting rules, in process ───────────────────────────────────────────────────────
def test_number_formats():
    assert format_number(Decimal("1358.8"), "亿元", 2) == "1,358.80 亿元"
    assert format_number(0.1734015781300382, "%", 2) == "17.34%"
    assert format_number(-46.4, "bp", 0) == "-46bp"
    assert format_number(0.125, "", 2) == "0.13"  # half away from zero, as the catalogue compares
    assert format_number(-0.00001, "%", 2) == "0.00%"  # never "-0.00%"
    assert format_number(2025, "", 0, year_like=True) == "2025"
    assert format_number(12345, "", 0) == "12,345"


def test_units_come_from_names_printed_values_and_declarations():
    l09, n06, a13 = CATALOGUE["L-09"], CATALOGUE["N-06"], CATALOGUE["A-13"]
    assert format_value(l09, "any_external", 0.93561) == "93.56%"  # declared: its name does not say
    assert format_value(n06, "share_within_4_6_months", 0.8) == "80.00%"  # declared, despite *_months
    assert format_value(a13, "abs_tenor_2025", Decimal("1.6667")) == "1.67"
    assert format_value(a13, "first_abs_year", 2020) == "2020"
    assert format_value(a13, "abs_amount_yi", 100.594) == "100.59 亿元"
    assert format_value(CATALOGUE["A-15"], "outstanding_yi", 1552.7049) == "1,552.7 亿元"  # printed with 1 decimal
    assert format_value(CATALOGUE["A-07"], "first_time_after_window", ["吉林盛融资产", "海南联合资产"]) \
        == "吉林盛融资产、海南联合资产"
    assert format_value(CATALOGUE["A-16"], "new_maturity_date", date(2026, 5, 6)) == "2026-05-06"


def test_a_difference_is_shown_with_both_values(truth_db):
    from warehouse.marts import apply_marts

    apply_marts(truth_db)
    wrong = replace(CATALOGUE["L-02"], expected={**CATALOGUE["L-02"].expected, "amount_yi": Decimal("1400.00")})
    text = render_text([answer(truth_db, wrong)], width=80)
    assert "✗ differs from the report: amount_yi = 1,358.80 亿元, report 1,400.00 亿元" in text
    assert re.search(r"amount_yi +1,358\.80 亿元 +report 1,400\.00 亿元 ✗", text)


def test_fold_never_cuts():
    text = "厦门恒鑫小贷、字节、恒丰银行、杭州联合农商行、渤海银行、滴滴、腾讯、蚂蚁 " + "x" * 50
    lines = fold(text, 20)
    assert all(columns_of(line) <= 20 for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")


def test_the_verdict_is_the_catalogue_check(truth_db):
    """What the text output marks ✓/✗ is what the catalogue's own check says, figure by figure,
    also when a printed value is changed (shared or row-by-row)."""
    from warehouse.figures import check_figure
    from warehouse.marts import apply_marts

    apply_marts(truth_db)
    for figure in CATALOGUE.values():
        a = answer(truth_db, figure)
        assert (not a.mismatches and not a.missing_rows) == (check_figure(truth_db, figure) == []), figure.id
    l12 = CATALOGUE["L-12"]
    rows = [dict(r) for r in l12.expected_rows]
    rows[0]["column_total"] = 999
    wrong = replace(l12, expected_rows=tuple(rows))
    a = answer(truth_db, wrong)
    assert check_figure(truth_db, wrong) != [] and [c.column for c in a.mismatches] == ["column_total"]
