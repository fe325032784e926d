"""Parse documents in a worker process that a document cannot take down with it.

A ``ParseWorker`` is a child process (``python -m pipeline.isolation``) with an address-space
limit: what it holds once its code is loaded plus ``limits.worker_memory_mb`` for documents
(set with ``resource.setrlimit`` inside the child). The supervisor hands it one document at a
time and waits at most ``limits.seconds_per_document`` for the answer, so it always knows which
document the worker holds. In a parse batch (``open_batch``, ``add``, ``write_batch``) the
child keeps the rows and writes the batch's Parquet itself, answering only with what the run
keeps of each document; a child that dies takes the rows it held with it (``lost_rows``), and
those documents are added again to its successor. What a document can do:

- the parser raises → the worker answers with the error (a ``DocumentError`` as it is, any
  other exception as "parser crashed: <type>: <message>"): quarantine, the worker lives on;
- the document needs more memory than the limit → ``MemoryError`` inside the worker: quarantined
  as "ran out of memory", and the worker is replaced (its heap may be fragmented);
- the worker dies (a segfault in pdfium, the kernel's OOM killer, ``os._exit``) → quarantined
  with the signal or exit code; a fresh worker takes the next document;
- no answer in time (a stuck C call cannot be interrupted by a signal) → the supervisor kills
  the worker, quarantines the document with the time limit, and starts a fresh one.

The child is started with ``subprocess`` rather than ``multiprocessing`` so it works inside
any host: a Prefect process-pool worker, a daemonic Dask worker, a plain thread.
"""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import time
from collections import deque
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from transforms.parse.base import DocumentError
from warehouse.rawstore import StoredDocument

MB = 1024 * 1024
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
STARTUP_SECONDS = 120  # imports on a loaded machine; a worker that cannot start fails the batch (retried)


@dataclass(frozen=True)
class WorkerLimits:
    """What one document may cost inside a worker, and when a worker is retired (from
    ``settings.limits``)."""

    seconds_per_document: float = 60.0
    worker_memory_mb: int = 2048
    retire_above_mb: int = 0              # resident MB after a batch above which the child is retired (0: never)
    retire_after_documents: int = 2000    # …once it has parsed this many: a retirement costs ~0.75 s

    @classmethod
    def from_settings(cls, limits: Any) -> "WorkerLimits":
        return cls(float(limits.seconds_per_document), int(limits.worker_memory_mb), int(limits.worker_retire_mb))


class ParseWorker:
    """One supervised child process; use as a context manager, or call ``close``."""

    def __init__(self, limits: WorkerLimits, entry: str = "pipeline.hooks:parse_document") -> None:
        self.limits = limits
        self.entry = entry
        self._proc: subprocess.Popen | None = None
        self._to_child: Connection | None = None
        self._from_child: Connection | None = None
        self.started = 0  # how many child processes this supervisor started (1 + replacements)
        self._batch: Any = None   # the batch the child collects rows for (re-opened in a fresh child)
        self.lost_rows = False    # a child died holding rows of the open batch
        self._in_flight: deque[float] = deque()   # when each document sent and not answered yet was sent
        self._answered = 0.0      # when the child last answered (it starts the next document then)
        self._holding = False     # this child holds rows of the open batch
        self.parsed = 0           # documents the current child answered

    # ── life cycle ──────────────────────────────────────────────────────────────────────
    def _start(self) -> None:
        down_r, down_w = os.pipe()  # supervisor → child
        up_r, up_w = os.pipe()      # child → supervisor
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "pipeline.isolation", str(down_r), str(up_w),
             str(self.limits.worker_memory_mb), self.entry],
            pass_fds=(down_r, up_w), stdin=subprocess.DEVNULL, close_fds=True,
            env={**os.environ, "POLARS_MAX_THREADS": "1"},  # one document at a time: one core each
        )
        os.close(down_r)
        os.close(up_w)
        self._to_child = Connection(down_w, readable=False, writable=True)
        self._from_child = Connection(up_r, readable=True, writable=False)
        self.started += 1
        self.parsed = 0
        self._in_flight.clear()
        self._holding = False
        # The time limit is per document: wait for the imports to finish before the clock starts.
        try:
            ready = self._from_child.poll(STARTUP_SECONDS) and self._from_child.recv_bytes() == b"ready"
        except (EOFError, OSError):
            ready = False
        if not ready:
            status = self._stop(kill=True)
            raise RuntimeError(f"the parse worker did not start within {STARTUP_SECONDS} s (exit status {status})")
        self._answered = time.monotonic()

    def _stop(self, kill: bool = False) -> int | None:
        """End the child (politely unless ``kill``); returns its exit status."""
        proc, self._proc = self._proc, None
        for conn in (self._to_child, self._from_child):
            if conn is not None:
                try:
                    conn.close()
                except OSError:
                    pass
        self._to_child = self._from_child = None
        if proc is None:
            return None
        if kill and proc.poll() is None:
            proc.kill()
        try:
            return proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            return proc.wait()

    def close(self) -> None:
        self._stop(kill=False)

    def resident_mb(self) -> float | None:
        """The child's resident memory now; None without a child, or without ``/proc``."""
        if self._proc is None:
            return None
        try:
            with open(f"/proc/{self._proc.pid}/statm", "rb") as statm:
                return int(statm.read().split()[1]) * PAGE_BYTES / MB
        except (OSError, ValueError, IndexError):
            return None

    def worn_out(self) -> bool:
        """True when the child should give way to a fresh one between batches.

        A child's heap keeps the most its documents ever needed: a batch of vendor XLSX exports
        leaves it at ~190 MB where PDF batches settle at ~140 (a market year's documents, one
        worker), and it would stay there for the rest of the run. Past
        ``limits.worker_retire_mb`` it is retired, but only once it has parsed
        ``retire_after_documents``: a fresh child costs its start and a slower first batch
        (~0.75 s), so documents that always need more than the limit cost at most that every
        2,000 documents."""
        limit = self.limits.retire_above_mb
        if not limit or self.parsed < self.limits.retire_after_documents:
            return False
        resident = self.resident_mb()
        return resident is not None and resident > limit

    def __enter__(self) -> "ParseWorker":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # ── work ────────────────────────────────────────────────────────────────────────────
    def open_batch(self, batch: Any) -> None:
        """Start collecting a batch's rows in the child (``pipeline.batches.BatchRows``): the
        child keeps them and writes them itself, so rows never cross back to this process."""
        self._batch, self.lost_rows, self._holding = batch, False, False
        self._send_or_restart(("open", batch))

    def add(self, stored: StoredDocument) -> tuple[dict | None, DocumentError | None]:
        """Parse one document into the open batch: (what the run keeps of it, None) or (None,
        the error that quarantines it). A child that died or was stopped took the batch's rows
        with it: ``lost_rows`` turns True, and the caller adds those documents again."""
        self.submit(stored)
        return self.collect()

    # The child parses one document at a time, in order. Sending the next document before the
    # answer to the last one comes back keeps the child busy while this process — one thread
    # among the run's, waiting its turn for the interpreter lock — reads that answer: with one
    # document at a time, the workers of a 2-worker parse stood idle a quarter of the time.
    def submit(self, stored: StoredDocument) -> None:
        """Send a document to parse into the open batch, without waiting; ``collect`` takes the
        answers in the order sent."""
        try:
            if self._in_flight:  # the child holding those must answer them: never a fresh one now
                self._send(("add", stored))
            else:
                self._send_or_restart(("add", stored))
        except (BrokenPipeError, OSError):
            pass  # it died: collecting the document it died on says so
        self._in_flight.append(time.monotonic())

    @property
    def in_flight(self) -> int:
        return len(self._in_flight)

    def collect(self) -> tuple[dict | None, DocumentError | None]:
        """The answer for the oldest document sent: as ``add``. The time limit counts from when
        the child could start it (the answer before, or its sending). When the child is gone
        (``lost_rows``), the documents sent after this one went with it unparsed: the caller
        sends them again, with those whose rows were lost."""
        begun = max(self._in_flight.popleft(), self._answered)
        limit = self.limits.seconds_per_document
        kind, payload = self._receive(max(0.0, begun + limit - time.monotonic()), limit)
        self._answered = time.monotonic()
        self.parsed += 1
        self._holding = self._holding or kind == "kept"
        if self._proc is None:
            self._in_flight.clear()
            if self._batch is not None:
                self.lost_rows = True  # the child that held the open batch's rows is gone
        if kind == "kept":
            return payload, None
        return None, payload

    def write_batch(self) -> tuple[dict, dict]:
        """Write the open batch's rows as Parquet in the child: (table → (path, columns),
        document_id → error of a document whose rows do not fit the warehouse's types).

        A child that died after its last answer took rows with it: that is an error (the task
        parses the batch again), never a fresh child writing an empty batch."""
        if self._holding and (self._proc is None or self._proc.poll() is not None):
            self._batch = None
            raise RuntimeError(f"the parse worker could not write its batch: {self._died()}")
        kind, payload = self._exchange(("write",), max(60.0, self.limits.seconds_per_document))
        self._batch = None
        if kind != "written":
            raise RuntimeError(f"the parse worker could not write its batch: {payload}")
        return payload

    def _send_or_restart(self, message: tuple) -> None:
        """Send to the child, starting a fresh one first if there is none (a fresh child
        collects the open batch, from nothing)."""
        if self._proc is None or self._proc.poll() is not None:
            self._stop(kill=True)
            self._start()
            if self._batch is not None and message[0] != "open":
                self._send(("open", self._batch))
        self._send(message)

    def _send(self, message: tuple) -> None:
        assert self._to_child is not None
        self._to_child.send_bytes(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))

    def _exchange(self, message: tuple, deadline: float) -> tuple[str, Any]:
        try:
            self._send_or_restart(message)
        except (BrokenPipeError, OSError):
            return "failed", self._died()
        return self._receive(deadline, deadline)

    def _receive(self, wait: float, limit: float) -> tuple[str, Any]:
        """The child's next answer, waiting at most ``wait`` seconds (what is left of ``limit``)."""
        assert self._from_child is not None
        try:
            ready = self._from_child.poll(wait)
        except (EOFError, OSError):
            ready = True
        if not ready:
            self._stop(kill=True)
            return "failed", DocumentError(
                f"parsing took longer than {limit:g} s (limits.seconds_per_document): the worker was "
                f"stopped and replaced", check="time_limit")
        try:
            kind, payload = pickle.loads(self._from_child.recv_bytes())
        except (EOFError, OSError):
            return "failed", self._died()
        if kind == "error":
            return "failed", DocumentError(**payload)
        if kind == "memory":
            self._stop(kill=True)  # a heap that hit its limit is not trusted with the next document
            return "failed", DocumentError(
                f"parsing needed more memory than {self.limits.worker_memory_mb} MB (limits.worker_memory_mb): "
                f"the worker was replaced", check="memory_limit")
        return kind, payload

    def _died(self) -> DocumentError:
        status = self._stop(kill=True)
        if status is not None and status < 0:
            name = signal.Signals(-status).name
            why = f"killed by {name}"
            if -status == signal.SIGKILL:
                why += " (out of memory, or stopped from outside)"
        else:
            why = f"exited with status {status}"
        return DocumentError(f"the parse worker died on this document: {why}; it was replaced",
                             check="worker_crash")


# ── the child ─────────────────────────────────────────────────────────────────────────────
def _child(read_fd: int, write_fd: int, memory_mb: int, entry: str) -> None:
    import importlib
    import resource

    from transforms.sniff import sniff

    module, _, function = entry.partition(":")
    parse_one = getattr(importlib.import_module(module), function)
    _warm_imports()
    limit = _address_space() + memory_mb * MB  # what documents may add to the warmed worker
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (limit if hard == resource.RLIM_INFINITY else min(limit, hard), hard))
    inbox = Connection(read_fd, readable=True, writable=False)
    outbox = Connection(write_fd, readable=False, writable=True)
    outbox.send_bytes(b"ready")
    batch = None  # pipeline.batches.BatchRows of the open batch
    while True:
        try:
            message = pickle.loads(inbox.recv_bytes())
        except EOFError:
            return
        kind = message[0]
        if kind == "open":
            from pipeline.batches import BatchRows

            batch = BatchRows(message[1])
            continue
        try:
            if kind == "write":
                answer: tuple[str, Any] = ("written", batch.write())
                batch = None
            else:
                stored = message[1]
                data = read_verified(stored)
                parsed = parse_one(stored, data, batch.spec.context)
                kept = batch.keep(stored, parsed)
                kept["file_format"] = sniff(data).file_format  # the registry's, read while the bytes are here
                answer = ("kept", kept)
                del data
        except DocumentError as exc:
            answer = ("error", error_fields(exc))
        except MemoryError:
            answer = ("memory", None)
        except Exception as exc:  # a parser bug is a quarantine with its name, never a failed run
            answer = ("error", {"reason": f"parser crashed: {type(exc).__name__}: {exc}", "check": "parser_crash"})
        try:
            payload = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
        except MemoryError:
            payload = pickle.dumps(("memory", None))
        except Exception as exc:  # unpicklable result: say so rather than die
            payload = pickle.dumps(("error", {
                "reason": f"parser crashed: its result cannot be sent back: {type(exc).__name__}: {exc}",
                "check": "parser_crash"}))
        outbox.send_bytes(payload)
        del answer, payload


def error_fields(exc: DocumentError) -> dict[str, Any]:
    """A DocumentError as keyword arguments that rebuild it (exceptions pickle only their message)."""
    return {"reason": exc.reason, "check": exc.check, "page": exc.page, "field": exc.field, "value": exc.value}


def _warm_imports() -> None:
    """Import every parser before the memory limit is set, so the limit measures documents."""
    from transforms.parse.detect import PARSERS

    import importlib

    for target in PARSERS.values():
        importlib.import_module(target.partition(":")[0])
    importlib.import_module("transforms.parse.trustee_report")
    _warm_parquet_writer()


def _address_space() -> int:
    """This process's address space now, in bytes (the code and thread pools loaded; polars
    alone reserves several hundred MB it never touches)."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 0


def _warm_parquet_writer() -> None:
    """Write one tiny Parquet file before the memory limit is set: polars starts its thread
    pools and reserves their address space on first use, which the limit would refuse."""
    import io

    import polars as pl

    pl.DataFrame({"x": [1]}).write_parquet(io.BytesIO(), compression="lz4", statistics=False)


def read_verified(stored: StoredDocument) -> bytes:
    """The document's bytes from the raw store, refusing a file whose hash no longer matches."""
    from warehouse.rawstore import sha256_hex

    data = stored.path.read_bytes()
    if sha256_hex(data) != stored.sha256:
        raise DocumentError(f"raw store file {stored.sha256} is corrupt (hash mismatch)", check="corrupt_store")
    return data


if __name__ == "__main__":  # pragma: no cover - the child process
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C goes to the supervisor, which ends us
    _child(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
