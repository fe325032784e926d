"""SZSE announcement list (``POST /api/disc/announcement/annList``) for exchange ABS, and the
attachments on disc.static.szse.cn.

SZSE lists bond announcements under ``channelCode=bondinfoNotice_disc`` with small categories
(``013904`` 债券付息公告, ``013903`` 债券定期公告 …); where exactly ABS announcements sit is not
documented (see README), so channel and categories are settings. One ``ListingEntry`` per
announcement; only titles naming a family the pipeline reads are listed. No parsing here.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sources.base import SHANGHAI, Cursor, ListingEntry, safe_file_name
from sources.http import HttpClient
from sources.paging import Page, check_paging, listing_window, walk_newest_first
from sources.polite import Politeness, PoliteClient

log = logging.getLogger(__name__)

SOURCE = "szse"
LIST_PATH = "/api/disc/announcement/annList"
DOWNLOAD_PATH = "/download"
NOTICE_PAGE = "/disclosure/bond/notice/index.html"
BOND_CHANNEL = "bondinfoNotice_disc"
ABS_CATEGORIES = ("013903", "013904")  # 债券定期公告, 债券付息公告
MAX_PAGE_SIZE = 50
FAMILY_WORDS = ("收益分配", "资产管理报告")
DOC_TYPE_HINTS = (("收益分配", "income_distribution"), ("资产管理报告", "asset_management_report"))
EARLIEST = date(2014, 1, 1)


class SzseListingError(Exception):
    """SZSE answered, but not with an announcement list."""


@dataclass(frozen=True)
class SzseSettings:
    """Where SZSE lives and how to ask it. ``start_date`` bounds a first run (empty cursor)."""

    base_url: str = "https://www.szse.cn"
    static_url: str = "https://disc.static.szse.cn"
    channel_codes: tuple[str, ...] = (BOND_CHANNEL,)
    small_category_ids: tuple[str, ...] = ABS_CATEGORIES
    page_size: int = 30
    title_words: tuple[str, ...] = FAMILY_WORDS
    start_date: date | None = None
    max_pages: int = 500
    patience: int = 2
    politeness: Politeness = field(default_factory=Politeness)

    def __post_init__(self) -> None:
        check_paging(self.page_size, MAX_PAGE_SIZE, self.max_pages, self.patience)


class SzseAnnouncements:
    """Lists new SZSE ABS announcements since a cursor and downloads their files (a ``Source``)."""

    def __init__(self, settings: SzseSettings | None = None, *, http: HttpClient | None = None,
                 name: str = "szse_abs_announcements", today: Callable[[], date] | None = None,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic,
                 rng: random.Random | None = None):
        self.settings = settings or SzseSettings()
        self.client = PoliteClient(SOURCE, http or HttpClient(), self.settings.politeness, sleep=sleep, clock=clock)
        self.name = name
        self._today = today or (lambda: datetime.now(SHANGHAI).date())
        self._rng = rng or random.Random()
        self.skipped_rows = 0

    def list_new(self, cursor: Cursor | None = None) -> Iterator[ListingEntry]:
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
        if not entry.download_url:
            raise ValueError(f"entry {entry.source_doc_id} has no download_url")
        expect = "pdf" if entry.download_url.lower().endswith(".pdf") else None
        headers = {"Referer": self.settings.base_url.rstrip("/") + NOTICE_PAGE}
        return self.client.get(entry.download_url, expect=expect, headers=headers, soft_ban_404=True).content

    def _page(self, number: int, start: date, end: date) -> Page:
        base = self.settings.base_url.rstrip("/")
        body = {
            "seDate": [f"{start:%Y-%m-%d}", f"{end:%Y-%m-%d}"],
            "channelCode": list(self.settings.channel_codes),
            "bigCategoryId": [],
            "smallCategoryId": list(self.settings.small_category_ids),
            "stock": [], "searchKey": [],
            "pageSize": self.settings.page_size, "pageNum": number,
        }
        headers = {
            "Content-Type": "application/json", "Accept": "application/json, text/javascript, */*; q=0.01",
            "Origin": base, "Referer": base + NOTICE_PAGE,
            "X-Request-Type": "ajax", "X-Requested-With": "XMLHttpRequest",
        }
        response = self.client.post(f"{base}{LIST_PATH}", params={"random": f"{self._rng.random():.16f}"},
                                    data=json.dumps(body), headers=headers, expect="json")
        rows = rows_from_answer(response.content)
        entries = []
        for raw in rows:
            try:
                entry = self._entry(raw)
            except (KeyError, TypeError, ValueError) as exc:
                self.skipped_rows += 1
                log.warning("%s: skipping malformed announcement (%s): %.200r", self.name, exc, raw)
                continue
            entries.append(entry)
        return Page(entries, len(rows))

    def _entry(self, raw: dict[str, Any]) -> ListingEntry:
        attach = str(raw["attachPath"]).strip()
        if not attach:
            raise ValueError("announcement without attachPath")
        title = str(raw.get("title") or "").strip()
        published = datetime.strptime(str(raw["publishTime"]).strip()[:19], "%Y-%m-%d %H:%M:%S").replace(tzinfo=SHANGHAI)
        fmt = str(raw.get("attachFormat") or attach.rsplit(".", 1)[-1]).lower()
        stored = attach.rsplit("/", 1)[-1]
        return ListingEntry(
            source=SOURCE,
            source_doc_id=f"{raw.get('annId') or raw.get('id')}:{stored}",
            title=title,
            published_at=published,
            page_url=f"{self.settings.base_url.rstrip('/')}/disclosure/listed/bulletinDetail/index.html?{raw.get('id')}",
            download_url=f"{self.settings.static_url.rstrip('/')}{DOWNLOAD_PATH}{attach if attach.startswith('/') else '/' + attach}",
            file_name=safe_file_name(f"{title}.{fmt}" if title else stored),
            doc_type_hint=next((hint for word, hint in DOC_TYPE_HINTS if word in title), None),
            extra={"security_codes": raw.get("secCode"), "security_abbrs": raw.get("secName"),
                   "small_category_id": raw.get("smallCategoryId")},
        )


def rows_from_answer(body: bytes) -> list[dict]:
    """``data`` of an ``{announceCount, data}`` answer."""
    try:
        answer = json.loads(body.decode("utf-8-sig"))
    except ValueError as exc:
        raise SzseListingError(f"SZSE answer is not JSON: {body[:200]!r}") from exc
    if not isinstance(answer, dict) or not isinstance(answer.get("data"), list):
        raise SzseListingError(f"SZSE answer has no data list: {str(answer)[:200]}")
    return list(answer["data"])
