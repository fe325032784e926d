"""Write–audit–publish promises, proven with real processes and a real DuckDB file."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from warehouse.publish import PublishRefused, WarehouseLayout, build_and_publish, writer_lock

WORKER = Path(__file__).with_name("publish_worker.py")
PROJECT = Path(__file__).resolve().parents[2]


def run_worker(wdir: Path, run_id: str, rows: int, sleep_s: float, lock_timeout: float = 0) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    return subprocess.Popen(
        [sys.executable, str(WORKER), str(wdir), run_id, str(rows), str(sleep_s), str(lock_timeout)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )


def wait_for_line(proc: subprocess.Popen, text: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if text in line:
            return
        if proc.poll() is not None:
            raise AssertionError(f"worker exited {proc.returncode}: {proc.stderr.read()}")
    raise AssertionError(f"worker never printed {text!r}")


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def marker_runs(path: Path) -> list[tuple[str, int]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute("SELECT run_id, count(*) FROM main.marker GROUP BY run_id ORDER BY run_id").fetchall()
    finally:
        con.close()


def publish_first(wdir: Path) -> WarehouseLayout:
    proc = run_worker(wdir, "first", 1000, 0)
    assert proc.wait(60) == 0, proc.stderr.read()
    layout = WarehouseLayout(wdir)
    assert marker_runs(layout.published) == [("first", 1000)]
    return layout


def test_reader_keeps_querying_through_a_publish(tmp_path):
    layout = publish_first(tmp_path)
    reader_code = (
        "import duckdb, sys, time\n"
        "con = duckdb.connect(sys.argv[1], read_only=True)\n"
        "n = 0\n"
        "end = time.monotonic() + float(sys.argv[2])\n"
        "while time.monotonic() < end:\n"
        "    assert con.execute('SELECT count(*) FROM main.marker').fetchone()[0] == 1000\n"
        "    n += 1\n"
        "print(n)\n"
    )
    reader = subprocess.Popen([sys.executable, "-c", reader_code, str(layout.published), "6"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.0)
    writer = run_worker(tmp_path, "second", 500, 1.0)
    assert writer.wait(60) == 0, writer.stderr.read()
    out, err = reader.communicate(timeout=60)
    assert reader.returncode == 0, err
    assert int(out) > 10  # it kept answering the whole time
    # New connections see the new build: both runs' rows.
    assert marker_runs(layout.published) == [("first", 1000), ("second", 500)]


def test_sigkill_mid_build_leaves_published_identical(tmp_path):
    layout = publish_first(tmp_path)
    before = sha(layout.published)
    victim = run_worker(tmp_path, "victim", 200_000, 30)
    wait_for_line(victim, "victim writing")
    assert list(layout.builds_dir.glob("build-*")), "the victim should be writing a build"
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait(30)
    assert sha(layout.published) == before
    assert marker_runs(layout.published) == [("first", 1000)]
    # The next run succeeds and cleans the dead build.
    nxt = run_worker(tmp_path, "next", 10, 0)
    assert nxt.wait(60) == 0, nxt.stderr.read()
    assert marker_runs(layout.published) == [("first", 1000), ("next", 10)]
    assert not list(layout.builds_dir.glob("build-*"))


def test_concurrent_runs_wait_and_never_overlap(tmp_path):
    layout = publish_first(tmp_path)
    a = run_worker(tmp_path, "a", 100, 1.5, lock_timeout=60)
    wait_for_line(a, "a writing")
    b = run_worker(tmp_path, "b", 100, 0, lock_timeout=60)
    assert a.wait(60) == 0 and b.wait(60) == 0
    assert marker_runs(layout.published) == [("a", 100), ("b", 100), ("first", 1000)]
    con = duckdb.connect(str(layout.published), read_only=True)
    a_end, b_start = con.execute(
        "SELECT max(written_at) FILTER (run_id = 'a'), min(written_at) FILTER (run_id = 'b') FROM main.marker"
    ).fetchone()
    con.close()
    assert b_start > a_end  # b wrote only after a had finished


def test_second_run_without_waiting_gets_a_clear_message(tmp_path):
    layout = publish_first(tmp_path)
    a = run_worker(tmp_path, "a", 10, 3, lock_timeout=60)
    wait_for_line(a, "a writing")
    b = run_worker(tmp_path, "b", 10, 0, lock_timeout=0)
    out, _ = b.communicate(timeout=60)
    assert b.returncode == 3
    assert "is being built by pid" in out
    assert a.wait(60) == 0
    assert marker_runs(layout.published) == [("a", 10), ("first", 1000)]


def test_refused_audit_keeps_previous_build(tmp_path):
    layout = publish_first(tmp_path)
    before = sha(layout.published)

    def write(con):
        con.execute("INSERT INTO main.marker VALUES ('bad', 1, 0)")

    def audit(con):
        raise PublishRefused("reconciliation failed")

    with pytest.raises(PublishRefused):
        build_and_publish(layout, "bad", write, audit)
    assert sha(layout.published) == before
    assert not list(layout.builds_dir.glob("build-*"))


def test_stale_wal_beside_published_is_not_replayed(tmp_path):
    layout = publish_first(tmp_path)
    wal = layout.published.with_name(layout.published.name + ".wal")
    wal.write_bytes(b"garbage left by a crashed foreign writer")
    proc = run_worker(tmp_path, "after", 5, 0)
    assert proc.wait(60) == 0, proc.stderr.read()
    assert not wal.exists()
    assert marker_runs(layout.published) == [("after", 5), ("first", 1000)]


def test_lock_times_out_with_holder_named(tmp_path):
    layout = WarehouseLayout(tmp_path)
    with writer_lock(layout):
        holder = subprocess.run(
            [sys.executable, "-c",
             "import sys; from pathlib import Path; from warehouse.publish import *\n"
             "try:\n"
             "    with writer_lock(WarehouseLayout(Path(sys.argv[1])), 0.5): pass\n"
             "except WarehouseBusy as e: print(e); sys.exit(3)",
             str(tmp_path)],
            capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(PROJECT)},
        )
    assert holder.returncode == 3
    assert f"pid {os.getpid()}" in holder.stdout
