"""The inbox: files a person dropped into a folder (what teams receive by e-mail or SFTP).

Every file is identified by the SHA-256 of its bytes, so the same report dropped twice (or
under two names) is one document. What kind of document it is, is the parser's question.
"""

from __future__ import annotations

import hashlib
import logging
import os
from datetime import datetime
from pathlib import Path
from typing import Iterable, Iterator

from settings import over_limit_text
from sources.base import SHANGHAI, Cursor, ListingEntry, safe_file_name

log = logging.getLogger(__name__)

SOURCE = "inbox"
TEMP_PREFIXES = ("~$", ".~lock")
TEMP_SUFFIXES = (".tmp", ".temp", ".part", ".partial", ".crdownload", ".download", ".swp", "~")
_CHUNK = 1 << 20


class InboxChangedError(Exception):
    """The file no longer has the bytes it was listed with (edited or replaced since)."""


class InboxFileTooLarge(Exception):
    """The file is larger than ``limits.max_document_mb``: refused before reading a byte."""


def is_ignored(name: str) -> bool:
    """Hidden files and the temp files editors and browsers leave while writing."""
    lowered = name.lower()
    return name.startswith(".") or lowered.startswith(TEMP_PREFIXES) or lowered.endswith(TEMP_SUFFIXES)


def sha256_file(path: Path) -> str:
    """Content hash, read in chunks so a large export does not fill memory."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


class InboxSource:
    """Walks the given files and folders; yields one entry per distinct content.

    The cursor works on modification times: a file copied in with an old mtime (``cp -p``,
    unzip) is older than the cursor and is skipped, so list such drops with an empty cursor
    (or ``touch`` them); the raw store ignores bytes it already holds.
    """

    def __init__(self, paths: Iterable[str | os.PathLike], *, name: str = SOURCE, max_document_mb: float | None = None):
        self.paths = tuple(Path(p) for p in paths)
        self.name = name
        self.max_document_mb = max_document_mb

    def list_new(self, cursor: Cursor | None = None) -> Iterator[ListingEntry]:
        """Entries for files newer than the cursor, in path order, each content once."""
        cursor = cursor or Cursor()
        seen: set[str] = set()
        for path in self._files():
            entry = self._entry(path, cursor)
            if entry is None or entry.source_doc_id in seen or not cursor.is_new(entry):
                continue
            seen.add(entry.source_doc_id)
            yield entry

    def download(self, entry: ListingEntry) -> bytes:
        """The file's bytes, refused if they no longer match the hash the entry was listed with,
        or, without reading it, if the file is over ``max_document_mb``."""
        path = Path(entry.extra["path"])
        size = path.stat().st_size
        if self.max_document_mb is not None and size > self.max_document_mb * (1 << 20):
            raise InboxFileTooLarge(over_limit_text("max_document_mb", self.max_document_mb,
                                                    f"{path.name} is {size / (1 << 20):,.1f} MB"))
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() != entry.source_doc_id:
            raise InboxChangedError(f"{entry.extra['path']} changed since it was listed")
        return data

    def _files(self) -> Iterator[Path]:
        """Regular files under the configured paths, skipping hidden and temp names, and links
        that lead out of the inbox (a dropped symlink must not fetch /etc/passwd)."""
        for root in self.paths:
            if root.is_file():
                if not is_ignored(root.name):
                    yield root
                continue
            if not root.is_dir():
                log.warning("inbox path %s does not exist", root)
                continue
            inside = root.resolve()
            for folder, dirs, files in os.walk(root):
                dirs[:] = sorted(d for d in dirs if not is_ignored(d))
                for name in sorted(files):
                    path = Path(folder, name)
                    if is_ignored(name) or not path.is_file():
                        continue
                    if path.is_symlink() and not path.resolve().is_relative_to(inside):
                        log.warning("inbox: skipping %s, a link to %s outside the inbox", path, path.resolve())
                        continue
                    yield path

    def _entry(self, path: Path, cursor: Cursor) -> ListingEntry | None:
        """Stat first (cheap), hash only files the cursor may still want."""
        try:
            stat = path.stat()
            published_at = datetime.fromtimestamp(stat.st_mtime, SHANGHAI)
            if not cursor.may_be_new(published_at):
                return None
            digest = sha256_file(path)
        except OSError as exc:
            log.warning("inbox: cannot read %s: %s", path, exc)
            return None
        return ListingEntry(
            source=SOURCE,
            source_doc_id=digest,
            title=path.stem,
            published_at=published_at,
            page_url=None,
            download_url=path.resolve().as_uri(),
            file_name=safe_file_name(path.name),
            doc_type_hint=None,
            extra={"path": str(path.resolve()), "size_bytes": stat.st_size},
        )
