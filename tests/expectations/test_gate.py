"""The gate: row rules quarantine exactly their rows (and the rows of a quarantined parent
follow), the GX checkpoint on the rows about to be loaded refuses a bad batch naming the table,
the expectation and sample rows, and dq.results records what decided."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import duckdb
import polars as pl
import pytest

from expectations.gate import quarantine_rows, run_suites, validate, warehouse_parent_keys
from expectations.suites import suite_for
from warehouse.migrate import apply_migrations
from warehouse.publish import PublishRefused
from warehouse.staging import StagedTables

DOC = "d" * 64


def deals(*ids: str, **changes) -> pl.DataFrame:
    rows = [{"deal_id": i, "deal_name_zh": f"项目{i}", "market": "credit_abs", "asset_class": "npl",
             "deal_amount_cny": Decimal("900000000.00"), "value_date": date(2025, 1, 10),
             "legal_maturity_date": date(2030, 1, 10), "document_id": DOC, "source_page": 1} for i in ids]
    for row in rows:
        row.update(changes.get(row["deal_id"], {}))
    return pl.DataFrame(rows, schema_overrides={"deal_amount_cny": pl.Decimal(20, 2)})


def tranches(**overrides) -> pl.DataFrame:
    rows = [
        {"tranche_id": "2589001.IB", "deal_id": "deal_a", "tranche_name": "优先A1", "tranche_class": "senior",
         "seniority_rank": 1, "amount_cny": Decimal("800000000.00"), "coupon_rate": Decimal("0.0215"),
         "initial_rating": "AAAsf", "document_id": DOC, "source_page": 3, "source_row_label": "优先A1"},
        {"tranche_id": "2589002.IB", "deal_id": "deal_a", "tranche_name": "次级", "tranche_class": "subordinated",
         "seniority_rank": 3, "amount_cny": Decimal("100000000.00"), "coupon_rate": None,
         "initial_rating": None, "document_id": DOC, "source_page": 3, "source_row_label": "次级"},
    ]
    for i, changes in overrides.items():
        rows[int(i[1:])].update(changes)
    return pl.DataFrame(rows, schema_overrides={"amount_cny": pl.Decimal(20, 2), "coupon_rate": pl.Decimal(12, 8)})


def performance(end: str, purchases: str | None = None, deal_id: str = "deal_a") -> pl.DataFrame:
    money = pl.Decimal(20, 2)
    return pl.DataFrame([{"deal_id": deal_id, "period_number": 1, "payment_date": date(2025, 4, 26),
                          "collection_period_start": date(2025, 1, 1), "collection_period_end": date(2025, 3, 31),
                          "pool_balance_begin_cny": Decimal("500000000.00"), "pool_balance_end_cny": Decimal(end),
                          "revolving_purchase_cny": None if purchases is None else Decimal(purchases),
                          "document_id": "e" * 64, "source_page": 2, "source_row_label": "资产池余额"}],
                        schema_overrides={"pool_balance_begin_cny": money, "pool_balance_end_cny": money,
                                          "revolving_purchase_cny": money})


@pytest.fixture
def con():
    con = duckdb.connect()
    apply_migrations(con)
    yield con
    con.close()


def failed(con, run_id: str) -> dict[str, tuple]:
    return {r[0]: r[1:] for r in con.execute(
        "SELECT expectation, suite_name, action, expectation_type, unexpected_count FROM dq.results "
        "WHERE run_id = ? AND NOT success", [run_id]).fetchall()}


# ── done when ────────────────────────────────────────────────────────────────────────────
def test_orphan_tranche_duplicate_key_and_rising_balance_are_refused_by_the_checkpoint(con):
    orphan = {"tranche_id": "2589009.IB", "deal_id": "deal_never_loaded"}
    batch = {
        "core.deals": deals("deal_a"),
        "core.tranches": pl.concat([tranches(), tranches(r0=orphan).slice(0, 1), tranches().slice(1, 1)]),
        "core.pool_performance": performance(end="510000000.00"),  # rises, and the pool does not revolve
    }
    with pytest.raises(PublishRefused) as refused:
        validate(con, batch, "run-bad", 0.05)
    message = str(refused.value)
    named = {
        "unique(tranche_id)": ("core.tranches", "refuse", "expect_column_values_to_be_unique", 2),
        "references(deal_id→core.deals)": ("core.tranches", "refuse", "expect_column_values_to_be_in_set", 1),
        "at_most(pool_balance_end_cny≤pool_balance_begin_cny+revolving_purchase_cny)":
            ("core.pool_performance", "refuse", "expect_column_pair_values_a_to_be_greater_than_b", 1),
    }
    assert failed(con, "run-bad") == named
    for expectation, (table, _, gx_type, _) in named.items():
        assert f"{table}: {expectation} [{gx_type}]" in message
    # sample offending rows, with where they came from
    assert '"deal_id": "deal_never_loaded"' in message and '"tranche_id": "2589009.IB"' in message
    assert '"pool_balance_end_cny": "510000000.00"' in message and '"source_page": 2' in message
    assert "GX checkpoint failed" in message
    # nothing was quarantined: these are batch checks, refused as a whole
    assert con.execute("SELECT count(*) FROM dq.quarantine").fetchone() == (0,)


def test_the_same_batch_repaired_passes_and_records_every_expectation(con):
    batch = {"core.deals": deals("deal_a"), "core.tranches": tranches(),
             "core.pool_performance": performance(end="450000000.00")}
    frames, quarantined = validate(con, batch, "run-good", 0.05)
    assert quarantined == 0 and {t: f.height for t, f in frames.items()} == {
        "core.deals": 1, "core.tranches": 2, "core.pool_performance": 1}
    recorded = con.execute("SELECT suite_name, expectation, action, mostly FROM dq.results WHERE run_id = 'run-good' "
                           "AND success").fetchall()
    assert ("core.tranches", "references(deal_id→core.deals)", "refuse", 1.0) in recorded
    assert ("core.tranches", "in_set(tranche_class)", "quarantine", 1.0) in recorded
    assert ("quarantine", "quarantined_share(≤5.0%)", "refuse", 0.95) in recorded
    assert failed(con, "run-good") == {}


def test_revolving_purchases_may_raise_the_pool_up_to_their_amount(con):
    ok = {"core.deals": deals("deal_a"), "core.pool_performance": performance(end="510000000.00", purchases="20000000.00")}
    validate(con, ok, "run-revolving", 0.05)
    too_much = {"core.deals": deals("deal_a"),
                "core.pool_performance": performance(end="530000000.01", purchases="30000000.00")}
    with pytest.raises(PublishRefused, match="at_most"):
        validate(con, too_much, "run-revolving-2", 0.05)


def test_parents_already_in_the_warehouse_count(con):
    con.execute("INSERT INTO core.deals (deal_id, deal_name_zh, market, asset_class, deal_amount_cny) "
                "VALUES ('deal_a', '项目a', 'credit_abs', 'npl', 900000000)")
    frames, _ = validate(con, {"core.tranches": tranches()}, "run-incremental", 0.05)
    assert frames["core.tranches"].height == 2
    payments = pl.DataFrame([{"tranche_id": "2589001.IB", "period_number": 1, "deal_id": "deal_b",
                              "payment_date": date(2025, 4, 26), "document_id": DOC}])
    with pytest.raises(PublishRefused, match=r"core.tranche_payments: references\(tranche_id,deal_id→core.tranches\)"):
        validate(con, {"core.tranches": tranches(), "core.tranche_payments": payments}, "run-wrong-deal", 0.05)


def test_mostly_tolerates_what_the_business_allows():
    """Rating lists cover the whole market: up to 5 % of their tranches may not be loaded yet."""
    check = next(c for c in suite_for("core.rating_actions").batch_checks if c.kind == "references"
                 and c.parent == "core.tranches")
    assert check.mostly == 0.95
    known = pl.DataFrame({"tranche_id": [f"T{i}" for i in range(40)]})
    actions = pl.DataFrame({"tranche_id": [f"T{i}" for i in range(39)] + ["T-unknown"],
                            "agency_id": ["inst_ccxi"] * 40, "action_date": [date(2025, 6, i % 28 + 1) for i in range(40)],
                            "action_type": ["affirm"] * 40})
    parents = {("core.tranches", ("tranche_id",)): known, ("core.institutions", ("institution_id",)):
               pl.DataFrame({"institution_id": ["inst_ccxi"]})}
    results = {r["expectation"]: r for r in run_suites({"core.rating_actions": actions}, parents)}
    assert results[check.name]["success"] and results[check.name]["unexpected_count"] == 1
    many = actions.with_columns(pl.when(pl.int_range(40) < 3).then(pl.lit("T-unknown")).otherwise("tranche_id")
                                .alias("tranche_id"))
    results = {r["expectation"]: r for r in run_suites({"core.rating_actions": many}, parents)}
    assert not results[check.name]["success"] and results[check.name]["unexpected_count"] == 4


# ── row rules and quarantine ─────────────────────────────────────────────────────────────
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
    assert q["field"] == field and q["source_page"] == 3 and q["document_id"] == DOC
    assert "page 3" in q["reason"] and rule_name in q["reason"]
    assert gate.frames["core.tranches"]["tranche_id"].to_list() == ["2589002.IB"]


def test_date_order_rule():
    frame = pl.DataFrame({"deal_id": ["a", "b"], "value_date": [date(2025, 1, 1), date(2025, 6, 1)],
                          "legal_maturity_date": [date(2030, 1, 1), date(2025, 5, 1)]})
    gate = quarantine_rows({"core.deals": frame})
    assert [q["check_name"] for q in gate.quarantined] == ["pair_not_after(value_date,legal_maturity_date)"]


@pytest.mark.parametrize("held", ["in memory", "staged"])
def test_the_rows_of_a_quarantined_deal_follow_it_and_the_rest_publishes(con, held, tmp_path):
    """A deal broken in its document takes its tranches and their payments to quarantine; the
    other deal of the batch loads, and the checkpoint passes — the same whether the frames are
    a dict or the build's staged tables (filtered where they lie)."""
    batch = {
        "core.deals": deals("deal_a", "deal_b", deal_b={"market": "otc"}),
        "core.tranches": pl.concat([tranches(), tranches(r0={"tranche_id": "B1.IB", "deal_id": "deal_b"},
                                                         r1={"tranche_id": "B2.IB", "deal_id": "deal_b"})]),
        "core.tranche_payments": pl.DataFrame([{"tranche_id": "B1.IB", "period_number": 1, "deal_id": "deal_b",
                                                "payment_date": date(2025, 4, 26), "document_id": "f" * 64}]),
    }
    if held == "staged":
        staged = StagedTables(tmp_path / "staged")
        staged.update(batch)
        batch = staged
    frames, quarantined = validate(con, batch, "run-cascade", 0.9)
    assert quarantined == 4
    if held == "staged":
        assert frames is batch and {t: frames.height(t) for t in frames} == {
            "core.deals": 1, "core.tranches": 2, "core.tranche_payments": 0}
    assert frames["core.deals"]["deal_id"].to_list() == ["deal_a"]
    assert frames["core.tranches"]["deal_id"].unique().to_list() == ["deal_a"]
    assert frames["core.tranche_payments"].is_empty()
    rows = con.execute("SELECT target_table, check_name, reason FROM dq.quarantine WHERE run_id = 'run-cascade' "
                       "ORDER BY target_table, check_name").fetchall()
    assert [(t, c) for t, c, _ in rows] == [
        ("core.deals", "in_set(market)"),
        ("core.tranche_payments", "parent_quarantined(references(tranche_id,deal_id→core.tranches))"),
        ("core.tranches", "parent_quarantined(references(deal_id→core.deals))"),
        ("core.tranches", "parent_quarantined(references(deal_id→core.deals))")]
    assert "its core.deals row (deal_id = 'deal_b') was quarantined in this run" in rows[2][2]
    assert failed(con, "run-cascade") == {}


def test_a_quarantined_revision_does_not_orphan_what_the_warehouse_holds(con):
    con.execute("INSERT INTO core.deals (deal_id, deal_name_zh, market, asset_class, deal_amount_cny) "
                "VALUES ('deal_a', '项目a', 'credit_abs', 'npl', 900000000)")
    batch = {"core.deals": deals("deal_a", deal_a={"market": "otc"}), "core.tranches": tranches()}
    gate = quarantine_rows(batch, warehouse_parent_keys(con, sorted(batch)))
    assert [q["check_name"] for q in gate.quarantined] == ["in_set(market)"]
    assert gate.frames["core.tranches"].height == 2


def test_too_many_quarantined_rows_refuse_the_publish(con):
    with pytest.raises(PublishRefused, match=r"1 of 3 rows \(33.3%\) failed row-level expectations"):
        validate(con, {"core.deals": deals("deal_a"), "core.tranches": tranches(r1={"tranche_class": "equity"})},
                 "run-share", 0.05)
    assert failed(con, "run-share") == {"quarantined_share(≤5.0%)": ("quarantine", "refuse", None, 1)}
    frames, bad = validate(con, {"core.deals": deals("deal_a"), "core.tranches": tranches(r1={"tranche_class": "equity"})},
                           "run-lenient", 0.6)
    assert bad == 1 and frames["core.tranches"].height == 1
    assert con.execute("SELECT check_name, offending_value FROM dq.quarantine WHERE run_id = 'run-lenient'").fetchall() == [
        ("in_set(tranche_class)", "equity")]


def test_every_declared_check_builds_a_gx_expectation_naming_itself():
    from expectations.suites import all_checks

    for check in all_checks():
        expectation = check.expectation()
        assert expectation.meta == {"check": check.name, "action": check.action}, check.name
        assert (expectation.mostly if hasattr(expectation, "mostly") else 1.0) in (check.mostly, None), check.name
