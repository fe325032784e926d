"""The registry is written a slice of rows at a time (memory), and holds exactly what one insert
of every row would: each fetched document once, revisions marking what they supersede."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

import pipeline.steps as steps
from pipeline.outcomes import DocumentResult, decide_outcomes
from warehouse.migrate import apply_migrations
from warehouse.rawstore import StoredDocument


def _results() -> list[DocumentResult]:
    out = []
    for k in range(7):
        sha = f"{k:x}" * 64
        published = f"2025-0{1 + k % 3}-0{1 + k}T09:00:00+08:00"
        stored = StoredDocument("sample_market", f"doc-{k}", sha, f"http://127.0.0.1/{k}.pdf", f"报告{k}", f"{k}.pdf",
                                published, "trustee_report", 100 + k, published, published, Path(f"/raw/{sha}"))
        key = "deal-a/1" if k in (2, 5) else f"deal-{k}/1"           # document 5 revises document 2
        out.append(DocumentResult(stored=stored, doc_type="trustee_report", file_format="pdf",
                                  meta={"report_key": key, "is_revision": k == 5, "is_english": False}))
    return decide_outcomes(out, {})


def _registry(tmp_path: Path, slice_rows: int, monkeypatch) -> list[tuple]:
    monkeypatch.setattr(steps, "REGISTRY_SLICE_ROWS", slice_rows)
    con = duckdb.connect(str(tmp_path / f"build-{slice_rows}.duckdb"))
    apply_migrations(con)
    steps.register_documents(con, _results(), "run-1", tmp_path)
    return con.execute("SELECT document_id, source_doc_id, title, outcome, superseded_by_document_id, "
                       "published_at FROM raw.documents ORDER BY document_id").fetchall()


@pytest.mark.parametrize("slice_rows", [1, 2, 3])
def test_the_registry_written_in_slices_equals_one_insert(tmp_path, monkeypatch, slice_rows):
    whole = _registry(tmp_path, 10_000, monkeypatch)
    assert len(whole) == 7
    assert [r[3] for r in whole].count("superseded") == 1
    assert _registry(tmp_path, slice_rows, monkeypatch) == whole
