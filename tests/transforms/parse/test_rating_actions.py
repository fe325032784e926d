"""Tracking-rating export: CSV (UTF-8 with BOM, GB18030) and XLSX round trips, derived action
types when the export has no action column, and contradictions refused."""

from __future__ import annotations

from datetime import date

import pytest

from sample_market.documents.rating_actions import DEFAULT_LAYOUT, render_rating_actions
from tests.transforms.parse.tabular_cases import assert_same_rows, edit_xlsx, load_into_schema
from transforms.parse.base import DocumentError
from transforms.parse.parties import agency_institution_id
from transforms.parse.rating_actions import derive_action, parse_rating_actions

CCXI, LIANHE, CBR = (agency_institution_id(n) for n in ("中诚信国际", "联合资信", "中债资信"))
NAMES = {CCXI: "中诚信国际", LIANHE: "联合资信评估股份有限公司", CBR: "中债资信"}


@pytest.fixture
def actions():
    def a(code, agency, day, kind, before, after):
        return dict(tranche_id=code, agency_id=agency, action_date=day, action_type=kind, rating_before=before,
                    rating_after=after)

    return [
        a("2189123.IB", LIANHE, date(2021, 11, 20), "initial", None, "AA+sf"),
        a("2189123.IB", LIANHE, date(2022, 6, 28), "upgrade", "AA+sf", "AAAsf"),
        a("2189123.IB", CBR, date(2021, 11, 20), "initial", None, "AAAsf"),
        a("2189123.IB", CBR, date(2022, 6, 28), "affirm", "AAAsf", "AAAsf"),
        a("135573.SZ", CCXI, date(2023, 6, 30), "downgrade", "A+sf", "BBB-sf"),
        a("135573.SZ", CCXI, date(2024, 6, 30), "withdraw", "BBB-sf", None),
    ]


LAYOUTS = {
    "csv_utf8_bom": DEFAULT_LAYOUT,
    "csv_gb18030_fullwidth": DEFAULT_LAYOUT.with_(encoding="gb18030", rating_style="fullwidth", date_style="chinese"),
    "csv_utf8_plain_spaced": DEFAULT_LAYOUT.with_(encoding="utf-8", rating_style="spaced", null_marker="—"),
    "xlsx_serial_shuffled": DEFAULT_LAYOUT.with_(file_format="xlsx", date_style="serial", shuffle_seed=5),
    "xlsx_compact_full_width_headers": DEFAULT_LAYOUT.with_(file_format="xlsx", date_style="compact",
                                                            header_style="full", null_marker="-"),
}


@pytest.mark.parametrize("with_action_column", [True, False])
@pytest.mark.parametrize("layout", LAYOUTS.values(), ids=LAYOUTS.keys())
def test_round_trip(actions, layout, with_action_column):
    data = render_rating_actions(actions, NAMES, layout, with_action_column=with_action_column,
                                 short_names={"2189123.IB": "21建鑫6A"})
    doc = parse_rating_actions(data, "ratings.csv")
    assert_same_rows(doc.tables["core.rating_actions"], actions)
    load_into_schema(doc)


def test_encodings_are_what_the_layout_says(actions):
    assert render_rating_actions(actions, NAMES).startswith(b"\xef\xbb\xbf")
    gb = render_rating_actions(actions, NAMES, DEFAULT_LAYOUT.with_(encoding="gb18030"))
    assert "证券代码".encode("gb18030") in gb and not gb.startswith(b"\xef\xbb\xbf")


def test_agencies_become_institutions_under_their_legal_names(actions):
    doc = parse_rating_actions(render_rating_actions(actions, NAMES))
    names = {r["full_name_zh"]: r["institution_type"] for r in doc.tables["core.institutions"]}
    assert names == {"中诚信国际信用评级有限责任公司": "rating_agency", "联合资信评估股份有限公司": "rating_agency",
                     "中债资信评估有限责任公司": "rating_agency"}
    assert {r["source_row_label"] for r in doc.tables["core.rating_actions"]} == {"2189123.IB", "135573.SZ"}


@pytest.mark.parametrize(
    ("before", "after", "initial", "expected"),
    [(None, "AAAsf", False, "initial"), ("AAsf", "AAsf", True, "initial"), ("AA+sf", "AAAsf", False, "upgrade"),
     ("AAAsf", "AA-sf", False, "downgrade"), ("AAsf", "AAsf", False, "affirm"), ("AAsf", None, False, "withdraw")],
)
def test_derived_action(before, after, initial, expected):
    assert derive_action(before, after, initial=initial) == expected


def test_a_stated_action_that_contradicts_the_ratings_is_refused(actions):
    data = render_rating_actions(actions, NAMES, DEFAULT_LAYOUT.with_(file_format="xlsx"))
    with pytest.raises(DocumentError, match="says downgrade") as err:
        parse_rating_actions(edit_xlsx(data, {(3, "评级动作"): "下调"}))
    assert (err.value.page, err.value.field, err.value.check) == (3, "action", "inconsistent")


@pytest.mark.parametrize(("header", "value", "field"), [("调整后级别", "AAx", "rating_after"),
                                                       ("评级日期", "2022-02-30", "action_date"),
                                                       ("评级机构", "火星评级", "agency")])
def test_bad_values_name_row_and_field(actions, header, value, field):
    data = render_rating_actions(actions, NAMES, DEFAULT_LAYOUT.with_(file_format="xlsx"))
    with pytest.raises(DocumentError) as err:
        parse_rating_actions(edit_xlsx(data, {(4, header): value}))
    assert (err.value.page, err.value.field) == (4, field)


def test_bad_value_in_a_csv_names_the_line(actions):
    text = render_rating_actions(actions, NAMES).decode("utf-8-sig")
    lines = text.split("\r\n")
    assert "2021-11-20" in lines[2]
    lines[2] = lines[2].replace("2021-11-20", "2021/11/31")
    with pytest.raises(DocumentError) as err:
        parse_rating_actions("\r\n".join(lines).encode("utf-8-sig"), "r.csv")
    assert (err.value.page, err.value.field) == (3, "action_date")


def test_same_rows_same_bytes(actions):
    assert render_rating_actions(actions, NAMES) == render_rating_actions(list(reversed(actions)), NAMES)
    layout = DEFAULT_LAYOUT.with_(file_format="xlsx")
    assert render_rating_actions(actions, NAMES, layout) == render_rating_actions(actions, NAMES, layout)
