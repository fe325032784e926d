"""Vocabularies of the exchange-ABS and ABN disclosure parsers (收益分配报告, 资产管理报告,
资产运营报告): label synonyms, section names and units kept as data beside the parsers.

``<family>.toml`` next to ``<family>.py`` holds the words a parser looks for, each list tried in
order and each spelling noted with where it was seen, so a new manager's wording is a data
change a non-programmer can make. Loaded once per process, read-only.
"""

from __future__ import annotations

import functools
import tomllib
from pathlib import Path
from typing import Any

VOCABULARY_DIR = Path(__file__).resolve().parent


@functools.cache
def load_vocabulary(family: str) -> dict[str, Any]:
    """The parsed ``<family>.toml`` (a ``FileNotFoundError`` names the missing file)."""
    path = VOCABULARY_DIR / f"{family}.toml"
    with path.open("rb") as handle:
        return tomllib.load(handle)
