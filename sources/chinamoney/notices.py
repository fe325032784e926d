"""chinamoney's full-text notice search for ABN 资产运营报告, and the files behind it.

The site admits a client in three steps, each checked by the next: the search page sets
session cookies (``/chinese/qwjsn/``), a token is fetched with them (``getLT``: ``UT`` and
``sign``), and the search (``cm-u-notice-ses-cn/query``) wants cookies, token and a Referer
from the search page. Results are cursor-paged (``op=top``, then ``op=next`` with
``searchAfter`` = the last ``sortNext``). Files come through ``fileDownLoad.do`` by
``contentId``, named in the item's paths or, when those are empty, on its detail page.

One ``ListingEntry`` per notice. Only periodic operating reports of asset-backed notes are
listed (title holds 票据 and 运营报告, the part after the note's name no 年度 or 公告); no
document content is parsed here.
"""

from __future__ import annotations

import html
import logging
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

from sources.base import SHANGHAI, Cursor, ListingEntry, safe_file_name
from sources.http import HttpClient
from sources.paging import Page, check_paging, listing_window, walk_newest_first
from sources.polite import Politeness, PoliteClient, SiteBlockedError

log = logging.getLogger(__name__)

SOURCE = "chinamoney"
WARM_UP_PATH = "/chinese/qwjsn/"
TOKEN_PATH = "/lss/rest/cm-s-account/getLT"
SEARCH_PATH = "/ses/rest/cm-u-notice-ses-cn/query"
DOWNLOAD_PATH = "/dqs/cm-s-notice-query/fileDownLoad.do"
CHANNEL_IDS = "2496,2556,2632,2663,2589,2850,3300,"
TOKEN_EXPIRED, TOKEN_INVALID = "9001", "401"
MAX_PAGE_SIZE = 999
EARLIEST = date(2012, 1, 1)  # the first ABN were issued in 2012
_TAG = re.compile(r"<[^>]+>")
_CONTENT_ID = re.compile(r"contentId=(\d+)")
_PATH_ID = re.compile(r"(\d+)\.\w+$")
_PRODUCT = re.compile(r"^(.*票据(?:[(（][^)）]*[)）])?)(.*)$")


class ChinamoneyError(Exception):
    """chinamoney answered with an error head (rep_code other than 200) or an unknown shape."""


@dataclass(frozen=True)
class ChinamoneySettings:
    """Where chinamoney lives and how to ask it. ``start_date`` bounds a first run."""

    base_url: str = "https://www.chinamoney.com.cn"
    search_text: str = "运营报告"
    page_size: int = 15
    start_date: date | None = None
    max_pages: int = 500
    patience: int = 2
    politeness: Politeness = field(default_factory=lambda: Politeness(min_interval_seconds=3.0, jitter_seconds=2.0))

    def __post_init__(self) -> None:
        check_paging(self.page_size, MAX_PAGE_SIZE, self.max_pages, self.patience)


class ChinamoneyNotices:
    """Lists new ABN operating reports since a cursor and downloads them (a ``Source``)."""

    def __init__(self, settings: ChinamoneySettings | None = None, *, http: HttpClient | None = None,
                 name: str = "chinamoney_abn_reports", today: Callable[[], date] | None = None,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic):
        self.settings = settings or ChinamoneySettings()
        self.client = PoliteClient(
            SOURCE, http or HttpClient(), self.settings.politeness, sleep=sleep, clock=clock,
            advice="chinamoney blocks fast or foreign clients for hours: wait, raise "
                   "sources.chinamoney.min_interval_seconds, or fetch from a mainland network")
        self.name = name
        self._today = today or (lambda: datetime.now(SHANGHAI).date())
        self._token: tuple[str, str] | None = None
        self.token_refreshes = 0
        self.skipped_rows = 0

    @property
    def base(self) -> str:
        return self.settings.base_url.rstrip("/")

    def list_new(self, cursor: Cursor | None = None) -> Iterator[ListingEntry]:
        cursor = cursor or Cursor()
        start, end = listing_window(cursor, self.settings.start_date, EARLIEST, self._today())
        fetch = lambda number, key: self._page(number, key, start, end)  # noqa: E731
        yield from walk_newest_first(fetch, cursor, page_size=self.settings.page_size,
                                     max_pages=self.settings.max_pages, patience=self.settings.patience,
                                     name=self.name, keep=lambda entry: entry.extra["periodic_report"])

    def download(self, entry: ListingEntry) -> bytes:
        if not entry.download_url:
            raise ValueError(f"entry {entry.source_doc_id} has no download_url")
        self._warm_up(force=False)
        headers = {"Referer": entry.page_url or self.base + WARM_UP_PATH}
        return self.client.get(entry.download_url, expect="pdf", headers=headers, soft_ban_404=True).content

    # -- session, token, search ----------------------------------------------------------------

    def _warm_up(self, force: bool) -> None:
        """Visit the search page once per session so the site hands out its cookies."""
        if force or "lss" not in self.client.session.cookies:
            self.client.get(self.base + WARM_UP_PATH, expect="html", headers={"Accept": "text/html"})
            self._token = None

    def _fetch_token(self) -> tuple[str, str]:
        response = self.client.post(self.base + TOKEN_PATH, data={"type": "0"}, expect="json",
                                    headers={"Referer": self.base + WARM_UP_PATH, "X-Requested-With": "XMLHttpRequest"})
        answer = response.json()
        _check_head(answer, "token")
        data = answer.get("data") or {}
        if not data.get("UT") or not data.get("sign"):
            raise ChinamoneyError(f"chinamoney token answer lacks UT/sign: {str(answer)[:200]}")
        return str(data["UT"]), str(data["sign"]).replace("\n", "").strip()

    def _search(self, params: dict[str, Any]) -> dict:
        """One search call with session and token; a stale session or token is renewed once."""
        for attempt in range(2):
            try:
                self._warm_up(force=attempt > 0)
                if self._token is None:
                    self._token = self._fetch_token()
                ut, sign = self._token
                headers = {"Referer": f"{self.base}{WARM_UP_PATH}?searchValue={quote(self.settings.search_text)}",
                           "X-Requested-With": "XMLHttpRequest", "Accept": "application/json, text/javascript, */*"}
                response = self.client.post(self.base + SEARCH_PATH, params={**params, "infoLevel": ut, "sign": sign},
                                            data=b"", headers=headers, expect="json")
            except SiteBlockedError:
                if attempt:
                    raise
                log.info("%s: refused; renewing the session once before giving up", self.name)
                continue
            answer = response.json()
            code = str((answer.get("head") or {}).get("rep_code"))
            if code in (TOKEN_EXPIRED, TOKEN_INVALID) and attempt == 0:
                self.token_refreshes += 1
                self._token = None
                continue
            _check_head(answer, "search")
            return answer
        raise ChinamoneyError("chinamoney kept refusing the token after a renewal")

    def _page(self, number: int, key: list[str] | None, start: date, end: date) -> Page:
        params = {
            "text": self.settings.search_text, "field": "title", "sort": "date", "date": "all",
            "start": f"{start:%Y-%m-%d}", "end": f"{end:%Y-%m-%d}", "pageIndex": number,
            "pageSize": self.settings.page_size, "public": "false", "channelIdStr": CHANNEL_IDS, "nodeLevel": 1,
        }
        if number == 1 or not key:
            params["op"] = "top"
        else:
            params.update(op="next", searchAfter=",".join(str(k) for k in key))
        answer = self._search(params)
        result = ((answer.get("data") or {}).get("result")) or {}
        items = result.get("pageItems")
        if not isinstance(items, list):
            raise ChinamoneyError(f"chinamoney search answer has no pageItems: {str(answer)[:200]}")
        entries = []
        for item in items:
            title = clean_title(str(item.get("title") or ""))
            try:
                entries.append(self._entry(item, title))
            except (KeyError, TypeError, ValueError) as exc:
                self.skipped_rows += 1
                log.warning("%s: skipping malformed notice (%s): %.200r", self.name, exc, item)
        return Page(entries, len(items), result.get("sortNext") or None)

    def _entry(self, item: dict[str, Any], title: str) -> ListingEntry:
        released = datetime.fromtimestamp(int(item["releaseDate"]) / 1000, SHANGHAI)
        page_url = self.base + str(item["dealPath"]) if item.get("dealPath") else None
        periodic = is_periodic_report(title)
        content_id = self._content_id(item, page_url) if periodic else ""
        return ListingEntry(
            source=SOURCE,
            source_doc_id=f"{item['id']}:{content_id}",
            title=title,
            published_at=released,
            page_url=page_url,
            download_url=f"{self.base}{DOWNLOAD_PATH}?mode=open&contentId={content_id}&priority=0",
            file_name=safe_file_name(f"{title}.pdf"),
            doc_type_hint="abn_operating_report",
            extra={"notice_id": str(item["id"]), "content_id": content_id, "paths": item.get("paths") or [],
                   "periodic_report": periodic},
        )

    def _content_id(self, item: dict[str, Any], page_url: str | None) -> str:
        """From the first attachment path, else from the detail page's download link."""
        for path in item.get("paths") or []:
            match = _PATH_ID.search(str(path))
            if match:
                return match.group(1)
        if not page_url:
            raise ValueError("notice has neither attachment paths nor a detail page")
        page = self.client.get(page_url, expect="html", headers={"Referer": self.base + WARM_UP_PATH})
        match = _CONTENT_ID.search(page.content.decode("utf-8", errors="replace"))
        if not match:
            raise ValueError(f"detail page {page_url} names no contentId")
        return match.group(1)


def _check_head(answer: Any, what: str) -> None:
    head = answer.get("head") if isinstance(answer, dict) else None
    if not isinstance(head, dict) or str(head.get("rep_code")) != "200":
        raise ChinamoneyError(f"chinamoney {what} refused: {str(head or answer)[:200]}")


def clean_title(text: str) -> str:
    """The title without the search highlight (``<font color='red'>…</font>``) and entities."""
    return " ".join(html.unescape(_TAG.sub("", text)).split())


def is_periodic_report(title: str) -> bool:
    """An ABN's periodic operating report: the note's name ends at its last 票据 (plus a bracket
    such as (债券通)); what follows names 运营报告, and neither 年度 (annual reports are audited
    others) nor 公告 (notices that merely mention a report)."""
    match = _PRODUCT.match(title)
    if not match:
        return False
    rest = match.group(2)
    return "运营报告" in rest and "年度" not in rest and "公告" not in rest
