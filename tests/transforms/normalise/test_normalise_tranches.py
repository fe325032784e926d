"""Tranche labels to class and seniority rank."""

import pytest

from transforms.normalise.tranches import MEZZANINE_RANK, SUBORDINATED_RANK, TrancheLabel, parse_tranche_label


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("优先A1", TrancheLabel("senior", 1, "A1")),
        ("优先A1级", TrancheLabel("senior", 1, "A1")),
        ("优先A-1级", TrancheLabel("senior", 1, "A1")),
        ("优先 A-2 级", TrancheLabel("senior", 2, "A2")),
        ("优先Ａ－３档", TrancheLabel("senior", 3, "A3")),
        ("优先A-1档资产支持证券", TrancheLabel("senior", 1, "A1")),
        ("优先档", TrancheLabel("senior", 1, None)),
        ("优先级", TrancheLabel("senior", 1, None)),
        ("优先A级", TrancheLabel("senior", 1, "A")),
        ("优先B级", TrancheLabel("mezzanine", 101, "B")),
        ("优先C级", TrancheLabel("mezzanine", 201, "C")),
        ("夹层级", TrancheLabel("mezzanine", MEZZANINE_RANK, None)),
        ("夹层档", TrancheLabel("mezzanine", MEZZANINE_RANK, None)),
        ("次优级", TrancheLabel("mezzanine", MEZZANINE_RANK, None)),
        ("次优先级", TrancheLabel("mezzanine", MEZZANINE_RANK, None)),
        ("中间级", TrancheLabel("mezzanine", MEZZANINE_RANK, None)),
        ("次级", TrancheLabel("subordinated", SUBORDINATED_RANK, None)),
        ("次级档", TrancheLabel("subordinated", SUBORDINATED_RANK, None)),
        ("次级资产支持证券", TrancheLabel("subordinated", SUBORDINATED_RANK, None)),
        ("劣后级", TrancheLabel("subordinated", SUBORDINATED_RANK, None)),
        ("权益级", TrancheLabel("subordinated", SUBORDINATED_RANK, None)),
        ("A1", TrancheLabel("senior", 1, "A1")),
        ("Senior", TrancheLabel("senior", 1, None)),
        ("Senior Tranche", TrancheLabel("senior", 1, None)),
        ("Class A-2 Notes", TrancheLabel("senior", 2, "A2")),
        ("Mezzanine", TrancheLabel("mezzanine", MEZZANINE_RANK, None)),
        ("Subordinated", TrancheLabel("subordinated", SUBORDINATED_RANK, None)),
        ("junior", TrancheLabel("subordinated", SUBORDINATED_RANK, None)),
    ],
)
def test_parse_tranche_label(label: str, expected: TrancheLabel) -> None:
    assert parse_tranche_label(label) == expected


def test_seniority_orders_a_deal() -> None:
    labels = ["次级档", "优先A2级", "夹层级", "优先A-1级", "优先B级"]
    ordered = sorted(labels, key=lambda label: parse_tranche_label(label).seniority_rank)
    assert ordered == ["优先A-1级", "优先A2级", "优先B级", "夹层级", "次级档"]


@pytest.mark.parametrize("unknown", ["", "X级", "B", "C", "ABC", "优先X级", "普通级", "A1A2"])
def test_unknown_labels_raise(unknown: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_tranche_label(unknown)
    assert repr(unknown) in str(info.value)
