"""SSE bond-announcement list (``commonSoaQuery.do``, ``sqlId=BS_ZQ_GGLL``) for exchange ABS
(企业资产支持证券, ``bondType=CORPORATE_ASSET_BOND_BULLETIN``), and the announcements' PDFs on
static.sse.com.cn.

One ``ListingEntry`` per announcement (each has one PDF). Only titles naming a family the
pipeline reads are listed (收益分配报告/公告, 资产管理报告; configurable). No document content
is parsed here.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import urljoin

from sources.base import SHANGHAI, Cursor, ListingEntry, safe_file_name
from sources.http import HttpClient
from sources.paging import Page, check_paging, listing_window, walk_newest_first
from sources.polite import Politeness, PoliteClient

log = logging.getLogger(__name__)

SOURCE = "sse"
LIST_PATH = "/commonSoaQuery.do"
SQL_ID = "BS_ZQ_GGLL"
ABS_BOND_TYPE = "CORPORATE_ASSET_BOND_BULLETIN"
ORDER = "sseDate|desc,securityCode|asc,bulletinId|asc"
MAX_PAGE_SIZE = 100
FAMILY_WORDS = ("收益分配", "资产管理报告")
DOC_TYPE_HINTS = (("收益分配", "income_distribution"), ("资产管理报告", "asset_management_report"))
EARLIEST = date(2014, 1, 1)  # before the first exchange ABS under the 2014 rules
_JSONP = re.compile(r"^\s*[\w$.]+\s*\((.*)\)\s*;?\s*$", re.DOTALL)


class SseListingError(Exception):
    """SSE answered, but not with a bulletin list (an ``actionErrors`` answer or another shape)."""


@dataclass(frozen=True)
class SseSettings:
    """Where SSE lives and how to ask it. ``start_date`` bounds a first run (empty cursor)."""

    query_url: str = "https://query.sse.com.cn"
    static_url: str = "https://static.sse.com.cn"
    referer: str = "https://bond.sse.com.cn/disclosure/announ/abs/"
    bond_type: str = ABS_BOND_TYPE
    page_size: int = 25
    title_words: tuple[str, ...] = FAMILY_WORDS
    start_date: date | None = None
    max_pages: int = 500
    patience: int = 2
    politeness: Politeness = field(default_factory=Politeness)

    def __post_init__(self) -> None:
        check_paging(self.page_size, MAX_PAGE_SIZE, self.max_pages, self.patience)


class SseBulletins:
    """Lists new SSE ABS announcements since a cursor and downloads their PDFs (a ``Source``)."""

    def __init__(self, settings: SseSettings | None = None, *, http: HttpClient | None = None,
                 name: str = "sse_abs_bulletins", today: Callable[[], date] | None = None,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic):
        self.settings = settings or SseSettings()
        self.client = PoliteClient(SOURCE, http or HttpClient(), self.settings.politeness, sleep=sleep, clock=clock)
        self.name = name
        self._today = today or (lambda: datetime.now(SHANGHAI).date())
        self.skipped_rows = 0

    def list_new(self, cursor: Cursor | None = None) -> Iterator[ListingEntry]:
        """Newest first, from the cursor's day (server-side) to today, down to the cursor."""
        cursor = cursor or Cursor()
        start, end = listing_window(cursor, self.settings.start_date, EARLIEST, self._today())
        fetch = lambda number, _key: self._page(number, start, end)  # noqa: E731
        yield from walk_newest_first(fetch, cursor, page_size=self.settings.page_size,
                                     max_pages=self.settings.max_pages, patience=self.settings.patience,
                                     name=self.name, keep=self._wanted)

    def _wanted(self, entry: ListingEntry) -> bool:
        """Only the families the pipeline reads (other announcements are left on the site)."""
        return any(word in entry.title for word in self.settings.title_words)

    def download(self, entry: ListingEntry) -> bytes:
        """The announcement's PDF; a 404 for a listed file is treated as a soft ban first."""
        if not entry.download_url:
            raise ValueError(f"entry {entry.source_doc_id} has no download_url")
        headers = {"Referer": self.settings.referer}
        return self.client.get(entry.download_url, expect="pdf", headers=headers, soft_ban_404=True).content

    def _page(self, number: int, start: date, end: date) -> Page:
        callback = f"jsonpCallback{int(time.time() * 1000) % 10**8}"
        params = {
            "jsonCallBack": callback, "isPagination": "true", "sqlId": SQL_ID, "bondType": self.settings.bond_type,
            "sseDate": f"{start:%Y-%m-%d} 00:00:00", "sseDateEnd": f"{end:%Y-%m-%d} 23:59:59",
            "securityCode": "", "title": "", "orgBulletinType": "", "order": ORDER,
            "pageHelp.pageSize": self.settings.page_size, "pageHelp.pageNo": number, "pageHelp.beginPage": number,
            "pageHelp.cacheSize": 1, "pageHelp.endPage": number, "_": int(time.time() * 1000),
        }
        headers = {"Referer": self.settings.referer, "Accept": "*/*"}
        response = self.client.get(self.settings.query_url.rstrip("/") + LIST_PATH, params=params, headers=headers)
        rows = rows_from_answer(response.content)
        entries = []
        for raw in rows:
            try:
                entry = self._entry(raw)
            except (KeyError, TypeError, ValueError) as exc:
                self.skipped_rows += 1
                log.warning("%s: skipping malformed bulletin row (%s): %.200r", self.name, exc, raw)
                continue
            entries.append(entry)
        return Page(entries, len(rows))

    def _entry(self, raw: dict[str, Any]) -> ListingEntry:
        url = str(raw["url"]).strip()
        if not url:
            raise ValueError("row without url")
        title = str(raw.get("title") or "").strip()
        file_name = url.rsplit("/", 1)[-1]
        return ListingEntry(
            source=SOURCE,
            source_doc_id=f"{raw['bulletinId']}:{file_name}",
            title=title,
            published_at=publish_time(raw),
            page_url=None,
            download_url=urljoin(self.settings.static_url.rstrip("/") + "/", url.lstrip("/")),
            file_name=safe_file_name(f"{title}.pdf" if title else file_name),
            doc_type_hint=next((hint for word, hint in DOC_TYPE_HINTS if word in title), None),
            extra={"security_code": raw.get("securityCode"), "security_abbr": raw.get("securityAbbr"),
                   "bulletin_type": raw.get("orgBulletinTypeDesc") or raw.get("bulletinType")},
        )


def rows_from_answer(body: bytes) -> list[dict]:
    """The bulletin rows of a JSON or JSONP answer (``pageHelp.data`` or ``result``)."""
    text = body.decode("utf-8-sig", errors="replace").strip()
    match = _JSONP.match(text)
    try:
        answer = json.loads(match.group(1) if match else text)
    except ValueError as exc:
        raise SseListingError(f"SSE answer is neither JSON nor JSONP: {text[:200]}") from exc
    if not isinstance(answer, dict):
        raise SseListingError(f"SSE answer is not an object: {text[:200]}")
    if answer.get("actionErrors"):
        raise SseListingError(f"SSE refused the query: {answer['actionErrors']}")
    page_help = answer.get("pageHelp") or {}
    rows = page_help.get("data") if isinstance(page_help, dict) else None
    if rows is None:
        rows = answer.get("result")
    if rows is None:
        raise SseListingError(f"SSE answer has no rows: {text[:200]}")
    return list(rows)


def publish_time(raw: dict[str, Any]) -> datetime:
    """``createTime`` (to the second) when given, else the ``sseDate`` day at 00:00, Beijing time."""
    for key, fmt in (("createTime", "%Y-%m-%d %H:%M:%S"), ("sseDate", "%Y-%m-%d %H:%M:%S"), ("sseDate", "%Y-%m-%d")):
        value = str(raw.get(key) or "").strip()
        if not value:
            continue
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=SHANGHAI)
        except ValueError:
            continue
    raise ValueError(f"no publish time in createTime/sseDate: {raw.get('createTime')!r} {raw.get('sseDate')!r}")
