"""ChinaBond disclosure listing (信息披露): what trustees and issuers published, and its files.

Two APIs serve the same listing:

* the older form API, ``POST {base}/cbiw/trs/getDocsByConditions`` (form fields, answer
  ``{success, data: {data: {list: [...]}}}``, PascalCase keys, ``appendixIds`` filled in);
* the current JSON API, ``POST {base}/cbiw/trs/getContentByConditions`` (JSON body, answer
  ``{success, data: {list: [...], total}}``, camelCase keys, ``appendixIds`` often null, so
  the file links are read from the detail page).

One ``ListingEntry`` per attached file (a trustee report has one, an offering has several).
No document content is parsed here.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from html.parser import HTMLParser
from typing import Iterator, Literal
from urllib.parse import unquote, urljoin, urlsplit

from sources.base import SHANGHAI, Cursor, ListingEntry, safe_file_name
from sources.http import HttpClient

log = logging.getLogger(__name__)

SOURCE = "chinabond"
DEFAULT_BASE_URL = "https://www.chinabond.com.cn"
FORM_API_PATH = "/cbiw/trs/getDocsByConditions"
JSON_API_PATH = "/cbiw/trs/getContentByConditions"
LISTING_PAGE_PATH = "/xxpl/ywzc_fxyfxdh/fxyfxdh_zqzl/zqzl_zjzzczj/"
PARENT_CHANNEL_ID = 948
PARENT_CHANNEL_NAME = "zqzl_zjzzczj"

TRUSTEE_REPORTS = "付息兑付与行权公告"
OFFERING_DOCUMENTS = "发行文件"
REPEATED_PAGE_RETRIES = 3
"""How often a page that repeats already-seen rows is asked for again."""
DOC_TYPE_HINTS = {TRUSTEE_REPORTS: "trustee_report", OFFERING_DOCUMENTS: "offering_document"}

MAX_PAGE_SIZE = 100
DOCUMENT_EXTENSIONS = (".pdf", ".xlsx", ".xls", ".doc", ".docx", ".zip", ".rar", ".csv")
_APPENDIX_SPLIT = re.compile(r"[,，*;|]\s*(?=\d+=)")
_KEYWORD_JUNK = re.compile(r"[^\w\s]+")
_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d")


class ListingError(Exception):
    """The API answered, but not with a listing (``success`` false or an unknown shape)."""


@dataclass(frozen=True)
class Attachment:
    """One file of a disclosure: where it lives and what it was called by the publisher."""

    url: str
    stored_name: str
    original_name: str | None = None
    attach_id: str | None = None


@dataclass(frozen=True)
class ListingRow:
    """One row of either API, with the key spellings of both folded together."""

    docid: str
    title: str
    published_at: datetime
    page_url: str | None
    appendix_ids: str | None
    raw: dict = field(hash=False)


@dataclass(frozen=True)
class ChinaBondListingSettings:
    """Where and what to list. ``patience`` = pages in a row without anything new before stopping."""

    base_url: str = DEFAULT_BASE_URL
    api: Literal["form", "json"] = "form"
    channel: str = TRUSTEE_REPORTS
    page_size: int = 50
    keywords: str = ""
    notice_year: str = ""
    start_date: str = ""
    max_pages: int = 500
    patience: int = 2

    def __post_init__(self) -> None:
        if not 1 <= self.page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be 1..{MAX_PAGE_SIZE}, got {self.page_size}")
        if self.api not in ("form", "json"):
            raise ValueError(f"api must be 'form' or 'json', got {self.api!r}")
        if self.max_pages < 1 or self.patience < 1:
            raise ValueError("max_pages and patience must be at least 1")


class ChinaBondListing:
    """Lists new disclosures of one channel and downloads their files (a ``Source``).

    ``name`` keys the cursor (one per channel); entries carry ``source='chinabond'``.
    """

    def __init__(
        self,
        settings: ChinaBondListingSettings | None = None,
        *,
        http: HttpClient | None = None,
        name: str | None = None,
    ):
        self.settings = settings or ChinaBondListingSettings()
        self.http = http or HttpClient()
        hint = DOC_TYPE_HINTS.get(self.settings.channel)
        self.name = name or (f"{SOURCE}_{hint}s" if hint else SOURCE)
        self.skipped_rows = 0

    def list_new(self, cursor: Cursor | None = None) -> Iterator[ListingEntry]:
        """Page through the listing, yielding each new file once (rows deduped by docid)."""
        cursor = cursor or Cursor()
        seen_docids: set[str] = set()
        idle_pages = 0
        for page_num in range(1, self.settings.max_pages + 1):
            raw_rows = self._fetch_page(page_num, cursor)
            rows = self._parse_rows(raw_rows)
            for _ in range(REPEATED_PAGE_RETRIES):
                # A site under load sometimes answers page n with page n-1 again: ask once more
                # rather than skip page n's entries for good.
                if not rows or any(r.docid not in seen_docids for r in rows):
                    break
                raw_rows = self._fetch_page(page_num, cursor)
                rows = self._parse_rows(raw_rows)
            fresh = [r for r in rows if r.docid not in seen_docids and cursor.may_be_new(r.published_at)]
            seen_docids.update(row.docid for row in rows)
            produced = 0
            for entry in (e for row in fresh for e in self._entries(row) if cursor.is_new(e)):
                produced += 1
                yield entry
            if len(raw_rows) < self.settings.page_size:
                return
            idle_pages = 0 if produced else idle_pages + 1
            if idle_pages >= self.settings.patience:
                return
        log.warning("%s: stopped after max_pages=%d; the listing may go further", self.name, self.settings.max_pages)

    def download(self, entry: ListingEntry) -> bytes:
        """Fetch the file behind an entry, checking that a PDF is a PDF (not a block page)."""
        if not entry.download_url:
            raise ValueError(f"entry {entry.source_doc_id} has no download_url")
        expect = "html" if entry.extra.get("is_detail_page") else _expect_for(entry.file_name or entry.download_url)
        headers = {"Referer": entry.page_url or self._listing_page()}
        return self.http.get(entry.download_url, expect=expect, headers=headers).content

    # -- listing pages ------------------------------------------------------------------

    def _fetch_page(self, page_num: int, cursor: Cursor) -> list[dict]:
        """POST one page to whichever API is configured and return its raw rows."""
        base = self.settings.base_url.rstrip("/")
        headers = {
            "Accept": "application/json, text/javascript, */*; q=0.01",
            "X-Requested-With": "XMLHttpRequest",
            "Referer": self._listing_page(),
        }
        if self.settings.api == "form":
            payload = self._form_payload(page_num)
            response = self.http.post(base + FORM_API_PATH, data=payload, headers=headers, expect="json")
        else:
            payload = self._json_payload(page_num, cursor)
            response = self.http.post(base + JSON_API_PATH, json=payload, headers=headers, expect="json")
        return rows_from_response(json.loads(response.content.decode("utf-8-sig")))

    def _form_payload(self, page_num: int) -> dict:
        """Form fields of the older API (the site wants every field, even empty ones)."""
        return {
            "parentChnlId": PARENT_CHANNEL_ID,
            "childChnlName": self.settings.channel,
            "keywords": clean_keywords(self.settings.keywords),
            "pageNum": page_num,
            "pageSize": self.settings.page_size,
            "isHasAppendix": 1,
            "noticeYear": self.settings.notice_year,
            "fxrId": "",
            "zcxsId": "",
        }

    def _json_payload(self, page_num: int, cursor: Cursor) -> dict:
        """JSON body of the current API; the cursor's day narrows the query server-side."""
        start = cursor.published_at.date().isoformat() if cursor.published_at else self.settings.start_date
        return {
            "parentChnlName": PARENT_CHANNEL_NAME,
            "excludeParentChnlNames": [],
            "childChnlDesc": self.settings.channel,
            "hasAppendix": True,
            "siteName": "chinaBond",
            "pageSize": self.settings.page_size,
            "pageNum": page_num,
            "queryParam": {
                "keywords": clean_keywords(self.settings.keywords),
                "startDate": start,
                "endDate": "",
                "reportType": "",
                "reportYear": "",
                "ratingAgency": "",
            },
        }

    def _parse_rows(self, raw_rows: list[dict]) -> list[ListingRow]:
        """Parse rows, skipping (and counting) the few that lack an id or a time."""
        rows = []
        for raw in raw_rows:
            try:
                rows.append(parse_row(raw, self.settings.base_url))
            except (KeyError, TypeError, ValueError) as exc:
                self.skipped_rows += 1
                log.warning("%s: skipping malformed listing row (%s): %.200r", self.name, exc, raw)
        return rows

    def _listing_page(self) -> str:
        return self.settings.base_url.rstrip("/") + LISTING_PAGE_PATH

    # -- entries --------------------------------------------------------------------------

    def _entries(self, row: ListingRow) -> list[ListingEntry]:
        """One entry per attachment; a notice without files yields its detail page instead."""
        attachments = self._attachments(row)
        if not attachments:
            return [self._page_entry(row)] if row.page_url else []
        return [self._attachment_entry(row, attachment) for attachment in attachments]

    def _attachments(self, row: ListingRow) -> list[Attachment]:
        """Files from ``appendixIds``, or from the detail page when the API left it empty."""
        if not row.page_url:
            return []
        listed = parse_appendix_ids(row.appendix_ids, row.page_url)
        if listed:
            return listed
        response = self.http.get(row.page_url, expect="html", headers={"Referer": self._listing_page()})
        return attachment_links(decode_html(response.content), row.page_url)

    def _attachment_entry(self, row: ListingRow, attachment: Attachment) -> ListingEntry:
        display = attachment.original_name or attachment.stored_name
        if not display.lower().endswith(DOCUMENT_EXTENSIONS):
            display += _extension(attachment.stored_name)
        return ListingEntry(
            source=SOURCE,
            source_doc_id=f"{row.docid}:{attachment.stored_name}",
            title=row.title,
            published_at=row.published_at,
            page_url=row.page_url,
            download_url=attachment.url,
            file_name=safe_file_name(display),
            doc_type_hint=DOC_TYPE_HINTS.get(self.settings.channel),
            extra=self._extra(row, attach_id=attachment.attach_id, stored_name=attachment.stored_name),
        )

    def _page_entry(self, row: ListingRow) -> ListingEntry:
        return ListingEntry(
            source=SOURCE,
            source_doc_id=row.docid,
            title=row.title,
            published_at=row.published_at,
            page_url=row.page_url,
            download_url=row.page_url,
            file_name=safe_file_name(f"{row.title}.html"),
            doc_type_hint=DOC_TYPE_HINTS.get(self.settings.channel),
            extra=self._extra(row, is_detail_page=True),
        )

    def _extra(self, row: ListingRow, **more) -> dict:
        """The ids kept beside the entry (not the whole listing row: nothing reads it, and at
        ≈ 1.4 KB a row a market year's 32,000 rows held ≈ 40 MB while their documents downloaded)."""
        return {
            "docid": row.docid,
            "api": self.settings.api,
            "channel": self.settings.channel,
            "issue_year": _lower_get(row.raw, "faxingnianfen"),
            "issuer_id": _lower_get(row.raw, "faxingrenid"),
            **more,
        }


# -- parsing helpers (pure functions, tested on the real listing) ---------------------------


def rows_from_response(body: object) -> list[dict]:
    """The row list of either API's answer; ``[]`` for an answer that holds no data."""
    if not isinstance(body, dict):
        raise ListingError(f"listing answer is not an object: {str(body)[:200]}")
    if body.get("success") is False:
        message = body.get("msg") or body.get("message") or ""
        raise ListingError(f"listing API refused: code={body.get('code')} {message}".strip())
    data = body.get("data")
    if isinstance(data, dict) and "list" not in data and "data" in data:
        data = data["data"]
    if data is None:
        return []
    rows = data.get("list") if isinstance(data, dict) else None
    if rows is None and not (isinstance(data, dict) and "list" in data):
        raise ListingError(f"listing answer has no list: {str(body)[:200]}")
    return list(rows or [])


def parse_row(raw: dict, base_url: str = DEFAULT_BASE_URL) -> ListingRow:
    """Fold both APIs' key spellings (``DocTitle``/``docTitle`` …) into one row."""
    docid = _lower_get(raw, "docid", "origindocid", "metadataid")
    when = _lower_get(raw, "shengxiaoshijian", "docpubtime", "pubdate")
    if docid in (None, "") or when in (None, ""):
        raise ValueError("row without docid or publish time")
    page_url = _lower_get(raw, "docpuburl", "puburl", "url")
    return ListingRow(
        docid=str(docid),
        title=str(_lower_get(raw, "doctitle", "title") or "").strip(),
        published_at=parse_publish_time(when),
        page_url=urljoin(base_url.rstrip("/") + "/", page_url) if page_url else None,
        appendix_ids=_lower_get(raw, "appendixids") or None,
        raw=raw,
    )


def parse_publish_time(value: object) -> datetime:
    """Beijing time from ``2025-11-19 17:57:50`` (and kin) or epoch seconds/milliseconds."""
    if isinstance(value, (int, float)) or (isinstance(value, str) and value.strip().isdigit()):
        number = float(value)
        return datetime.fromtimestamp(number / 1000 if number > 1e11 else number, SHANGHAI)
    text = str(value).strip()
    for fmt in _TIME_FORMATS:
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=SHANGHAI)
        except ValueError:
            continue
    parsed = datetime.fromisoformat(text)
    return parsed.astimezone(SHANGHAI) if parsed.tzinfo else parsed.replace(tzinfo=SHANGHAI)


def parse_appendix_ids(value: str | None, page_url: str) -> list[Attachment]:
    """``<attachId>=<stored name>=<original name>`` items (comma- or star-separated).

    The file lives in the directory of the detail page under its stored name; a stored name
    that is not one plain path component (``../x``, ``/etc/passwd``, ``%2e%2e``) is skipped, never
    resolved. Splitting only before ``<digits>=`` keeps commas inside original names intact.
    """
    attachments, directory = [], page_url.rsplit("/", 1)[0] + "/"
    for item in _APPENDIX_SPLIT.split(value or ""):
        parts = [part.strip() for part in item.split("=", 2)]
        if len(parts) < 2 or not parts[1]:
            continue
        stored = parts[1]
        if not is_plain_file_name(stored):
            log.warning("listing: skipping attachment with an unsafe stored name %.200r", parts[1])
            continue
        original = parts[2] if len(parts) > 2 and parts[2] else None
        attachments.append(Attachment(directory + stored, stored, original, parts[0] or None))
    return attachments


def is_plain_file_name(name: str) -> bool:
    """One path component, also once percent-decoded: no ``..``, separators or control characters
    (a listing must not steer a download into another directory of the site)."""
    decoded = unquote(name)
    return (bool(decoded.strip()) and decoded not in (".", "..") and "/" not in decoded and "\\" not in decoded
            and not any(ord(ch) < 32 or ord(ch) == 127 for ch in decoded))


def attachment_links(html: str, page_url: str) -> list[Attachment]:
    """File links (``<a href="….pdf">name</a>``) of a detail page, absolute and deduplicated."""
    collector = _LinkCollector()
    collector.feed(html)
    collector.close()
    attachments, seen = [], set()
    origin = urlsplit(page_url)
    for href, text in collector.links:
        url = urljoin(page_url, href.strip())
        parts = urlsplit(url)
        path = parts.path
        if not path.lower().endswith(DOCUMENT_EXTENSIONS) or url in seen:
            continue
        if (parts.scheme, parts.netloc) != (origin.scheme, origin.netloc) or ".." in unquote(href).split("/"):
            log.warning("listing: skipping attachment link off the site or with '..': %.200r", href)
            continue
        seen.add(url)
        stored = path.rsplit("/", 1)[-1]
        attachments.append(Attachment(url, stored, " ".join(text.split()) or None))
    return attachments


def decode_html(body: bytes) -> str:
    """Detail pages are UTF-8 today; older ones may be GB18030."""
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("gb18030", errors="replace")


def clean_keywords(text: str) -> str:
    """The API rejects punctuation in keywords (ERR_E_Y_CK_CBIW_0001): keep words and spaces."""
    return " ".join(_KEYWORD_JUNK.sub(" ", text or "").split())


class _LinkCollector(HTMLParser):
    """Collects (href, text) of every ``<a>``; the stdlib parser tolerates broken markup."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._href, self._text = dict(attrs).get("href") or None, []

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.links.append((self._href, "".join(self._text)))
            self._href = None


def _lower_get(raw: dict, *keys: str) -> object:
    """First present value among case-insensitive keys (the APIs differ only in case)."""
    lowered = {str(k).lower(): v for k, v in raw.items()}
    for key in keys:
        if lowered.get(key) not in (None, ""):
            return lowered[key]
    return None


def _extension(name: str) -> str:
    stem, dot, ext = name.rpartition(".")
    return f".{ext}" if dot and stem and len(ext) <= 5 else ""


def _expect_for(name: str) -> str | None:
    """What the body must look like, from the file's extension."""
    path = urlsplit(name).path.lower() if "://" in name else name.lower()
    if path.endswith(".pdf"):
        return "pdf"
    if path.endswith((".xlsx", ".xls")):
        return "xlsx"
    return None
