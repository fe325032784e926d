"""Documents are parsed in worker processes they cannot take down with them: a crash, a stuck
call, a memory blow-up or a parser bug quarantines that document with its cause, a fresh worker
takes the next one, and the run goes on."""

from __future__ import annotations

import functools
import time
from pathlib import Path

import polars as pl
import pytest

from pipeline.isolation import ParseWorker, WorkerLimits
from warehouse.rawstore import RawStore

ENTRY = "tests.pipeline.hostile_entry:parse"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def store(tmp_path):
    return RawStore(tmp_path / "raw")


def put(store: RawStore, data: bytes, name: str):
    return store.put(data, source="test", source_doc_id=name, title=name, file_name=name,
                     published_at="2025-01-01T09:00:00+08:00")


@pytest.fixture
def good_document(store):
    """A real document: the yield-curve CSV of the real-world fixtures, else a tiny registry CSV."""
    csv = "序号,公司名称,所在省份,简称,股东性质,牌照状态,是否财务样本\n1,浙江省浙商资产管理有限公司,浙江,浙商资产,国有,存续,是\n"
    return put(store, csv.encode("utf-8"), "地方AMC名单.csv")


@pytest.fixture
def worker(monkeypatch):
    monkeypatch.chdir(REPO)  # the child imports the test entry from the repository
    with ParseWorker(WorkerLimits(seconds_per_document=5, worker_memory_mb=512), entry=ENTRY) as w:
        yield w


def parse_one(worker: ParseWorker, stored, work: Path):
    """One document through the worker's batch protocol (what ``parse_batch`` does): (what the run
    keeps of it, the error that quarantines it, the batch's Parquet files)."""
    from pipeline.batches import BatchSpec
    from pipeline.hooks import ParseContext

    worker.open_batch(BatchSpec("00001", "parse test 1–1 of 1", (), ParseContext(), work, _schemas(), worker.limits))
    kept, error = worker.add(stored)
    files, misfits = worker.write_batch()
    assert not misfits
    return kept, error, files


def test_a_good_document_parses_in_the_worker(worker, good_document, tmp_path):
    kept, error, files = parse_one(worker, good_document, tmp_path)
    assert error is None
    assert kept["doc_type"] == "amc_registry" and "浙商资产" in kept["aliases"]  # the names it declares
    assert kept["file_format"] == "csv"  # sniffed in the worker, for the registry (the run reads no bytes again)
    assert pl.read_parquet(files["core.amcs"][0])["short_name_zh"].to_list() == ["浙商资产"]


@pytest.mark.parametrize("payload, check, words", [
    (b"SEGFAULT", "worker_crash", "killed by SIGSEGV"),
    (b"EXIT", "worker_crash", "exited with status 3"),
    (b"GREEDY", "memory_limit", "more memory than 512 MB (limits.worker_memory_mb)"),
    (b"BUGGY", "parser_crash", "parser crashed: KeyError: 'no such key'"),
])
def test_a_misbehaving_document_is_quarantined_and_the_next_one_parses(worker, store, good_document, payload, check, words,
                                                                        tmp_path):
    bad = put(store, payload, f"{payload.decode().lower()}.pdf")
    kept, error, _ = parse_one(worker, bad, tmp_path / "bad")
    assert kept is None
    assert error.check == check
    assert words in str(error)
    kept, error, _ = parse_one(worker, good_document, tmp_path / "good")
    assert error is None and kept["doc_type"] == "amc_registry"


def test_a_stuck_call_is_stopped_at_the_time_limit_and_the_worker_replaced(worker, store, good_document, tmp_path):
    stuck = put(store, b"STUCK", "stuck.pdf")
    started = time.monotonic()
    _, error, _ = parse_one(worker, stuck, tmp_path / "stuck")
    waited = time.monotonic() - started
    assert error.check == "time_limit"
    assert "longer than 5 s (limits.seconds_per_document)" in str(error)
    assert 5 <= waited < 20
    assert parse_one(worker, good_document, tmp_path / "good")[1] is None
    assert worker.started == 2  # the first process, and the fresh one that took over from it


def test_a_parser_error_keeps_its_page_field_and_value(worker, store, tmp_path):
    """A DocumentError crosses the process boundary whole (exceptions pickle only their message)."""
    bad = put(store, "序号,公司名称,所在省份,简称,股东性质,牌照状态,是否财务样本\n1,甲公司,浙江,甲,外星,存续,是\n".encode(),
              "地方AMC名单.csv")
    _, error, _ = parse_one(worker, bad, tmp_path)
    assert error is not None and error.field is not None
    assert error.value == "外星"
    assert "外星" in str(error)


def test_a_batch_with_a_crashing_document_quarantines_only_it(monkeypatch, store, good_document, tmp_path):
    """parse_batch (what the task runner maps) accounts for every document of the batch."""
    docs = (put(store, b"SEGFAULT one", "a.pdf"), good_document, put(store, b"BUGGY", "b.pdf"))
    result = _parse_batch(monkeypatch, docs, tmp_path)
    checks = [d.error["check"] if d.error else None for d in result.documents]
    assert checks == ["worker_crash", None, "parser_crash"]
    assert result.documents[1].doc_type == "amc_registry" and result.documents[1].file_format == "csv"
    assert set(result.files) == {"core.amcs", "core.institutions", "core.institution_aliases"}
    written = pl.read_parquet(result.files["core.amcs"][0])
    assert written["document_id"].to_list() == [good_document.sha256]
    assert written.schema["in_financial_sample"] == pl.Boolean  # typed as the warehouse types it


def test_rows_held_by_a_worker_that_dies_are_parsed_again(monkeypatch, store, good_document, tmp_path):
    """The child keeps a batch's rows until it writes them: when it dies on a later document,
    the documents it held are parsed again in the fresh child and their rows still written."""
    other = put(store, "序号,公司名称,所在省份,简称,股东性质,牌照状态,是否财务样本\n"
                       "1,江苏资产管理有限公司,江苏,江苏资产,国有,存续,是\n".encode(), "名单二.csv")
    docs = (good_document, put(store, b"SEGFAULT two", "c.pdf"), other, put(store, b"EXIT", "d.pdf"))
    result = _parse_batch(monkeypatch, docs, tmp_path)
    assert [d.error["check"] if d.error else None for d in result.documents] == [None, "worker_crash", None,
                                                                                    "worker_crash"]
    assert result.workers_started >= 3  # the first child, one after each death
    written = pl.read_parquet(result.files["core.amcs"][0])
    assert sorted(written["document_id"].to_list()) == sorted([good_document.sha256, other.sha256])
    assert sorted(written["short_name_zh"].to_list()) == ["江苏资产", "浙商资产"]


def test_a_worker_that_dies_holding_rows_before_the_write_fails_the_batch(worker, good_document, tmp_path):
    """The rows are in the child until it writes them: a child gone by then (killed from
    outside, between documents) is an error the task retries, not a fresh child writing an
    empty batch."""
    from pipeline.batches import BatchSpec
    from pipeline.hooks import ParseContext

    worker.open_batch(BatchSpec("00001", "parse test 1–1 of 1", (), ParseContext(), tmp_path, _schemas(), worker.limits))
    assert worker.add(good_document)[1] is None
    worker._proc.kill()
    worker._proc.wait()
    with pytest.raises(RuntimeError, match="could not write its batch: .*killed by SIGKILL"):
        worker.write_batch()
    assert not list(tmp_path.rglob("*.parquet"))
    # a batch whose documents all failed holds nothing: a fresh child writes it (no files)
    worker.open_batch(BatchSpec("00002", "parse test 1–1 of 1", (), ParseContext(), tmp_path, _schemas(), worker.limits))
    worker._proc.kill()
    worker._proc.wait()
    assert worker.write_batch() == ({}, {})


def test_the_worker_parses_the_next_document_while_this_process_reads_the_last_answer(worker, store, tmp_path):
    """Two documents in flight: the child starts the second as soon as it answers the first,
    not when this process (busy elsewhere) gets round to collecting that answer."""
    from pipeline.batches import BatchSpec
    from pipeline.hooks import ParseContext

    worker.open_batch(BatchSpec("00001", "parse test 1–2 of 2", (), ParseContext(), tmp_path, _schemas(), worker.limits))
    started = time.monotonic()
    worker.submit(put(store, b"SLOW 1 first", "first.pdf"))
    worker.submit(put(store, b"SLOW 1 second", "second.pdf"))
    assert worker.in_flight == 2
    time.sleep(2.2)  # this process is busy for longer than both documents take
    answers = [worker.collect(), worker.collect()]
    assert [error.check for _, error in answers] == ["slow", "slow"]
    assert time.monotonic() - started < 2.9  # one after the other would end after 3.2 s
    worker.write_batch()


def test_a_queued_document_gets_its_whole_time_limit(monkeypatch, store, tmp_path):
    """Each document's time limit counts from when the child could start it, not from when it
    was sent: three documents of 3 s under a 5 s limit all finish (the third was sent ~3 s
    before the child reached it)."""
    docs = tuple(put(store, f"SLOW 3 {n}".encode(), f"{n}.pdf") for n in "abc")
    result = _parse_batch(monkeypatch, docs, tmp_path)
    assert [d.error["check"] for d in result.documents] == ["slow", "slow", "slow"]
    assert result.workers_started == 1


def _parse_batch(monkeypatch, docs, tmp_path):
    """``parse_batch`` (what the task runner maps) over these documents, in workers running the
    misbehaving test entry."""
    import pipeline.batches as batches
    from pipeline.batches import BatchSpec, parse_batch
    from pipeline.hooks import ParseContext

    monkeypatch.chdir(REPO)
    monkeypatch.setattr(batches, "ParseWorker", lambda limits: ParseWorker(limits, entry=ENTRY))
    spec = BatchSpec("00001", f"parse test 1–{len(docs)} of {len(docs)}", docs, ParseContext(), tmp_path / "work",
                     _schemas(), WorkerLimits(5, 512))
    try:
        return parse_batch(spec)
    finally:
        batches.close_workers()


@functools.cache
def _schemas():
    import duckdb

    from warehouse.load import polars_schemas
    from warehouse.migrate import apply_migrations
    from warehouse.tables import RULES

    con = duckdb.connect()
    apply_migrations(con)
    try:
        return polars_schemas(con, RULES)
    finally:
        con.close()


@pytest.mark.parametrize("batch_size, started", [(200, 1), (2, 2)])
def test_a_kinds_remainder_waits_for_a_running_worker_a_full_batch_starts_one(monkeypatch, store, tmp_path,
                                                                               batch_size, started):
    """Two batches at once: remainders (fewer documents than a batch) share one worker process,
    full batches get one each (the pool still grows to the cores when there is work for them)."""
    import threading

    import pipeline.batches as batches
    from pipeline.batches import BatchSpec, parse_batch
    from pipeline.hooks import ParseContext

    monkeypatch.chdir(REPO)
    monkeypatch.setattr(batches, "ParseWorker", lambda limits: ParseWorker(limits, entry=ENTRY))
    registry = "序号,公司名称,所在省份,简称,股东性质,牌照状态,是否财务样本\n1,{0}资产管理有限公司,{0},{0}资产,国有,存续,是\n"
    docs = [put(store, registry.format(p).encode(), f"{p}.csv") for p in ("江苏", "浙江", "安徽", "福建")]
    specs = [BatchSpec(f"0000{i}", f"parse test {i}", tuple(docs[2 * i:2 * i + 2]), ParseContext(),
                       tmp_path / "work", _schemas(), WorkerLimits(5, 512), batch_size) for i in (0, 1)]
    results = [None, None]
    gate = threading.Barrier(2)

    def run(i):
        gate.wait()
        results[i] = parse_batch(specs[i])

    threads = [threading.Thread(target=run, args=(i,)) for i in (0, 1)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    finally:
        batches.close_workers()
    assert all(d.error is None for r in results for d in r.documents)
    assert sum(r.workers_started for r in results) == started
    assert batches._alive[WorkerLimits(5, 512)] == 0   # closed workers leave the count


def test_a_warmed_worker_imports_no_warehouse_or_orchestration_libraries():
    """What a parse worker loads is paid once per core: DuckDB (~50 MB), pandas, Prefect and
    Great Expectations belong to the run's process, not to the workers."""
    import subprocess
    import sys

    code = ("import sys\nfrom pipeline.isolation import _warm_imports\nimport pipeline.batches, pipeline.hooks\n"
            "_warm_imports()\nprint(' '.join(sorted(m for m in sys.modules if '.' not in m)))")
    loaded = set(subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                                check=True).stdout.split())
    assert {"polars", "transforms"} <= loaded   # the check sees what a worker does import
    assert not loaded & {"duckdb", "pandas", "prefect", "great_expectations", "sqlalchemy", "requests"}


@pytest.mark.parametrize("retire_above_mb, after, fresh", [(1, 2, True), (0, 2, False), (1, 5, False), (100_000, 2, False)])
def test_a_worker_past_its_memory_is_retired_between_batches(monkeypatch, store, tmp_path, retire_above_mb, after,
                                                             fresh):
    """A worker holding more than ``worker_retire_mb`` after a batch, once it has parsed
    ``retire_after_documents``, gives way to a fresh child for the next batch; below the limit,
    with the limit off, or before it has parsed enough, the same child goes on."""
    import pipeline.batches as batches
    from pipeline.batches import BatchSpec, parse_batch
    from pipeline.hooks import ParseContext

    monkeypatch.chdir(REPO)
    made: list[ParseWorker] = []

    def worker(limits):
        made.append(ParseWorker(limits, entry=ENTRY))
        return made[-1]

    monkeypatch.setattr(batches, "ParseWorker", worker)
    registry = "序号,公司名称,所在省份,简称,股东性质,牌照状态,是否财务样本\n1,{0}资产管理有限公司,{0},{0}资产,国有,存续,是\n"
    docs = [put(store, registry.format(p).encode(), f"{p}.csv") for p in ("江苏", "浙江", "安徽", "福建")]
    limits = WorkerLimits(5, 512, retire_above_mb=retire_above_mb, retire_after_documents=after)
    try:
        for i in (0, 1):
            parse_batch(BatchSpec(f"0000{i}", f"parse test {i}", tuple(docs[2 * i:2 * i + 2]), ParseContext(),
                                  tmp_path / "work", _schemas(), limits, 2))
        first_ended = made[0]._proc is None
        resident = made[0].resident_mb()
    finally:
        batches.close_workers()
    assert (len(made) == 2) is fresh
    assert first_ended is fresh                        # the retired child was ended, not left running
    if not fresh:
        assert resident is not None and resident > 5   # the running child's memory, read from /proc
    assert batches._alive[limits] == 0                 # retired and closed workers leave the count
