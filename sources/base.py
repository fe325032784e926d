"""Shared types of the source connectors: what a listing yields, the cursor, the protocol.

A *source* lists what is new since a cursor and downloads one document. Sources never
parse document contents; they hand bytes to the raw store.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PurePosixPath
from typing import Iterable, Iterator, Protocol, runtime_checkable

from transforms.normalise.dates import MARKET_TIMEZONE as SHANGHAI

# Every publish time is kept in Beijing time (MARKET_TIMEZONE): the sites publish in it and
# analysts read it.


def to_shanghai(value: datetime) -> datetime:
    """Return a tz-aware datetime in Beijing time; refuse naive ones (their zone is a guess)."""
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise ValueError(f"published_at must be timezone-aware, got naive {value!r}")
    return value.astimezone(SHANGHAI)


@dataclass(frozen=True)
class ListingEntry:
    """One downloadable document as a source lists it (one row per document).

    ``source`` names the outside system, ``source_doc_id`` is stable within it, so
    ``(source, source_doc_id)`` identifies the document across runs. ``extra`` keeps the
    source's own fields for provenance; it does not take part in hashing.
    """

    source: str
    source_doc_id: str
    title: str
    published_at: datetime
    page_url: str | None = None
    download_url: str | None = None
    file_name: str | None = None
    doc_type_hint: str | None = None
    extra: dict = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "published_at", to_shanghai(self.published_at))
        if not self.source_doc_id:
            raise ValueError("source_doc_id must not be empty")


@dataclass(frozen=True)
class Cursor:
    """How far a source has been read: the latest publish time and the ids seen at it.

    Ids are kept only for the latest instant, so the cursor stays small; entries published
    at that same instant but not seen yet still count as new.
    """

    published_at: datetime | None = None
    seen_ids: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.published_at is not None:
            object.__setattr__(self, "published_at", to_shanghai(self.published_at))
        object.__setattr__(self, "seen_ids", tuple(sorted(set(self.seen_ids))))

    def may_be_new(self, published_at: datetime) -> bool:
        """True if something published at this time could still be new (cheap pre-filter)."""
        return self.published_at is None or published_at >= self.published_at

    def is_new(self, entry: ListingEntry) -> bool:
        """True if the entry is later than the cursor, or at its instant and not yet seen."""
        if self.published_at is None or entry.published_at > self.published_at:
            return True
        return entry.published_at == self.published_at and entry.source_doc_id not in self.seen_ids

    def advance(self, entries: Iterable[ListingEntry]) -> Cursor:
        """Return the cursor after these entries were taken (call it once they are stored)."""
        latest, ids = self.published_at, set(self.seen_ids)
        for entry in entries:
            if latest is None or entry.published_at > latest:
                latest, ids = entry.published_at, {entry.source_doc_id}
            elif entry.published_at == latest:
                ids.add(entry.source_doc_id)
        return Cursor(latest, tuple(ids))

    def to_json(self) -> str:
        """Serialise for a state store (ISO time with offset, ids sorted)."""
        at = self.published_at.isoformat() if self.published_at else None
        return json.dumps({"published_at": at, "seen_ids": list(self.seen_ids)}, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str | None) -> Cursor:
        """Read what ``to_json`` wrote; empty input means "from the beginning"."""
        if not text:
            return cls()
        data = json.loads(text)
        at = data.get("published_at")
        return cls(datetime.fromisoformat(at) if at else None, tuple(data.get("seen_ids") or ()))


@runtime_checkable
class Source(Protocol):
    """What every connector offers; ``name`` keys its cursor in the state store."""

    name: str

    def list_new(self, cursor: Cursor | None = None) -> Iterator[ListingEntry]:
        """Yield entries newer than the cursor (all of them for no cursor)."""
        ...

    def download(self, entry: ListingEntry) -> bytes:
        """Return the document's bytes exactly as the source serves them."""
        ...


_UNSAFE_CHARS = re.compile(r'[<>:"|?*]')
_WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$", re.IGNORECASE)


def safe_file_name(name: str | None, *, max_bytes: int = 180, default: str = "unnamed") -> str:
    """Turn an outside name into one path component; names from the world never become paths.

    Strips directories and ``..``, control and format characters (e.g. RTL overrides),
    characters that are illegal on Windows, leading dots (hidden files); keeps CJK and
    full-width punctuation; caps the UTF-8 length, keeping the extension.
    """
    text = unicodedata.normalize("NFC", name or "").replace("\\", "/")
    text = PurePosixPath("/" + text).name if "/" in text else text
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp"))
    text = _UNSAFE_CHARS.sub("_", text).strip().lstrip(".").strip().rstrip(". ")
    if not text:
        return default
    if _WINDOWS_RESERVED.match(text):
        text = "_" + text
    return _cap_utf8(text, max_bytes)


def _cap_utf8(text: str, max_bytes: int) -> str:
    """Shorten the stem so the name fits ``max_bytes`` of UTF-8 (file systems count bytes)."""
    if len(text.encode("utf-8")) <= max_bytes:
        return text
    stem, dot, ext = text.rpartition(".")
    if not dot or not stem or len(ext) > 10:
        stem, ext = text, ""
    suffix = f".{ext}" if ext else ""
    budget = max(max_bytes - len(suffix.encode("utf-8")), 1)
    cut = stem.encode("utf-8")[:budget].decode("utf-8", errors="ignore").rstrip(". ")
    return (cut or "unnamed") + suffix
