"""ChinaBond yield curves: the REAL 2016 annual download (all 4,116 points, exact yields), our
annual renderer reproducing that file cell for cell, CSV (GB18030/UTF-8, long and wide) and the
range query's JSON, curve ids from arguments, names or file names, and HTML error pages."""

from __future__ import annotations

import io
import warnings
from collections import Counter
from datetime import date
from decimal import Decimal as D

import openpyxl
import pytest

from sample_market.documents.yield_curve import (
    render_annual_xlsx,
    render_curve_csv,
    render_error_page,
    render_range_json,
)
from tests.transforms.parse.tabular_cases import REAL, assert_same_rows, edit_xlsx, load_into_schema
from transforms.parse.base import DocumentError
from transforms.parse.yield_curve import KNOWN_CURVES, parse_yield_curve, tenor_years_from_label

GOVT = "中债国债收益率曲线"
GOVT_ID = KNOWN_CURVES[GOVT]
MTN_AAA = "中债中短期票据收益率曲线(AAA)"
REAL_FILE = REAL / "chinabond_govt_curve_2016.xlsx"


@pytest.fixture(scope="module")
def real_points():
    doc = parse_yield_curve(REAL_FILE.read_bytes(), "ycDefId.xlsx", curve_id=GOVT_ID, curve_name_zh=GOVT)
    return doc.tables["core.yield_curves"]


@pytest.fixture(scope="module")
def real_cells():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = openpyxl.load_workbook(REAL_FILE)
    return [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]


def test_real_file_gives_all_4116_numeric_points(real_points):
    assert len(real_points) == 4116
    assert all(isinstance(p["yield_rate"], D) and D(0) < p["yield_rate"] < D("0.06") for p in real_points)
    assert {(p["curve_id"], p["curve_name_zh"]) for p in real_points} == {(GOVT_ID, GOVT)}
    days = Counter(p["curve_date"] for p in real_points)
    assert len(days) == 251 and min(days) == date(2016, 1, 4) and max(days) == date(2016, 12, 31)
    tenors = Counter(p["tenor_label"] for p in real_points)
    assert tenors["0d"] == tenors["10y"] == tenors["50y"] == 251 and tenors["2y"] == 20
    assert len({(p["curve_date"], p["tenor_years"]) for p in real_points}) == 4116


@pytest.mark.parametrize("sheet_row", [2, 3, 17, 1000, 2222, 4117])
def test_real_file_spot_checks_match_the_cells_exactly(real_points, real_cells, sheet_row):
    day, label, years, text = real_cells[sheet_row - 1]
    y, m, d = (int(x) for x in day.split("/"))
    point = next(p for p in real_points if p["curve_date"] == date(y, m, d) and p["tenor_label"] == label)
    assert point["yield_rate"] == D(text) / 100
    assert point["tenor_years"] == D(repr(years))


def test_real_file_first_points(real_points):
    first = sorted(real_points, key=lambda p: (p["curve_date"], p["tenor_years"]))[:3]
    assert [(p["tenor_label"], p["tenor_years"], p["yield_rate"]) for p in first] == [
        ("0d", D("0"), D("0.01927")), ("1m", D("0.08"), D("0.022663")), ("2m", D("0.17"), D("0.023035"))]


def test_real_file_curve_from_its_file_name_or_id():
    data = REAL_FILE.read_bytes()
    by_name = parse_yield_curve(data, "中债国债收益率曲线_2016.xlsx").tables["core.yield_curves"]
    by_id = parse_yield_curve(data, "download.xlsx", curve_id=GOVT_ID).tables["core.yield_curves"]
    assert len(by_name) == len(by_id) == 4116
    assert {(p["curve_id"], p["curve_name_zh"]) for p in by_name + by_id} == {(GOVT_ID, GOVT)}


def test_annual_file_without_a_curve_is_refused():
    with pytest.raises(DocumentError, match="curve name unknown") as err:
        parse_yield_curve(REAL_FILE.read_bytes(), "download.xlsx")
    assert (err.value.page, err.value.field) == (2, "curve_name_zh")


def test_renderer_reproduces_the_real_file_cell_for_cell(real_points, real_cells):
    data = render_annual_xlsx(real_points, 2016)
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["标准期限信息下载(2016)"]
    assert [list(r) for r in book.worksheets[0].iter_rows(values_only=True)] == real_cells
    again = parse_yield_curve(data, curve_id=GOVT_ID, curve_name_zh=GOVT).tables["core.yield_curves"]
    assert again == real_points


def test_full_width_headers(real_points):
    data = render_annual_xlsx(real_points[:100], 2016, full_width_headers=True)
    assert "标准期限（年）" in [c.value for c in openpyxl.load_workbook(io.BytesIO(data)).worksheets[0][1]]
    doc = parse_yield_curve(data, curve_id=GOVT_ID, curve_name_zh=GOVT)
    assert doc.tables["core.yield_curves"] == real_points[:100]


@pytest.fixture
def range_points():
    """Two curves on three days at the range query's tenors; the MTN curve has no 30-year point."""
    points = []
    for name in (GOVT, MTN_AAA):
        for k, day in enumerate((date(2025, 7, 1), date(2025, 7, 2), date(2025, 7, 3))):
            for label, header in (("3m", "3月"), ("6m", "6月"), ("1y", "1年"), ("3y", "3年"), ("5y", "5年"),
                                  ("7y", "7年"), ("10y", "10年"), ("30y", "30年")):
                if name == MTN_AAA and label == "30y":
                    continue
                years = tenor_years_from_label(header)
                points.append(dict(curve_id=KNOWN_CURVES[name], curve_name_zh=name, curve_date=day,
                                   tenor_years=years, tenor_label=label,
                                   yield_rate=(D("0.0135") + years / 1000 + D(k) / 10000 + (D("0.003") if name == MTN_AAA else 0)).quantize(D("0.000001"))))
    return points


def test_range_json_round_trip_with_missing_tenors(range_points):
    data = render_range_json(range_points)
    doc = parse_yield_curve(data, "historyQuery.json")
    assert_same_rows(doc.tables["core.yield_curves"], range_points)
    load_into_schema(doc)


@pytest.mark.parametrize("shape", ["long", "wide"])
@pytest.mark.parametrize("encoding", ["gb18030", "utf-8", "utf-8-sig"])
def test_csv_round_trip(range_points, shape, encoding):
    doc = parse_yield_curve(render_curve_csv(range_points, shape=shape, encoding=encoding), "curves.csv")
    assert_same_rows(doc.tables["core.yield_curves"], range_points)


def test_unknown_curve_name_in_a_csv_is_refused(range_points):
    data = render_curve_csv(range_points, shape="long").decode("gb18030").replace(MTN_AAA, "某某曲线")
    with pytest.raises(DocumentError, match="no known ycDefId") as err:
        parse_yield_curve(data.encode("gb18030"))
    assert err.value.field == "curve_name_zh"
    mine = parse_yield_curve(data.encode("gb18030"), curve_ids={**KNOWN_CURVES, "某某曲线": "custom01"})
    assert {p["curve_id"] for p in mine.tables["core.yield_curves"]} == {GOVT_ID, "custom01"}


def test_html_error_page_saved_as_xlsx():
    with pytest.raises(DocumentError, match="^not an xlsx: HTML error page") as err:
        parse_yield_curve(render_error_page(), "中债国债收益率曲线_2025.xlsx", curve_id=GOVT_ID)
    assert err.value.check == "error_page"


def test_bad_yield_names_row_and_field(real_points):
    data = edit_xlsx(render_annual_xlsx(real_points[:50], 2016), {(7, "收益率"): "2.3x"})
    with pytest.raises(DocumentError) as err:
        parse_yield_curve(data, curve_id=GOVT_ID, curve_name_zh=GOVT)
    assert (err.value.page, err.value.field, err.value.value) == (7, "yield_rate", "2.3x")


def test_duplicate_point_is_refused(real_points):
    data = edit_xlsx(render_annual_xlsx(real_points[:50], 2016), {(3, "标准期限说明"): "0d", (3, "标准期限"): 0.0})
    with pytest.raises(DocumentError, match="duplicate point") as err:
        parse_yield_curve(data, curve_id=GOVT_ID, curve_name_zh=GOVT)
    assert err.value.page == 3


def test_same_points_same_bytes(range_points, real_points):
    assert render_range_json(range_points) == render_range_json(list(reversed(range_points)))
    assert render_curve_csv(range_points) == render_curve_csv(list(reversed(range_points)))
    assert render_annual_xlsx(real_points, 2016) == render_annual_xlsx(list(reversed(real_points)), 2016)


def test_seed_world_curves_round_trip(seed_world_tables):
    """One curve-year of the seed world through the GB18030 CSV, another through ChinaBond's
    annual xlsx with the curve given by the caller."""
    points = seed_world_tables.get("core.yield_curves", [])
    if not points:
        pytest.skip("the world has no yield curves yet")
    by_curve_year = Counter((p["curve_id"], p["curve_date"].year) for p in points)
    (first_id, first_year), (second_id, second_year) = sorted(by_curve_year)[0], sorted(by_curve_year)[-1]
    names = {p["curve_id"]: p["curve_name_zh"] for p in points}
    one = [p for p in points if (p["curve_id"], p["curve_date"].year) == (first_id, first_year)]
    doc = parse_yield_curve(render_curve_csv(one, shape="long"), "curves.csv", curve_ids={v: k for k, v in names.items()})
    assert_same_rows(doc.tables["core.yield_curves"], one)
    two = [p for p in points if (p["curve_id"], p["curve_date"].year) == (second_id, second_year)]
    doc = parse_yield_curve(render_annual_xlsx(two, second_year), curve_id=second_id, curve_name_zh=names[second_id])
    assert_same_rows(doc.tables["core.yield_curves"], two)
