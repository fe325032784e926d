"""Content-addressed store of every fetched byte, with its own fetch index.

Bytes live at ``<root>/sha256/ab/<sha256>`` (stores begun before that layout keep
``<root>/sha256/ab/cd/<sha256>``; the index records which one a store uses): the path depends
only on the content, so no name from the outside world ever becomes a path. The index
(SQLite, in the store itself) remembers which URL or source id gave which bytes, so a resumed
run never downloads a document twice even if the warehouse build that should have registered
it was never published. The warehouse's ``raw.documents`` is rebuilt from this index plus each
run's outcomes.
"""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS fetched (
    source        TEXT NOT NULL,
    source_doc_id TEXT NOT NULL,
    sha256        TEXT NOT NULL,
    url           TEXT,
    title         TEXT,
    file_name     TEXT,
    published_at  TEXT,
    doc_type_hint TEXT,
    size_bytes    INTEGER NOT NULL,
    first_seen_at TEXT NOT NULL,
    last_seen_at  TEXT NOT NULL,
    PRIMARY KEY (source, source_doc_id)
);
CREATE INDEX IF NOT EXISTS fetched_sha ON fetched (sha256);
CREATE TABLE IF NOT EXISTS store_layout (levels INTEGER NOT NULL);
"""

LEVELS = 1
"""Directory levels under ``sha256/`` of a new store: one (256 folders). Two levels (65,536
folders) made nearly every document of a first run create a folder and write the first file
into it: ≈ 1.1–1.5 ms a document, mostly kernel time, against ≈ 0.25 ms with one level (5,000
writes of 44 KB on this machine's ext4); a market year's first fetch alone took 126.7 and 144.7
CPU-s with two levels against 117.3 with one (alternating runs)."""
LEGACY_LEVELS = 2
_HEX64 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True, slots=True)
class StoredDocument:
    """One fetched document as the raw store knows it (a run holds one for every document it
    fetched: slots, and repeated names kept once — see ``from_row``)."""

    source: str
    source_doc_id: str
    sha256: str
    url: str | None
    title: str | None
    file_name: str | None
    published_at: str | None
    doc_type_hint: str | None
    size_bytes: int
    first_seen_at: str
    last_seen_at: str
    path: Path | Blob | Any   # a ``Blob`` from a local store, an ``S3Object`` from a bucket

    @classmethod
    def from_row(cls, row: tuple | list, path: Any) -> "StoredDocument":
        """From an index row (the ``fetched`` table's columns in order): the source and type
        hint, a few dozen names, are interned, and a first sighting's two equal times are one."""
        source, source_doc_id, sha256, url, title, file_name, published_at, hint, size, first, last = row
        return cls(sys.intern(source), source_doc_id, sha256, url, title, file_name, published_at,
                   sys.intern(hint) if hint else hint, size, first, first if last == first else last, path)

    def __reduce__(self) -> tuple:
        """Pickled (to a parse worker) with its title and file name as UTF-8 bytes: pickling a
        string makes CPython keep a UTF-8 copy inside it for the rest of its life, ≈ 200 B a
        document for the names the run holds until its end (measured at 0.25×; ≈ 8 MB at a market year)."""
        return (_unpickle_stored, (self.source, self.source_doc_id, self.sha256, self.url, _wire(self.title),
                                   _wire(self.file_name), self.published_at, self.doc_type_hint, self.size_bytes,
                                   self.first_seen_at, self.last_seen_at, self.path))


def _wire(text: str | None) -> str | bytes | None:
    return text.encode("utf-8", "surrogatepass") if text is not None and not text.isascii() else text


def _unwire(text: str | bytes | None) -> str | None:
    return text.decode("utf-8", "surrogatepass") if isinstance(text, bytes) else text


def _unpickle_stored(source, source_doc_id, sha256, url, title, file_name, published_at, hint, size, first, last,
                     path) -> StoredDocument:
    return StoredDocument(source, source_doc_id, sha256, url, _unwire(title), _unwire(file_name), published_at,
                          hint, size, first, last, path)


class Blob:
    """Where a document's bytes lie in a local store: its fan-out folder (one ``Path`` shared by
    every document in it) and the hash. Quacks like the ``Path`` it stands for, as ``S3Object``
    does for a bucket (any other ``Path`` attribute is that Path's, made when asked for): a run
    holds one for every document it fetched, and a ``Path`` with its parts list and strings is ≈ 375
    B (measured at 0.25×; ≈ 16 MB of the flow process at a market year)."""

    __slots__ = ("folder", "name")

    def __init__(self, folder: Path, name: str) -> None:
        self.folder, self.name = folder, name

    def __fspath__(self) -> str:
        return os.path.join(self.folder, self.name)

    __str__ = __fspath__

    def __repr__(self) -> str:
        return f"Blob({self.__fspath__()!r})"

    def path(self) -> Path:
        return self.folder / self.name

    def read_bytes(self) -> bytes:
        with open(self.__fspath__(), "rb") as handle:
            return handle.read()

    def exists(self) -> bool:
        return os.path.exists(self.__fspath__())

    def __getattr__(self, attr: str) -> Any:
        return getattr(self.path(), attr)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (Blob, os.PathLike)):
            return self.__fspath__() == os.fspath(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.path())   # as the equal Path's

    def __reduce__(self) -> tuple:
        return (Blob, (self.folder, self.name))


def _check_digest(sha256: object) -> None:
    """Only a hex digest becomes a path: nothing from outside reaches the file system."""
    if not isinstance(sha256, str) or not _HEX64.fullmatch(sha256):
        raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class RawStore:
    """Keeps bytes by hash and an index of (source, source id) → hash."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        (self.root / "sha256").mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._con: sqlite3.Connection | None = None
        self._pid = 0
        self._folders: dict[str, Path] = {}
        with self._index() as con:
            con.executescript(_SCHEMA)
            # one statement, so two processes opening a new store agree: a store that already
            # indexes documents but records no layout was written with the legacy two levels
            con.execute("INSERT INTO store_layout SELECT CASE WHEN EXISTS (SELECT 1 FROM fetched) THEN ? ELSE ? END "
                        "WHERE NOT EXISTS (SELECT 1 FROM store_layout)", [LEGACY_LEVELS, LEVELS])
            self.levels = con.execute("SELECT levels FROM store_layout").fetchone()[0]

    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.root / "index.sqlite", timeout=60, isolation_level=None, check_same_thread=False)
        con.execute("PRAGMA journal_mode=WAL")
        # commits reach the disk at checkpoints and at ``sync``, not one fsync per document:
        # WAL stays consistent after a crash, and what a power cut loses is fetched again
        con.execute("PRAGMA synchronous=NORMAL")
        return con

    @contextmanager
    def _index(self) -> Iterator[sqlite3.Connection]:
        """The index, one statement at a time: one connection per process shared by the
        download threads (a connection per call cost more than the insert it made)."""
        with self._lock:
            if self._con is None or self._pid != os.getpid():  # never a connection inherited by fork
                self._con, self._pid = self._connect(), os.getpid()
            yield self._con

    def close(self) -> None:
        with self._lock:
            if self._con is not None and self._pid == os.getpid():
                self._con.close()
            self._con = None

    def __getstate__(self) -> dict:
        return {"root": self.root, "levels": self.levels}

    def __setstate__(self, state: dict) -> None:
        self.root, self.levels = state["root"], state["levels"]
        self._lock, self._con, self._pid, self._folders = threading.Lock(), None, 0, {}

    def path_for(self, sha256: str) -> Path:
        _check_digest(sha256)
        if self.levels == LEGACY_LEVELS:
            return self.root / "sha256" / sha256[:2] / sha256[2:4] / sha256
        return self.root / "sha256" / sha256[:2] / sha256

    def blob_for(self, sha256: str) -> Path | Blob:
        """``path_for``, as a ``StoredDocument`` keeps it: a ``Blob`` sharing one of the 256 folders
        (a store of the legacy layout, up to 65,536 folders: the ``Path``)."""
        if self.levels == LEGACY_LEVELS:
            return self.path_for(sha256)
        _check_digest(sha256)
        folder = self._folders.get(sha256[:2])
        if folder is None:
            folder = self._folders.setdefault(sha256[:2], self.root / "sha256" / sha256[:2])
        return Blob(folder, sha256)

    def has_source_doc(self, source: str, source_doc_id: str) -> bool:
        with self._index() as con:
            row = con.execute(
                "SELECT sha256, size_bytes FROM fetched WHERE source = ? AND source_doc_id = ?",
                [source, source_doc_id]).fetchone()
        if row is None:
            return False
        try:  # a file cut short by a power loss before ``sync`` is fetched again
            return self.path_for(row[0]).stat().st_size == row[1]
        except FileNotFoundError:
            return False

    def put(
        self,
        data: bytes,
        *,
        source: str,
        source_doc_id: str,
        url: str | None = None,
        title: str | None = None,
        file_name: str | None = None,
        published_at: str | None = None,
        doc_type_hint: str | None = None,
    ) -> StoredDocument:
        """Store bytes (atomically, once per hash) and index where they came from.

        Durable after ``sync`` (one flush for a whole download, not an fsync per document)."""
        digest = sha256_hex(data)
        target = self.path_for(digest)
        if not target.exists() or target.stat().st_size != len(data):  # absent, or cut short
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                os.replace(tmp, target)
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
        now = datetime.now(timezone.utc).isoformat()
        with self._index() as con:
            row = con.execute(
                """INSERT INTO fetched VALUES (?,?,?,?,?,?,?,?,?,?,?)
                   ON CONFLICT (source, source_doc_id) DO UPDATE SET
                     sha256 = excluded.sha256, url = excluded.url, title = excluded.title,
                     file_name = excluded.file_name, published_at = excluded.published_at,
                     doc_type_hint = excluded.doc_type_hint, size_bytes = excluded.size_bytes,
                     last_seen_at = excluded.last_seen_at
                   RETURNING *""",
                [source, source_doc_id, digest, url, title, file_name, published_at, doc_type_hint,
                 len(data), now, now],
            ).fetchone()
        return StoredDocument.from_row(row, self.blob_for(row[2]))

    def sync(self) -> None:
        """Make every document stored so far durable: the files and the index, at once."""
        os.sync()
        with self._index() as con:
            con.execute("PRAGMA wal_checkpoint(FULL)")

    def get(self, source: str, source_doc_id: str) -> StoredDocument:
        with self._index() as con:
            row = con.execute(
                "SELECT * FROM fetched WHERE source = ? AND source_doc_id = ?", [source, source_doc_id]
            ).fetchone()
        if row is None:
            raise KeyError(f"{source}:{source_doc_id} is not in the raw store")
        return StoredDocument.from_row(row, self.blob_for(row[2]))

    def all(self) -> list[StoredDocument]:
        """Every indexed document, oldest publish time first (stable order)."""
        with self._index() as con:
            rows = con.execute(
                "SELECT * FROM fetched ORDER BY published_at NULLS FIRST, source, source_doc_id"
            ).fetchall()
        return [StoredDocument.from_row(r, self.blob_for(r[2])) for r in rows]

    def read(self, sha256: str) -> bytes:
        data = self.path_for(sha256).read_bytes()
        if sha256_hex(data) != sha256:
            raise IOError(f"raw store file {sha256} is corrupt (hash mismatch)")
        return data
