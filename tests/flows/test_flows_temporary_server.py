"""The command line's temporary Prefect server: started as a child when no server is
configured, answering while the command runs, gone when the process exits; a configured
server is used as it is."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

_SNIPPET = """
import sys, urllib.request
from flows.temporary_server import temporary_api
from prefect.settings import PREFECT_API_URL
meanwhile = []
def import_while_starting():  # runs once the server process is launched, before it answers
    import flows.build_warehouse
    meanwhile.append(PREFECT_API_URL.value())
with temporary_api(meanwhile=import_while_starting) as url:
    assert PREFECT_API_URL.value() == url, (PREFECT_API_URL.value(), url)
    assert meanwhile == [None], meanwhile  # once, before the API was this run's
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(url + "/health", timeout=5) as r:
        assert r.status == 200
    print(url, flush=True)
print("server application imported here:", "prefect.server.api.server" in sys.modules, flush=True)
"""


def _answers(url: str) -> bool:
    try:
        with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(url + "/health", timeout=2):
            return True
    except (urllib.error.URLError, OSError):
        return False


def test_started_when_none_is_configured_and_stopped_at_exit(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env.update(PREFECT_HOME=str(tmp_path / "prefect"), PREFECT_SERVER_ANALYTICS_ENABLED="false")
    done = subprocess.run([sys.executable, "-c", _SNIPPET], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    url, imported = done.stdout.splitlines()[:2]
    assert url.startswith("http://127.0.0.1:") and url.endswith("/api")
    assert imported.endswith("False")          # the run's process stays without the server application
    deadline = time.monotonic() + 10
    while _answers(url) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _answers(url), "the temporary server outlived the process that started it"


def test_a_configured_server_is_used_as_it_is():
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.temporary_server import temporary_api

    calls = []
    with temporary_settings(updates={PREFECT_API_URL: "http://127.0.0.1:4200/api"}):
        with temporary_api(meanwhile=lambda: calls.append(1)) as url:
            assert url is None
            assert calls == [1]  # what was to run while a server starts still runs
            assert PREFECT_API_URL.value() == "http://127.0.0.1:4200/api"
