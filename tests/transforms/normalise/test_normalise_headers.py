"""Header normalisation and synonym-driven mapping of header rows to canonical columns."""

import polars as pl
import pytest

from tests.fixtures import REAL_WORLD
from transforms.normalise.headers import HeaderMappingError, map_header_row, match_header, normalise_header


SYNONYMS = {
    "security_code": ["证券代码", "代码"],
    "coupon_rate": ["票面利率(发行时)", "发行利率(%)", "票面利率(%)"],
    "issue_amount_yi": ["发行总额(亿元)"],
    "issue_amount_wan": ["发行量(万元)"],
    "issue_amount_cny": ["发行量(元)", "发行量"],
    "tranche_type": ["类型", "证券分层"],
}


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("票面利率(发行时)\r\n[单位] %", "票面利率(发行时)"),
        ("债项评级\n[交易日期] 最新\n[单位] 无", "债项评级"),
        ("发行总额（亿元）", "发行总额(亿元)"),
        ("发行总额【亿元】", "发行总额[亿元]"),
        ("  发行量 (元) ", "发行量(元)"),
        ("联合资信（原始）", "联合资信(原始)"),
        ("Issue  Amount (CNY)", "Issue Amount(CNY)"),
        ("收益率（％）", "收益率(%)"),
        (None, ""),
    ],
)
def test_normalise_header(raw: str | None, normalised: str) -> None:
    assert normalise_header(raw) == normalised


@pytest.mark.parametrize(
    ("header", "canonical"),
    [
        ("票面利率(发行时)\r\n[单位] %", "coupon_rate"),
        ("发行利率(%)", "coupon_rate"),
        ("发行利率（%）", "coupon_rate"),
        ("发行总额（亿元）", "issue_amount_yi"),
        ("发行量(万元)", "issue_amount_wan"),
        ("发行量 (元)", "issue_amount_cny"),
        ("发行量(亿元)", "issue_amount_cny"),  # unit-less synonym 发行量 matches; read the unit separately
        ("证券代码", "security_code"),
        ("SECURITY_CODE", "security_code"),  # the canonical name itself, case-insensitive
        ("预计到期日", None),
        ("", None),
        (None, None),
    ],
)
def test_match_header(header: str | None, canonical: str | None) -> None:
    assert match_header(header, SYNONYMS) == canonical


def test_a_synonym_naming_a_unit_only_matches_that_unit() -> None:
    assert match_header("发行总额（亿元）", {"amount_yi": ["发行总额(亿元)"]}) == "amount_yi"
    assert match_header("发行总额（万元）", {"amount_yi": ["发行总额(亿元)"]}) is None


def test_ambiguous_synonyms_are_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="several columns"):
        match_header("代码", {"a": ["代码"], "b": ["代码"]})


def test_map_header_row_on_the_real_cnabs_export() -> None:
    headers = pl.read_excel(
        REAL_WORLD / "cnabs_securities_export.xlsx", engine="calamine", infer_schema_length=0
    ).columns
    mapping = map_header_row(headers, SYNONYMS, required=["security_code", "coupon_rate", "tranche_type"])
    assert mapping == {
        "证券代码": "security_code",
        "发行量": "issue_amount_cny",
        "发行量(万元)": "issue_amount_wan",
        "类型": "tranche_type",
        "发行利率(%)": "coupon_rate",
    }


def test_map_header_row_lists_every_missing_required_column() -> None:
    with pytest.raises(HeaderMappingError) as info:
        map_header_row(["证券代码", "无关列"], SYNONYMS, required=["security_code", "coupon_rate", "tranche_type"])
    assert info.value.missing == ("coupon_rate", "tranche_type")
    message = str(info.value)
    assert "coupon_rate" in message and "tranche_type" in message and "无关列" in message


def test_map_header_row_rejects_two_headers_for_one_column() -> None:
    with pytest.raises(HeaderMappingError, match="both map to 'security_code'"):
        map_header_row(["证券代码", "代码"], SYNONYMS)
