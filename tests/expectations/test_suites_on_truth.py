"""Every suite passes on the sample market's ground truth, and every rule, broken on one row
of its table's truth, quarantines exactly that row and names itself."""

from __future__ import annotations

from datetime import timedelta

import polars as pl
import pytest

from expectations.gate import quarantine_rows, run_suites
from expectations.rules import Rule, all_rules

RULES = all_rules()


@pytest.fixture(scope="module")
def truth_frames(truth_db):
    from warehouse.tables import RULES as LOAD_RULES

    return {table: truth_db.execute(f"SELECT * FROM {table}").pl() for table in LOAD_RULES}


def test_truth_passes_every_rule(truth_frames):
    gate = quarantine_rows(truth_frames)
    assert gate.quarantined == []


def test_truth_passes_every_gx_suite(truth_frames):
    results = run_suites(truth_frames)
    assert results and [r for r in results if not r["success"]] == []


def corrupt(frame: pl.DataFrame, rule: Rule) -> pl.DataFrame:
    """Break ``rule`` on the first row of ``frame`` (where the rule's column has a value)."""
    column = rule.column or rule.columns[0]
    candidates = frame.with_row_index("_i").filter(pl.col(column).is_not_null())
    if rule.kind == "pair_not_after":
        candidates = candidates.filter(pl.col(rule.columns[1]).is_not_null())
    i = candidates["_i"][0]
    row = frame.row(i, named=True)
    if rule.kind == "not_null":
        row[column] = None
    elif rule.kind == "in_set":
        row[column] = "bogus-value"
    elif rule.kind == "between":
        lo, hi = rule.args.get("min_value"), rule.args.get("max_value")
        row[column] = type(row[column])(str(lo - 1 if lo is not None else hi + 1))
    elif rule.kind == "pair_not_after":
        row[column] = row[rule.columns[1]] + timedelta(days=1)
    broken = pl.DataFrame([row], schema=frame.schema)
    return pl.concat([frame.slice(0, i), broken, frame.slice(i + 1)])


@pytest.mark.parametrize("rule", RULES, ids=[f"{r.table}:{r.name}" for r in RULES])
def test_each_rule_catches_its_corruption_on_the_truth(truth_frames, rule):
    frame = truth_frames[rule.table]
    column = rule.column or rule.columns[0]
    if frame.is_empty() or frame[column].is_null().all():
        pytest.skip(f"the truth has no values in {rule.table}.{column} to corrupt")
    gate = quarantine_rows({rule.table: corrupt(frame, rule)})
    assert [q["check_name"] for q in gate.quarantined] == [rule.name]
    assert gate.frames[rule.table].height == frame.height - 1


@pytest.mark.parametrize("kind", ["not_null", "between", "in_set", "pair_not_after"])
def test_gx_names_the_broken_expectation(truth_frames, kind):
    rule = next(r for r in RULES if r.kind == kind and not truth_frames[r.table].is_empty()
                and truth_frames[r.table].height < 20000)
    results = run_suites({rule.table: corrupt(truth_frames[rule.table], rule)})
    assert [r["expectation"] for r in results if not r["success"]] == [rule.name]
