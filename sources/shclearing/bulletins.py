"""Shanghai Clearing's (上海清算所) bulletin search for ABN 资产运营报告, and the files behind
it through the site's download gateway.

The search (``queryNewBulletinList``, a form POST with ``bondName``, ``limit``, ``start``)
lists bulletins newest first with a publish time, a title and the article page's ``url``. The
article page names its attachments in a script (``var fileNames = './P0….pdf;;…'``); a file
is served only through ``download.jsp?FileName=…`` with the article page as Referer (the
attachment's direct link answers 404). The site answers fast clients with 429 on the search
and soft-ban 404s on pages and files.

One ``ListingEntry`` per bulletin that is a periodic operating report of an asset-backed note
(the title filter chinamoney's connector uses); the article page is read when the entry is
downloaded, not when it is listed. No document content is parsed here.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from datetime import time as dtime
from typing import Any
from urllib.parse import urljoin, urlsplit

from sources.base import SHANGHAI, Cursor, ListingEntry, safe_file_name
from sources.chinamoney.notices import is_periodic_report
from sources.http import HttpClient
from sources.paging import Page, check_paging, walk_newest_first
from sources.polite import Politeness, PoliteClient

log = logging.getLogger(__name__)

SOURCE = "shclearing"
SEARCH_PATH = "/shchapp/web/clientDisclosureQuery/queryNewBulletinList"
SEARCH_PAGE = "/sy/qwjs/"
GATEWAY_PATH = "/wcm/shch/pages/client/download/download.jsp"
MAX_PAGE_SIZE = 100
_FILE_NAMES = re.compile(r"""var\s+fileNames\s*=\s*['"]([^'"]*)['"]""")


class ShclearingError(Exception):
    """Shanghai Clearing answered, but not with a bulletin list, or an article names no file."""


@dataclass(frozen=True)
class ShclearingSettings:
    """Where Shanghai Clearing lives and how to ask it. The search has no date filter: a first
    run walks the list down to ``start_date`` (or ``max_pages``), later runs to the cursor."""

    base_url: str = "https://www.shclearing.com.cn"
    search_text: str = "资产支持票据 运营报告"
    page_size: int = 20
    start_date: date | None = None
    max_pages: int = 500
    patience: int = 2
    politeness: Politeness = field(default_factory=lambda: Politeness(min_interval_seconds=2.5, jitter_seconds=1.0))

    def __post_init__(self) -> None:
        check_paging(self.page_size, MAX_PAGE_SIZE, self.max_pages, self.patience)


class ShclearingBulletins:
    """Lists new ABN operating reports on Shanghai Clearing since a cursor and downloads them
    (a ``Source``)."""

    def __init__(self, settings: ShclearingSettings | None = None, *, http: HttpClient | None = None,
                 name: str = "shclearing_abn_reports", sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic):
        self.settings = settings or ShclearingSettings()
        self.client = PoliteClient(
            SOURCE, http or HttpClient(), self.settings.politeness, sleep=sleep, clock=clock,
            advice="Shanghai Clearing soft-bans frequent clients (404/429): wait, raise "
                   "sources.shclearing.min_interval_seconds, or fetch from another network")
        self.name = name
        self.skipped_rows = 0

    @property
    def base(self) -> str:
        return self.settings.base_url.rstrip("/")

    def list_new(self, cursor: Cursor | None = None) -> Iterator[ListingEntry]:
        """Newest first, page by page, down to the cursor (a first run: to ``start_date``)."""
        cursor = cursor or Cursor()
        if cursor.published_at is None and self.settings.start_date is not None:
            cursor = Cursor(datetime.combine(self.settings.start_date, dtime(0), SHANGHAI))
        size = self.settings.page_size
        fetch = lambda number, _key: self._page(number, size)  # noqa: E731
        yield from walk_newest_first(fetch, cursor, page_size=size, max_pages=self.settings.max_pages,
                                     patience=self.settings.patience, name=self.name,
                                     keep=lambda entry: is_periodic_report(entry.title))

    def download(self, entry: ListingEntry) -> bytes:
        """The article page's first attachment, through the gateway with the page as Referer; a
        404 for a listed page or file is treated as a soft ban first."""
        if not entry.page_url:
            raise ValueError(f"entry {entry.source_doc_id} has no article page")
        page = self.client.get(entry.page_url, expect="html", soft_ban_404=True,
                               headers={"Referer": self.base + SEARCH_PAGE})
        name = attachment_name(page.content.decode("utf-8", errors="replace"), entry.page_url)
        return self.client.get(self.base + GATEWAY_PATH, params={"FileName": name}, expect="pdf",
                               headers={"Referer": entry.page_url}, soft_ban_404=True).content

    def _page(self, number: int, size: int) -> Page:
        form = {"bondName": self.settings.search_text, "limit": size, "start": (number - 1) * size}
        headers = {"Referer": self.base + SEARCH_PAGE, "X-Requested-With": "XMLHttpRequest",
                   "Accept": "application/json, text/javascript, */*"}
        response = self.client.post(self.base + SEARCH_PATH, data=form, headers=headers, expect="json")
        rows = rows_from_answer(response.content)
        entries = []
        for raw in rows:
            try:
                entries.append(self._entry(raw))
            except (KeyError, TypeError, ValueError) as exc:
                self.skipped_rows += 1
                log.warning("%s: skipping malformed bulletin (%s): %.200r", self.name, exc, raw)
        return Page(entries, len(rows))

    def _entry(self, raw: dict[str, Any]) -> ListingEntry:
        url = str(raw["url"]).strip()
        if not url:
            raise ValueError("bulletin without url")
        title = " ".join(str(raw.get("title") or "").split())
        page_url = urljoin(self.base + "/", url)
        published = publish_time(raw)
        return ListingEntry(
            source=SOURCE,
            # the article page and its publish time (its file name is only known once the page is
            # read): an article republished with a replaced file is a new document
            source_doc_id=f"{urlsplit(page_url).path.strip('/').removesuffix('.html')}@{published:%Y%m%d%H%M%S}",
            title=title,
            published_at=published,
            page_url=page_url,
            download_url=page_url,
            file_name=safe_file_name(f"{title}.pdf"),
            doc_type_hint="abn_operating_report",
            extra={"article": url},
        )


def rows_from_answer(body: bytes) -> list[dict]:
    """The bulletin rows (``root``) of a search answer."""
    try:
        answer = json.loads(body.decode("utf-8-sig", errors="replace"))
    except ValueError as exc:
        raise ShclearingError(f"Shanghai Clearing answer is not JSON: {body[:200]!r}") from exc
    if not isinstance(answer, dict) or not isinstance(answer.get("root"), list):
        raise ShclearingError(f"Shanghai Clearing answer has no root list: {str(answer)[:200]}")
    if answer.get("success") is False:
        raise ShclearingError(f"Shanghai Clearing refused the search: {answer.get('msg')!r}")
    return answer["root"]


def publish_time(raw: dict[str, Any]) -> datetime:
    """``publishDate`` (to the second, or a bare day at 00:00), Beijing time."""
    value = str(raw.get("publishDate") or "").strip()
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=SHANGHAI)
        except ValueError:
            continue
    raise ValueError(f"no publish time in publishDate: {value!r}")


def attachment_name(page: str, page_url: str) -> str:
    """The first PDF the article's ``fileNames`` script variable names (``./P0….pdf``)."""
    match = _FILE_NAMES.search(page)
    names = [n.strip().removeprefix("./") for n in (match.group(1).split(";;") if match else []) if n.strip()]
    pdfs = [n for n in names if n.lower().endswith(".pdf")]
    if not pdfs:
        raise ShclearingError(f"article {page_url} names no PDF attachment (fileNames = {names!r})")
    return pdfs[0]
