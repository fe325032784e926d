"""fold_width and parse_chinese_int: the character-level clean-up every normaliser relies on."""

import pytest

from transforms.normalise.text import fold_width, parse_chinese_int, squash_spaces


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("（１，２３４．５６）", "(1,234.56)"),
        ("ＡＡ＋ｓｆ", "AA+sf"),
        ("\u22125.00", "-5.00"),  # U+2212 minus, which NFKC leaves alone
        ("\u20135.00", "-5.00"),  # en dash used as minus by PDF extractors
        ("\ufe635", "-5"),  # small hyphen-minus
        ("2025\u3000年", "2025 年"),  # ideographic space
        ("1\u00a0234", "1 234"),  # NBSP
        ("金\u200b额", "金额"),  # zero-width space removed
        ("—", "—"),  # em dash stays: it marks "no value", not a minus
        ("建鑫2021年第六期", "建鑫2021年第六期"),  # CJK untouched
    ],
)
def test_fold_width(raw: str, folded: str) -> None:
    assert fold_width(raw) == folded


def test_squash_spaces_removes_every_kind_of_whitespace() -> None:
    assert squash_spaces(" AA+\r\n sf\t") == "AA+sf"


@pytest.mark.parametrize(
    ("text", "number"),
    [("一", 1), ("十", 10), ("十一", 11), ("十二", 12), ("十六", 16), ("二十", 20), ("二十三", 23),
     ("一百零五", 105), ("两", 2), ("11", 11), ("１２", 12), ("二〇二五", 2025)],
)  # fmt: skip
def test_parse_chinese_int(text: str, number: int) -> None:
    assert parse_chinese_int(text) == number


@pytest.mark.parametrize("garbage", ["", "abc", "十a", "第一"])
def test_parse_chinese_int_rejects_garbage(garbage: str) -> None:
    with pytest.raises(ValueError, match="not a Chinese numeral"):
        parse_chinese_int(garbage)
