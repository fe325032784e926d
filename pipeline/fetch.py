"""Fetch what is new from each source into the raw store, advancing cursors safely.

A source is listed first (cheap: listing pages), then its documents are downloaded
concurrently, up to the source's limit (``sources.<name>.concurrency``: polite for real
sites, high for the loopback sample market). Each stored document is handed on at once
(``on_stored``), so parsing starts while later documents are still downloading.

A document already in the raw store (same source and id) is never downloaded again, so a
run that resumes after a crash only fetches what it lacks. A cursor never moves past a
document whose download failed: the next run will list it again.
"""

from __future__ import annotations

import logging
import queue
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import NamedTuple

import duckdb

from sources.base import Cursor, ListingEntry, Source
from sources.polite import SiteBlockedError
from warehouse.rawstore import RawStore, StoredDocument

log = logging.getLogger(__name__)

IN_FLIGHT_PER_THREAD = 2
"""Downloads handed to the pool per download thread at a time: each thread always has its next."""


@dataclass
class FetchReport:
    """What one fetch pass did (one source, or several merged)."""

    stored: list[StoredDocument] = field(default_factory=list)
    reused: int = 0
    failures: list[dict] = field(default_factory=list)
    cursors: dict[str, Cursor] = field(default_factory=dict)

    def merge(self, other: "FetchReport") -> None:
        self.stored.extend(other.stored)
        self.reused += other.reused
        self.failures.extend(other.failures)
        self.cursors.update(other.cursors)


class Taken(NamedTuple):
    """What the cursor needs of a stored entry (``Cursor.advance`` reads these two fields)."""

    published_at: datetime
    source_doc_id: str


@dataclass
class Listing:
    """What one source listed as new since its cursor, and how far downloading it has got.

    Downloading consumes it: each entry leaves ``entries`` (its slot becomes ``None``) once it
    is stored or has failed, keeping only what the cursor needs (``taken``), so a source's listing
    does not stay whole in memory until its last download (a market year's 42,879 entries held
    ≈ 57 MB, a third to a half of it the sources' ``extra`` fields). What was done is kept here, so a retry of
    the download goes on from where the failed attempt stopped."""

    source: Source
    cursor: Cursor
    entries: list[ListingEntry | None]
    refused: dict | None = None  # the site blocked the listing (a fetch failure of the run)
    report: FetchReport = field(default_factory=FetchReport, init=False)   # downloads so far, every attempt
    taken: list[Taken] = field(default_factory=list, init=False)
    first_failure: datetime | None = field(default=None, init=False)
    planned: dict[str | None, int] = field(default_factory=dict, init=False)   # entries by hint, as listed

    def __post_init__(self) -> None:
        for e in self.entries:
            self.planned[e.doc_type_hint] = self.planned.get(e.doc_type_hint, 0) + 1
        if self.refused is not None:
            self.report.failures.append(self.refused)

    def counts(self) -> dict[str | None, int]:
        """Entries by the source's type hint, as listed (before any was downloaded)."""
        return dict(self.planned)


def read_cursors(con: duckdb.DuckDBPyConnection) -> dict[str, Cursor]:
    rows = con.execute("SELECT source, cursor_json FROM raw.fetch_cursors").fetchall()
    return {name: Cursor.from_json(text) for name, text in rows}


def write_cursors(con: duckdb.DuckDBPyConnection, cursors: dict[str, Cursor]) -> None:
    for name, cursor in sorted(cursors.items()):  # delete + insert: a lake has no keys for INSERT OR REPLACE
        con.execute("DELETE FROM raw.fetch_cursors WHERE source = ?", [name])
        con.execute("INSERT INTO raw.fetch_cursors VALUES (?, ?, now())", [name, cursor.to_json()])


def list_source(source: Source, cursors: dict[str, Cursor]) -> Listing:
    """What the source lists since its cursor. A site that refuses us through every retry
    (``SiteBlockedError``) yields an empty listing that carries the refusal: the run goes on
    with its other sources, reports the block among its fetch failures, and keeps this source's
    cursor where it was (a partial listing is dropped: it holds the newest entries only)."""
    cursor = cursors.get(source.name, Cursor())
    try:
        return Listing(source, cursor, list(source.list_new(cursor)))
    except SiteBlockedError as exc:
        log.error("%s: listing refused, skipped this run: %s", source.name, exc)
        return Listing(source, cursor, [], refused={
            "source": source.name, "source_doc_id": None, "title": f"listing of {source.name}",
            "url": exc.url, "error": f"{type(exc).__name__}: {exc}"})


def download_listing(
    listing: Listing,
    store: RawStore,
    concurrency: int = 1,
    on_stored: Callable[[StoredDocument], None] | None = None,
) -> FetchReport:
    """Download every listed entry the store lacks (``concurrency`` at a time); failures are
    reported, never fatal; the cursor advances only up to the first failure. Consumes the
    listing (see ``Listing``); called again on it, goes on with what is left."""
    source = listing.source
    report, entries = listing.report, listing.entries

    def stored(i: int, doc: StoredDocument) -> None:
        if on_stored:   # first: a document it did not take stays listed, for a retry
            on_stored(doc)
        entry = entries[i]
        entries[i] = None
        listing.taken.append(Taken(entry.published_at, entry.source_doc_id))
        report.stored.append(doc)

    missing = []
    for i, entry in enumerate(entries):
        if entry is None:
            continue   # done by an earlier attempt
        if store.has_source_doc(entry.source, entry.source_doc_id):
            stored(i, store.get(entry.source, entry.source_doc_id))
            report.reused += 1   # once handed on: a retry counts what the failed attempt could not hand on
        else:
            missing.append(i)

    def fetch(entry: ListingEntry) -> StoredDocument:
        data = source.download(entry)
        return store.put(
            data, source=entry.source, source_doc_id=entry.source_doc_id, url=entry.download_url,
            title=entry.title, file_name=entry.file_name, published_at=entry.published_at.isoformat(),
            doc_type_hint=entry.doc_type_hint,
        )

    workers = max(1, concurrency)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"fetch-{source.name}") as pool:
        # a few downloads queued per thread, not one future per listed document: a future costs
        # ≈ 1.7 KB until the source is done (a market year's 31,000 trustee reports: ≈ 55 MB)
        waiting = iter(missing)
        running: dict[Future, int] = {}
        # each download says when it is done (``wait`` on every running future instead took and
        # released all their locks once a document: ≈ 4 % of the fetch's Python time by yappi)
        finished: queue.SimpleQueue[Future] = queue.SimpleQueue()
        while True:
            for i in islice(waiting, IN_FLIGHT_PER_THREAD * workers - len(running)):
                future = pool.submit(fetch, entries[i])
                running[future] = i
                future.add_done_callback(finished.put)
            if not running:
                break
            future = finished.get()
            i = running.pop(future)
            try:
                doc = future.result()
            except Exception as exc:  # a failed download is reported, never fatal
                entry, entries[i] = entries[i], None
                log.warning("%s: download failed for %s: %s", source.name, entry.title, exc)
                report.failures.append(
                    {"source": source.name, "source_doc_id": entry.source_doc_id, "title": entry.title,
                     "url": entry.download_url, "error": f"{type(exc).__name__}: {exc}"}
                )
                if listing.first_failure is None or entry.published_at < listing.first_failure:
                    listing.first_failure = entry.published_at
                continue
            stored(i, doc)
    if missing:
        store.sync()
    taken = listing.taken
    if listing.first_failure is not None:
        taken = [t for t in taken if t.published_at < listing.first_failure]
    report.cursors[source.name] = listing.cursor.advance(taken)
    return report


def fetch_new(
    sources: Iterable[Source],
    store: RawStore,
    cursors: dict[str, Cursor],
    on_progress: Callable[[str, int], None] | None = None,
    concurrency: int = 1,
) -> FetchReport:
    """List each source since its cursor, download what the store lacks, return what was stored."""
    report = FetchReport(cursors=dict(cursors))
    for source in sources:
        listing = list_source(source, cursors)
        done = 0

        def progress(_: StoredDocument) -> None:
            nonlocal done
            done += 1
            if on_progress:
                on_progress(source.name, done)

        report.merge(download_listing(listing, store, concurrency, progress))
    return report
