"""The gate: every rule quarantines exactly its failing rows, GX names the failing expectation,
and too many bad rows refuse the publish."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import duckdb
import polars as pl
import pytest

from expectations.gate import quarantine_rows, run_suites, validate
from expectations.rules import all_rules, rules_for
from warehouse.migrate import apply_migrations
from warehouse.publish import PublishRefused


def tranches(**overrides) -> pl.DataFrame:
    rows = [
        {"tranche_id": "2589001.IB", "deal_id": "deal_a", "tranche_name": "优先A1", "tranche_class": "senior",
         "seniority_rank": 1, "amount_cny": Decimal("800000000.00"), "coupon_rate": Decimal("0.0215"),
         "initial_rating": "AAAsf", "document_id": "d" * 64, "source_page": 3, "source_row_label": "优先A1"},
        {"tranche_id": "2589002.IB", "deal_id": "deal_a", "tranche_name": "次级", "tranche_class": "subordinated",
         "seniority_rank": 3, "amount_cny": Decimal("100000000.00"), "coupon_rate": None,
         "initial_rating": None, "document_id": "d" * 64, "source_page": 3, "source_row_label": "次级"},
    ]
    for i, changes in overrides.items():
        rows[int(i[1:])].update(changes)
    return pl.DataFrame(rows, schema_overrides={"amount_cny": pl.Decimal(20, 2), "coupon_rate": pl.Decimal(12, 8)})


def test_clean_frames_pass_every_rule():
    gate = quarantine_rows({"core.tranches": tranches()})
    assert gate.quarantined == [] and gate.frames["core.tranches"].height == 2


@pytest.mark.parametrize(
    ("change", "rule_name", "field"),
    [
        ({"tranche_id": None}, "not_null(tranche_id)", "tranche_id"),
        ({"tranche_class": "equity"}, "in_set(tranche_class)", "tranche_class"),
        ({"initial_rating": "AAA+sf"}, "in_set(initial_rating)", "initial_rating"),
        ({"amount_cny": Decimal("-1.00")}, "between(amount_cny;min_value=0)", "amount_cny"),
        ({"coupon_rate": Decimal("0.35")}, "between(coupon_rate;max_value=0.2,min_value=0)", "coupon_rate"),
    ],
)
def test_each_rule_quarantines_only_its_row_and_names_itself(change, rule_name, field):
    gate = quarantine_rows({"core.tranches": tranches(r0=change)})
    assert [q["check_name"] for q in gate.quarantined] == [rule_name]
    q = gate.quarantined[0]
    assert q["field"] == field and q["source_page"] == 3 and q["document_id"] == "d" * 64
    assert "page 3" in q["reason"] and rule_name in q["reason"]
    assert gate.frames["core.tranches"]["tranche_id"].to_list() == ["2589002.IB"]


def test_date_order_rule():
    frame = pl.DataFrame({"deal_id": ["a", "b"], "value_date": [date(2025, 1, 1), date(2025, 6, 1)],
                          "legal_maturity_date": [date(2030, 1, 1), date(2025, 5, 1)]})
    gate = quarantine_rows({"core.deals": frame})
    assert [q["check_name"] for q in gate.quarantined] == ["pair_not_after(value_date,legal_maturity_date)"]


def test_gx_suite_names_the_failing_expectation():
    results = run_suites({"core.tranches": tranches(r0={"coupon_rate": Decimal("0.35")})})
    failed = [r for r in results if not r["success"]]
    assert [r["expectation"] for r in failed] == ["between(coupon_rate;max_value=0.2,min_value=0)"]
    assert failed[0]["unexpected_count"] == 1
    assert all(r["success"] for r in results if r["expectation"] != failed[0]["expectation"])


def test_every_declared_rule_builds_a_gx_expectation():
    for rule in all_rules():
        assert rule.expectation() is not None, rule.name


def test_validate_records_results_and_refuses_above_the_share():
    con = duckdb.connect()
    apply_migrations(con)
    frames, bad = validate(con, {"core.tranches": tranches()}, "run1", 0.05)
    assert bad == 0 and frames["core.tranches"].height == 2
    applicable = [r for r in rules_for("core.tranches") if (r.column or r.columns[0]) in tranches().columns]
    assert len(applicable) == 5  # the frame lacks the retention and period-return columns
    assert con.execute("SELECT count(*), bool_and(success) FROM dq.results WHERE run_id = 'run1'").fetchone() == (5, True)
    with pytest.raises(PublishRefused, match="1 of 2 rows"):
        validate(con, {"core.tranches": tranches(r1={"tranche_class": "equity"})}, "run2", 0.05)
    frames, bad = validate(con, {"core.tranches": tranches(r1={"tranche_class": "equity"})}, "run3", 0.6)
    assert bad == 1
    assert con.execute("SELECT check_name, offending_value FROM dq.quarantine WHERE run_id = 'run3'").fetchall() == [
        ("in_set(tranche_class)", "equity")]


def test_data_docs_are_built_offline(tmp_path):
    docs = tmp_path / "dq_docs"
    results = run_suites({"core.tranches": tranches(r0={"coupon_rate": Decimal("0.35")})}, docs)
    assert [r["expectation"] for r in results if not r["success"]] == ["between(coupon_rate;max_value=0.2,min_value=0)"]
    index = (docs / "index.html").read_text(encoding="utf-8")
    assert "core.tranches" in index
    pages = list((docs / "validations").rglob("*.html"))
    assert pages and "coupon_rate" in pages[0].read_text(encoding="utf-8")
