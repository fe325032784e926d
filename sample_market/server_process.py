"""The sample market served by a child process, for runs that download from it.

A run that serves the market from a thread of its own process pays for every request it
answers under the same GIL as its downloads, its raw-store writes and its parse supervision
(at market-year scale: 36,294 requests). A child process answers on a core of its own. It ends
with the run: on ``stop``, and by itself if the run's process dies.
"""

from __future__ import annotations

import os
import re
import selectors
import subprocess
import sys
from pathlib import Path

from sample_market.server import Faults, fault_options

_SERVING = re.compile(r" at (http://[^\s]+) ")
START_SECONDS = 120.0


class ServerProcess:
    """``python -m sample_market.server`` on a free loopback port; ``url`` once it serves."""

    def __init__(self, directory: str | os.PathLike, host: str = "127.0.0.1", faults: Faults | None = None,
                 access_log: str | os.PathLike = "") -> None:
        self.directory = Path(directory)
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "sample_market.server", "--dir", str(self.directory), "--host", host,
             "--port", "0", "--parent-pid", str(os.getpid()), "--access-log", str(access_log or ""),
             *fault_options(faults or Faults())],
            stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True, encoding="utf-8")
        first = self._first_line()
        found = _SERVING.search(first)
        if found is None:
            code = self.stop()
            raise RuntimeError(f"the sample market did not start (exit status {code}): {first.strip() or 'no output'}")
        self.url = found.group(1)

    def _first_line(self) -> str:
        assert self._proc.stdout is not None
        with selectors.DefaultSelector() as sel:
            sel.register(self._proc.stdout, selectors.EVENT_READ)
            if not sel.select(START_SECONDS):
                return ""
        return self._proc.stdout.readline()

    def stop(self) -> int | None:
        """End the server (idempotent); returns its exit status."""
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        if self._proc.stdout is not None:
            self._proc.stdout.close()
        return self._proc.returncode

    def __enter__(self) -> "ServerProcess":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
