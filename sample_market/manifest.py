"""The sample market's manifest: what the generator published, one JSON object per line.

``<dir>/manifest.jsonl`` holds one line per file (grain: one row per published file). The
generator writes it with ``write_manifest``; the loopback server (``sample_market.server``)
reads it with ``read_manifest`` and publishes every file the way the real sites do.

Keys of a line::

    doc_id         sha256 (hex) of the file's bytes
    rel_path       path of the file under <dir>, POSIX style, e.g. "docs/trustee/….pdf"
    file_name      the file's original name as the publisher called it (Chinese allowed)
    title          the disclosure's title (ChinaBond's DocTitle)
    published_at   ISO 8601 with a time zone, e.g. "2025-11-19T17:57:50+08:00"
    channel        trustee_report | issuance | market_data | vendor_export (ChinaBond-shaped and
                   vendor downloads) | sse | szse | chinamoney | shclearing (exchange-ABS and ABN venues,
                   see sample_market.venues; their lines add security_codes, security_abbrs
                   and category)
    doc_type       what the document is (free text the generator chooses, e.g. "trustee_report")
    source_doc_id  the publisher's document id, a numeric-looking string ("854841384");
                   lines sharing channel and source_doc_id are ONE disclosure with several files
    issue_year     the deal's issue year (int) or null
    curve_id       optional: ChinaBond ycDefId of a yield-curve file
    year           optional: the curve file's year (with curve_id)
    encoding       optional: how a text file (CSV, JSON) is encoded: utf-8 | utf-8-sig | gb18030;
                   the server declares it as the Content-Type's charset

Unknown keys are kept in ``ManifestEntry.extra`` and written back unchanged.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field, fields
from datetime import datetime
from pathlib import Path
from typing import Iterable
from zoneinfo import ZoneInfo

MANIFEST_NAME = "manifest.jsonl"
PUBLISHING_TIMEZONE = ZoneInfo("Asia/Shanghai")
"""The sample market publishes in Beijing time, as the sites it imitates do. It is the world the
pipeline reads, so it states this itself instead of borrowing the pipeline's constant
(transforms.normalise.dates.MARKET_TIMEZONE): nothing under sample_market/ imports the pipeline."""
CHANNELS = ("trustee_report", "issuance", "market_data", "vendor_export", "sse", "szse", "chinamoney",
            "shclearing")
"""trustee_report = 付息兑付与行权公告, issuance = 发行文件; market_data and vendor_export are
downloads (yield curves, valuations, market totals, Wind-style exports); sse, szse,
chinamoney and shclearing are the exchange-ABS and ABN disclosure sites."""

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_KNOWN_KEYS = ("doc_id", "rel_path", "file_name", "title", "published_at", "channel", "doc_type",
               "source_doc_id", "issue_year", "curve_id", "year", "encoding")
_OPTIONAL_KEYS = ("curve_id", "year", "encoding")
TEXT_ENCODINGS = ("utf-8", "utf-8-sig", "gb18030")


class ManifestError(ValueError):
    """A manifest line (or a whole manifest) that does not describe valid published files."""


def sha256_hex(data: bytes) -> str:
    """The ``doc_id`` of some bytes."""
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True, slots=True)
class ManifestEntry:
    """One published file (one line of manifest.jsonl). ``published_at`` is time-zone aware."""

    doc_id: str
    rel_path: str
    file_name: str
    title: str
    published_at: datetime
    channel: str
    doc_type: str
    source_doc_id: str
    issue_year: int | None = None
    curve_id: str | None = None
    year: int | None = None
    encoding: str | None = None
    extra: dict = field(default_factory=dict, hash=False, compare=False)

    def __post_init__(self) -> None:
        published = self.published_at
        if isinstance(published, str):
            try:
                published = datetime.fromisoformat(published)
            except ValueError as exc:
                raise ManifestError(f"published_at is not ISO 8601: {self.published_at!r}") from exc
        if not isinstance(published, datetime) or published.tzinfo is None:
            raise ManifestError(f"published_at needs a time zone (e.g. +08:00): {self.published_at!r}")
        object.__setattr__(self, "published_at", published)
        if not isinstance(self.doc_id, str) or not _HEX64.match(self.doc_id):
            raise ManifestError(f"doc_id must be a lowercase sha256 hex digest: {self.doc_id!r}")
        object.__setattr__(self, "rel_path", _clean_rel_path(self.rel_path))
        if self.channel not in CHANNELS:
            raise ManifestError(f"channel must be one of {CHANNELS}: {self.channel!r}")
        if isinstance(self.source_doc_id, int) and not isinstance(self.source_doc_id, bool):
            object.__setattr__(self, "source_doc_id", str(self.source_doc_id))
        for name in ("file_name", "title", "doc_type", "source_doc_id"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise ManifestError(f"{name} must be a non-empty string: {value!r}")
        for name in ("issue_year", "year"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise ManifestError(f"{name} must be an int or null: {value!r}")
        if (self.curve_id is None) != (self.year is None):
            raise ManifestError("curve_id and year go together (both set for a curve file, or neither)")
        if self.curve_id is not None and (not isinstance(self.curve_id, str) or not self.curve_id):
            raise ManifestError(f"curve_id must be a non-empty string: {self.curve_id!r}")
        if self.encoding is not None and self.encoding not in TEXT_ENCODINGS:
            raise ManifestError(f"encoding must be one of {TEXT_ENCODINGS}: {self.encoding!r}")

    @classmethod
    def from_dict(cls, data: dict) -> ManifestEntry:
        """An entry from one parsed manifest line (unknown keys go to ``extra``)."""
        missing = [key for key in _KNOWN_KEYS if key not in data and key not in _OPTIONAL_KEYS]
        if missing:
            raise ManifestError(f"missing keys: {', '.join(missing)}")
        known = {key: data[key] for key in _KNOWN_KEYS if key in data}
        extra = {key: value for key, value in data.items() if key not in _KNOWN_KEYS}
        return cls(**known, extra=extra)

    @classmethod
    def for_file(cls, directory: str | os.PathLike, rel_path: str, **values) -> ManifestEntry:
        """An entry for a file already written under ``directory``; ``doc_id`` is computed."""
        data = (Path(directory) / _clean_rel_path(rel_path)).read_bytes()
        return cls(doc_id=sha256_hex(data), rel_path=rel_path, **values)

    def to_dict(self) -> dict:
        """The JSON object of this entry's line (optional keys only when set)."""
        out = {}
        for f in fields(self):
            if f.name == "extra":
                continue
            value = getattr(self, f.name)
            if f.name in _OPTIONAL_KEYS and value is None:
                continue
            out[f.name] = value.isoformat() if isinstance(value, datetime) else value
        out.update(self.extra)
        return out

    def path(self, directory: str | os.PathLike) -> Path:
        """Where the file lives on disk."""
        return Path(directory, self.rel_path)


def read_manifest(directory: str | os.PathLike) -> list[ManifestEntry]:
    """All entries of ``<directory>/manifest.jsonl`` in file order (blank lines skipped)."""
    path = Path(directory) / MANIFEST_NAME
    entries: list[ManifestEntry] = []
    shared: dict = {}   # a value many lines repeat (a channel, a time, a security code) kept once
    with path.open(encoding="utf-8-sig") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                if not isinstance(data, dict):
                    raise ManifestError("a line must be a JSON object")
                _share_repeated(data, shared)
                entries.append(ManifestEntry.from_dict(data))
            except (ValueError, TypeError) as exc:
                raise ManifestError(f"{path}:{number}: {exc}") from exc
    _check_unique(entries, path)
    return entries


_REPEATED = ("channel", "doc_type", "issue_year", "category", "encoding", "curve_id", "year")
_REPEATED_LISTS = ("security_codes", "security_abbrs")


def _share_repeated(data: dict, shared: dict) -> None:
    """Point a line's repeated values at one object each (a market year's server holds 42,855
    entries for its whole life); ``published_at`` becomes a shared aware datetime when it reads."""
    for key in _REPEATED:
        value = data.get(key)
        if isinstance(value, (str, int)):
            data[key] = shared.setdefault((key, value), value)
    for key in _REPEATED_LISTS:
        value = data.get(key)
        if isinstance(value, list):
            data[key] = [shared.setdefault((key, v), v) if isinstance(v, str) else v for v in value]
    published = data.get("published_at")
    if isinstance(published, str):
        moment = shared.get(("published_at", published))
        if moment is None:
            try:
                moment = shared.setdefault(("published_at", published), datetime.fromisoformat(published))
            except ValueError:
                return   # left as written: ManifestEntry names what is wrong with it
        data["published_at"] = moment


def write_manifest(directory: str | os.PathLike, entries: Iterable[ManifestEntry]) -> Path:
    """Write ``<directory>/manifest.jsonl`` atomically (a reader never sees half a manifest)."""
    directory = Path(directory)
    entries = list(entries)
    path = directory / MANIFEST_NAME
    _check_unique(entries, path)
    directory.mkdir(parents=True, exist_ok=True)
    tmp = directory / f".{MANIFEST_NAME}.{os.getpid()}.tmp"
    with tmp.open("w", encoding="utf-8", newline="\n") as handle:
        for entry in entries:
            handle.write(json.dumps(entry.to_dict(), ensure_ascii=False) + "\n")
    os.replace(tmp, path)
    return path


def verify_manifest(directory: str | os.PathLike, entries: Iterable[ManifestEntry] | None = None) -> list[str]:
    """Problems with the files behind a manifest (missing, or bytes not matching doc_id)."""
    entries = read_manifest(directory) if entries is None else list(entries)
    problems = []
    for entry in entries:
        path = entry.path(directory)
        if not path.is_file():
            problems.append(f"{entry.rel_path}: missing")
        elif sha256_hex(path.read_bytes()) != entry.doc_id:
            problems.append(f"{entry.rel_path}: bytes do not match doc_id {entry.doc_id[:12]}…")
    return problems


def _clean_rel_path(value: object) -> str:
    """A relative POSIX path that cannot leave the directory."""
    if not isinstance(value, str) or not value.strip():
        raise ManifestError(f"rel_path must be a non-empty string: {value!r}")
    if "\\" in value:
        raise ManifestError(f"rel_path must use '/': {value!r}")
    parts = [part for part in value.split("/") if part not in ("", ".")]
    if not parts or value.startswith("/") or ".." in parts or parts == [MANIFEST_NAME]:
        raise ManifestError(f"rel_path must stay inside the directory: {value!r}")
    return "/".join(parts)


def _check_unique(entries: list[ManifestEntry], where: Path) -> None:
    seen: set[str] = set()
    for entry in entries:
        if entry.rel_path in seen:
            raise ManifestError(f"{where}: rel_path listed twice: {entry.rel_path}")
        seen.add(entry.rel_path)
