"""The REAL CNABS securities export: every one of its 329 tranches of 103 deals, read with the
same code path as production, checked against the cells read independently with openpyxl."""

from __future__ import annotations

import io
import warnings
from collections import Counter
from datetime import date
from decimal import Decimal as D

import openpyxl
import pytest

from tests.transforms.parse.tabular_cases import REAL, assert_cents, edit_xlsx, load_into_schema
from transforms.normalise.ids import deal_id_for
from transforms.parse.base import DocumentError
from transforms.parse.cnabs_export import parse_cnabs_export
from transforms.parse.parties import agency_institution_id

FILE = REAL / "cnabs_securities_export.xlsx"


@pytest.fixture(scope="module")
def doc():
    return parse_cnabs_export(FILE.read_bytes(), FILE.name)


@pytest.fixture(scope="module")
def cells():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = openpyxl.load_workbook(FILE)
    rows = [list(r) for r in book["证券信息"].iter_rows(values_only=True)]
    return rows[0], rows[1:]


def test_all_329_tranches_of_103_deals(doc, cells):
    header, rows = cells
    tranches = doc.tables["core.tranches"]
    assert len(tranches) == 329 and len(doc.tables["core.deals"]) == 103
    assert [t["tranche_id"] for t in tranches] == [r[2] for r in rows]
    assert {t["deal_id"] for t in tranches} == {deal_id_for(r[0]) for r in rows}
    load_into_schema(doc)
    assert_cents(doc)


def test_amounts_classes_coupons_and_maturities_match_the_cells(doc, cells):
    header, rows = cells
    by_code = {t["tranche_id"]: t for t in doc.tables["core.tranches"]}
    classes = {"优先级": "senior", "夹层级": "mezzanine", "次级": "subordinated"}
    for r in rows:
        t = by_code[r[2]]
        assert t["amount_cny"] == D(r[3]) and abs(t["amount_cny"] - D(r[4].replace(",", "")) * 10000) <= 50
        assert t["tranche_class"] == classes[r[6]]
        coupon = D(repr(r[7])) if isinstance(r[7], float) else D(r[7])
        assert t["coupon_rate"] == (None if r[6] == "次级" and coupon == 0 else coupon)
        assert t["expected_maturity_date"] == date.fromisoformat(r[12])
        assert (t["source_page"], t["source_table"], t["source_row_label"]) == (rows.index(r) + 2, "证券信息", r[2])
    assert Counter(t["tranche_class"] for t in by_code.values()) == {"senior": 140, "mezzanine": 93, "subordinated": 96}
    assert sum(t["amount_cny"] for t in by_code.values()) == sum(D(r[3]) for r in rows)


def test_spot_checks(doc):
    by_code = {t["tranche_id"]: t for t in doc.tables["core.tranches"]}
    first = by_code["082400476.IB"]
    assert (first["amount_cny"], first["coupon_rate"], first["coupon_type"], first["amortisation"]) == (
        D("800000000.00"), D("0.0215"), "fixed", "bullet")
    assert (first["initial_rating"], first["initial_rating_agency_id"]) == ("AAAsf", agency_institution_id("联合资信"))
    mezz = by_code["135574.SZ"]
    assert (mezz["tranche_class"], mezz["coupon_rate"], mezz["initial_rating"], mezz["seniority_rank"]) == (
        "mezzanine", D("0.057"), "A-sf", 3)
    sub = by_code["082400477.IB"]
    assert (sub["coupon_rate"], sub["coupon_type"], sub["initial_rating"], sub["seniority_rank"]) == (None, None, None, 2)


def test_markets_from_code_suffix_and_deal_name(doc):
    deals = {d["deal_id"]: d for d in doc.tables["core.deals"]}
    markets = Counter(deals[t["deal_id"]]["market"] for t in doc.tables["core.tranches"])
    assert markets == {"exchange_abs": 187, "abn": 142}
    suffix = {t["tranche_id"].rsplit(".", 1)[1] for t in doc.tables["core.tranches"]
              if deals[t["deal_id"]]["market"] == "exchange_abs"}
    assert suffix == {"SH", "SZ"}
    wuhan = next(d for d in deals.values() if d["deal_name_zh"].startswith("武汉蔚能"))
    assert wuhan["market"] == "abn"  # 定向资产支持证券 of a non-financial company, interbank


def test_deals_carry_value_date_total_and_name_fields(doc):
    deal = next(d for d in doc.tables["core.deals"] if d["deal_name_zh"] == "国君满诚1号2期资产支持专项计划")
    assert (deal["value_date"], deal["series_name"], deal["issue_number"]) == (date(2025, 11, 26), "国君满诚1号", 2)
    assert deal["deal_amount_cny"] == sum(t["amount_cny"] for t in doc.tables["core.tranches"]
                                          if t["deal_id"] == deal["deal_id"])
    assert all(d["value_date"] is not None for d in doc.tables["core.deals"])
    assert len(doc.meta["unclassified_deals"]) == sum(d["asset_class"] is None for d in doc.tables["core.deals"]) > 0


def test_each_agencys_original_and_current_ratings(doc, cells):
    header, rows = cells
    agency_columns = [(i, header[i].split("（")[0]) for i in range(13, 29, 2)]
    by_code = {t["tranche_id"]: t for t in doc.tables["core.tranches"]}
    rated = 0
    for r in rows:
        seen = doc.meta["ratings"][r[2]]
        firsts = []
        for i, name in agency_columns:
            if name == "评级机构1":
                assert r[i] in (None, "N/A") and r[i + 1] is None
                continue
            agency = agency_institution_id(name)
            original, current = seen[next(k for k in seen if agency_institution_id(k) == agency)]
            assert original == (None if r[i] in (None, "NR") else f"{r[i]}sf")
            assert current == (None if r[i + 1] in (None, "NR") else f"{r[i + 1]}sf")
            if original is not None:
                rated += 1
                firsts.append((original, agency))
        tranche = by_code[r[2]]
        assert (tranche["initial_rating"], tranche["initial_rating_agency_id"]) == (firsts[0] if firsts else (None, None))
    assert rated == 221


def test_ratings_without_dates_are_no_rating_actions():
    """CNABS dates no rating: neither the originals nor a changed current rating become actions."""
    data = edit_xlsx(FILE.read_bytes(), {(4, "中诚信国际（当前）"): "AA+"}, sheet="证券信息")
    doc = parse_cnabs_export(data)
    assert "core.rating_actions" not in doc.tables
    assert doc.meta["ratings"]["135572.SZ"]["ccxi"] == ("AAAsf", "AA+sf")
    assert {t["tranche_id"]: t["initial_rating"] for t in doc.tables["core.tranches"]}["135572.SZ"] == "AAAsf"


def test_security_names_split_into_deal_short_name_and_tranche_label(doc):
    deals = {d["deal_id"]: d for d in doc.tables["core.deals"]}
    named = {t["tranche_id"]: (deals[t["deal_id"]]["deal_short_name"], t["tranche_name"])
             for t in doc.tables["core.tranches"]}
    assert named["082400602.IB"] == ("24启赢1ABN002", "优先A")  # 24启赢1ABN002优先A
    assert named["082400604.IB"] == ("24启赢1ABN002", "中间")
    assert named["135574.SZ"] == ("荟臻021", "C")  # 荟臻021C
    assert named["082400476.IB"] == ("24深圳新能1ABN001", "优先(绿色)")
    single = [n for n in named.values() if n[0] is None]
    assert len(single) == 10 and ("R润泽01" in {label for _, label in single})  # one tranche: kept whole
    assert all(label for _, label in named.values())


def test_the_two_column_slips_are_reported_not_guessed(doc):
    assert len(doc.meta["warnings"]) == 2 and all("固定" in w for w in doc.meta["warnings"])
    slipped = [t for t in doc.tables["core.tranches"] if t["amortisation"] is None]
    assert len(slipped) == 2


def test_amount_that_disagrees_with_the_wan_text_is_refused():
    data = edit_xlsx(FILE.read_bytes(), {(5, "发行量"): 63001000}, sheet="证券信息")
    with pytest.raises(DocumentError, match="disagrees") as err:
        parse_cnabs_export(data)
    assert (err.value.page, err.value.field) == (5, "amount_wan")


def test_a_rating_under_the_unnamed_agency_column_is_refused():
    data = edit_xlsx(FILE.read_bytes(), {(3, "评级机构1"): "AA"}, sheet="证券信息")
    with pytest.raises(DocumentError, match="unknown agency") as err:
        parse_cnabs_export(data)
    assert err.value.page == 3


def test_edit_helper_keeps_the_file_readable():
    book = openpyxl.load_workbook(io.BytesIO(edit_xlsx(FILE.read_bytes(), {}, sheet="证券信息")))
    assert book.sheetnames == ["证券信息", "产品信息"]
