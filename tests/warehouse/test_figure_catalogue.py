"""The figure catalogue answers every seed figure from ``marts`` alone.

Run here on a warehouse holding exactly the sample market's truth (the marts are views, so
they are built the same way as in a published build); the end-to-end suite runs the same
catalogue on the warehouse the pipeline published.
"""

from __future__ import annotations

import pytest

from warehouse.figures import check_figure, load_catalogue, schemas_read
from warehouse.marts import apply_marts

# Every figure ID of ../shared/reference/seed-figures.md.
SEED_FIGURE_IDS = (
    [f"L-{i:02d}" for i in range(1, 13)] + [f"S-{i:02d}" for i in range(1, 12)]
    + [f"N-{i:02d}" for i in range(1, 8)] + [f"A-{i:02d}" for i in range(1, 17)]
    + [f"M-{i:02d}" for i in range(1, 10)]
)
CATALOGUE = load_catalogue()


def test_every_seed_figure_has_a_query():
    missing = sorted(set(SEED_FIGURE_IDS) - {f.id for f in CATALOGUE})
    assert missing == [], f"figures without a catalogue query: {missing}"


@pytest.mark.parametrize("figure", CATALOGUE, ids=[f.id for f in CATALOGUE])
def test_queries_read_marts_only(figure):
    assert schemas_read(figure) <= {"marts"}, f"{figure.id} reads {schemas_read(figure)}"
    assert "truth" not in figure.query.lower()


@pytest.fixture(scope="module")
def truth_marts(truth_db):
    apply_marts(truth_db)
    return truth_db


@pytest.mark.parametrize("figure", CATALOGUE, ids=[f.id for f in CATALOGUE])
def test_figure_matches_the_printed_value_on_the_truth(truth_marts, figure):
    assert check_figure(truth_marts, figure) == []
