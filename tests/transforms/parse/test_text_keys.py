"""``disclosure_text.key``: labels and cells are cached, whole pages and documents are not
(they never repeat; 16,384 of them kept tens of MB in every parse worker)."""

from __future__ import annotations

from transforms.normalise.text import fold_width, squash_spaces
from transforms.parse.disclosure_text import CACHED_KEY_CHARS, _cached_key, key


def test_a_label_is_folded_and_cached():
    before = _cached_key.cache_info()
    assert key("本期 应付 利息（元）") == "本期应付利息(元)"
    assert key("本期 应付 利息（元）") == "本期应付利息(元)"
    after = _cached_key.cache_info()
    assert after.hits >= before.hits + 1


def test_a_page_of_text_is_folded_but_not_kept():
    page = "\n".join(f"第{i}行 资产支持证券 本金 {i:,}.00 元" for i in range(200))
    assert len(page) > CACHED_KEY_CHARS
    before = _cached_key.cache_info()
    assert key(page) == squash_spaces(fold_width(page))
    after = _cached_key.cache_info()
    assert (after.hits, after.misses, after.currsize) == (before.hits, before.misses, before.currsize)


def test_nothing_reads_as_empty():
    assert key(None) == "" and key("") == ""
