"""Every suite passes on the sample market's ground truth; every check, broken on its table's
truth, is named by GX and found by its polars mask — row rules quarantine exactly the broken
row, batch checks fail the checkpoint — so the two sides of each declaration agree."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import polars as pl
import pytest

from expectations.checks import Check
from expectations.gate import parent_keys, quarantine_rows, run_checkpoint, run_suites, warehouse_parent_keys
from expectations.suites import all_checks, all_suites
from warehouse.tables import RULES as LOAD_RULES

CHECKS = all_checks()
ROW_RULES = [c for c in CHECKS if c.action == "quarantine"]
BATCH_CHECKS = [c for c in CHECKS if c.action == "refuse"]


@pytest.fixture(scope="module")
def truth_frames(truth_db):
    return {table: truth_db.execute(f"SELECT * FROM {table}").pl() for table in LOAD_RULES}


@pytest.fixture(scope="module")
def truth_parents(truth_db, truth_frames):
    return parent_keys(truth_frames, warehouse_parent_keys(truth_db, sorted(truth_frames)))


def test_a_suite_module_for_every_table_with_a_load_rule():
    assert sorted(s.table for s in all_suites()) == sorted(LOAD_RULES)
    for suite in all_suites():
        assert suite.checks[0].kind == "not_null" and any(c.kind == "unique" for c in suite.batch_checks)


def test_truth_passes_every_row_rule(truth_frames, truth_parents):
    gate = quarantine_rows(truth_frames)
    assert gate.quarantined == []


def test_truth_passes_every_gx_suite(truth_frames, truth_parents):
    results = run_suites(truth_frames, truth_parents)
    assert len(results) > 100 and [r for r in results if not r["success"]] == []


def _first_with_values(frame: pl.DataFrame, check: Check) -> int:
    candidates = frame.with_row_index("_i")
    for column in check.columns:
        candidates = candidates.filter(pl.col(column).is_not_null())
    return candidates["_i"][0]


def corrupt(frame: pl.DataFrame, check: Check, rows: int = 1) -> pl.DataFrame:
    """Break ``check`` on ``rows`` rows of ``frame`` that hold values in its columns."""
    out = frame
    for n in range(rows):
        i = _first_with_values(out.slice(n), check) + n if n else _first_with_values(out, check)
        row = out.row(i, named=True)
        column = check.columns[0]
        if check.kind == "not_null":
            row[column] = None
        elif check.kind == "in_set":
            row[column] = "bogus-value"
        elif check.kind == "between":
            lo, hi = check.args.get("min_value"), check.args.get("max_value")
            row[column] = type(row[column])(str(lo - 1 if lo is not None else hi + 1))
        elif check.kind == "pair_not_after":
            row[column] = row[check.columns[1]] + timedelta(days=1)
        elif check.kind == "unique":
            return pl.concat([out, out.slice(i, 1)])
        elif check.kind == "references":
            for c in check.columns:
                row[c] = f"unknown-{n}"
        elif check.kind == "at_most":
            bound = row[check.columns[1]] + (row[check.columns[2]] or 0 if len(check.columns) == 3 else 0)
            row[column] = bound + Decimal("0.01")
        out = pl.concat([out.slice(0, i), pl.DataFrame([row], schema=out.schema), out.slice(i + 1)])
    return out


def _needs_values(frame: pl.DataFrame, check: Check) -> None:
    if frame.is_empty() or any(frame[c].is_null().all() for c in check.columns):
        pytest.skip(f"the truth has no values in {check.table}.{check.column_label} to break")


@pytest.mark.parametrize("rule", ROW_RULES, ids=[f"{r.table}:{r.name}" for r in ROW_RULES])
def test_each_row_rule_quarantines_its_corruption_on_the_truth(truth_frames, rule):
    frame = truth_frames[rule.table]
    _needs_values(frame, rule)
    gate = quarantine_rows({rule.table: corrupt(frame, rule)})
    assert [q["check_name"] for q in gate.quarantined] == [rule.name]
    assert gate.frames[rule.table].height == frame.height - 1


@pytest.mark.parametrize("check", BATCH_CHECKS, ids=[f"{c.table}:{c.name}" for c in BATCH_CHECKS])
def test_each_batch_check_fails_the_checkpoint_on_its_corruption(truth_frames, truth_parents, check):
    frame = truth_frames[check.table]
    _needs_values(frame, check)
    rows = 1 if check.mostly == 1 else max(2, int(frame.height * (1 - check.mostly)) + 2)
    broken = corrupt(frame, check, rows)
    results = run_checkpoint(check.table, broken, truth_parents)
    assert [r["expectation"] for r in results if not r["success"]] == [check.name]
    prepared = check.prepare(broken, truth_parents)
    found = prepared.filter(check.failing()).height
    assert found == (2 if check.kind == "unique" else rows)
    assert next(r for r in results if r["expectation"] == check.name)["unexpected_count"] == found


@pytest.mark.parametrize("kind", ["not_null", "between", "in_set", "pair_not_after"])
def test_gx_names_the_broken_row_rule(truth_frames, truth_parents, kind):
    rule = next(r for r in ROW_RULES if r.kind == kind and not truth_frames[r.table].is_empty()
                and truth_frames[r.table].height < 20000)
    results = run_suites({rule.table: corrupt(truth_frames[rule.table], rule)}, truth_parents)
    assert [r["expectation"] for r in results if not r["success"]] == [rule.name]
