"""Fetch what is new from each source into the raw store, advancing cursors safely.

A document already in the raw store (same source and id) is never downloaded again, so a
run that resumes after a crash only fetches what it lacks. A cursor never moves past a
document whose download failed: the next run will list it again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import duckdb

from sources.base import Cursor, ListingEntry, Source
from warehouse.rawstore import RawStore, StoredDocument

log = logging.getLogger(__name__)


@dataclass
class FetchReport:
    """What one fetch pass did, per source."""

    stored: list[StoredDocument] = field(default_factory=list)
    reused: int = 0
    failures: list[dict] = field(default_factory=list)
    cursors: dict[str, Cursor] = field(default_factory=dict)


def read_cursors(con: duckdb.DuckDBPyConnection) -> dict[str, Cursor]:
    rows = con.execute("SELECT source, cursor_json FROM raw.fetch_cursors").fetchall()
    return {name: Cursor.from_json(text) for name, text in rows}


def write_cursors(con: duckdb.DuckDBPyConnection, cursors: dict[str, Cursor]) -> None:
    for name, cursor in sorted(cursors.items()):
        con.execute(
            "INSERT OR REPLACE INTO raw.fetch_cursors VALUES (?, ?, now())", [name, cursor.to_json()]
        )


def fetch_new(
    sources: Iterable[Source],
    store: RawStore,
    cursors: dict[str, Cursor],
    on_progress: Callable[[str, int], None] | None = None,
) -> FetchReport:
    """List each source since its cursor, download what the store lacks, return what was stored."""
    report = FetchReport(cursors=dict(cursors))
    for source in sources:
        cursor = cursors.get(source.name, Cursor())
        taken: list[ListingEntry] = []
        failed: list[ListingEntry] = []
        for entry in source.list_new(cursor):
            if store.has_source_doc(entry.source, entry.source_doc_id):
                report.stored.append(store.get(entry.source, entry.source_doc_id))
                report.reused += 1
                taken.append(entry)
                continue
            try:
                data = source.download(entry)
            except Exception as exc:  # a failed download is reported, never fatal
                log.warning("%s: download failed for %s: %s", source.name, entry.title, exc)
                report.failures.append(
                    {"source": source.name, "source_doc_id": entry.source_doc_id, "title": entry.title,
                     "url": entry.download_url, "error": f"{type(exc).__name__}: {exc}"}
                )
                failed.append(entry)
                continue
            report.stored.append(
                store.put(
                    data, source=entry.source, source_doc_id=entry.source_doc_id, url=entry.download_url,
                    title=entry.title, file_name=entry.file_name, published_at=entry.published_at.isoformat(),
                    doc_type_hint=entry.doc_type_hint,
                )
            )
            taken.append(entry)
            if on_progress:
                on_progress(source.name, len(taken))
        if failed:
            first_failure = min(e.published_at for e in failed)
            taken = [e for e in taken if e.published_at < first_failure]
        report.cursors[source.name] = cursor.advance(taken)
    return report
