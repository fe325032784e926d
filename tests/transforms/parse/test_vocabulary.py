"""The label vocabularies: every file loads, no spelling names two fields of one group, every
spelling says where it is seen, and printed labels match their bare spelling."""

from __future__ import annotations

import re
import tomllib

import pytest

from transforms.parse.vocabulary import HERE, Vocabulary, label_key, label_keys, load

FAMILIES = sorted(path.stem for path in HERE.glob("*.toml"))


def test_the_three_vocabularies_exist():
    assert FAMILIES == ["issuance_announcement", "layout", "trustee_report"]


@pytest.mark.parametrize("family", FAMILIES)
def test_every_field_group_builds_without_a_spelling_for_two_fields(family):
    vocabulary = load(family)
    groups = [name for name, table in vocabulary.data.items()
              if isinstance(table, dict) and any(isinstance(v, dict) and "labels" in v for v in table.values())]
    for name in groups:
        group = vocabulary.group(name)
        assert group.index, name
        for field, spec in group.fields.items():
            assert spec["labels"], f"{family} [{name}.{field}] lists no spelling"


def test_a_spelling_listed_for_two_fields_is_refused():
    text = '[pool.a]\nlabels = ["期末余额"]\n[pool.b]\nlabels = ["期末余额（元）", "期末余额"]\n'
    with pytest.raises(ValueError, match="listed for a and b"):
        Vocabulary("test", tomllib.loads(text)).group("pool")


@pytest.mark.parametrize("family", FAMILIES)
def test_every_spelling_says_where_it_is_seen(family):
    """One spelling a line, each with a comment (a provenance code of real-spellings.md, the
    sample market or the earlier parser), so that a reviewer can tell where it comes from."""
    lines = (HERE / f"{family}.toml").read_text(encoding="utf-8").splitlines()
    bare = [n for n, line in enumerate(lines, 1)
            if re.match(r'^\s+"[^"]+",?\s*$', line) or (re.match(r'^"[^"]+"\s*=', line) and "#" not in line)]
    assert not bare, f"{family}.toml lines without a comment: {bare}"


@pytest.mark.parametrize(("printed", "bare"), [
    ("（三）资金池现金流流入", "资金池现金流流入"),  # V: sub-section numbering
    ("2-其他现金流流入", "其他现金流流入"),  # V: row numbering with a dash
    ("·本期处置完毕资产", "本期处置完毕资产"),  # C: a leading bullet
    ("期初未偿本息余额(注1)", "期初未偿本息余额"),  # C: a footnote glued to the label
    ("总计(注2)", "总计"),
    ("执行费用¹", "执行费用"),
    ("其中：提前偿还", "提前偿还"),
    ("报告日期：", "报告日期"),
    ("第一部分 信托基本情况", "信托基本情况"),
    ("1.1 资产池余额", "资产池余额"),
    ("逾期1～30天", "逾期1-30天"),
    ("1至30天", "1-30天"),
    ("“流动性支持款项”", "流动性支持款项"),  # C: quoted
])
def test_printed_labels_fold_to_their_bare_spelling(printed, bare):
    assert label_key(printed) == label_key(bare)


def test_a_unit_bracket_may_be_dropped_but_ranges_and_codes_stay():
    assert label_keys("本期兑付前本金总额(元)") == ("本期兑付前本金总额(元)", "本期兑付前本金总额")
    assert label_keys("本次兑付本金值（元/百元面额）")[-1] == "本次兑付本金值"
    assert label_key("1-30天") == "1-30天" and label_key("M3+") == "m3+" and label_key("90+累计违约率") == "90+累计违约率"


def test_the_trustee_vocabulary_knows_the_real_spellings_it_was_seeded_with():
    pool, tranche = load("trustee_report").group("pool"), load("trustee_report").group("tranche")
    assert pool.match("期初未尝本息金额") == "pool_balance_begin_cny"  # the typo as printed
    assert pool.match("期末本息余额(元)") == "pool_balance_end_cny"
    assert tranche.match("本息兑付后剩余本金值") == "principal_after_cny"
    assert tranche.match("本期兑付前本金总额(元)") == "principal_before_cny"
    assert tranche.match("付息(或收益)金额") == "interest_paid_cny"
    assert pool.match("逾期1-30天贷款余额") == "delinquent_1_30_cny"  # a bucket named with its loans
    assert pool.match("逾期1-30天笔数") is None  # an unknown label is not guessed (a count, not the amount)
