"""Columns that list names (first-time issuers, labels, kinds) name each one once.

A-07 listed 吉林盛融资产 twice when its first two bonds had the same value date: every bond of
the first day was flagged as the issuer's first. Checked on a hand-made warehouse with exactly
that case, and on the truth warehouses for every list-valued mart column and figure answer.
"""

from __future__ import annotations

from datetime import date

import pytest

from tests.warehouse.test_marts_amc import amc, bond
from warehouse.figures import load_catalogue, run_figure
from warehouse.marts import apply_marts

FIGURES = {f.id: f for f in load_catalogue()}
# Mart columns that join names into one string, with their separator.
JOINED_NAMES = {("deal_facts", "labels"): "、", ("deal_credit_enhancement", "enhancement_kinds"): ",",
                ("deal_credit_enhancement", "enhancer_relations"): ","}


def test_two_bonds_on_the_first_day_make_one_first_time_issuer(mart_db):
    con = mart_db
    amc(con, "吉林盛融资产", province="吉林省")
    amc(con, "北京无债资产", province="北京市")
    bond(con, "JL-B", date(2025, 12, 11), date(2028, 12, 11), 5, issuer="吉林盛融资产")
    bond(con, "JL-A", date(2025, 12, 11), date(2026, 12, 11), 3, issuer="吉林盛融资产", term=1.0)
    bond(con, "JL-C", date(2026, 3, 2), date(2029, 3, 2), 4, issuer="吉林盛融资产")
    firsts = con.execute("""SELECT security_code FROM marts.amc_bond_issuance
                            WHERE is_issuers_first ORDER BY ALL""").fetchall()
    assert firsts == [("JL-A",)]  # one per issuer; the same-day tie goes to the lowest code
    columns, rows = run_figure(con, FIGURES["A-07"])
    answer = dict(zip(columns, rows[0]))
    assert answer["first_time_after_window"] == ["吉林盛融资产"]
    assert answer["first_after_window_date"] == "2025-12-11"


def test_joined_name_columns_are_the_ones_the_marts_build(truth_db):
    apply_marts(truth_db)
    varchar_lists = truth_db.execute("""
        SELECT table_name, column_name FROM duckdb_columns()
        WHERE schema_name = 'marts' AND data_type = 'VARCHAR[]'""").fetchall()
    assert varchar_lists == []  # none today: a new one must be added to the checks below
    from warehouse.marts import mart_files
    aggregated = sum(path.read_text(encoding="utf-8").count("string_agg(") for path in mart_files())
    assert aggregated == len(JOINED_NAMES)


@pytest.fixture(scope="module", params=["seed", "other_seed"])
def truth_marts(request):
    con = request.getfixturevalue("truth_db" if request.param == "seed" else "other_truth_db")
    apply_marts(con)
    return con


@pytest.mark.parametrize(("mart", "column"), sorted(JOINED_NAMES))
def test_joined_names_in_marts_are_distinct(truth_marts, mart, column):
    separator = JOINED_NAMES[(mart, column)]
    values = [v for (v,) in truth_marts.execute(f"SELECT {column} FROM marts.{mart} WHERE {column} IS NOT NULL").fetchall()]
    assert values, f"marts.{mart}.{column} is empty on the truth"
    repeated = [v for v in values if len(v.split(separator)) != len(set(v.split(separator)))]
    assert repeated == []


@pytest.mark.parametrize("figure", list(FIGURES.values()), ids=list(FIGURES))
def test_listed_names_in_figure_answers_are_distinct(truth_marts, figure):
    columns, rows = run_figure(truth_marts, figure)
    for row in rows:
        for name, value in zip(columns, row):
            if isinstance(value, list) and all(isinstance(v, str) for v in value):
                assert len(value) == len(set(value)), f"{figure.id}.{name} repeats a name: {value}"
