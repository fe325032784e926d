"""The committed data dictionary is exactly what the warehouse's comments say today."""

from __future__ import annotations

from warehouse.dictionary import DICTIONARY_PATH, render_dictionary


def test_data_dictionary_is_up_to_date():
    assert DICTIONARY_PATH.exists(), "run `abs-etl dictionary` to write docs/data-dictionary.md"
    assert DICTIONARY_PATH.read_text(encoding="utf-8") == render_dictionary(), (
        "docs/data-dictionary.md is stale: run `abs-etl dictionary` and commit the result")


def test_every_mart_and_column_is_described():
    text = render_dictionary()
    for line in text.splitlines():
        if line.startswith("| `"):
            assert not line.rstrip().endswith("|  |"), f"undocumented column: {line}"
