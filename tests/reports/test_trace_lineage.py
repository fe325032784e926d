"""The pieces of `abs-etl trace` that need no documents: which mart rows a figure's query filters
on (parsed by DuckDB), and the lineage declarations of every mart (each mart declared, each
declaration runnable and selecting the core rows behind a mart row)."""

from __future__ import annotations

import pytest

from reports.trace import Scope, Tracer, figure_scopes, load_lineage, parse_subject
from warehouse.figures import load_catalogue
from warehouse.marts import apply_marts

CATALOGUE = {f.id: f for f in load_catalogue()}


@pytest.fixture(scope="module")
def con(truth_db):
    apply_marts(truth_db)
    return truth_db


def test_a_figure_scope_keeps_the_conditions_on_its_mart(con):
    scopes = figure_scopes(con, CATALOGUE["S-07"].query)
    assert [s.table for s in scopes] == ["marts.tranche_facts"]
    condition = scopes[0].condition
    assert "m.asset_class = 'small_micro_loan'" in condition and "m.value_year = 2025" in condition
    rows = con.execute(scopes[0].select("count(*)")).fetchone()[0]
    assert rows == CATALOGUE["S-07"].expected["securities"]  # the 943 securities in scope
    assert rows == con.execute("""SELECT count(*) FROM marts.tranche_facts
                                  WHERE asset_class = 'small_micro_loan' AND value_year = 2025""").fetchone()[0]


def test_conditions_on_another_table_or_a_join_stay_out(con):
    sql = """SELECT count(*) FROM marts.deal_facts d JOIN marts.tranche_facts t USING (deal_id)
             WHERE d.asset_class = 'leasing' AND t.is_senior AND d.value_year = t.value_year"""
    scopes = {s.table: s.condition for s in figure_scopes(con, sql)}
    assert "m.asset_class = 'leasing'" in scopes["marts.deal_facts"] and "is_senior" not in scopes["marts.deal_facts"]
    assert "m.is_senior" in scopes["marts.tranche_facts"] and "value_year" not in scopes["marts.tranche_facts"]


def test_every_mart_has_lineage_and_every_declaration_runs(con):
    lineage = load_lineage()
    marts = {f"marts.{v}" for (v,) in con.execute(
        "SELECT view_name FROM duckdb_views() WHERE schema_name = 'marts'").fetchall()}
    assert set(lineage) == marts
    tracer = Tracer(con)
    for mart in sorted(marts):
        core, untraced = tracer.core_scopes(Scope(mart, "m0", "TRUE"))
        assert untraced == [] and core, mart
        for scope in core:
            assert scope.table.startswith("core.")
            con.execute(scope.select("count(*)")).fetchone()


def test_an_aggregate_mart_row_reaches_its_member_deals(con):
    """L-02's row of issuance_by_month (leasing, July 2025, year to date) stands on the 140
    leasing deals valued January–July 2025."""
    trace = Tracer(con).trace_figure(CATALOGUE["L-02"], printed=False)
    assert {c.table for c in trace.citations} == {"core.deals"}
    assert len(trace.citations) == CATALOGUE["L-02"].expected["deals"]


def test_subjects():
    assert parse_subject("S-07") == ("figure", "S-07")
    assert parse_subject("marts.deal_facts:deal_id=d1") == ("mart", ("marts.deal_facts", {"deal_id": "d1"}))
    assert parse_subject("core.pool_performance:deal_id=d1,period_number=3") == \
        ("core", ("core.pool_performance", {"deal_id": "d1", "period_number": "3"}))
    assert parse_subject("deal_0c73a6fcb7") == ("id", "deal_0c73a6fcb7")
    for bad in ("marts.deal_facts", "core.deals:deal_id", "core.deals:deal id=1"):
        with pytest.raises(ValueError):
            parse_subject(bad)
