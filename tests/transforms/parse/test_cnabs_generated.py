"""The sample market's CNABS-style exports: every one reads back to the truth on every value it
states, so they can be loaded beside the Wind export and the announcements without changing a
cell; what CNABS cannot say (asset class of a shelf name, rating dates) stays unsaid."""

from __future__ import annotations

from collections import Counter

import pytest

from sample_market.catalogue import CNABS_SLIP_EVERY, cnabs_export_docs
from transforms.parse.cnabs_export import parse_cnabs_export
from transforms.parse.detect import detect_doc_type

PROVENANCE = {"source_page", "source_table", "source_row_label"}


@pytest.fixture(scope="module")
def exports(seed_world):
    docs = cnabs_export_docs(seed_world)
    return [(d, parse_cnabs_export(d.data, d.file_name)) for d in docs]


@pytest.fixture(scope="module")
def truth(seed_world):
    return ({d["deal_id"]: d for d in seed_world.rows("core.deals")},
            {t["tranche_id"]: t for t in seed_world.rows("core.tranches")})


def _stated(row: dict) -> dict:
    return {k: v for k, v in row.items() if v is not None and k not in PROVENANCE}


def test_one_export_per_value_year_covers_every_tranche_once(exports, truth, seed_world):
    deals, tranches = truth
    years = {d["value_date"].year for d in deals.values()}
    assert [d.file_name for d, _ in exports] == [f"CNABS证券信息_{y}.xlsx" for y in sorted(years)]
    codes = [t["tranche_id"] for _, doc in exports for t in doc.tables["core.tranches"]]
    assert len(codes) == len(set(codes)) and set(codes) == set(tranches)
    assert all(detect_doc_type(d.data, "下载.xlsx", "") == "cnabs_export" for d, _ in exports)  # by content


def test_every_stated_tranche_value_equals_the_truth(exports, truth):
    _, tranches = truth
    unstated = Counter()
    for _, doc in exports:
        for row in doc.tables["core.tranches"]:
            expected = tranches[row["tranche_id"]]
            stated = _stated(row)
            assert stated == {k: expected[k] for k in stated}, row["tranche_id"]
            unstated.update(k for k in expected if k not in stated and expected[k] is not None)
    # what CNABS never prints, and the slipped 还本方式 cells
    assert set(unstated) == {"issue_price_per_100", "legal_maturity_date", "expected_tenor_years",
                             "is_externally_placed", "originator_retained_share", "period_return_rate", "delisting_date",
                             "amortisation"}
    assert 0 < unstated["amortisation"] <= sum(len(d.tables["core.tranches"]) for _, d in exports) // CNABS_SLIP_EVERY


def test_every_stated_deal_value_equals_the_truth(exports, truth):
    deals, _ = truth
    unclassified = 0
    for _, doc in exports:
        for row in doc.tables["core.deals"]:
            expected = deals[row["deal_id"]]
            stated = _stated(row)
            assert stated == {k: expected[k] for k in stated}, row["deal_name_zh"]
            assert {"deal_short_name", "market", "value_date", "deal_amount_cny"} <= set(stated)
            unclassified += row["asset_class"] is None
        assert len(doc.meta["unclassified_deals"]) == sum(r["asset_class"] is None for r in doc.tables["core.deals"])
    assert unclassified > 0  # shelf names that state no class: left to the other sources


def test_slipped_amortisation_cells_are_reported(exports):
    for _, doc in exports:
        slipped = [t for t in doc.tables["core.tranches"] if t["amortisation"] is None]
        assert len(doc.meta["warnings"]) == len(slipped)
        assert all("利率形式" in w for w in doc.meta["warnings"])


def test_current_ratings_follow_the_rating_actions_and_load_nowhere(exports, seed_world):
    actions = sorted(seed_world.rows("core.rating_actions"), key=lambda a: a["action_date"])
    changed = 0
    for export, doc in exports:
        assert "core.rating_actions" not in doc.tables
        published = export.published_at.date()
        current_by_actions = {(a["tranche_id"], a["agency_id"]): a["rating_after"]
                              for a in actions if a["action_date"] < published}
        for tranche in doc.tables["core.tranches"]:
            agency = tranche["initial_rating_agency_id"]
            stated = {k: v for k, v in doc.meta["ratings"][tranche["tranche_id"]].items() if v != (None, None)}
            if agency is None:
                assert stated == {}  # unrated (`NR` or empty)
                continue
            assert len(stated) == 1
            original, current = next(iter(stated.values()))
            assert original == tranche["initial_rating"]
            assert current == current_by_actions.get((tranche["tranche_id"], agency), original)
            changed += current != original
    assert changed > 0  # upgrades before the export date show as a current rating


def test_agencies_are_declared_as_the_truth_knows_them(exports, seed_world):
    institutions = {i["institution_id"]: i for i in seed_world.rows("core.institutions")}
    aliases = {(a["alias"], a["institution_id"]) for a in seed_world.rows("core.institution_aliases")}
    for _, doc in exports:
        for row in doc.tables["core.institutions"]:
            assert row == {k: institutions[row["institution_id"]][k] for k in row}
        assert {(a["alias"], a["institution_id"]) for a in doc.tables["core.institution_aliases"]} <= aliases
