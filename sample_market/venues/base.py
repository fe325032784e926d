"""What every exchange-venue imitation shares: the request it answers, the answer it gives,
the publications it serves, and the house rules a real site enforces.

The sample-market server (``sample_market.server``) handles the faults every site shows
(latency, dropped connections, 429/5xx, 访问受限 pages); a venue module adds what is its own:
its list API, its paging, its download paths, the headers or cookies it insists on, and how it
pushes back on a client that asks too fast (answering 403, 429 or a soft-ban 404).
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable

from sample_market.manifest import PUBLISHING_TIMEZONE

JSON_TYPE = "application/json;charset=UTF-8"
HTML_TYPE = "text/html;charset=UTF-8"
PDF_TYPE = "application/pdf"

FORBIDDEN_PAGE = (
    "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>403 Forbidden</title></head>"
    "<body><h1>403 Forbidden</h1><p>您的请求已被拒绝。</p></body></html>"
).encode("utf-8")
NOT_FOUND_PAGE = b"<html><body><h1>404 Not Found</h1></body></html>"


@dataclass(frozen=True)
class Request:
    """One HTTP request as a venue sees it (path already unquoted, query parsed)."""

    method: str
    path: str
    query: dict[str, str]
    body: bytes
    headers: dict[str, str]
    origin: str

    def header(self, name: str) -> str:
        wanted = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == wanted), "")

    def cookies(self) -> dict[str, str]:
        out = {}
        for part in self.header("Cookie").split(";"):
            name, _, value = part.strip().partition("=")
            if name:
                out[name] = value
        return out


@dataclass
class Answer:
    """What a venue replies (the server applies truncation and writes it)."""

    status: int
    body: bytes
    content_type: str
    headers: dict[str, str] = field(default_factory=dict)


def json_answer(payload: Any, status: int = 200, content_type: str = JSON_TYPE) -> Answer:
    return Answer(status, json.dumps(payload, ensure_ascii=False).encode("utf-8"), content_type)


def forbidden() -> Answer:
    return Answer(403, FORBIDDEN_PAGE, HTML_TYPE)


def not_found() -> Answer:
    return Answer(404, NOT_FOUND_PAGE, HTML_TYPE)


@dataclass(frozen=True, slots=True)
class Publication:
    """One announcement with its one file, as a venue lists it (from a manifest line).

    ``codes`` are the bare security codes it concerns (first = the one the listing shows),
    ``abbrs`` their short names, ``category`` the generator's kind (``income_distribution``,
    ``asset_management_report``, ``abn_operating_report``, ``correction`` …).
    """

    doc_id: str
    source_doc_id: str
    title: str
    published_at: datetime
    rel_path: str
    file_name: str
    codes: tuple[str, ...]
    abbrs: tuple[str, ...]
    category: str
    size: int

    @property
    def beijing(self) -> datetime:
        return self.published_at.astimezone(PUBLISHING_TIMEZONE)

    def token(self, salt: str, length: int = 12) -> str:
        """A stable pseudo-random hex token derived from the file's bytes hash (ids, names)."""
        return hashlib.sha256(f"{salt}|{self.doc_id}|{self.source_doc_id}".encode()).hexdigest()[:length]


def publications(entries: list[Any], channel: str, sizes: dict[str, int]) -> list[Publication]:
    """The manifest lines of one venue channel as publications, newest first."""
    out = []
    for entry in entries:
        if entry.channel != channel:
            continue
        extra = entry.extra or {}
        codes = tuple(str(c) for c in extra.get("security_codes") or ())
        abbrs = tuple(str(a) for a in extra.get("security_abbrs") or ())
        out.append(Publication(
            doc_id=entry.doc_id, source_doc_id=entry.source_doc_id, title=entry.title,
            published_at=entry.published_at, rel_path=entry.rel_path, file_name=entry.file_name,
            codes=tuple(sys.intern(c.split(".")[0]) for c in codes), abbrs=abbrs,  # a code once, not once a file
            category=str(extra.get("category") or entry.doc_type), size=sizes.get(entry.rel_path, 0)))
    out.sort(key=lambda p: (p.published_at, p.source_doc_id), reverse=True)
    return out


class Selections:
    """A venue's recent listing answers by filter, page left out: a client paging through a
    listing costs one scan of the catalogue, not one per page (a market year's SSE listing is 637
    pages of 25 over 15,908 publications: a quadratic ~10 M checks). The cached lists are never
    changed (pages are copies)."""

    SIZE = 128

    def __init__(self) -> None:
        self._rows: dict[tuple, Any] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple, select: Callable[[], Any]) -> Any:
        with self._lock:
            rows = self._rows.get(key)
        if rows is None:
            rows = select()
            with self._lock:
                if len(self._rows) >= self.SIZE:
                    self._rows.clear()
                self._rows[key] = rows
        return rows


class HouseRules:
    """State a site keeps for the life of the server (across manifest reloads): when each
    venue was last asked (a request sooner than ``min_interval_s`` after the previous one to
    the same venue is refused), the soft-ban draws for file downloads (``soft_ban_rate``, own
    seeded RNG, so the server's other faults draw the same sequence as before), and the
    sessions and tokens a site handed out."""

    def __init__(self, min_interval_s: float, soft_ban_rate: float, seed: int,
                 clock: Callable[[], float] = time.monotonic):
        self.min_interval_s = min_interval_s
        self.soft_ban_rate = soft_ban_rate
        self._rng = random.Random(seed)
        self._clock = clock
        self._last: dict[str, float] = {}
        self._lock = threading.Lock()
        self._serial = 0
        self._sessions: set[str] = set()
        self._tokens: dict[tuple[str, str], int] = {}

    def new_serial(self) -> int:
        with self._lock:
            self._serial += 1
            return self._serial

    def open_session(self, session: str) -> None:
        with self._lock:
            self._sessions.add(session)

    def has_session(self, session: str | None) -> bool:
        with self._lock:
            return session in self._sessions

    def issue_token(self, key: tuple[str, str], uses: int) -> None:
        with self._lock:
            self._tokens[key] = uses

    def spend_token(self, key: tuple[str, str]) -> bool | None:
        """True if the token was good (one use spent), False if used up, None if unknown."""
        with self._lock:
            left = self._tokens.get(key)
            if left is None or left <= 0:
                return None if left is None else False
            self._tokens[key] = left - 1
            return True

    def too_fast(self, venue: str) -> bool:
        """True if this request came too soon after the previous one (the clock moves on anyway)."""
        with self._lock:
            now = self._clock()
            last = self._last.get(venue)
            self._last[venue] = now
            return self.min_interval_s > 0 and last is not None and now - last < self.min_interval_s

    def soft_ban(self) -> bool:
        with self._lock:
            return self.soft_ban_rate > 0 and self._rng.random() < self.soft_ban_rate


@dataclass
class Context:
    """What the server hands a venue besides the request: how to read a file, the listing
    faults drawn for this request, a counter for the server's stats, the house rules."""

    read: Callable[[Publication], bytes]
    dup_page: bool
    shuffle_seed: int | None
    count: Callable[..., None]
    rules: HouseRules


def page_slice(rows: list, page_num: int, page_size: int, ctx: Context) -> list:
    """One page with the listing faults drawn for this request (page n repeating page n-1,
    a page out of order)."""
    if ctx.dup_page and page_num > 1:
        page_num -= 1
        ctx.count("dup_page")
    start = (max(page_num, 1) - 1) * page_size
    chunk = list(rows[start:start + page_size])
    if ctx.shuffle_seed is not None and len(chunk) > 1:
        original = list(chunk)
        random.Random(ctx.shuffle_seed).shuffle(chunk)
        if chunk == original:
            chunk = chunk[1:] + chunk[:1]
        ctx.count("shuffle")
    return chunk


def file_answer(publication: Publication, ctx: Context, content_type: str = PDF_TYPE) -> Answer:
    """The file's bytes, or the soft-ban 404 a throttling static host answers instead."""
    if ctx.rules.soft_ban():
        ctx.count("soft_ban")
        return not_found()
    return Answer(200, ctx.read(publication), content_type, {"ETag": f'"{publication.doc_id}"'})


def parse_day(text: str, *, end: bool) -> datetime | None:
    """``YYYY-MM-DD`` (optionally with a time) as Beijing time; a bare day's end if ``end``."""
    text = (text or "").strip()
    if not text:
        return None
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        try:
            moment = datetime.strptime(text, fmt).replace(tzinfo=PUBLISHING_TIMEZONE)
        except ValueError:
            continue
        if fmt == "%Y-%m-%d" and end:
            moment += timedelta(days=1, microseconds=-1)
        return moment
    raise ValueError(f"not a date: {text!r}")
