"""Write–audit–publish for the DuckDB warehouse.

A run takes the writer lock, copies the published file to a new *build*, writes into the
build, audits it, then swaps it in with one atomic ``rename``. Readers that hold the published
file keep the inode they opened; new connections see the new build. The published file is
never opened for writing, so a crash (even SIGKILL) at any moment leaves it intact; the next
run deletes the dead build and starts again. A second run waits for the lock or says who holds
it.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

import duckdb

from warehouse.migrate import apply_migrations


class WarehouseBusy(RuntimeError):
    """Another run holds the writer lock."""


class PublishRefused(RuntimeError):
    """The audit found the build unfit to publish; the previous warehouse stays published."""


@dataclass(frozen=True)
class WarehouseLayout:
    """Where the published file, builds, history and the lock live."""

    warehouse_dir: Path

    @property
    def published(self) -> Path:
        return self.warehouse_dir / "abs_warehouse.duckdb"

    @property
    def builds_dir(self) -> Path:
        return self.warehouse_dir / "builds"

    @property
    def history_dir(self) -> Path:
        return self.warehouse_dir / "history"

    @property
    def lock_path(self) -> Path:
        return self.warehouse_dir / ".writer.lock"

    @property
    def last_run_path(self) -> Path:
        return self.warehouse_dir / "last_run.json"

    def ensure(self) -> None:
        for d in (self.warehouse_dir, self.builds_dir, self.history_dir):
            d.mkdir(parents=True, exist_ok=True)


@contextmanager
def writer_lock(layout: WarehouseLayout, timeout_seconds: float = 0, poll_seconds: float = 0.2) -> Iterator[None]:
    """Hold the single-writer lock (an OS file lock: released by the kernel if we die)."""
    layout.ensure()
    fh = open(layout.lock_path, "a+")
    deadline = time.monotonic() + timeout_seconds
    try:
        while True:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    fh.seek(0)
                    holder = fh.read().strip() or "another process"
                    raise WarehouseBusy(
                        f"the warehouse in {layout.warehouse_dir} is being built by {holder}; "
                        f"waited {timeout_seconds:.0f} s — try again when it has finished"
                    ) from None
                time.sleep(poll_seconds)
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()} since {datetime.now(timezone.utc).isoformat(timespec='seconds')}")
        fh.flush()
        yield
    finally:
        fh.close()  # closing the descriptor releases the flock


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def start_build(layout: WarehouseLayout, run_id: str) -> Path:
    """A fresh build file: a copy of the published warehouse (or empty), migrations applied.

    Call only while holding the writer lock: leftover builds of dead runs are removed here.
    """
    layout.ensure()
    for stale in layout.builds_dir.glob("build-*"):
        stale.unlink(missing_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    build = layout.builds_dir / f"build-{stamp}-{run_id}.duckdb"
    if layout.published.exists():
        shutil.copyfile(layout.published, build)
    con = duckdb.connect(str(build))
    try:
        apply_migrations(con)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return build


def publish_build(layout: WarehouseLayout, build: Path, keep_history: int = 3) -> Path:
    """Swap the audited build in atomically and keep a few earlier versions for rollback."""
    con = duckdb.connect(str(build))
    try:
        con.execute("CHECKPOINT")
    finally:
        con.close()
    wal = build.with_name(build.name + ".wal")
    if wal.exists():
        raise RuntimeError(f"build {build} still has a WAL after checkpoint; refusing to publish")
    with open(build, "rb+") as fh:
        os.fsync(fh.fileno())
    published_wal = layout.published.with_name(layout.published.name + ".wal")
    # A WAL beside the published path belongs to nobody we trust (a crashed foreign writer);
    # DuckDB would replay it into the new file.
    published_wal.unlink(missing_ok=True)
    if layout.published.exists():
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        os.link(layout.published, layout.history_dir / f"published-{stamp}.duckdb")
    os.replace(build, layout.published)
    _fsync_dir(layout.warehouse_dir)
    history = sorted(layout.history_dir.glob("published-*.duckdb"))
    for old in history[: max(0, len(history) - keep_history)]:
        old.unlink(missing_ok=True)
    return layout.published


def discard_build(build: Path) -> None:
    build.unlink(missing_ok=True)
    build.with_name(build.name + ".wal").unlink(missing_ok=True)


def write_last_run(layout: WarehouseLayout, summary: dict) -> None:
    """Record the last run's outcome beside the warehouse (refused runs never publish)."""
    layout.ensure()
    tmp = layout.last_run_path.with_suffix(".tmp")
    tmp.write_text(json.dumps(summary, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    os.replace(tmp, layout.last_run_path)


def read_last_run(layout: WarehouseLayout) -> dict | None:
    try:
        return json.loads(layout.last_run_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None


def build_and_publish(
    layout: WarehouseLayout,
    run_id: str,
    write: Callable[[duckdb.DuckDBPyConnection], None],
    audit: Callable[[duckdb.DuckDBPyConnection], None],
    *,
    lock_timeout_seconds: float = 0,
    keep_history: int = 3,
) -> Path:
    """The whole cycle: lock, build, write, audit, publish. ``audit`` raises PublishRefused."""
    with writer_lock(layout, lock_timeout_seconds):
        build = start_build(layout, run_id)
        try:
            con = duckdb.connect(str(build))
            try:
                write(con)
                audit(con)
            finally:
                con.close()
            return publish_build(layout, build, keep_history)
        except BaseException:
            discard_build(build)
            raise
