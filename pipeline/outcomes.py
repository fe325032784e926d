"""Decide what happens to each fetched document: loaded, superseded, duplicate, skipped or
quarantined — so that every document fetched is accounted for.

Rules, in order:
- bytes already registered (same SHA-256), or seen earlier in this batch → ``duplicate``:
  their rows are never loaded twice (the run drops documents it registered under the same
  source id before parsing; the same bytes listed under another id are parsed, then dropped here);
- parse failed → ``quarantined`` with the parser's reason (document, page, field, value);
- English version of a report → ``skipped`` (the Chinese one carries the data);
- two versions of one report (same ``report_key``): the latest published loads, earlier ones
  become ``superseded`` and point to it; a revision never loses the earlier bytes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from transforms.parse.base import DocumentError, ParsedDocument
from warehouse.rawstore import StoredDocument

LOADED, SUPERSEDED, DUPLICATE, SKIPPED, QUARANTINED = "loaded", "superseded", "duplicate", "skipped", "quarantined"
OUTCOMES = (LOADED, SUPERSEDED, DUPLICATE, SKIPPED, QUARANTINED)


class _Nothing(Mapping):
    """The empty mapping of every document with nothing to say (no meta, no names): one
    object, not an empty dict per document of the run; it pickles as itself (parse results
    travel between processes)."""

    def __getitem__(self, key: str) -> Any:
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0

    def __reduce__(self) -> str:
        return "NOTHING"

    def __repr__(self) -> str:
        return "{}"


NOTHING = _Nothing()


def nothing() -> Mapping[str, Any]:
    """``NOTHING``, as a dataclass field's default factory."""
    return NOTHING


@dataclass(slots=True)
class DocumentResult:
    """One fetched document with its parse result and the outcome decided for it (one for
    every document of the run, from deciding to the registry: slots, meta shared)."""

    stored: StoredDocument
    doc_type: str | None = None
    parsed: ParsedDocument | None = None   # or, when rows went to batch files, only ``meta`` below
    error: DocumentError | None = None
    outcome: str | None = None
    reason: str | None = None
    supersedes: str | None = None
    superseded_by: str | None = None
    meta: Mapping[str, Any] = field(default_factory=nothing)
    file_format: str | None = None   # as the parse worker sniffed the bytes (for the registry)

    @property
    def document_id(self) -> str:
        return self.stored.sha256


def decide_outcomes(
    results: list[DocumentResult],
    registered: dict[str, dict[str, Any]],
) -> list[DocumentResult]:
    """Fill ``outcome`` for every result.

    ``registered`` maps document_id → its current registry row (outcome, report_key,
    published_at) from the published warehouse, so a revision arriving in a later run
    supersedes a version loaded earlier.
    """
    seen_in_batch: set[str] = set()
    by_report: dict[str, list[DocumentResult]] = {}
    for r in results:
        if r.document_id in registered or r.document_id in seen_in_batch:
            r.outcome, r.reason = DUPLICATE, "same bytes as a document already registered"
            continue
        seen_in_batch.add(r.document_id)
        if r.error is not None:
            r.outcome, r.reason = QUARANTINED, str(r.error)
            continue
        if r.parsed is not None:
            r.meta = dict(r.parsed.meta)
        if r.meta.get("is_english"):
            r.outcome, r.reason = SKIPPED, "English version of a Chinese document"
            continue
        key = r.meta.get("report_key")
        if key:
            by_report.setdefault(key, []).append(r)
        else:
            r.outcome = LOADED
    earlier = {}
    for doc_id, row in registered.items():
        if row.get("report_key") and row.get("outcome") == LOADED:
            earlier[row["report_key"]] = (doc_id, row)
    for key, versions in by_report.items():
        versions.sort(key=lambda v: (_version_rank(v), v.stored.published_at or "", v.document_id))
        newest = versions[-1]
        newest.outcome = LOADED
        for older in versions[:-1]:
            older.outcome, older.superseded_by = SUPERSEDED, newest.document_id
            older.reason = f"superseded by {newest.stored.title or newest.document_id}"
        previous = earlier.get(key)
        if previous:
            newest.supersedes = previous[0]
        elif len(versions) > 1:
            newest.supersedes = versions[-2].document_id
    return results


def _version_rank(result: DocumentResult) -> int:
    """A revision (更正 / 以此为准) outranks the original whatever the publish times say."""
    return 1 if result.meta.get("is_revision") else 0


def count_outcomes(results: list[DocumentResult]) -> dict[str, int]:
    counts = {o: 0 for o in OUTCOMES}
    for r in results:
        counts[r.outcome or QUARANTINED] += 1
    return counts
