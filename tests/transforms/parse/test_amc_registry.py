"""Local-AMC registry (CSV UTF-8/GB18030) and licence events (second file or sheet)."""

from __future__ import annotations

import pytest

from sample_market.documents.amc_registry import (
    EVENTS_LAYOUT,
    REGISTRY_LAYOUT,
    render_amc_licence_events,
    render_amc_registry,
    render_amc_registry_workbook,
)
from tests.transforms.parse.tabular_cases import assert_same_rows, edit_xlsx, load_into_schema
from transforms.normalise.ids import institution_id_for
from transforms.parse.amc_registry import parse_amc_registry
from transforms.parse.base import DocumentError


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
def test_registry_csv_round_trip(amc_rows, encoding):
    doc = parse_amc_registry(render_amc_registry(amc_rows["core.amcs"], REGISTRY_LAYOUT.with_(encoding=encoding)),
                             "地方AMC名单.csv")
    assert_same_rows(doc.tables["core.amcs"], amc_rows["core.amcs"])
    institutions = {r["institution_id"]: r for r in doc.tables["core.institutions"]}
    for amc in amc_rows["core.amcs"]:
        inst = institutions[amc["institution_id"]]
        assert (inst["full_name_zh"], inst["short_name_zh"], inst["institution_type"], inst["province"]) == (
            amc["full_name_zh"], amc["short_name_zh"], "local_amc", amc["province"])
    aliases = {r["alias"]: r["institution_id"] for r in doc.tables["core.institution_aliases"]}
    assert aliases["浙商资产"] == aliases["浙江省浙商资产管理股份有限公司"] == institution_id_for("浙江省浙商资产管理股份有限公司")
    load_into_schema(doc)


@pytest.mark.parametrize("use_short_names", [False, True])
def test_events_csv_with_alias_map(amc_rows, amc_aliases, use_short_names):
    data = render_amc_licence_events(amc_rows["core.amc_licence_events"], amc_rows["core.amcs"],
                                     EVENTS_LAYOUT.with_(date_style="chinese", null_marker="—"),
                                     use_short_names=use_short_names)
    doc = parse_amc_registry(data, "牌照变动.csv", aliases=amc_aliases)
    assert_same_rows(doc.tables["core.amc_licence_events"], amc_rows["core.amc_licence_events"])


def test_events_with_full_names_need_no_alias_map(amc_rows):
    data = render_amc_licence_events(amc_rows["core.amc_licence_events"], amc_rows["core.amcs"])
    doc = parse_amc_registry(data)
    assert_same_rows(doc.tables["core.amc_licence_events"], amc_rows["core.amc_licence_events"])


def test_workbook_with_both_sheets_resolves_short_names_through_the_registry(amc_rows):
    data = render_amc_registry_workbook(amc_rows["core.amcs"], amc_rows["core.amc_licence_events"])
    doc = parse_amc_registry(data)
    assert_same_rows(doc.tables["core.amcs"], amc_rows["core.amcs"])
    assert_same_rows(doc.tables["core.amc_licence_events"], amc_rows["core.amc_licence_events"])
    load_into_schema(doc)


def test_unknown_short_name_is_refused(amc_rows):
    data = render_amc_registry_workbook(amc_rows["core.amcs"], amc_rows["core.amc_licence_events"])
    with pytest.raises(DocumentError, match="not an AMC in the registry") as err:
        parse_amc_registry(edit_xlsx(data, {(3, "公司名称"): "火星资产"}, sheet="牌照变动"))
    assert (err.value.page, err.value.field) == (3, "name")


@pytest.mark.parametrize(("header", "value", "field"), [("股东性质", "外资", "ownership"),
                                                       ("牌照状态", "暂停", "licence_status"),
                                                       ("是否财务样本", "也许", "in_financial_sample"),
                                                       ("所在省份", "", "province")])
def test_bad_registry_values(amc_rows, header, value, field):
    data = render_amc_registry_workbook(amc_rows["core.amcs"], amc_rows["core.amc_licence_events"])
    with pytest.raises(DocumentError) as err:
        parse_amc_registry(edit_xlsx(data, {(2, header): value}, sheet="地方AMC名单"))
    assert (err.value.page, err.value.field) == (2, field)


def test_same_rows_same_bytes(amc_rows):
    amcs, events = amc_rows["core.amcs"], amc_rows["core.amc_licence_events"]
    assert render_amc_registry(amcs) == render_amc_registry(list(reversed(amcs)))
    assert render_amc_registry_workbook(amcs, events) == render_amc_registry_workbook(amcs[::-1], events[::-1])


def test_seed_world_registry_round_trip(seed_world_tables):
    amcs = seed_world_tables.get("core.amcs", [])
    if not amcs:
        pytest.skip("the world has no AMCs yet")
    events = seed_world_tables.get("core.amc_licence_events", [])
    doc = parse_amc_registry(render_amc_registry_workbook(amcs, events))
    assert_same_rows(doc.tables["core.amcs"], amcs)
    assert_same_rows(doc.tables["core.amc_licence_events"], events)
