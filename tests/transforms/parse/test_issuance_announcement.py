"""Issuance announcements (发行说明书 / 发行结果公告): every one the sample market publishes reads
back to the truth's deal and tranche rows, and damaged ones fail naming section, page and field."""

from __future__ import annotations

from collections import defaultdict

import pytest

from sample_market.catalogue import issuance_announcement_docs
from sample_market.documents.issuance_announcement import (
    STYLES,
    offering_items,
    render_issuance_results,
    render_offering_circular,
)
from transforms.parse.base import DocumentError
from transforms.parse.detect import detect_doc_type
from transforms.parse.issuance_announcement import parse_issuance_results, parse_offering_circular

PROVENANCE = {"source_page", "source_table", "source_row_label"}
ISSUE_ONLY = {"delisting_date"}  # known only later, from a vendor export


@pytest.fixture(scope="module")
def announcements(seed_world):
    return issuance_announcement_docs(seed_world)


@pytest.fixture(scope="module")
def truth(seed_world):
    deals = {d["deal_id"]: d for d in seed_world.rows("core.deals")}
    tranches = {t["tranche_id"]: t for t in seed_world.rows("core.tranches")}
    institutions = {i["institution_id"]: i for i in seed_world.rows("core.institutions")}
    labels: dict[str, set[str]] = defaultdict(set)
    for row in seed_world.rows("core.deal_labels"):
        labels[row["deal_id"]].add(row["label"])
    enhancements: dict[str, set[tuple]] = defaultdict(set)
    for row in seed_world.rows("core.credit_enhancements"):
        enhancements[row["deal_id"]].add((row["enhancer_id"], row["enhancement_kind"], row["enhancer_relation"],
                                          row["enhancer_rating"]))
    return deals, tranches, institutions, labels, enhancements


def _without(row: dict, drop: set[str]) -> dict:
    return {k: v for k, v in row.items() if k not in drop}


def test_every_credit_abs_deal_has_both_announcements(announcements, seed_world):
    credit = {d["deal_id"] for d in seed_world.rows("core.deals") if d["market"] == "credit_abs"}
    loaded = [d for d in announcements if d.expected_outcome == "loaded"]
    assert {d.rel_path.split("/")[1] for d in loaded if d.doc_type == "offering_circular"} == credit
    assert {d.rel_path.split("/")[1] for d in loaded if d.doc_type == "issuance_results"} == credit
    formats = {d.rel_path.rsplit(".", 1)[1] for d in loaded if d.doc_type == "issuance_results"}
    assert formats == {"pdf", "xlsx"}
    assert any(d.expected_outcome == "quarantined" for d in announcements)


def test_offering_circulars_read_back_to_the_truth(announcements, truth):
    deals, _, institutions, labels, enhancements = truth
    checked = 0
    for doc in announcements:
        if doc.doc_type != "offering_circular" or doc.expected_outcome != "loaded":
            continue
        assert detect_doc_type(doc.data, doc.file_name, doc.title) == "offering_circular"
        parsed = parse_offering_circular(doc.data, doc.file_name)
        [deal] = parsed.tables["core.deals"]
        assert _without(deal, PROVENANCE) == deals[deal["deal_id"]], doc.rel_path
        assert deal["source_page"] == 1 and deal["source_row_label"] == deal["deal_name_zh"]
        assert {r["label"] for r in parsed.tables.get("core.deal_labels", [])} == labels[deal["deal_id"]]
        assert {(r["enhancer_id"], r["enhancement_kind"], r["enhancer_relation"], r["enhancer_rating"])
                for r in parsed.tables.get("core.credit_enhancements", [])} == enhancements[deal["deal_id"]]
        for inst in parsed.tables["core.institutions"]:
            known = institutions[inst["institution_id"]]
            assert (inst["full_name_zh"], inst["institution_type"]) == (
                known["full_name_zh"], known["institution_type"]), doc.rel_path
            if inst["short_name_zh"] is not None:  # enhancers are printed without one
                assert inst["short_name_zh"] == known["short_name_zh"], doc.rel_path
        checked += 1
    assert checked == sum(d["market"] == "credit_abs" for d in deals.values())


def test_issuance_results_read_back_to_the_truth(announcements, truth):
    _, tranches, _, _, _ = truth
    seen: set[str] = set()
    for doc in announcements:
        if doc.doc_type != "issuance_results":
            continue
        assert detect_doc_type(doc.data, doc.file_name, doc.title) == "issuance_results", doc.rel_path
        parsed = parse_issuance_results(doc.data, doc.file_name)
        for row in parsed.tables["core.tranches"]:
            expected = _without(tranches[row["tranche_id"]], ISSUE_ONLY)
            assert _without(row, PROVENANCE | ISSUE_ONLY) == expected, doc.rel_path
            assert row["delisting_date"] is None
            seen.add(row["tranche_id"])
    credit = {t for t, row in tranches.items() if row["security_code"].endswith(".IB")}
    assert seen <= credit and len(seen) > 600


def _deal_parts(seed_world, deal_id: str):
    deal = next(d for d in seed_world.rows("core.deals") if d["deal_id"] == deal_id)
    tranches = [t for t in seed_world.rows("core.tranches") if t["deal_id"] == deal_id]
    institutions = {i["institution_id"]: i for i in seed_world.rows("core.institutions")}
    return deal, tranches, institutions


@pytest.fixture(scope="module")
def sample_deal(announcements):
    return next(d.rel_path.split("/")[1] for d in announcements if d.doc_type == "issuance_results")


def test_a_missing_tranche_in_the_structure_table_is_refused_naming_page_and_field(seed_world, sample_deal):
    deal, tranches, institutions = _deal_parts(seed_world, sample_deal)
    items = offering_items(deal, tranches, institutions, [], [], STYLES[0])
    structure = items[-1]
    del structure.rows[0]  # the first tranche is missing, the 合计 row still says the full size
    from sample_market.documents.issuance_announcement import FOOTER
    from sample_market.documents.trustee_report import _render_pdf

    data = _render_pdf(items, "x", "y", FOOTER)
    with pytest.raises(DocumentError) as info:
        parse_offering_circular(data, "x.pdf")
    assert info.value.field == "amount_cny" and info.value.check == "inconsistent"
    assert info.value.page is not None and "合计" in info.value.reason


def test_a_bad_coupon_names_the_section_row_and_value(seed_world, sample_deal):
    from sample_market.documents.issuance_announcement import _render_xlsx, results_items

    deal, tranches, institutions = _deal_parts(seed_world, sample_deal)
    items = results_items(deal, tranches, institutions, STYLES[0])
    issued = next(i for i in items if getattr(i, "header", None) and "票面利率" in i.header)
    column = issued.header.index("票面利率")
    issued.rows[0][column] = issued.rows[0][column][:-2] + "O%"  # an OCR letter for the last digit
    with pytest.raises(DocumentError) as info:
        parse_issuance_results(_render_xlsx(items, "t", None), "r.xlsx")
    assert info.value.field == "coupon_rate" and "发行情况" in info.value.reason
    assert info.value.value == issued.rows[0][column]


def test_the_tranche_sizes_must_add_up_to_the_deal_size(seed_world, sample_deal):
    deal, tranches, institutions = _deal_parts(seed_world, sample_deal)
    data = render_issuance_results(dict(deal, deal_amount_cny=deal["deal_amount_cny"] + 1_000_000), tranches,
                                   institutions, STYLES[1], "pdf")
    with pytest.raises(DocumentError) as info:
        parse_issuance_results(data, "r.pdf")
    assert info.value.field == "deal_amount_cny" and info.value.page == 1


def test_offering_circular_round_trip_in_every_style(seed_world, sample_deal):
    deal, tranches, institutions = _deal_parts(seed_world, sample_deal)
    for style in STYLES:
        parsed = parse_offering_circular(render_offering_circular(deal, tranches, institutions, [], [], style))
        assert parsed.tables["core.deals"][0]["deal_amount_cny"] == deal["deal_amount_cny"]
