"""Vendor exports and market-data files delivered through a JSON index (``/vendor/index.json``).

Teams receive Wind / CNABS exports, valuations and market totals as files; the sample market
publishes them behind an index ``{"documents": [{title, published_at, url, doc_type, doc_id,
file_name, …}]}``. The cursor is the publish time plus ids, like every source.

One index serves several cadences (market data daily, AMC data daily, deal exports with the
trustee reports), so a feed may take only some document types (``doc_types``) or all but some
(``exclude_doc_types``). Each such feed needs its own ``name``: the name keys the cursor, and
two feeds sharing a cursor would skip each other's documents. Entries keep ``source =
"vendor_feed"`` whatever the feed, so the raw store knows a document by the same id.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sources.base import Cursor, ListingEntry, safe_file_name
from sources.http import HttpClient

SOURCE = "vendor_feed"


class VendorFeed:
    """Lists the index (optionally only some doc types, or without some) and downloads each file."""

    def __init__(self, index_url: str, *, http: HttpClient | None = None, exclude_doc_types: tuple[str, ...] = (),
                 doc_types: tuple[str, ...] | None = None, name: str = SOURCE):
        self.index_url = index_url
        self.http = http or HttpClient()
        self.exclude_doc_types = exclude_doc_types
        self.doc_types = doc_types
        self.name = name

    def list_new(self, cursor: Cursor | None = None) -> Iterator[ListingEntry]:
        cursor = cursor or Cursor()
        body = self.http.get(self.index_url, expect="json").json()
        entries = []
        for doc in body.get("documents", []):
            if doc.get("doc_type") in self.exclude_doc_types or (
                    self.doc_types is not None and doc.get("doc_type") not in self.doc_types):
                continue
            entry = ListingEntry(
                source=SOURCE, source_doc_id=str(doc["doc_id"]), title=doc.get("title") or "",
                published_at=datetime.fromisoformat(doc["published_at"]), download_url=doc["url"],
                file_name=safe_file_name(doc.get("file_name")), doc_type_hint=doc.get("doc_type"),
                extra={k: doc[k] for k in ("curve_id", "year", "channel") if k in doc},
            )
            if cursor.is_new(entry):
                entries.append(entry)
        yield from sorted(entries, key=lambda e: (e.published_at, e.source_doc_id))

    def download(self, entry: ListingEntry) -> bytes:
        return self.http.get(entry.download_url).content
