"""Stable ids derived from natural keys, shared by the pipeline and the sample market.

An id depends only on the entity's canonical name, never on load order, so reloading the same
documents — or loading them in another order — gives the same ids.
"""

from __future__ import annotations

import hashlib
import unicodedata


def stable_id(prefix: str, *parts: object) -> str:
    """``prefix_`` plus ten hex digits of SHA-1 over the parts."""
    digest = hashlib.sha1("|".join(str(p) for p in parts).encode()).hexdigest()[:10]
    return f"{prefix}_{digest}"


def canonical_name(name: str) -> str:
    """Full-width folded, whitespace-free name, so 'ＸＸ 银行' and 'XX银行' give one id."""
    return "".join(unicodedata.normalize("NFKC", name).split())


def institution_id_for(full_name_zh: str) -> str:
    return stable_id("inst", canonical_name(full_name_zh))


def deal_id_for(deal_name_zh: str) -> str:
    return stable_id("deal", canonical_name(deal_name_zh))


def amc_id_for(full_name_zh: str) -> str:
    return stable_id("amc", canonical_name(full_name_zh))
