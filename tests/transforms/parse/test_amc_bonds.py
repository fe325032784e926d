"""Wind exports of AMC debt: bond list with Wind's `\\r\\n[单位]` headers (CNY and USD), bond
events, issuer ratings (stated or derived actions), issuer names through the alias map."""

from __future__ import annotations

import io

import openpyxl
import pytest

from sample_market.documents.amc_bonds import (
    WIND_LAYOUT,
    render_amc_bond_events,
    render_amc_bonds,
    render_amc_debt_workbook,
    render_amc_issuer_ratings,
)
from tests.transforms.parse.tabular_cases import assert_cents, assert_same_rows, edit_xlsx, load_into_schema
from transforms.parse.amc_bonds import parse_amc_bonds
from transforms.parse.base import DocumentError
from transforms.parse.parties import agency_institution_id
from transforms.parse.tabular import read_grids

AGENCY_NAMES = {agency_institution_id("中诚信国际"): "中诚信国际", agency_institution_id("联合资信"): "联合资信"}


def short_names(rows):
    return {a["amc_id"]: a["short_name_zh"] for a in rows["core.amcs"]}


def full_names(rows):
    return {a["amc_id"]: a["full_name_zh"] for a in rows["core.amcs"]}


LAYOUTS = {
    "wind": WIND_LAYOUT,
    "wind_serial_dates_wan": WIND_LAYOUT.with_(date_style="serial", amount_unit="wan"),
    "half_width_compact_shuffled": WIND_LAYOUT.with_(header_style="half", date_style="compact", shuffle_seed=8,
                                                     null_marker="—"),
    "full_width_fullwidth_ratings": WIND_LAYOUT.with_(header_style="full", rating_style="fullwidth"),
}


@pytest.mark.parametrize("layout", LAYOUTS.values(), ids=LAYOUTS.keys())
def test_bond_list_round_trip(amc_rows, amc_aliases, layout):
    data = render_amc_bonds(amc_rows["core.amc_bonds"], short_names(amc_rows), amc_rows["core.institutions"], layout)
    doc = parse_amc_bonds(data, aliases=amc_aliases)
    assert_same_rows(doc.tables["core.amc_bonds"], amc_rows["core.amc_bonds"])
    assert_cents(doc)


def test_wind_headers_carry_units_on_a_second_line(amc_rows):
    data = render_amc_bonds(amc_rows["core.amc_bonds"], short_names(amc_rows), amc_rows["core.institutions"])
    headers = read_grids(data)[0].rows[0]  # Excel stores the CR as `_x000D_`; the reader undoes it
    assert "发行总额\r\n[单位] 亿元" in headers and "票面利率(发行时)\r\n[单位] %" in headers


def test_offshore_usd_bond_keeps_its_currency_amount_and_no_cny(amc_rows, amc_aliases):
    data = render_amc_bonds(amc_rows["core.amc_bonds"], full_names(amc_rows), amc_rows["core.institutions"])
    bond = next(b for b in parse_amc_bonds(data, aliases=amc_aliases).tables["core.amc_bonds"]
                if b["security_code"] == "XS2345678901")
    assert (bond["currency"], bond["amount_cny"], bond["is_offshore"], bond["bond_type"]) == ("USD", None, True, "offshore")
    assert bond["amount_original"] == 300_000_000


def test_guarantor_becomes_an_institution(amc_rows, amc_aliases):
    data = render_amc_bonds(amc_rows["core.amc_bonds"], short_names(amc_rows), amc_rows["core.institutions"])
    doc = parse_amc_bonds(data, aliases=amc_aliases)
    assert [(r["full_name_zh"], r["institution_type"]) for r in doc.tables["core.institutions"]] == [
        ("浙江省融资担保有限公司", "financing_guarantor")]
    load_into_schema(doc)


@pytest.mark.parametrize("layout", [WIND_LAYOUT, WIND_LAYOUT.with_(header_style="full", date_style="slash")])
def test_events_round_trip(amc_rows, layout):
    doc = parse_amc_bonds(render_amc_bond_events(amc_rows["core.amc_bond_events"], layout))
    assert_same_rows(doc.tables["core.amc_bond_events"], amc_rows["core.amc_bond_events"])
    load_into_schema(doc)


@pytest.mark.parametrize("with_action_column", [True, False])
def test_issuer_ratings_round_trip(amc_rows, amc_aliases, with_action_column):
    data = render_amc_issuer_ratings(amc_rows["core.amc_issuer_ratings"], short_names(amc_rows), AGENCY_NAMES,
                                     with_action_column=with_action_column)
    doc = parse_amc_bonds(data, aliases=amc_aliases)
    assert_same_rows(doc.tables["core.amc_issuer_ratings"], amc_rows["core.amc_issuer_ratings"])
    load_into_schema(doc)


def test_one_workbook_with_all_three_sheets(amc_rows, amc_aliases):
    data = render_amc_debt_workbook(amc_rows["core.amc_bonds"], amc_rows["core.amc_bond_events"],
                                    amc_rows["core.amc_issuer_ratings"], short_names(amc_rows), AGENCY_NAMES,
                                    amc_rows["core.institutions"])
    doc = parse_amc_bonds(data, aliases=amc_aliases)
    for table in ("core.amc_bonds", "core.amc_bond_events", "core.amc_issuer_ratings"):
        assert_same_rows(doc.tables[table], amc_rows[table])
    load_into_schema(doc)


def test_unknown_issuer_is_refused_when_an_alias_map_is_given(amc_rows, amc_aliases):
    data = render_amc_bonds(amc_rows["core.amc_bonds"], short_names(amc_rows), amc_rows["core.institutions"])
    with pytest.raises(DocumentError, match="not a known AMC") as err:
        parse_amc_bonds(edit_xlsx(data, {(4, "发行人"): "火星资产"}), aliases=amc_aliases)
    assert (err.value.page, err.value.field) == (4, "issuer")


@pytest.mark.parametrize(("header", "value", "field"), [("Wind债券二级分类", "彩票", "bond_type"),
                                                       ("起息日期", "2020-02-30", "value_date"),
                                                       ("主体评级", "AAAA", "issuer_rating"),
                                                       ("期限", "", "term_years"),
                                                       ("币种", "火星币", "currency")])
def test_bad_bond_values(amc_rows, amc_aliases, header, value, field):
    data = render_amc_bonds(amc_rows["core.amc_bonds"], short_names(amc_rows), amc_rows["core.institutions"])
    with pytest.raises(DocumentError) as err:
        parse_amc_bonds(edit_xlsx(data, {(3, header): value}), aliases=amc_aliases)
    assert (err.value.page, err.value.field) == (3, field)


def test_extension_without_new_maturity_is_refused(amc_rows):
    data = render_amc_bond_events(amc_rows["core.amc_bond_events"])
    row = 2 + sorted(e["event_date"] for e in amc_rows["core.amc_bond_events"]).index(
        next(e["event_date"] for e in amc_rows["core.amc_bond_events"] if e["event_type"] == "extension"))
    with pytest.raises(DocumentError, match="extension") as err:
        parse_amc_bonds(edit_xlsx(data, {(row, "展期后到期日"): None}))
    assert (err.value.page, err.value.field) == (row, "new_maturity_date")


def test_stated_issuer_action_that_contradicts_the_ratings(amc_rows, amc_aliases):
    data = render_amc_issuer_ratings(amc_rows["core.amc_issuer_ratings"], short_names(amc_rows), AGENCY_NAMES)
    doc = parse_amc_bonds(data, aliases=amc_aliases)
    upgrade = next(r for r in doc.tables["core.amc_issuer_ratings"] if r["action_type"] == "upgrade")
    rows = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    row = next(i for i, r in enumerate(rows.iter_rows(values_only=True), 1)
               if r[2] == upgrade["rating_date"].isoformat())
    with pytest.raises(DocumentError, match="says downgrade") as err:
        parse_amc_bonds(edit_xlsx(data, {(row, "评级动作"): "下调"}), aliases=amc_aliases)
    assert (err.value.page, err.value.field) == (row, "action")


def test_same_rows_same_bytes(amc_rows):
    names = short_names(amc_rows)
    bonds, inst = amc_rows["core.amc_bonds"], amc_rows["core.institutions"]
    assert render_amc_bonds(bonds, names, inst) == render_amc_bonds(bonds[::-1], names, inst[::-1])


def test_seed_world_amc_debt_round_trip(seed_world_tables):
    bonds = seed_world_tables.get("core.amc_bonds", [])
    if not bonds:
        pytest.skip("the world has no AMC bonds yet")
    amcs = seed_world_tables["core.amcs"]
    institutions = seed_world_tables["core.institutions"]
    agencies = {i["institution_id"]: i["short_name_zh"] or i["full_name_zh"] for i in institutions
                if i["institution_type"] == "rating_agency"}
    aliases = {a["full_name_zh"]: a["full_name_zh"] for a in amcs}
    data = render_amc_debt_workbook(bonds, seed_world_tables.get("core.amc_bond_events", []),
                                    seed_world_tables.get("core.amc_issuer_ratings", []),
                                    {a["amc_id"]: a["full_name_zh"] for a in amcs}, agencies, institutions)
    doc = parse_amc_bonds(data, aliases=aliases)
    for table in ("core.amc_bonds", "core.amc_bond_events", "core.amc_issuer_ratings"):
        assert_same_rows(doc.tables.get(table, []), seed_world_tables.get(table, []))
