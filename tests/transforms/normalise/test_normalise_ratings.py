"""Ratings in one notation, agencies to ids, and the grade order used for rating actions."""

import pytest

from transforms.normalise.ratings import (
    AGENCIES,
    Rating,
    agencies_in_header,
    agency,
    parse_rating,
    rating_change,
    rating_rank,
    resolve_agency,
    split_agency_ratings,
)


@pytest.mark.parametrize(
    ("text", "grade", "structured"),
    [
        ("AAAsf", "AAA", True),
        ("AA+sf", "AA+", True),
        ("AA+ sf", "AA+", True),
        ("AA (sf)", "AA", True),
        ("AA（sf）", "AA", True),
        ("AAAsf级", "AAA", True),
        ("AAA级", "AAA", False),
        ("AA+", "AA+", False),
        ("ＡＡ＋", "AA+", False),
        ("AA＋", "AA+", False),
        ("ＡＡ－ｓｆ", "AA-", True),
        ("AA⁺sf", "AA+", True),
        ("AA⁻sf", "AA-", True),
        ("AA\u2212sf", "AA-", True),
        ("AA^+_{sf}", "AA+", True),
        ("AA^{+}_{sf}", "AA+", True),
        ("AA+\nsf", "AA+", True),
        ("AA+\r\nsf", "AA+", True),
        ("aa+sf", "AA+", True),
        ("AAASF", "AAA", True),
        ("BBB-sf", "BBB-", True),
        ("A-1", "A-1", False),
        ("A-2", "A-2", False),
        ("A-1sf", "A-1", True),
        ("A-", "A-", False),
        ("C", "C", False),
        ("AAAspc", "AAA", False),  # S&P China's local-scale marker
    ],
)
def test_parse_rating_spellings(text: str, grade: str, structured: bool) -> None:
    assert parse_rating(text) == Rating(grade, structured)


def test_canonical_notation() -> None:
    assert parse_rating("AA+ (sf)").canonical == "AA+sf"
    assert parse_rating("ＡＡ＋").canonical == "AA+"
    assert str(parse_rating("AAAsf级")) == "AAAsf"
    assert parse_rating("A-1").scale == "short"
    assert parse_rating("A-").scale == "long"


@pytest.mark.parametrize("unrated", ["无评级", "NR", "nr", "未评级", "未予评级", "N/A", "", " ", "-", "—", None])
def test_unrated_is_none(unrated: str | None) -> None:
    assert parse_rating(unrated) is None


@pytest.mark.parametrize("garbage", ["AAA+", "AAA-", "CC+", "XYZ", "A1", "12", "sf", "AAsf/AA", "AA+评级展望稳定"])
def test_garbage_raises_naming_the_text(garbage: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_rating(garbage)
    assert repr(garbage) in str(info.value)


def test_rating_cannot_be_built_with_an_invalid_grade() -> None:
    with pytest.raises(ValueError):
        Rating("AAA+")


def test_rating_rank_orders_the_long_term_scale() -> None:
    ladder = ["AAA", "AA+", "AA", "AA-", "A+", "A", "A-", "BBB+", "BBB", "BBB-", "BB+", "BB", "BB-",
              "B+", "B", "B-", "CCC+", "CCC", "CCC-", "CC", "C", "D"]  # fmt: skip
    ranks = [rating_rank(grade) for grade in ladder]
    assert ranks == sorted(ranks, reverse=True)
    assert len(set(ranks)) == len(ladder)
    assert rating_rank("AAA") == 22 and rating_rank("D") == 1
    assert rating_rank("AA+sf") == rating_rank("AA+") == rating_rank(Rating("AA+", True))


def test_short_term_scale_ranks_separately() -> None:
    assert rating_rank("A-1") > rating_rank("A-2") > rating_rank("A-3")
    with pytest.raises(ValueError, match="cannot compare"):
        rating_change("A-1", "AA")


@pytest.mark.parametrize(
    ("old", "new", "action"),
    [("AA", "AA+sf", "upgrade"), ("AAAsf", "AA+sf", "downgrade"), ("AA+", "AA+sf", "unchanged"), ("A-", "A+", "upgrade")],
)
def test_rating_change(old: str, new: str, action: str) -> None:
    assert rating_change(old, new) == action


def test_rank_of_unrated_raises() -> None:
    with pytest.raises(ValueError, match="unrated"):
        rating_rank("NR")


@pytest.mark.parametrize(
    ("name", "agency_id"),
    [
        ("中债资信", "cbr"),
        ("中债资信评估有限责任公司", "cbr"),
        ("中诚信", "ccxi"),
        ("中诚信国际", "ccxi"),
        ("中诚信国际信用评级有限责任公司", "ccxi"),
        ("CCXI", "ccxi"),
        ("联合资信", "lianhe"),
        ("大公国际", "dagong"),
        ("东方金诚", "golden_credit"),
        ("中证鹏元", "pengyuan"),
        ("鹏元资信", "pengyuan"),
        ("上海新世纪", "brilliance"),
        ("新世纪评级", "brilliance"),
        ("联合信用", "united_credit"),
        ("标普信评", "sp_china"),
        ("S&P Global (China) Ratings", "sp_china"),
        ("惠誉博华", "fitch_bohua"),
        ("ｆｉｔｃｈ　ｂｏｈｕａ", "fitch_bohua"),
        ("联合资信（原始）", "lianhe"),  # CNABS header with a qualifier
        ("鹏元资信（当前）", "pengyuan"),
    ],
)
def test_resolve_agency(name: str, agency_id: str) -> None:
    assert resolve_agency(name) == agency_id


def test_agency_registry_is_complete_and_unique() -> None:
    assert [a.agency_id for a in AGENCIES] == [
        "cbr", "ccxi", "lianhe", "dagong", "golden_credit", "pengyuan", "brilliance", "united_credit",
        "sp_china", "fitch_bohua",
    ]  # fmt: skip
    spellings = [name for a in AGENCIES for name in a.names]
    assert len(spellings) == len(set(spellings))
    assert agency("pengyuan").short_name == "中证鹏元"
    assert agency("ccxi").name_en == "China Chengxin International Credit Rating Co., Ltd."


@pytest.mark.parametrize("unknown", ["评级机构1（原始）", "穆迪", ""])
def test_unknown_agency_raises(unknown: str) -> None:
    with pytest.raises(ValueError, match="unknown rating agency"):
        resolve_agency(unknown)


def test_agencies_in_header_keep_header_order() -> None:
    assert agencies_in_header("评级（中债资信/中诚信）") == ["cbr", "ccxi"]
    assert agencies_in_header("评级(中诚信/中债资信)") == ["ccxi", "cbr"]
    assert agencies_in_header("信用评级（联合资信、中证鹏元）") == ["lianhe", "pengyuan"]
    assert agencies_in_header("中诚信国际（原始）") == ["ccxi"]


def test_split_agency_ratings() -> None:
    header = "评级（中债资信/中诚信）"
    assert split_agency_ratings("AAAsf/AA+sf", header) == {
        "中债资信": Rating("AAA", True),
        "中诚信国际": Rating("AA+", True),
    }
    assert split_agency_ratings("ＡＡ＋ｓｆ／AA (sf)", header) == {
        "中债资信": Rating("AA+", True),
        "中诚信国际": Rating("AA", True),
    }
    assert split_agency_ratings("N/A/AAsf", header) == {"中债资信": None, "中诚信国际": Rating("AA", True)}
    assert split_agency_ratings("", header) == {"中债资信": None, "中诚信国际": None}
    assert split_agency_ratings(None, header) == {"中债资信": None, "中诚信国际": None}


def test_split_agency_ratings_count_mismatch_raises() -> None:
    with pytest.raises(ValueError, match="2 agencies"):
        split_agency_ratings("AAAsf", "评级（中债资信/中诚信）")
    with pytest.raises(ValueError, match="not a credit rating"):
        split_agency_ratings("AAAsf/ZZZ", "评级（中债资信/中诚信）")
