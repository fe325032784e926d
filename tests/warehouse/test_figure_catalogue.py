"""The figure catalogue answers every seed figure from ``marts`` alone.

Run here on warehouses holding exactly the sample market's truth, for the seed and for another
seed (the marts are views, so they are built the same way as in a published build); the
end-to-end suite runs the same catalogue on the warehouse the pipeline published.
"""

from __future__ import annotations

import re

import pytest

from tests.fixtures import SEED_FIGURES_MD
from warehouse.figures import check_figure, load_catalogue, schemas_read
from warehouse.marts import apply_marts

# Every figure ID of the seed figures reference (tests/fixtures/reference/seed-figures.md).
SEED_FIGURE_IDS = (
    [f"L-{i:02d}" for i in range(1, 13)] + [f"S-{i:02d}" for i in range(1, 12)]
    + [f"N-{i:02d}" for i in range(1, 8)] + [f"A-{i:02d}" for i in range(1, 17)]
    + [f"M-{i:02d}" for i in range(1, 10)]
)
CATALOGUE = load_catalogue()


def test_the_id_list_is_the_one_seed_figures_md_prints():
    printed = set(re.findall(r"\b[LSNAM]-\d{2}\b", SEED_FIGURES_MD.read_text(encoding="utf-8")))
    assert printed == set(SEED_FIGURE_IDS), f"seed-figures.md differs by {sorted(printed ^ set(SEED_FIGURE_IDS))}"


def test_every_seed_figure_has_a_query():
    missing = sorted(set(SEED_FIGURE_IDS) - {f.id for f in CATALOGUE})
    assert missing == [], f"figures without a catalogue query: {missing}"


@pytest.mark.parametrize("figure", CATALOGUE, ids=[f.id for f in CATALOGUE])
def test_queries_read_marts_only(figure):
    assert schemas_read(figure) <= {"marts"}, f"{figure.id} reads {schemas_read(figure)}"
    assert "truth" not in figure.query.lower()


@pytest.fixture(scope="module", params=["seed", "other_seed"])
def truth_marts(request):
    """The seed world's truth, then another seed's: other deals, every printed figure the same."""
    con = request.getfixturevalue("truth_db" if request.param == "seed" else "other_truth_db")
    apply_marts(con)
    return con


@pytest.mark.parametrize("figure", CATALOGUE, ids=[f.id for f in CATALOGUE])
def test_figure_matches_the_printed_value_on_the_truth(truth_marts, figure):
    assert check_figure(truth_marts, figure) == []


def test_the_other_seed_draws_other_deals(truth_db, other_truth_db):
    sql = "SELECT deal_name_zh, value_date, deal_amount_cny FROM core.deals ORDER BY ALL"
    ours, theirs = truth_db.execute(sql).fetchall(), other_truth_db.execute(sql).fetchall()
    assert len(set(ours) & set(theirs)) < len(ours) // 2
