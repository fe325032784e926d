"""Market codes from security-code suffixes and venue text."""

import pytest

from transforms.normalise.markets import MARKETS, exchange_from_code, market_from_code, parse_market, refine_market


@pytest.mark.parametrize(
    ("code", "market", "exchange"),
    [
        ("082400476.IB", "interbank", "CIBM"),
        ("2189123.IB", "interbank", "CIBM"),
        ("135572.SZ", "exchange_abs", "SZSE"),
        ("260001.SH", "exchange_abs", "SSE"),
        ("260001.sh", "exchange_abs", "SSE"),
        ("２６０００１．ＳＨ", "exchange_abs", "SSE"),
        (" 135572.SZ ", "exchange_abs", "SZSE"),
    ],
)
def test_market_from_code(code: str, market: str, exchange: str) -> None:
    assert market_from_code(code) == market
    assert exchange_from_code(code) == exchange


@pytest.mark.parametrize("bad", ["082400476", "135572.HK", ".IB", "", "IB"])
def test_market_from_code_needs_a_known_suffix(bad: str) -> None:
    with pytest.raises(ValueError, match="suffix"):
        market_from_code(bad)


@pytest.mark.parametrize(
    ("text", "market"),
    [
        ("银行间", "interbank"),
        ("银行间债券市场", "interbank"),
        ("全国银行间债券市场", "interbank"),
        ("银行间市场交易商协会", "abn"),
        ("中国银行间市场交易商协会", "abn"),
        ("交易所", "exchange_abs"),
        ("上交所", "exchange_abs"),
        ("深交所", "exchange_abs"),
        ("上海证券交易所", "exchange_abs"),
        ("深圳证券交易所", "exchange_abs"),
        ("上海证券交易所固定收益平台", "exchange_abs"),
        ("信贷ABS", "credit_abs"),
        ("信贷 abs", "credit_abs"),
        ("资产支持票据", "abn"),
        ("ABN", "abn"),
        ("企业ABS", "exchange_abs"),
        ("交易所ABS", "exchange_abs"),
        ("资产支持专项计划", "exchange_abs"),
        ("credit_abs", "credit_abs"),
    ],
)
def test_parse_market(text: str, market: str) -> None:
    assert parse_market(text) == market


def test_parse_market_rejects_unknown_venues() -> None:
    with pytest.raises(ValueError, match="柜台"):
        parse_market("柜台")


def test_market_registry_labels() -> None:
    assert set(MARKETS) == {"credit_abs", "abn", "exchange_abs"}
    assert MARKETS["credit_abs"].name_zh == "信贷ABS"
    assert MARKETS["abn"].name_zh == "资产支持票据"
    assert MARKETS["exchange_abs"].name_zh == "企业ABS"
    assert all(m.name_en for m in MARKETS.values())


def test_refine_market_settles_interbank_with_the_deal_name() -> None:
    assert refine_market("interbank", "abn") == "abn"
    assert refine_market("interbank", "credit_abs") == "credit_abs"
    assert refine_market("interbank", None) == "interbank"
    assert refine_market("exchange_abs", "exchange_abs") == "exchange_abs"
    with pytest.raises(ValueError, match="contradicts"):
        refine_market("exchange_abs", "abn")
