"""A parse batch's spec goes to its task as it is: Prefect neither walks nor rebuilds it, and it
crosses to a worker process intact."""

from __future__ import annotations

import pickle
import sys
from pathlib import Path

from pipeline.batches import BatchSpec
from pipeline.hooks import ParseContext
from pipeline.isolation import WorkerLimits
from warehouse.rawstore import StoredDocument


def _spec(n: int = 200) -> BatchSpec:
    docs = tuple(StoredDocument("sse", f"{i}:r.pdf", f"{i:064x}", f"http://127.0.0.1/{i}.pdf", "收益分配报告",
                                f"{i}.pdf", "2025-01-01T09:00:00+08:00", "income_distribution", 1000, "", "",
                                Path(f"/raw/{i}")) for i in range(n))
    return BatchSpec("00001", f"parse income_distribution 1–{n} of {n}", docs, ParseContext({"甲": "甲有限公司"}),
                     Path("/work"), {"core.deals": {}}, WorkerLimits(seconds_per_document=5.0), batch_size=n)


def test_prefect_hands_the_task_the_very_spec_without_walking_its_documents():
    from prefect.utilities.collections import visit_collection
    from prefect.utilities.engine import collect_task_run_inputs_sync, resolve_inputs_sync

    spec = _spec()
    visited = []
    visit_collection(spec, visit_fn=visited.append, return_data=False)  # how Prefect resolves a task's inputs
    assert visited == [spec]  # as a dataclass it went into every field of all 200 documents: 2,600+ visits
    assert resolve_inputs_sync({"spec": spec})["spec"] is spec
    assert collect_task_run_inputs_sync({"spec": spec}) == set()


def test_a_spec_crosses_to_a_worker_intact_and_opens_without_its_documents():
    spec = pickle.loads(pickle.dumps(_spec(3)))
    assert (spec.batch_id, spec.label, spec.work_dir, spec.batch_size) == ("00001", "parse income_distribution 1–3 of 3",
                                                                           Path("/work"), 3)
    assert [d.source_doc_id for d in spec.documents] == ["0:r.pdf", "1:r.pdf", "2:r.pdf"]
    assert dict(spec.context.aliases) == {"甲": "甲有限公司"} and spec.limits.seconds_per_document == 5.0
    opened = spec.without_documents()
    assert opened.documents == () and (opened.label, opened.schemas, opened.limits) == (spec.label, spec.schemas,
                                                                                        spec.limits)


def test_a_workers_answer_is_kept_with_the_meta_key_names_shared():
    """A worker's answer arrives pickled, each document's meta keyed by three new strings: the run
    keeps every document's meta to the end, keyed by the names of ``DECIDING_META`` instead."""
    from pipeline.batches import DECIDING_META, _parsed

    doc = _spec(1).documents[0]
    kept = pickle.loads(pickle.dumps({"doc_type": "income_distribution", "file_format": "pdf",
                                      "meta": {"report_key": "d1:3:income_distribution", "is_revision": False}}))
    parsed = _parsed(doc, kept)
    assert parsed.meta == {"report_key": "d1:3:income_distribution", "is_revision": False}
    assert [k for k in parsed.meta] == [k for k in DECIDING_META if k in parsed.meta]
    assert all(any(k is name for name in DECIDING_META) for k in parsed.meta)
    assert parsed.doc_type is sys.intern("income_distribution") and parsed.stored is doc
