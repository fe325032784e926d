"""One real Prefect server per test session, on loopback, with a temporary PREFECT_HOME; the
project's deployments deployed from prefect.yaml; one `process` worker; everything killed at
the end. Every wait is bounded.

The data of runs goes to temporary directories (ABS_ETL_PATHS__DATA_DIR), never to data/.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

import pytest

from cluster.processes import descendants

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
POOL = "abs-etl-process"
SERVER_START_TIMEOUT = 120
RUN_TIMEOUT = 240
TERMINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}


# ── processes ────────────────────────────────────────────────────────────────────────────
def kill_tree(proc: subprocess.Popen, grace: float = 10) -> None:
    """Stop a process we started and everything it started: TERM, wait, then KILL."""
    if proc.poll() is not None:
        return
    victims = [proc.pid, *descendants(proc.pid)]
    for pid in victims:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        pass
    for pid in [*victims, *descendants(proc.pid)]:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what: str, check: Callable[[], Any], timeout: float, every: float = 0.5) -> Any:
    """Poll ``check`` until it returns something truthy; fail with ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            value = check()
            if value:
                return value
        except Exception as exc:  # the server may not answer yet
            last_error = exc
        time.sleep(every)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}" + (f" (last error: {last_error})" if last_error else ""))


# ── the server ───────────────────────────────────────────────────────────────────────────
@dataclass
class PrefectServer:
    url: str
    api_url: str
    home: Path
    data_dir: Path
    logs: Path
    env: dict[str, str]
    procs: list[subprocess.Popen] = field(default_factory=list)

    def api(self, method: str, path: str, body: Any = None, attempts: int = 6) -> Any:
        """A plain REST call (the same API the UI and the client use). Retries what a busy
        SQLite-backed server answers under load (503 "database is locked", 429), like Prefect's
        own client does."""
        for attempt in range(attempts):
            request = urllib.request.Request(
                self.api_url + path, method=method, headers={"Content-Type": "application/json"},
                data=None if body is None else json.dumps(body).encode())
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    text = response.read().decode()
                return json.loads(text) if text else None
            except urllib.error.HTTPError as exc:
                if exc.code not in (429, 503) or attempt == attempts - 1:
                    raise
                time.sleep(0.5 * 2 ** attempt)

    def start(self, name: str, args: list[str], cwd: Path = REPO) -> subprocess.Popen:
        log = open(self.logs / f"{name}.log", "ab")
        proc = subprocess.Popen(args, cwd=cwd, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        self.procs.append(proc)
        return proc

    def run(self, name: str, args: list[str], timeout: float) -> subprocess.CompletedProcess:
        result = subprocess.run(args, cwd=REPO, env=self.env, capture_output=True, text=True, timeout=timeout)
        (self.logs / f"{name}.log").write_text(result.stdout + "\n--- stderr ---\n" + result.stderr)
        return result

    @contextmanager
    def client_settings(self):
        """Prefect settings for in-process use of this server (client calls, flow calls)."""
        from prefect.settings import (
            PREFECT_API_URL, PREFECT_HOME, PREFECT_SERVER_ANALYTICS_ENABLED, PREFECT_UI_URL, temporary_settings,
        )

        with temporary_settings(updates={PREFECT_API_URL: self.api_url, PREFECT_HOME: str(self.home),
                                         PREFECT_UI_URL: self.url, PREFECT_SERVER_ANALYTICS_ENABLED: False}):
            yield

    wait_for = staticmethod(wait_for)

    @staticmethod
    def iso(value: str) -> datetime:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))

    def flow_run(self, flow_run_id: str) -> dict:
        return self.api("GET", f"/flow_runs/{flow_run_id}")

    def wait_for_run(self, flow_run_id: str, timeout: float = RUN_TIMEOUT) -> dict:
        return wait_for(f"flow run {flow_run_id} to finish (logs in {self.logs})",
                        lambda: (r := self.flow_run(flow_run_id))["state_type"] in TERMINAL and r, timeout, 1.0)

    def logs_of(self, flow_run_id: str) -> list[dict]:
        return self.api("POST", "/logs/filter", {"logs": {"flow_run_id": {"any_": [flow_run_id]}},
                                                 "sort": "TIMESTAMP_ASC", "limit": 200})

    def artifacts_of(self, flow_run_id: str) -> dict[str, dict]:
        found = self.api("POST", "/artifacts/filter", {"artifacts": {"flow_run_id": {"any_": [flow_run_id]}}})
        return {a["key"]: a for a in found if a.get("key")}

    def deployment(self, flow: str, name: str) -> dict:
        return self.api("GET", f"/deployments/name/{flow}/{name}")

    def run_deployment(self, flow: str, name: str, parameters: dict) -> str:
        deployment = self.deployment(flow, name)
        run = self.api("POST", f"/deployments/{deployment['id']}/create_flow_run",
                       {"parameters": parameters, "state": {"type": "SCHEDULED", "name": "Scheduled"}})
        return run["id"]


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory) -> PrefectServer:
    """`prefect server start` on a free loopback port, its own PREFECT_HOME and data dir."""
    root = tmp_path_factory.mktemp("prefect")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    home, data_dir, logs = root / "home", root / "worker-data", root / "logs"
    for d in (home, data_dir, logs):
        d.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "ABS_ETL_"))}
    env.update({
        "PREFECT_HOME": str(home),
        "PREFECT_API_URL": f"{url}/api",
        "PREFECT_UI_API_URL": f"{url}/api",        # the UI asks /ui-settings where the API is
        "PREFECT_UI_URL": url,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "5",
        "PREFECT_WORKER_QUERY_SECONDS": "1",
        "PREFECT_LOGGING_LEVEL": "INFO",
        "ABS_ETL_PATHS__DATA_DIR": str(data_dir),
        "ABS_ETL_PIPELINE__LOCK_TIMEOUT_SECONDS": "300",
        "PYTHONUNBUFFERED": "1",
    })
    server = PrefectServer(url, f"{url}/api", home, data_dir, logs, env)
    proc = server.start("server", [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)])
    try:
        wait_for(f"the Prefect server on {url} (log: {logs / 'server.log'})",
                 lambda: proc.poll() is None and server.api("GET", "/health") is True, SERVER_START_TIMEOUT, 1.0)
        yield server
    finally:
        for p in reversed(server.procs):
            kill_tree(p)


@dataclass
class Deployed:
    server: PrefectServer
    names: dict[str, str]                 # deployment name → flow name
    scheduled: list[dict]                 # runs the scheduler created before schedules were paused
    seconds: float


@pytest.fixture(scope="session")
def deployed(prefect_server: PrefectServer) -> Deployed:
    """`abs-etl deploy` (work pool, writer limit, `prefect deploy --all` of prefect.yaml); then the
    schedules are checked and paused so no scheduled run starts during the tests."""
    started = time.monotonic()
    result = prefect_server.run("deploy", [str(BIN / "abs-etl"), "deploy"], timeout=240)
    assert result.returncode == 0, f"abs-etl deploy failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    deployments = prefect_server.api("POST", "/deployments/filter", {})
    flows = {f["id"]: f["name"] for f in prefect_server.api("POST", "/flows/filter", {})}
    names = {d["name"]: flows[d["flow_id"]] for d in deployments}
    with_schedules = {d["id"]: d for d in deployments if d["schedules"]}

    def scheduled_runs() -> list[dict]:
        return prefect_server.api("POST", "/flow_runs/filter", {
            "flow_runs": {"deployment_id": {"any_": list(with_schedules)}, "state": {"type": {"any_": ["SCHEDULED"]}}},
            "limit": 200})

    # The scheduler service creates upcoming runs every few seconds; give it a bounded while.
    deadline = time.monotonic() + 30
    runs: list[dict] = []
    while time.monotonic() < deadline:
        runs = scheduled_runs()
        if {r["deployment_id"] for r in runs} == set(with_schedules):
            break
        time.sleep(1)
    scheduled = [{"deployment": with_schedules[r["deployment_id"]]["name"], "expected_start_time": r["expected_start_time"],
                  "parameters": r["parameters"]} for r in runs]
    for d in with_schedules.values():
        for schedule in d["schedules"]:
            prefect_server.api("PATCH", f"/deployments/{d['id']}/schedules/{schedule['id']}", {"active": False})
    for r in scheduled_runs():
        prefect_server.api("DELETE", f"/flow_runs/{r['id']}")
    return Deployed(prefect_server, names, scheduled, round(time.monotonic() - started, 1))


@pytest.fixture(scope="session")
def worker(deployed: Deployed) -> subprocess.Popen:
    """One `process` worker on the pool, polling every second."""
    server = deployed.server
    proc = server.start("worker", [str(BIN / "prefect"), "worker", "start", "--pool", POOL, "--type", "process",
                                   "--name", "tests-worker"])
    wait_for("the worker to register with its pool",
             lambda: proc.poll() is None and server.api("POST", f"/work_pools/{POOL}/workers/filter", {}), 90, 1.0)
    return proc


@dataclass
class FirstRun:
    flow_run_id: str
    flow_run: dict
    inbox: Path
    seconds: float


@pytest.fixture(scope="session")
def first_run(deployed: Deployed, worker, tmp_path_factory) -> FirstRun:
    """A real deployment run through the worker, small and real: the trustee-report discovery
    deployment on an inbox holding one unrecognised file (quarantined, the run still publishes)."""
    server = deployed.server
    inbox = tmp_path_factory.mktemp("inbox-first")
    (inbox / "周报备注.txt").write_text("这不是受托机构报告 — not a trustee report\n", encoding="utf-8")
    started = time.monotonic()
    flow_run_id = server.run_deployment("discover_trustee_reports", "discover-trustee-reports-business-hours",
                                        {"source": "inbox", "inbox_paths": [str(inbox)], "calendar": "every_day"})
    run = server.wait_for_run(flow_run_id)
    return FirstRun(flow_run_id, run, inbox, round(time.monotonic() - started, 1))
