"""The sample market's loopback server: publishes generated documents the way the real sites do.

It serves a directory written by the generator and described by its ``manifest.jsonl``
(see ``sample_market.manifest``), on 127.0.0.1 only, with the stdlib's threading HTTP server
(starts in milliseconds, no dependencies). The endpoints imitate the real ones closely enough
that the real connectors (``sources.chinabond``) run against it unchanged:

``POST /cbiw/trs/getDocsByConditions`` (ChinaBond, older form API)
    Form fields ``parentChnlId`` (948, or empty), ``childChnlName``, ``pageNum`` (1-based,
    default 1), ``pageSize`` (default 10, clamped to 1..100), ``isHasAppendix``, ``keywords``
    (every whitespace-separated word must occur in the title; punctuation is refused with
    ``ERR_E_Y_CK_CBIW_0001`` as the real site does), ``noticeYear`` (publish year, Beijing),
    and two non-standard filters ``startTime`` / ``endTime`` (publish time, inclusive,
    ``YYYY-MM-DD HH:MM:SS`` or ``YYYY-MM-DD``). Answer
    ``{"success": true, "data": {"data": {"list": [...], "total": N}}}``, newest first, with
    the real keys (``DocTitle``, ``ShengXiaoShiJian``, ``DOCPUBURL``, ``appendixIds`` …). Bad
    parameters answer ``{"success": false, "code": …, "msg": …}`` with status 200.
``POST /cbiw/trs/getContentByConditions`` (ChinaBond, current JSON API)
    JSON body ``parentChnlName`` (zqzl_zjzzczj, or empty), ``childChnlDesc``, ``hasAppendix``,
    ``pageSize``, ``pageNum``, ``queryParam{keywords, startDate, endDate}`` (dates inclusive).
    Answer ``{"success": true, "code": "200", "msg": "", "data": {"list": [...], "total": N}}``
    with camelCase keys and ``appendixIds`` null (the files are linked from the detail page).
``GET <DOCPUBURL>``
    The detail page: title, publish time and one ``<a href>`` per attachment.
``GET <directory of DOCPUBURL>/<stored file name>``
    The attachment's bytes (Content-Type from the extension, Content-Length, ETag = doc_id).
``GET /cbweb-mn/yc/downYearBzqx?year=YYYY&ycDefId=<id>``
    The curve file of the manifest line with that ``curve_id`` and ``year``; anything else
    answers a short HTML error page with status 200, as yield.chinabond.com.cn does.
``GET /vendor/index.json`` and ``GET /vendor/<rel_path>``
    Market-data and vendor-export files (channels ``market_data`` / ``vendor_export``):
    ``{"total": N, "documents": [{title, published_at, url, doc_type, doc_id, channel,
    file_name, size, issue_year[, curve_id, year]}]}``, newest first; optional query filters
    ``channel``, ``doc_type``, ``since``, ``until`` (ISO date or time, inclusive).
``GET /health``
    ``ok`` (never faulted).
Exchange-ABS and ABN venues (``sample_market.venues``)
    SSE's ``GET /commonSoaQuery.do`` and static files, SZSE's ``POST
    /api/disc/announcement/annList`` and ``/download/disc/…`` files, chinamoney's cookie
    warm-up, token, cursor-paged notice search and ``fileDownLoad.do``, Shanghai Clearing's
    ``queryNewBulletinList``, article pages and ``download.jsp`` gateway, for manifest lines of
    the channels ``sse``, ``szse``, ``chinamoney`` and ``shclearing`` (see each module for its
    parameters).

Channel names accepted by both listing APIs (``childChnlName`` / ``childChnlDesc``):
付息兑付与行权公告 → trustee_report; 发行文件 → issuance; 市场数据 → market_data;
数据商导出, 数据服务商 or ``vendor`` → vendor_export; the channel keys themselves are accepted
too. An empty channel name lists trustee reports and issuance documents (ChinaBond's
parent channel 948); an unknown one lists nothing.

Manifest lines sharing ``channel`` and ``source_doc_id`` form one disclosure with several
attachments (``appendixIds`` items joined by ``,``); its title, publish time and issue year
are those of its first line. ``docid`` is ``int(source_doc_id)`` when it is all digits.
Detail pages live where ChinaBond puts them (``/xxpl/…/zjzczq_MBS/MBS_fxdfyxqgg/YYYYMM/
tYYYYMMDD_<docid>.html`` for RMBS trustee reports, ``…_ABS/ABS_…`` otherwise; ``…_fxwj``
for issuance is inferred; market data and vendor exports under ``/xxpl/sample_market/``).
Stored names look like ChinaBond's (``P0`` + publish date + 12 digits + extension) and are
derived from the bytes' hash, so every id is a pure function of the manifest. The manifest
is re-read when it changes on disk (the generator writes it atomically).

Faults (``Faults``) are drawn per request from one seeded RNG, a fixed number of draws per
request, so a sequential test sees the same faults every run. Order of precedence: latency
(always), then drop > HTTP error > block page > normal answer, which may be truncated and,
for listings, duplicated (page n repeats page n-1) or shuffled. The venues add their own
push-back (a second RNG): requests closer together than ``venue_min_interval_ms`` are refused
(403 or 429, as each site does) and file downloads get soft-ban 404s at ``soft_ban_rate``.
Files on disk are only read.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import hashlib
import html
import ipaddress
import json
import logging
import os
import posixpath
import random
import re
import socket
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, Sequence
from urllib.parse import parse_qs, quote, unquote, urlsplit

from sample_market.manifest import MANIFEST_NAME, PUBLISHING_TIMEZONE, ManifestEntry, ManifestError, read_manifest
from sample_market.venues import VENUE_CHANNELS, Context, HouseRules, Request, Venues

log = logging.getLogger(__name__)

FORM_API_PATH = "/cbiw/trs/getDocsByConditions"
JSON_API_PATH = "/cbiw/trs/getContentByConditions"
CURVE_PATH = "/cbweb-mn/yc/downYearBzqx"
VENDOR_PREFIX = "/vendor/"
VENDOR_INDEX_PATH = "/vendor/index.json"
HEALTH_PATH = "/health"

PARENT_CHANNEL_ID = "948"
PARENT_CHANNEL_NAME = "zqzl_zjzzczj"
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 10

CHANNEL_NAMES: dict[str, str] = {
    "付息兑付与行权公告": "trustee_report",
    "发行文件": "issuance",
    "市场数据": "market_data",
    "数据商导出": "vendor_export",
    "数据服务商": "vendor_export",
    "vendor": "vendor_export",
    "trustee_report": "trustee_report",
    "issuance": "issuance",
    "market_data": "market_data",
    "vendor_export": "vendor_export",
}
"""Listing channel name (ChinaBond's childChnlName / childChnlDesc) → manifest channel."""

DEFAULT_LISTING_CHANNELS = ("trustee_report", "issuance")
VENDOR_CHANNELS = ("market_data", "vendor_export")

_CHINABOND_ROOT = "/xxpl/ywzc_fxyfxdh/fxyfxdh_zqzl/zqzl_zjzzczj/"
_CHANNEL_DIRS = {
    "trustee_report": _CHINABOND_ROOT + "zjzczq_{k}/{k}_fxdfyxqgg/",
    "issuance": _CHINABOND_ROOT + "zjzczq_{k}/{k}_fxwj/",
    "market_data": "/xxpl/sample_market/market_data/",
    "vendor_export": "/xxpl/sample_market/vendor_export/",
}

CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".xls": "application/vnd.ms-excel",
    ".csv": "text/csv",
    ".json": "application/json",
    ".zip": "application/zip",
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".txt": "text/plain",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
JSON_TYPE = "application/json;charset=UTF-8"
HTML_TYPE = "text/html;charset=UTF-8"

BLOCK_PAGE = (
    "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>访问受限</title></head>"
    "<body><h1>访问受限</h1><p>您的访问过于频繁，请稍后再试。</p></body></html>"
).encode("utf-8")
CURVE_ERROR_PAGE = (
    "<html><head><meta charset=\"utf-8\"><title>提示</title></head>"
    "<body>系统繁忙，暂无数据</body></html>"
).encode("utf-8")
KEYWORD_ERROR = "ERR_E_Y_CK_CBIW_0001"
_KEYWORD_JUNK = re.compile(r"[^\w\s]")
_SERIES = re.compile(r"^(.*?)\d{4}年")
_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S")


# -- faults ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Faults:
    """How the server misbehaves; every rate is a probability per request (0..1).

    ``latency_ms``: fixed (``50``) or a range (``(20, 200)`` or ``"20-200"``), added to every
    request. ``error_rate``: answer one of ``error_statuses`` (429 carries ``Retry-After`` 0
    or 1). ``drop_rate``: close the connection without an answer. ``truncate_rate``: announce
    the full Content-Length, send only part of the body, close. ``dup_page_rate``: a listing
    page n > 1 repeats page n-1. ``shuffle_rate``: a listing page comes out of order (always
    a different order when it has two entries or more). ``block_rate``: a 访问受限 HTML page
    with status 200. ``seed`` seeds the RNG. Exchange venues only: ``soft_ban_rate`` answers a
    file download with a soft-ban 404; ``venue_min_interval_ms`` refuses a request that comes
    sooner than this after the previous one to the same venue (403 or 429, as the site does).
    """

    seed: int = 0
    latency_ms: float | tuple[float, float] | str = 0.0
    error_rate: float = 0.0
    error_statuses: tuple[int, ...] = (429, 500, 503)
    drop_rate: float = 0.0
    truncate_rate: float = 0.0
    dup_page_rate: float = 0.0
    shuffle_rate: float = 0.0
    block_rate: float = 0.0
    soft_ban_rate: float = 0.0
    venue_min_interval_ms: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "latency_ms", parse_latency(self.latency_ms))
        if not isinstance(self.venue_min_interval_ms, (int, float)) or self.venue_min_interval_ms < 0:
            raise ValueError(f"venue_min_interval_ms must be >= 0, got {self.venue_min_interval_ms!r}")
        object.__setattr__(self, "venue_min_interval_ms", float(self.venue_min_interval_ms))
        for name in ("error_rate", "drop_rate", "truncate_rate", "dup_page_rate", "shuffle_rate", "block_rate",
                     "soft_ban_rate"):
            value = getattr(self, name)
            if isinstance(value, bool):
                value = 1.0 if value else 0.0
            if not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be within 0..1, got {value!r}")
            object.__setattr__(self, name, float(value))
        statuses = tuple(int(status) for status in self.error_statuses)
        if not statuses or any(not 400 <= status <= 599 for status in statuses):
            raise ValueError(f"error_statuses must be HTTP 4xx/5xx codes, got {self.error_statuses!r}")
        object.__setattr__(self, "error_statuses", statuses)

    @property
    def active(self) -> bool:
        """True if any fault can happen."""
        rates = (self.error_rate, self.drop_rate, self.truncate_rate, self.dup_page_rate,
                 self.shuffle_rate, self.block_rate, self.soft_ban_rate, self.venue_min_interval_ms)
        return any(rates) or self.latency_ms[1] > 0

    def plan(self, rng: random.Random) -> _Plan:
        """What happens to one request. Always draws the same number of values from ``rng``."""
        u = [rng.random() for _ in range(10)]
        shuffle_seed = rng.getrandbits(32)
        low, high = self.latency_ms
        error_status = self.error_statuses[min(int(u[3] * len(self.error_statuses)), len(self.error_statuses) - 1)]
        return _Plan(
            latency_s=(low + (high - low) * u[0]) / 1000.0,
            drop=u[1] < self.drop_rate,
            error_status=error_status if u[2] < self.error_rate else None,
            retry_after="0" if u[4] < 0.5 else "1",
            block=u[5] < self.block_rate,
            truncate_fraction=0.1 + 0.8 * u[7] if u[6] < self.truncate_rate else None,
            dup_page=u[8] < self.dup_page_rate,
            shuffle_seed=shuffle_seed if u[9] < self.shuffle_rate else None,
        )


@dataclass(frozen=True)
class _Plan:
    """The faults drawn for one request."""

    latency_s: float = 0.0
    drop: bool = False
    error_status: int | None = None
    retry_after: str = "0"
    block: bool = False
    truncate_fraction: float | None = None
    dup_page: bool = False
    shuffle_seed: int | None = None


NO_FAULTS_PLAN = _Plan()


def parse_latency(value: float | int | str | Sequence[float] | None) -> tuple[float, float]:
    """``50`` → (50, 50); ``"20-200"`` or ``(20, 200)`` → (20, 200), in milliseconds."""
    if value is None or value == "":
        return (0.0, 0.0)
    if isinstance(value, str):
        parts = value.replace("..", "-").split("-")
        try:
            numbers = [float(part) for part in parts if part.strip()]
        except ValueError as exc:
            raise ValueError(f"latency must be MS or LOW-HIGH, got {value!r}") from exc
        value = numbers
    if isinstance(value, (int, float)):
        low = high = float(value)
    else:
        numbers = [float(v) for v in value]
        if len(numbers) == 1:
            numbers *= 2
        if len(numbers) != 2:
            raise ValueError(f"latency must be MS or LOW-HIGH, got {value!r}")
        low, high = numbers
    if low < 0 or high < low:
        raise ValueError(f"latency must be 0 <= low <= high, got {value!r}")
    return (low, high)


# -- the catalogue: what is published, derived from the manifest -------------------------------


@dataclass(frozen=True, slots=True)
class Attachment:
    """One file of a disclosure, under its ChinaBond-style stored name."""

    attach_id: int
    stored_name: str
    entry: ManifestEntry


@dataclass(frozen=True, slots=True)
class Disclosure:
    """One listing row (grain: one row per channel and source_doc_id), with its files."""

    docid: int | str
    channel: str
    title: str
    published_at: datetime
    page_path: str
    recid: int
    issuer_id: str
    issue_year: int | None
    attachments: tuple[Attachment, ...]

    @property
    def directory(self) -> str:
        return self.page_path.rsplit("/", 1)[0] + "/"

    @property
    def published_text(self) -> str:
        return self.published_at.strftime("%Y-%m-%d %H:%M:%S")

    def appendix_ids(self) -> str:
        """``<attachId>=<stored name>=<original name>`` items joined by commas."""
        return ",".join(f"{a.attach_id}={a.stored_name}={a.entry.file_name}" for a in self.attachments)


@dataclass
class Catalogue:
    """Everything the server answers from, built once per manifest version."""

    directory: Path
    disclosures: list[Disclosure]
    pages: dict[str, Disclosure]
    files: dict[str, ManifestEntry]
    curves: dict[tuple[str, int], ManifestEntry]
    vendor: list[ManifestEntry]
    vendor_files: dict[str, ManifestEntry]
    sizes: dict[str, int]
    venues: Venues | None = None
    _selections: dict = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls, directory: str | os.PathLike) -> Catalogue:
        """Read the manifest and check that every file exists (hashes are not re-checked)."""
        directory = Path(directory)
        entries = read_manifest(directory)
        sizes, missing, root = {}, [], str(directory)
        for entry in entries:
            try:
                sizes[entry.rel_path] = os.stat(os.path.join(root, entry.rel_path)).st_size
            except OSError:
                missing.append(entry.rel_path)
        if missing:
            shown = ", ".join(missing[:5]) + (" …" if len(missing) > 5 else "")
            raise ManifestError(f"{directory / MANIFEST_NAME}: {len(missing)} file(s) missing: {shown}")
        disclosures = _disclosures([e for e in entries if e.channel not in VENUE_CHANNELS])
        files = {d.directory + a.stored_name: a.entry for d in disclosures for a in d.attachments}
        vendor = sorted((e for e in entries if e.channel in VENDOR_CHANNELS),
                        key=lambda e: (e.published_at, e.rel_path), reverse=True)
        return cls(
            directory=directory,
            disclosures=disclosures,
            pages={d.page_path: d for d in disclosures},
            files=files,
            curves={(e.curve_id, e.year): e for e in entries if e.curve_id is not None},
            vendor=vendor,
            vendor_files={e.rel_path: e for e in vendor},
            sizes=sizes,
            venues=Venues(entries, sizes),
        )

    def select(self, query: ListingQuery) -> list[Disclosure]:
        """Disclosures matching a query (any page); recent answers are kept for paging."""
        key = dataclasses.replace(query, page_num=1, page_size=1)
        rows = self._selections.get(key)
        if rows is None:
            rows = query.select(self.disclosures)
            if len(self._selections) >= 128:
                self._selections.clear()
            self._selections[key] = rows
        return rows

    def read(self, entry: ManifestEntry) -> bytes:
        """The file's bytes, read fresh from disk (never written)."""
        return entry.path(self.directory).read_bytes()


def _disclosures(entries: list[ManifestEntry]) -> list[Disclosure]:
    """Group lines into disclosures, give them ChinaBond-like ids, newest first."""
    groups: dict[tuple[str, str], list[ManifestEntry]] = {}
    for entry in entries:
        groups.setdefault((entry.channel, entry.source_doc_id), []).append(entry)
    ordered = sorted(groups.values(), key=lambda g: (g[0].published_at, _docid_key(g[0].source_doc_id)))
    disclosures, next_attach = [], 1_800_001
    for index, group in enumerate(ordered):
        first = group[0]
        published = first.published_at.astimezone(PUBLISHING_TIMEZONE)
        docid: int | str = int(first.source_doc_id) if first.source_doc_id.isdigit() else first.source_doc_id
        kind = "MBS" if "住房抵押" in first.title else "ABS"
        ymd = published.strftime("%Y%m%d")
        page_dir = _CHANNEL_DIRS[first.channel].format(k=kind) + ymd[:6] + "/"
        page_path = page_dir + f"t{ymd}_{quote(str(docid), safe='')}.html"
        attachments = []
        for entry in group:
            attachments.append(Attachment(next_attach, _stored_name(entry, ymd), entry))
            next_attach += 2
        disclosures.append(Disclosure(
            docid=docid,
            channel=first.channel,
            title=first.title,
            published_at=published,
            page_path=page_path,
            recid=2_000_000 + 3 * index,
            issuer_id=_issuer_id(first.title),
            issue_year=first.issue_year,
            attachments=tuple(attachments),
        ))
    disclosures.reverse()
    return disclosures


def _docid_key(docid: str) -> tuple[int, int, str]:
    return (0, int(docid), "") if docid.isdigit() else (1, 0, docid)


def _stored_name(entry: ManifestEntry, ymd: str) -> str:
    """``P0`` + publish date + 12 digits + extension, like ``P020251119646709475115.pdf``."""
    digest = hashlib.sha256(f"{entry.doc_id}|{entry.source_doc_id}|{entry.rel_path}".encode()).hexdigest()
    return f"P0{ymd}{int(digest[:16], 16) % 10**12:012d}{posixpath.splitext(entry.rel_path)[1].lower()}"


def _issuer_id(title: str) -> str:
    """An 8-digit issuer id, the same for every deal of one series (the title before its year)."""
    match = _SERIES.match(title)
    return _series_id((match.group(1) if match and match.group(1) else title).strip())


@functools.lru_cache(maxsize=4096)
def _series_id(series: str) -> str:
    return str(10_000_000 + int(hashlib.sha256(series.encode()).hexdigest()[:8], 16) % 90_000_000)


def content_type_for(name: str, encoding: str | None = None) -> str:
    """Content-Type of a file from its extension, with the charset of a text file that declares one."""
    content_type = CONTENT_TYPES.get(Path(name).suffix.lower(), "application/octet-stream")
    if encoding is None:
        return content_type
    return f"{content_type}; charset={encoding.removesuffix('-sig').upper()}"


# -- listing queries ------------------------------------------------------------------------


class QueryError(ValueError):
    """A listing parameter the real API would refuse; answered as ``success: false``."""

    def __init__(self, message: str, code: str = "ERR_PARAM"):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class ListingQuery:
    """What one listing request asks for, whichever API it came through."""

    channels: tuple[str, ...]
    page_num: int = 1
    page_size: int = DEFAULT_PAGE_SIZE
    keywords: tuple[str, ...] = ()
    notice_year: int | None = None
    start: datetime | None = None
    end: datetime | None = None

    def select(self, disclosures: list[Disclosure]) -> list[Disclosure]:
        """Matching disclosures, in the catalogue's order (newest first)."""
        return [d for d in disclosures if self._matches(d)]

    def _matches(self, d: Disclosure) -> bool:
        if d.channel not in self.channels:
            return False
        if any(word not in d.title for word in self.keywords):
            return False
        if self.notice_year is not None and d.published_at.year != self.notice_year:
            return False
        if self.start is not None and d.published_at < self.start:
            return False
        return self.end is None or d.published_at <= self.end


def _channels_for(name: object) -> tuple[str, ...]:
    text = str(name or "").strip()
    if not text:
        return DEFAULT_LISTING_CHANNELS
    channel = CHANNEL_NAMES.get(text)
    return (channel,) if channel else ()


def _int_param(value: object, name: str, default: int) -> int:
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    if isinstance(value, bool):
        raise QueryError(f"{name} must be an integer")
    try:
        return int(str(value).strip())
    except ValueError as exc:
        raise QueryError(f"{name} must be an integer, got {value!r}") from exc


def _keywords(value: object) -> tuple[str, ...]:
    text = str(value or "").strip()
    if _KEYWORD_JUNK.search(text):
        raise QueryError("关键字包含非法字符", KEYWORD_ERROR)
    return tuple(text.split())


def _time_param(value: object, name: str, *, end: bool) -> datetime | None:
    """Beijing time from ``YYYY-MM-DD HH:MM:SS`` (or a date: its start, or its end if ``end``)."""
    text = str(value or "").strip()
    if not text:
        return None
    for fmt in _TIME_FORMATS:
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=PUBLISHING_TIMEZONE)
        except ValueError:
            pass
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            moment = datetime(day.year, day.month, day.day, tzinfo=PUBLISHING_TIMEZONE)
            return moment + timedelta(days=1, microseconds=-1) if end else moment
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise QueryError(f"{name} must be 'YYYY-MM-DD HH:MM:SS' or 'YYYY-MM-DD', got {text!r}") from exc
    return parsed.astimezone(PUBLISHING_TIMEZONE) if parsed.tzinfo else parsed.replace(tzinfo=PUBLISHING_TIMEZONE)


def form_query(form: dict[str, str]) -> ListingQuery:
    """The older API's form fields as a query."""
    parent = form.get("parentChnlId", "").strip()
    channels = _channels_for(form.get("childChnlName"))
    if parent and parent != PARENT_CHANNEL_ID:
        channels = ()
    notice_year = form.get("noticeYear", "").strip()
    return ListingQuery(
        channels=channels,
        page_num=max(1, _int_param(form.get("pageNum"), "pageNum", 1)),
        page_size=min(MAX_PAGE_SIZE, max(1, _int_param(form.get("pageSize"), "pageSize", DEFAULT_PAGE_SIZE))),
        keywords=_keywords(form.get("keywords")),
        notice_year=_int_param(notice_year, "noticeYear", 0) if notice_year else None,
        start=_time_param(form.get("startTime"), "startTime", end=False),
        end=_time_param(form.get("endTime"), "endTime", end=True),
    )


def json_query(body: dict) -> ListingQuery:
    """The current API's JSON body as a query."""
    parent = str(body.get("parentChnlName") or "").strip()
    channels = _channels_for(body.get("childChnlDesc"))
    if parent and parent != PARENT_CHANNEL_NAME:
        channels = ()
    params = body.get("queryParam") or {}
    if not isinstance(params, dict):
        raise QueryError("queryParam must be an object")
    return ListingQuery(
        channels=channels,
        page_num=max(1, _int_param(body.get("pageNum"), "pageNum", 1)),
        page_size=min(MAX_PAGE_SIZE, max(1, _int_param(body.get("pageSize"), "pageSize", DEFAULT_PAGE_SIZE))),
        keywords=_keywords(params.get("keywords")),
        start=_time_param(params.get("startDate"), "startDate", end=False),
        end=_time_param(params.get("endDate"), "endDate", end=True),
    )


def page_of(rows: list, page_num: int, page_size: int, plan: _Plan) -> tuple[list, list[str]]:
    """One page of ``rows`` with the plan's listing faults; also names the faults applied."""
    applied = []
    if plan.dup_page and page_num > 1:
        page_num -= 1
        applied.append("dup_page")
    start = (page_num - 1) * page_size
    chunk = list(rows[start:start + page_size])
    if plan.shuffle_seed is not None and len(chunk) > 1:
        original = list(chunk)
        random.Random(plan.shuffle_seed).shuffle(chunk)
        if chunk == original:
            chunk = chunk[1:] + chunk[:1]
        applied.append("shuffle")
    return chunk, applied


def form_row(d: Disclosure, origin: str) -> dict:
    """A row of the older API, with the keys of the real listing."""
    return {
        "DOCCONTENT": "",
        "ShengXiaoShiJian": d.published_text,
        "FaXingRenId": d.issuer_id,
        "DocTitle": d.title,
        "docid": d.docid,
        "DOCPUBURL": origin + d.page_path,
        "MetaDataId": d.docid,
        "OriginDocId": d.docid,
        "SubDocTitle": "",
        "recid": d.recid,
        "appendixIds": d.appendix_ids(),
        "FaXingNianFen": "" if d.issue_year is None else str(d.issue_year),
    }


def json_row(d: Disclosure, origin: str) -> dict:
    """A row of the current API: camelCase keys, ``appendixIds`` null."""
    return {
        "docId": d.docid,
        "docTitle": d.title,
        "shengXiaoShiJian": d.published_text,
        "docPubUrl": origin + d.page_path,
        "appendixIds": None,
        "faXingNianFen": "" if d.issue_year is None else str(d.issue_year),
        "faXingRenId": d.issuer_id,
        "metaDataId": d.docid,
        "originDocId": d.docid,
        "recId": d.recid,
        "subDocTitle": "",
        "docContent": "",
    }


def detail_html(d: Disclosure) -> bytes:
    """The detail page: title, time, and one link per attachment (relative, as on ChinaBond)."""
    title = html.escape(d.title)
    links = "".join(
        f'<p><a href="./{quote(a.stored_name)}" target="_blank">{html.escape(a.entry.file_name)}</a></p>'
        for a in d.attachments
    )
    page = (
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
        f"<title>{title}</title></head><body>"
        "<div class=\"nav\"><a href=\"/\">首页</a> &gt; <a href=\"javascript:void(0)\">信息披露</a></div>"
        f"<h1 class=\"title\">{title}</h1><div class=\"time\">发布时间：{d.published_text}</div>"
        f"<div class=\"attachments\">附件：{links}</div></body></html>"
    )
    return page.encode("utf-8")


def _disposition(file_name: str, fallback: str) -> str:
    def plain(name: str) -> bool:
        return name.isascii() and name.isprintable() and '"' not in name and "\\" not in name

    ascii_name = file_name if plain(file_name) else fallback if plain(fallback) else "download" + Path(file_name).suffix
    if not plain(ascii_name):
        ascii_name = "download"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(file_name, safe='')}"


# -- the HTTP side ----------------------------------------------------------------------------


@dataclass
class Reply:
    """One answer before faults cut it short."""

    status: int
    body: bytes
    content_type: str
    headers: dict[str, str] = field(default_factory=dict)


class _Market:
    """Shared state of a running server: the catalogue (reloaded when the manifest changes),
    the fault RNG and counters of what happened."""

    def __init__(self, directory: Path, faults: Faults):
        self.directory = directory
        self.faults = faults
        self.rng = random.Random(faults.seed)
        self.rules = HouseRules(faults.venue_min_interval_ms / 1000.0, faults.soft_ban_rate, faults.seed + 1)
        self.lock = threading.Lock()
        self.stats: Counter = Counter()
        self.url = ""
        self._catalogue = Catalogue.load(directory)
        self._signature = self._manifest_signature()

    def _manifest_signature(self) -> tuple | None:
        try:
            st = (self.directory / MANIFEST_NAME).stat()
        except OSError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def catalogue(self) -> Catalogue:
        """The current catalogue; re-read if manifest.jsonl changed (a bad one is logged, not served)."""
        signature = self._manifest_signature()
        if signature == self._signature:
            return self._catalogue
        with self.lock:
            if signature != self._signature:
                self.reload(signature)
            return self._catalogue

    def reload(self, signature: tuple | None = None) -> None:
        try:
            self._catalogue = Catalogue.load(self.directory)
        except (OSError, ManifestError) as exc:
            log.error("sample market: keeping the previous manifest: %s", exc)
        self._signature = signature if signature is not None else self._manifest_signature()

    def next_plan(self) -> _Plan:
        with self.lock:
            self.stats["requests"] += 1
            return self.faults.plan(self.rng)

    def count(self, *keys: str) -> None:
        with self.lock:
            self.stats.update(keys)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "nginx"
    sys_version = ""
    timeout = 30
    disable_nagle_algorithm = True  # headers and body go out at once (no 40 ms delayed-ACK stalls)
    market: _Market

    def log_message(self, format: str, *args) -> None:
        log.debug("%s - %s", self.address_string(), format % args)

    def do_GET(self) -> None:
        self._handle(b"")

    def do_HEAD(self) -> None:
        self._handle(b"")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self._handle(self.rfile.read(length) if length > 0 else b"")

    def _handle(self, body: bytes) -> None:
        split = urlsplit(self.path)
        path = unquote(split.path)
        if path == HEALTH_PATH:
            return self._send(Reply(200, b"ok", "text/plain; charset=utf-8"), NO_FAULTS_PLAN)
        market = self.market
        plan = market.next_plan()
        if plan.latency_s > 0:
            time.sleep(plan.latency_s)
        if plan.drop:
            market.count("drop")
            self.close_connection = True
            return
        if plan.error_status is not None:
            market.count(f"error_{plan.error_status}")
            headers = {"Retry-After": plan.retry_after} if plan.error_status == 429 else {}
            phrase = self.responses.get(plan.error_status, ("Error",))[0]
            text = f"<html><body><h1>{plan.error_status} {phrase}</h1></body></html>"
            return self._send(Reply(plan.error_status, text.encode(), HTML_TYPE, headers), plan)
        if plan.block:
            market.count("block")
            return self._send(Reply(200, BLOCK_PAGE, HTML_TYPE), plan)
        try:
            reply = self._route(path, split.query, body, plan)
        except Exception:  # a bug here must not kill the server thread silently
            log.exception("sample market: error answering %s %s", self.command, self.path)
            reply = Reply(500, b"<html><body><h1>500 Internal Server Error</h1></body></html>", HTML_TYPE)
        self._send(reply, plan)

    def _route(self, path: str, query: str, body: bytes, plan: _Plan) -> Reply:
        catalogue = self.market.catalogue()
        venue = self._venue(catalogue, path, query, body, plan)
        if venue is not None:
            return venue
        if path in (FORM_API_PATH, JSON_API_PATH):
            if self.command != "POST":
                return Reply(405, b'{"success":false,"code":"405","msg":"Method Not Allowed"}', JSON_TYPE,
                             {"Allow": "POST"})
            return self._listing(path, body, catalogue, plan)
        if self.command == "POST":
            return Reply(405, b"<html><body><h1>405 Method Not Allowed</h1></body></html>", HTML_TYPE,
                         {"Allow": "GET, HEAD"})
        if path == CURVE_PATH:
            return self._curve(query, catalogue)
        if path == VENDOR_INDEX_PATH:
            return self._vendor_index(query, catalogue)
        if path.startswith(VENDOR_PREFIX):
            entry = catalogue.vendor_files.get(path[len(VENDOR_PREFIX):])
            if entry is not None:
                return self._file(entry, catalogue, Path(entry.rel_path).name)
        if path in catalogue.pages:
            return Reply(200, detail_html(catalogue.pages[path]), HTML_TYPE)
        entry = catalogue.files.get(path)
        if entry is not None:
            return self._file(entry, catalogue, path.rsplit("/", 1)[-1])
        return Reply(404, b"<html><body><h1>404 Not Found</h1></body></html>", HTML_TYPE)

    def _venue(self, catalogue: Catalogue, path: str, query: str, body: bytes, plan: _Plan) -> Reply | None:
        """The exchange venues' answer when the path is theirs (see ``sample_market.venues``)."""
        if catalogue.venues is None:
            return None
        request = Request(self.command, path, {k: v[0] for k, v in parse_qs(query, keep_blank_values=True).items()},
                          body, dict(self.headers.items()), self._origin())
        ctx = Context(read=lambda p: (catalogue.directory / p.rel_path).read_bytes(), dup_page=plan.dup_page,
                      shuffle_seed=plan.shuffle_seed, count=self.market.count, rules=self.market.rules)
        answer = catalogue.venues.route(request, ctx)
        return None if answer is None else Reply(answer.status, answer.body, answer.content_type, answer.headers)

    def _origin(self) -> str:
        host = (self.headers.get("Host") or "").strip()
        if re.fullmatch(r"[A-Za-z0-9.\-]+(:\d+)?|\[[0-9A-Fa-f:.]+\](:\d+)?", host):
            return f"http://{host}"
        return self.market.url

    def _listing(self, path: str, body: bytes, catalogue: Catalogue, plan: _Plan) -> Reply:
        try:
            if path == FORM_API_PATH:
                pairs = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
                query = form_query({key: values[0] for key, values in pairs.items()})
            else:
                try:
                    payload = json.loads(body.decode("utf-8-sig") or "{}")
                except ValueError as exc:
                    raise QueryError(f"body is not JSON: {exc}") from exc
                if not isinstance(payload, dict):
                    raise QueryError("body must be a JSON object")
                query = json_query(payload)
        except QueryError as exc:
            answer = {"success": False, "code": exc.code, "msg": str(exc), "data": None}
            return Reply(200, json.dumps(answer, ensure_ascii=False).encode("utf-8"), JSON_TYPE)
        rows = catalogue.select(query)
        chunk, applied = page_of(rows, query.page_num, query.page_size, plan)
        if applied:
            self.market.count(*applied)
        origin = self._origin()
        if path == FORM_API_PATH:
            answer = {"success": True, "data": {"data": {"list": [form_row(d, origin) for d in chunk],
                                                         "total": len(rows)}}}
        else:
            answer = {"success": True, "code": "200", "msg": "",
                      "data": {"list": [json_row(d, origin) for d in chunk], "total": len(rows),
                               "pageNum": query.page_num, "pageSize": query.page_size}}
        return Reply(200, json.dumps(answer, ensure_ascii=False).encode("utf-8"), JSON_TYPE)

    def _curve(self, query: str, catalogue: Catalogue) -> Reply:
        params = {key: values[0] for key, values in parse_qs(query).items()}
        year = params.get("year", "").strip()
        entry = catalogue.curves.get((params.get("ycDefId", "").strip(), int(year) if year.isdigit() else -1))
        if entry is None:
            return Reply(200, CURVE_ERROR_PAGE, HTML_TYPE)
        return self._file(entry, catalogue, f"{entry.curve_id}_{entry.year}{Path(entry.rel_path).suffix.lower()}")

    def _vendor_index(self, query: str, catalogue: Catalogue) -> Reply:
        params = {key: values[0] for key, values in parse_qs(query).items()}
        try:
            since = _time_param(params.get("since"), "since", end=False)
            until = _time_param(params.get("until"), "until", end=True)
        except QueryError as exc:
            return Reply(400, json.dumps({"error": str(exc)}, ensure_ascii=False).encode("utf-8"), JSON_TYPE)
        origin = self._origin()
        documents = []
        for entry in catalogue.vendor:
            if params.get("channel") and entry.channel != params["channel"]:
                continue
            if params.get("doc_type") and entry.doc_type != params["doc_type"]:
                continue
            if (since and entry.published_at < since) or (until and entry.published_at > until):
                continue
            item = {
                "title": entry.title,
                "published_at": entry.published_at.isoformat(),
                "url": origin + VENDOR_PREFIX + quote(entry.rel_path),
                "doc_type": entry.doc_type,
                "doc_id": entry.doc_id,
                "channel": entry.channel,
                "file_name": entry.file_name,
                "size": catalogue.sizes[entry.rel_path],
                "issue_year": entry.issue_year,
            }
            if entry.curve_id is not None:
                item.update(curve_id=entry.curve_id, year=entry.year)
            documents.append(item)
        answer = {"total": len(documents), "documents": documents}
        return Reply(200, json.dumps(answer, ensure_ascii=False).encode("utf-8"), JSON_TYPE)

    def _file(self, entry: ManifestEntry, catalogue: Catalogue, fallback_name: str) -> Reply:
        try:
            data = catalogue.read(entry)
        except OSError:
            log.error("sample market: %s vanished from %s", entry.rel_path, catalogue.directory)
            return Reply(404, b"<html><body><h1>404 Not Found</h1></body></html>", HTML_TYPE)
        headers = {
            "Content-Disposition": _disposition(entry.file_name, fallback_name),
            "ETag": f'"{entry.doc_id}"',
            "Last-Modified": format_datetime(entry.published_at.astimezone(timezone.utc), usegmt=True),
        }
        return Reply(200, data, content_type_for(entry.rel_path, entry.encoding), headers)

    def _send(self, reply: Reply, plan: _Plan) -> None:
        body = reply.body
        cut = None
        if plan.truncate_fraction is not None and self.command != "HEAD" and len(body) > 1:
            cut = min(len(body) - 1, max(1, int(len(body) * plan.truncate_fraction)))
            self.market.count("truncate")
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in reply.headers.items():
            for one in value if isinstance(value, list) else [value]:
                self.send_header(key, one)
        if cut is not None:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body if cut is None else body[:cut])
        self.wfile.flush()


class _Server(ThreadingHTTPServer):
    """The stdlib server with daemon handler threads and errors sent to logging, not stderr."""

    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError)):
            log.debug("sample market: client %s went away: %s", client_address, error)
        else:
            log.exception("sample market: error serving %s", client_address)


class RunningServer:
    """A server running in a daemon thread. ``url`` is e.g. ``http://127.0.0.1:54321``."""

    def __init__(self, httpd: ThreadingHTTPServer, market: _Market):
        self._httpd = httpd
        self._market = market
        self.host, self.port = httpd.server_address[:2]
        self.url = f"http://{self.host}:{self.port}"
        market.url = self.url
        self._thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"sample-market-{self.port}", daemon=True)
        self._stopped = False
        self._thread.start()

    @property
    def directory(self) -> Path:
        return self._market.directory

    @property
    def faults(self) -> Faults:
        return self._market.faults

    @property
    def stats(self) -> dict[str, int]:
        """Requests seen (``requests``, /health excluded) and faults applied (``drop``,
        ``error_429``, ``error_500``, ``block``, ``truncate``, ``dup_page``, ``shuffle``)."""
        with self._market.lock:
            return dict(self._market.stats)

    @property
    def catalogue(self) -> Catalogue:
        return self._market.catalogue()

    def reload(self) -> None:
        """Re-read the manifest now (it is also re-read automatically when it changes)."""
        with self._market.lock:
            self._market.reload()

    def stop(self) -> None:
        """Stop serving and close the socket (idempotent)."""
        if self._stopped:
            return
        self._stopped = True
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"RunningServer(url={self.url!r}, directory={str(self.directory)!r})"


def _loopback_host(host: str) -> str:
    """The IPv4 loopback address ``host`` names; anything else is refused."""
    try:
        address = ipaddress.ip_address(socket.gethostbyname(host))
    except (OSError, ValueError) as exc:
        raise ValueError(f"cannot resolve host {host!r}") from exc
    if not address.is_loopback:
        raise ValueError(f"the sample market binds loopback only (127.0.0.0/8), not {host!r}")
    return str(address)


def serve(directory: str | os.PathLike, host: str = "127.0.0.1", port: int = 0,
          faults: Faults | None = None) -> RunningServer:
    """Start serving ``directory`` (which holds manifest.jsonl) and return at once.

    ``port=0`` picks a free port (read it from ``.port`` / ``.url``). Raises
    ``ManifestError`` for a bad manifest or missing files, ``ValueError`` for a
    non-loopback host.
    """
    market = _Market(Path(directory), faults or Faults())
    handler = type("SampleMarketHandler", (_Handler,), {"market": market})
    httpd = _Server((_loopback_host(host), port), handler)
    return RunningServer(httpd, market)


def serve_forever(directory: str | os.PathLike, port: int = 0, faults: Faults | None = None,
                  host: str = "127.0.0.1", echo: Callable[[str], None] | None = None,
                  parent_pid: int | None = None) -> None:
    """Serve until Ctrl-C, announcing the URL first (the ``abs-etl sample serve`` command).

    ``echo`` prints a line (default: stdout, flushed, so a parent reading a pipe sees the URL).
    With ``parent_pid``, serving ends when that process is gone (a server a run started never
    outlives it, even when the run is killed).
    """
    echo = echo or (lambda text: print(text, flush=True))
    if parent_pid:
        threading.Thread(target=_exit_with, args=(parent_pid,), name="exit-with-parent", daemon=True).start()
    with serve(directory, host=host, port=port, faults=faults) as running:
        echo(f"sample market: serving {running.directory} at {running.url} (Ctrl-C to stop)")
        if running.faults.active:
            echo(f"sample market: faults {running.faults}")
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            echo("sample market: stopped")


def _exit_with(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(0.5)
    os._exit(0)


def fault_options(faults: Faults) -> list[str]:
    """The command-line options that give a server these faults (``faults_from_args`` reversed)."""
    low, high = faults.latency_ms
    return ["--seed", str(faults.seed), "--latency-ms", f"{low!r}-{high!r}",
            "--error-rate", repr(faults.error_rate), "--error-statuses", ",".join(map(str, faults.error_statuses)),
            "--drop-rate", repr(faults.drop_rate), "--truncate-rate", repr(faults.truncate_rate),
            "--dup-page-rate", repr(faults.dup_page_rate), "--shuffle-rate", repr(faults.shuffle_rate),
            "--block-rate", repr(faults.block_rate), "--soft-ban-rate", repr(faults.soft_ban_rate),
            "--venue-min-interval-ms", repr(faults.venue_min_interval_ms)]


def build_parser(prog: str = "python -m sample_market.server") -> argparse.ArgumentParser:
    """The command line of ``abs-etl sample serve`` and ``python -m sample_market.server``."""
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.split("\n", 1)[0])
    parser.add_argument("--dir", required=True, help="directory holding manifest.jsonl")
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind")
    parser.add_argument("--port", type=int, default=0, help="port (0 = any free port)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the fault RNG")
    parser.add_argument("--latency-ms", default="0", help="added latency: MS or LOW-HIGH")
    parser.add_argument("--error-rate", type=float, default=0.0, help="share of requests answered 429/5xx")
    parser.add_argument("--error-statuses", default="429,500,503", help="comma-separated statuses to draw from")
    parser.add_argument("--drop-rate", type=float, default=0.0, help="share of connections closed unanswered")
    parser.add_argument("--truncate-rate", type=float, default=0.0, help="share of bodies cut short")
    parser.add_argument("--dup-page-rate", type=float, default=0.0, help="share of listing pages repeating the previous")
    parser.add_argument("--shuffle-rate", type=float, default=0.0, help="share of listing pages out of order")
    parser.add_argument("--shuffle", action="store_true", help="every listing page out of order (--shuffle-rate 1)")
    parser.add_argument("--block-rate", type=float, default=0.0, help="share of requests answered by a 访问受限 page")
    parser.add_argument("--soft-ban-rate", type=float, default=0.0,
                        help="share of exchange-venue file downloads answered by a soft-ban 404")
    parser.add_argument("--venue-min-interval-ms", type=float, default=0.0,
                        help="exchange venues refuse requests closer together than this (403/429)")
    parser.add_argument("--access-log", default="", help="append every request answered to this file")
    parser.add_argument("--parent-pid", type=int, default=None, help=argparse.SUPPRESS)  # end with this process
    return parser


def faults_from_args(args: argparse.Namespace) -> Faults:
    """``Faults`` from parsed command-line options."""
    return Faults(
        seed=args.seed,
        latency_ms=args.latency_ms,
        error_rate=args.error_rate,
        error_statuses=tuple(int(s) for s in str(args.error_statuses).split(",") if s.strip()),
        drop_rate=args.drop_rate,
        truncate_rate=args.truncate_rate,
        dup_page_rate=args.dup_page_rate,
        shuffle_rate=1.0 if args.shuffle else args.shuffle_rate,
        block_rate=args.block_rate,
        soft_ban_rate=args.soft_ban_rate,
        venue_min_interval_ms=args.venue_min_interval_ms,
    )


def main(argv: Sequence[str] | None = None, prog: str = "python -m sample_market.server") -> int:
    """``abs-etl sample serve --dir DIR [--port 0] [--error-rate 0.2 …]``; 2 on a bad option or directory."""
    args = build_parser(prog).parse_args(argv)
    try:
        faults = faults_from_args(args)
        if args.access_log:
            handler = logging.FileHandler(args.access_log, encoding="utf-8")
            handler.setLevel(logging.DEBUG)
            log.addHandler(handler)
            log.setLevel(logging.DEBUG)
        serve_forever(args.dir, port=args.port, faults=faults, host=args.host, parent_pid=args.parent_pid)
    except (ValueError, OSError) as exc:
        print(f"sample market: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
