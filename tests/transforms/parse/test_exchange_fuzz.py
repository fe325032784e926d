"""Exchange-ABS and ABN documents in layouts drawn at random (the layout fuzzer's way: a seeded
draw over every knob of ``ExchangeLayout``, replayable from the seed the test prints): each is
recognised as its family and parses to its truth, every value exactly.

``ABS_ETL_FUZZ_SEED=<n>`` replays a seed; otherwise a fresh one is drawn and printed."""

from __future__ import annotations

import os
import random

import pytest

from sample_market.documents.abn_operating_report import render_abn_operating_report
from sample_market.documents.asset_management_report import render_asset_management_report
from sample_market.documents.exchange_layout import KNOBS, LAYOUTS, ExchangeLayout, draw_exchange_layout
from sample_market.documents.income_distribution import render_income_distribution
from tests.transforms.parse.exchange_cases import annual_reports, differences, distributions, operating_reports
from transforms.parse.detect import detect_doc_type, parser_for

CASES = 60


@pytest.fixture(scope="module")
def seed() -> int:
    value = int(os.environ.get("ABS_ETL_FUZZ_SEED") or random.SystemRandom().randrange(2**31))
    print(f"exchange layout seed {value} (replay: ABS_ETL_FUZZ_SEED={value})")
    return value


def test_the_templates_are_points_of_the_drawn_space():
    for layout in LAYOUTS:
        for name, values in KNOBS.items():
            assert getattr(layout, name) in values, name
    assert set(KNOBS) == set(ExchangeLayout.__dataclass_fields__)


def test_a_seed_replays_and_draws_every_value_of_every_knob(seed):
    first = [draw_exchange_layout(random.Random(f"{seed}:{k}")) for k in range(200)]
    again = [draw_exchange_layout(random.Random(f"{seed}:{k}")) for k in range(200)]
    assert first == again
    for name, values in KNOBS.items():
        assert {getattr(layout, name) for layout in first} == set(values), name


def test_documents_in_drawn_layouts_parse_to_their_truth(seed):
    sources = {"income_distribution": distributions(), "asset_management_report": annual_reports(),
               "abn_operating_report": operating_reports()}
    problems = []
    for number in range(CASES):
        rng = random.Random(f"abs-etl exchange fuzzer {seed}:{number}")
        family = rng.choice(sorted(sources))
        layout = draw_exchange_layout(rng)
        data = rng.choice(sources[family])
        if family == "income_distribution":
            pdf, truth = render_income_distribution(data, layout), {"core.tranche_payments": list(data.payments)}
        elif family == "asset_management_report":
            data = annual_reports(layout)[sources[family].index(data)]  # its period table follows the layout
            pdf, truth = render_asset_management_report(data, layout), {
                "core.pool_performance": [data.annual, *data.periods]}
        else:
            pdf = render_abn_operating_report(data, layout)
            truth = {"core.pool_performance": [{k: v for k, v in data.pool.items() if k != "grain"}],
                     "core.tranche_payments": list(data.payments)}
        case = f"seed {seed} case {number} {family} {layout}"
        if detect_doc_type(pdf, "download.pdf", "") != family:
            problems.append(f"{case}: not recognised")
            continue
        parsed = parser_for(family)(pdf, file_name="download.pdf")
        for table, rows in truth.items():
            got = {(r.get("tranche_id") or r.get("grain", "payment_period"), r["period_number"]): r
                   for r in parsed.tables.get(table, [])}
            for row in rows:
                found = got.get((row.get("tranche_id") or row.get("grain", "payment_period"), row["period_number"]))
                problems += [f"{case}: {table} {d}" for d in differences(dict(row), found)]
    assert problems == [], problems[:5]
