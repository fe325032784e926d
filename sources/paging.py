"""Walking a newest-first listing down to a cursor, for the exchange-venue connectors.

The sites list newest first, page by page (numbered pages, or a "search after" key). A walk
yields each entry newer than the cursor once, and stops at the first page that reaches back
past the cursor, on a short page, after ``patience`` pages that brought nothing new, or at
``max_pages``. A busy site sometimes answers page n with page n-1 again: a page whose entries
were all seen already is asked for again (up to ``REPEATED_PAGE_RETRIES`` times) rather than
taken as the end.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sources.base import Cursor, ListingEntry

log = logging.getLogger(__name__)

REPEATED_PAGE_RETRIES = 3


@dataclass
class Page:
    """One answer of a list API: its entries, how many rows it held (before any were skipped),
    and the key to ask for the page after it (cursor-paged APIs only)."""

    entries: list[ListingEntry]
    rows: int
    next_key: Any = None


@dataclass
class _Walk:
    cursor: Cursor
    patience: int
    seen: set[str] = field(default_factory=set)
    idle: int = 0
    reached_cursor: bool = False

    def is_repeat(self, page: Page) -> bool:
        return bool(page.entries) and all(e.source_doc_id in self.seen for e in page.entries)

    def take(self, page: Page) -> list[ListingEntry]:
        fresh = [e for e in page.entries if e.source_doc_id not in self.seen and self.cursor.is_new(e)]
        self.seen.update(e.source_doc_id for e in page.entries)
        since = self.cursor.published_at
        if since is not None and any(e.published_at < since for e in page.entries):
            self.reached_cursor = True
        self.idle = 0 if fresh else self.idle + 1
        return fresh


def check_paging(page_size: int, max_page_size: int, max_pages: int, patience: int) -> None:
    """Refuse paging settings a site would not honour (a bad config fails at start, not mid-run)."""
    if not 1 <= page_size <= max_page_size:
        raise ValueError(f"page_size must be 1..{max_page_size}, got {page_size}")
    if max_pages < 1 or patience < 1:
        raise ValueError("max_pages and patience must be at least 1")


def listing_window(cursor: Cursor, start_date: date | None, earliest: date, today: date) -> tuple[date, date]:
    """The days to ask a site for: from the cursor's day (or, on a first run, the configured first
    day, else ``earliest``) to tomorrow (a late-evening announcement may carry tomorrow's date)."""
    start = cursor.published_at.date() if cursor.published_at else (start_date or earliest)
    return start, today + timedelta(days=1)


def walk_newest_first(fetch: Callable[[int, Any], Page], cursor: Cursor, *, page_size: int, max_pages: int,
                      patience: int, name: str, keep: Callable[[ListingEntry], bool] = lambda entry: True,
                      ) -> Iterator[ListingEntry]:
    """Yield new entries page by page; ``fetch(page_number, key_of_previous_page)`` gets a page.

    ``keep`` filters what is yielded (e.g. by title) without making a page of new but unwanted
    entries look like the end of the news."""
    walk = _Walk(cursor, patience)
    key = None
    for number in range(1, max_pages + 1):
        page = fetch(number, key)
        for _ in range(REPEATED_PAGE_RETRIES):
            if not walk.is_repeat(page):
                break
            log.info("%s: page %d repeated an earlier page; asking again", name, number)
            page = fetch(number, key)
        fresh = walk.take(page)
        yield from sorted((e for e in fresh if keep(e)), key=lambda e: (e.published_at, e.source_doc_id), reverse=True)
        if page.rows < page_size or walk.reached_cursor or walk.idle >= patience:
            return
        key = page.next_key
    log.warning("%s: stopped after max_pages=%d; the listing may go further", name, max_pages)
