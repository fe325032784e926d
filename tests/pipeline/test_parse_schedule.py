"""How documents become parse batches: duplicates by content are never parsed, batches are
named for the UI and submitted as they fill, and documents that use names wait for the
reference phase to freeze them."""

from __future__ import annotations

import os
from concurrent.futures import Future
from pathlib import Path

import pytest

from pipeline.batches import BatchResult, ParsedDoc
from pipeline.hooks import ParseContext
from pipeline.job import INDEPENDENT, NAMED, REFERENCE, Job, ParseSchedule, document_kind, parse_phase
from settings import Settings
from warehouse.rawstore import StoredDocument


def doc(name: str, sha: str, hint: str | None, published: str = "2025-01-01T09:00:00+08:00") -> StoredDocument:
    return StoredDocument("src", name, sha * 64 if len(sha) == 1 else sha, None, name, name, published, hint, 1,
                          published, published, Path("/dev/null"))


def test_kinds_and_phases():
    assert document_kind(doc("a.pdf", "a", "trustee_report")) == "trustee_report"
    assert document_kind(doc("地方AMC名单.csv", "b", None)) == "amc_registry"   # by name when unlisted
    assert document_kind(doc("note.txt", "c", None)) == "document"
    assert parse_phase("amc_registry") == parse_phase("offering_document") == REFERENCE
    assert parse_phase("trustee_report") == parse_phase("yield_curve") == INDEPENDENT
    assert parse_phase("amc_bonds") == parse_phase("amc_licence_events") == parse_phase("document") == NAMED


def test_workers_default_to_the_cores():
    assert Settings().pipeline.max_workers == len(os.sched_getaffinity(0))


class Recorder:
    """Collects submitted batches and answers them at once (no parsing: the schedule is tested)."""

    def __init__(self) -> None:
        self.specs = []

    def __call__(self, spec) -> Future:
        self.specs.append(spec)
        future: Future = Future()
        future.set_result(BatchResult(spec.batch_id, spec.label, [ParsedDoc(stored=d) for d in spec.documents], {}))
        return future


@pytest.fixture
def job(tmp_path):
    settings = Settings()
    settings.paths.data_dir = tmp_path
    settings.pipeline.batch_size = 2
    job = Job(settings)
    job.open()
    yield job
    job.fail(RuntimeError("test over"))


def test_batches_fill_by_kind_and_names_wait_for_the_reference_phase(job):
    submit = Recorder()
    schedule = ParseSchedule(job, submit, planned={"trustee_report": 3, "amc_bonds": 1, "amc_registry": 1})
    for d in (doc("r1", "1", "trustee_report"), doc("r2", "2", "trustee_report"), doc("b1", "3", "amc_bonds")):
        schedule.add(doc=d)
    assert [s.label for s in submit.specs] == ["parse trustee_report 1–2 of 3"]   # submitted when full
    schedule.add(doc("r2-again", "2", "trustee_report"))                           # same bytes: not parsed
    schedule.add(doc("reg", "4", "amc_registry"))
    schedule.add(doc("r3", "5", "trustee_report"))
    frozen = []

    def freeze(reference):
        frozen.append([d.stored.source_doc_id for d in reference])
        return ParseContext({"浙商资产": "浙江省浙商资产管理有限公司"})

    fetched = schedule.finish(freeze=freeze)
    labels = [s.label for s in submit.specs]
    assert labels == ["parse trustee_report 1–2 of 3", "parse amc_registry 1–1 of 1", "parse trustee_report 3–3 of 3",
                      "parse amc_bonds 1–1 of 1"]
    assert frozen == [["reg"]]
    assert dict(submit.specs[-1].context.aliases) == {"浙商资产": "浙江省浙商资产管理有限公司"}  # names frozen first
    assert len(fetched) == 6 and len(job.parsed) == 5                              # every copy is accounted for
    results = job.decide(fetched)
    assert [r.outcome for r in results if r.stored.source_doc_id == "r2-again"] == ["duplicate"]


def test_documents_parsed_before_the_reference_phase_never_read_names():
    """Families parsed as they arrive (while the reference documents are still coming in) must
    not be those whose parsers resolve names through the frozen context."""
    from pipeline.hooks import NEEDS_ALIASES
    from pipeline.job import INDEPENDENT, NAME_FREE, parse_phase

    assert set(NAME_FREE).isdisjoint(NEEDS_ALIASES)
    assert {parse_phase(k) for k in ("income_distribution", "asset_management_report", "abn_operating_report")} == {INDEPENDENT}
