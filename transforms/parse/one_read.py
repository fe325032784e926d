"""Each reading of a document done once per parse.

The screen (``pipeline.limits``), the type detection (``detect``) and the parser of one document
all read the same bytes: the screen and the detection open the PDF, the parser opens it again and
loads every page the detection loaded; the detection reads a workbook's sheets, the parser reads
them again. Within ``one_read_per_parse(data)`` a reading of these very bytes (same object) is
made at the first ask and handed to every later asker; readings that hold resources are closed
when the parse ends, the latest first. Outside the block every reader reads for itself.

pypdfium2 is not thread-safe and a parse runs in one thread: the scope is per thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")


class _Scope(threading.local):
    data: bytes | None = None
    readings: dict[Hashable, Any] | None = None
    closers: list[Callable[[], None]] | None = None


_scope = _Scope()


@contextmanager
def one_read_per_parse(data: bytes) -> Iterator[None]:
    _scope.data, _scope.readings, _scope.closers = data, {}, []
    try:
        yield
    finally:
        closers = _scope.closers or []
        _scope.data, _scope.readings, _scope.closers = None, None, None
        for close in reversed(closers):
            close()


def in_parse(data: bytes) -> bool:
    """True when these bytes are the ones the current parse shares readings of."""
    return _scope.data is data and _scope.readings is not None


def shared(data: bytes, key: Hashable, read: Callable[[], T], close: Callable[[T], None] | None = None) -> T:
    """The reading ``key`` of ``data``: made once per parse (``close`` runs when the parse ends),
    or made afresh outside one (the caller then owns it)."""
    if not in_parse(data):
        return read()
    assert _scope.readings is not None and _scope.closers is not None
    if key not in _scope.readings:
        value = read()  # a failed reading is not kept: the next asker tries and fails alike
        _scope.readings[key] = value
        if close is not None:
            _scope.closers.append(lambda: close(value))
    return _scope.readings[key]


__all__ = ["one_read_per_parse", "in_parse", "shared"]
