"""Prefect's temporary API server, started by the command line as a child process.

With no ``PREFECT_API_URL``, Prefect starts a temporary server itself, from inside the run's
process: it imports the server application there (FastAPI, SQLAlchemy, the database layer,
~75 MB that stay in the run's process for its whole life) only to launch the same ``uvicorn``
command as a child. Launching that command here and pointing ``PREFECT_API_URL`` at it keeps
the run's process lean; the server, the UI's absence and the run's task runs are the same.
"""

from __future__ import annotations

import atexit
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager

PORT_IN_USE = 3   # uvicorn's exit status when the port was taken between our check and its bind


@contextmanager
def temporary_api(meanwhile: Callable[[], object] = lambda: None) -> Iterator[str | None]:
    """The API URL this process reports to: a temporary server started here when none is
    configured (and Prefect's ephemeral mode is allowed); None when a server is configured.

    ``meanwhile`` runs while the server starts (the caller's own imports: ~1 s of the server's
    3 s, 7 s when it first creates its database), or at once when there is no server to start.
    The server stops when the process exits, after Prefect has sent it the logs and events it
    still queues (exit handlers run last-registered first; Prefect registers its queues' once
    a run starts, after this one), as Prefect's own temporary server does."""
    import prefect
    from prefect.settings import (PREFECT_API_URL, PREFECT_SERVER_ALLOW_EPHEMERAL_MODE,
                                  PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS, get_current_settings,
                                  temporary_settings)

    if PREFECT_API_URL.value() or not PREFECT_SERVER_ALLOW_EPHEMERAL_MODE.value():
        meanwhile()
        yield None
        return
    env = {**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1",
           **get_current_settings().to_environment_variables(exclude_unset=True)}
    app_dir = str(prefect.__module_path__.parent)
    deadline = time.monotonic() + PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value()
    proc, url = _start(app_dir, env, deadline, meanwhile)
    atexit.register(_stop, proc)
    print(f"Prefect: a temporary server for this run at {url} (PREFECT_API_URL points runs at a server "
          "of your own, whose UI keeps them)", file=sys.stderr, flush=True)
    with temporary_settings(updates={PREFECT_API_URL: url}):
        yield url


def _start(app_dir: str, env: dict[str, str], deadline: float,
           meanwhile: Callable[[], object]) -> tuple[subprocess.Popen, str]:
    while True:
        port = _free_port()
        proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--app-dir", app_dir, "--factory", "prefect.server.api.server:create_app",
             "--host", "127.0.0.1", "--port", str(port), "--log-level", "error", "--lifespan", "on"],
            env=env, stdin=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}/api"
        try:
            meanwhile()
        except BaseException:
            _stop(proc)
            raise
        meanwhile = _nothing  # once, even when the port was taken and another is tried
        while time.monotonic() < deadline:
            status = proc.poll()
            if status == PORT_IN_USE:
                break   # taken meanwhile: another port
            if status is not None:
                raise RuntimeError(f"Prefect's temporary server exited with status {status} while starting")
            if _healthy(url):
                return proc, url
            time.sleep(0.1)
        else:
            _stop(proc)
            raise RuntimeError("Prefect's temporary server did not answer in time "
                               "(PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS)")


def _nothing() -> None:
    pass


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))   # loopback: never through a proxy


def _healthy(url: str) -> bool:
    try:
        with _DIRECT.open(f"{url}/health", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
