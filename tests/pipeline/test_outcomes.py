"""Every fetched document ends with exactly one outcome, by the documented rules."""

from __future__ import annotations

import pickle
from pathlib import Path

import cloudpickle

from pipeline.batches import ParsedDoc
from pipeline.outcomes import NOTHING, DocumentResult, count_outcomes, decide_outcomes
from transforms.parse.base import DocumentError, ParsedDocument
from warehouse.rawstore import StoredDocument


def stored(sha: str, published: str, title: str = "t") -> StoredDocument:
    return StoredDocument("s", sha, sha * 64 if len(sha) == 1 else sha, None, title, None, published, None, 1,
                          published, published, Path("/dev/null"))


def parsed(report_key: str | None = None, **meta) -> ParsedDocument:
    return ParsedDocument("trustee_report", meta={"report_key": report_key, **meta})


def result(sha, published, parse=None, error=None) -> DocumentResult:
    return DocumentResult(stored=stored(sha, published), parsed=parse, error=error)


def test_outcome_rules():
    results = [
        result("a", "2025-01-01", parsed("deal1:1")),
        result("b", "2025-02-01", parsed("deal1:1", is_revision=True)),       # revision supersedes a
        result("c", "2025-01-05", parsed("deal1:1", is_english=True)),        # English copy skipped
        result("d", "2025-01-06", error=DocumentError("PDF is truncated", page=3)),
        result("a", "2025-03-01", parsed("deal1:1")),                         # same bytes again
        result("e", "2025-01-07", parsed(None)),                              # a plain export
        result("f", "2025-01-08", parsed("deal1:2")),
    ]
    decide_outcomes(results, registered={})
    assert [r.outcome for r in results] == [
        "superseded", "loaded", "skipped", "quarantined", "duplicate", "loaded", "loaded"]
    assert results[0].superseded_by == "b" * 64 and results[1].supersedes == "a" * 64
    assert "page 3" in results[3].reason
    assert count_outcomes(results) == {"loaded": 3, "superseded": 1, "duplicate": 1, "skipped": 1, "quarantined": 1}


def test_revision_in_a_later_run_supersedes_the_loaded_version():
    later = [result("b", "2025-02-01", parsed("deal1:1", is_revision=True))]
    decide_outcomes(later, registered={"a" * 64: {"outcome": "loaded", "report_key": "deal1:1"}})
    assert later[0].outcome == "loaded" and later[0].supersedes == "a" * 64


def test_bytes_registered_earlier_are_duplicates():
    again = [result("a", "2025-05-01", parsed("deal1:1"))]
    decide_outcomes(again, registered={"a" * 64: {"outcome": "loaded", "report_key": "deal1:1"}})
    assert again[0].outcome == "duplicate"


def test_a_document_with_nothing_to_say_shares_one_empty_mapping_across_processes():
    """Every document of a run keeps a result (and a parse summary) until the load: an empty
    meta or name list is one shared object, and stays so when results travel between
    processes (the process-pool and Dask runners pickle parse results)."""
    doc = ParsedDoc(stored=stored("a", "2025-01-01"))
    assert doc.meta is doc.aliases is result("b", "2025-01-01").meta is NOTHING
    assert dict(NOTHING) == {} and NOTHING.get("is_english") is None and "x" not in NOTHING
    for dumps, loads in ((pickle.dumps, pickle.loads), (cloudpickle.dumps, cloudpickle.loads)):
        again = loads(dumps(doc))
        assert again.meta is again.institutions is NOTHING and again.stored == doc.stored
