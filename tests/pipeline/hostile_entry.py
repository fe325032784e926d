"""A per-document entry for the isolation tests: documents whose first bytes ask the worker to
misbehave the ways a real parser can (a segfault in pdfium, a stuck C call, a memory blow-up,
a bug); any other document goes to the real ``pipeline.hooks.parse_document``."""

from __future__ import annotations

import os
import re
import signal
import time

from pipeline.hooks import parse_document
from transforms.parse.base import DocumentError


def parse(stored, data, context):
    if data.startswith(b"SEGFAULT"):
        os.kill(os.getpid(), signal.SIGSEGV)
    if data.startswith(b"STUCK"):
        # catastrophic backtracking: one C call that holds the interpreter; no signal handler runs
        re.match(r"(a+)+$", "a" * 64 + "b")
    if data.startswith(b"GREEDY"):
        hoard = [bytearray(64 * 1024 * 1024) for _ in range(1000)]  # far past the worker's limit
        return len(hoard)
    if data.startswith(b"BUGGY"):
        return {}["no such key"]
    if data.startswith(b"EXIT"):
        os._exit(3)
    if data.startswith(b"SLOW"):  # "SLOW <seconds> …": takes that long, then refuses politely
        time.sleep(float(data.split()[1]))
        raise DocumentError("slow, but answered", check="slow")
    return parse_document(stored, data, context)
