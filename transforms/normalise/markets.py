"""The three ABS markets as canonical codes, from security codes and venue text.

China's securitisation splits into credit ABS (interbank, bank-originated), ABN (interbank,
NAFMII) and exchange ABS (SSE/SZSE 专项计划). A `.IB` code only says "interbank" — it cannot
tell credit ABS from ABN — so that ambiguity is returned as `interbank` for the caller to
resolve with the deal name (see `refine_market`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from transforms.normalise.text import fold_width, squash_spaces

MarketCode = Literal["credit_abs", "abn", "exchange_abs"]
Venue = Literal["interbank", "exchange_abs"]
INTERBANK = "interbank"


@dataclass(frozen=True)
class Market:
    """One canonical market with the names analysts know it by."""

    code: str
    name_zh: str
    name_en: str
    aliases: tuple[str, ...]


MARKETS: dict[str, Market] = {
    "credit_abs": Market(
        "credit_abs",
        "信贷ABS",
        "Credit ABS (interbank, bank-originated)",
        ("信贷资产支持证券", "信贷资产证券化", "信贷ABS", "credit abs", "中债登", "中央国债登记结算"),
    ),
    "abn": Market(
        "abn",
        "资产支持票据",
        "Asset-backed notes (ABN, interbank, NAFMII)",
        ("资产支持票据", "资产支持商业票据", "ABN", "ABCP", "银行间市场交易商协会", "交易商协会", "NAFMII"),
    ),
    "exchange_abs": Market(
        "exchange_abs",
        "企业ABS",
        "Exchange ABS (SSE/SZSE asset-backed special plans)",
        (
            "企业ABS", "交易所ABS", "企业资产支持证券", "资产支持专项计划", "专项计划", "交易所",
            "上交所", "深交所", "上海证券交易所", "深圳证券交易所", "上证", "深证", "SSE", "SZSE",
            "exchange", "exchange abs",
        ),
    ),
}  # fmt: skip

_INTERBANK_NAMES = ("银行间", "银行间市场", "银行间债券市场", "全国银行间债券市场", "interbank", "CIBM", "IB")

# Suffix → (venue, exchange) for codes like 082400476.IB, 135572.SZ, 260001.SH.
_SUFFIXES: dict[str, tuple[Venue, str]] = {
    "IB": ("interbank", "CIBM"),
    "SH": ("exchange_abs", "SSE"),
    "SZ": ("exchange_abs", "SZSE"),
}


def _key(text: str) -> str:
    return squash_spaces(fold_width(text)).casefold()


_BY_NAME: dict[str, str] = {_key(alias): m.code for m in MARKETS.values() for alias in (m.code, m.name_zh, *m.aliases)}
_BY_NAME.update({_key(name): INTERBANK for name in _INTERBANK_NAMES})


def _suffix(code: str) -> str:
    """The exchange suffix of a security code, upper-cased; ValueError when there is none."""
    text = squash_spaces(fold_width(code or ""))
    head, dot, suffix = text.rpartition(".")
    if not dot or not head or suffix.upper() not in _SUFFIXES:
        raise ValueError(f"security code {code!r} has no .IB/.SH/.SZ suffix")
    return suffix.upper()


def market_from_code(code: str) -> Venue:
    """`.SH`/`.SZ` → `exchange_abs`; `.IB` → `interbank` (credit ABS or ABN, undecided)."""
    return _SUFFIXES[_suffix(code)][0]


def exchange_from_code(code: str) -> str:
    """Trading venue of a code: `CIBM` (interbank), `SSE` (.SH) or `SZSE` (.SZ)."""
    return _SUFFIXES[_suffix(code)][1]


# Fallback for longer venue text (`上海证券交易所固定收益平台`): most specific word first.
_VENUE_WORDS: tuple[tuple[str, str], ...] = (
    ("交易商协会", "abn"),
    ("资产支持票据", "abn"),
    ("信贷资产", "credit_abs"),
    ("证券交易所", "exchange_abs"),
    ("交易所", "exchange_abs"),
    ("上交所", "exchange_abs"),
    ("深交所", "exchange_abs"),
    ("银行间", INTERBANK),
)


def parse_market(text: str) -> str:
    """Market code from 发行场所-style text: 银行间 → `interbank`, 上交所/深交所 → `exchange_abs` …"""
    key = _key(text or "")
    if key in _BY_NAME:
        return _BY_NAME[key]
    for word, code in _VENUE_WORDS:
        if word in key:
            return code
    raise ValueError(f"unknown market or venue: {text!r}")


def refine_market(venue: str, market_hint: str | None) -> str:
    """Settle `interbank` with a hint from the deal name (`abn` / `credit_abs`); keep others.

    Raises when the hint contradicts the venue (an exchange code on an ABN name), because
    one of the two inputs is then wrong.
    """
    if market_hint is None:
        return venue
    if venue == INTERBANK and market_hint in ("abn", "credit_abs"):
        return market_hint
    if venue == market_hint:
        return venue
    raise ValueError(f"venue {venue!r} contradicts the deal name's market {market_hint!r}")
